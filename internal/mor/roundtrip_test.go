package mor_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// roundTripNames are rule names that must come back from MOR exactly as sent (the CRD
// refuses what XML 1.0 cannot carry: other control characters and CR, which XML
// parsers turn into LF; api/v1alpha1's validation tests cover those).
var roundTripNames = map[string]string{
	"unicode":          "Zürich → 東京 📞",
	"plus":             "+44 to 0044",
	"ampersand":        "a & b",
	"equals":           "a=b&c=d",
	"less-than":        "x < y > z",
	"quotes":           `"double" and 'single'`,
	"CDATA end":        "a]]>b",
	"inner spaces":     "two  spaces   three",
	"leading spaces":   "  leading",
	"trailing spaces":  "trailing  ",
	"tab":              "tab\tinside",
	"line feed":        "line\nfeed",
	"byte order mark":  "\ufeffbom",
	"255 characters":   strings.Repeat("é", 255),
	"entity-like text": "&amp; is not &",
}

// TestValuesRoundTrip: each name, created through the real client over HTTP, reads
// back exactly by get and by listing, and compares equal (no diff, no write).
func TestValuesRoundTrip(t *testing.T) {
	sim := morsim.New(morsim.DefaultSeed())
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := mor.New(mor.Config{BaseURL: srv.URL + "/billing", Username: "admin", SecretKey: morsim.DefaultAdminSecret, QPS: 1e6, Burst: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	i := 0
	for label, name := range roundTripNames {
		t.Run(label, func(t *testing.T) {
			i++
			p := &mor.Params{}
			cut := "00" + strconv.Itoa(900+i)
			mor.Add(p, "spec.name", "name", &name)
			mor.Add(p, "spec.cut", "cut", &cut)
			id, err := c.CreateLocationRule(ctx, 2, p.Fields())
			if err != nil {
				t.Fatal(err)
			}
			if got := sim.Snapshot().Rules[id].Name; got != name {
				t.Fatalf("MOR stored %q, sent %q", got, name)
			}
			got, err := c.GetLocationRule(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got["name"] != name || len(p.Diff(got)) != 0 {
				t.Fatalf("get read %q (diff %v), want %q", got["name"], p.Diff(got), name)
			}
			listed, err := c.ListLocationRules(ctx, 2)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range listed {
				if r["id"] == strconv.FormatInt(id, 10) && r["name"] != name {
					t.Fatalf("listing read %q, want %q", r["name"], name)
				}
			}
		})
	}
}

// TestRejectionCarriesMORsDetails: "Rule must be unique" arrives with the <message> MOR
// sends beside it, and the status message carries both.
func TestRejectionCarriesMORsDetails(t *testing.T) {
	sim := morsim.New(morsim.DefaultSeed())
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := mor.New(mor.Config{BaseURL: srv.URL + "/billing", Username: "admin", SecretKey: morsim.DefaultAdminSecret})
	if err != nil {
		t.Fatal(err)
	}
	r4 := sim.Snapshot().Rules[4] // same location as rule 1
	err = c.UpdateLocationRule(context.Background(), 1, mor.Fields{"cut": r4.Cut, "add": r4.Add})
	var e *mor.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want a *mor.Error", err)
	}
	if got, want := e.Message(), "Rule must be unique: Conflicts with rule 4"; got != want {
		t.Fatalf("Message() = %q, want %q", got, want)
	}
	if got := verdict.Of(err).Message; got != e.Message() {
		t.Fatalf("the verdict's message %q drops MOR's details", got)
	}
}

// A MOR answer with huge details cannot break the status write: the message is bounded.
func TestMessageIsBounded(t *testing.T) {
	e := &mor.Error{Class: mor.Rejected, Text: "Rule must be unique", Details: []string{strings.Repeat("é", 40000)}}
	if m := e.Message(); len(m) > 4100 || !strings.HasPrefix(m, "Rule must be unique: é") || !utf8.ValidString(m) {
		t.Fatalf("Message() is %d bytes (valid UTF-8: %v)", len(m), utf8.ValidString(m))
	}
}

// Refused credentials read the same in a resource's status as on the plugin's stderr
// (one function words both): MOR's text, then what to check.
func TestRefusedCredentialsVerdict(t *testing.T) {
	err := &mor.Error{Class: mor.Authentication, Method: mor.SystemVersionGet, Text: "Incorrect hash"}
	v := verdict.Of(err)
	want := "MOR refused the credentials (Incorrect hash): check the username and the API key " +
		"(spec.username and the key in spec.secretKeyRef of the MorServer), and that the API is enabled for that user"
	if v.Reason != verdict.ReasonAuthenticationFailed || v.Message != want {
		t.Errorf("verdict %q: %q\nwant %q", v.Reason, v.Message, want)
	}
	if v.Message != mor.CredentialsRefused("Incorrect hash", "spec.username and the key in spec.secretKeyRef of the MorServer") {
		t.Error("the status wording is not mor.CredentialsRefused")
	}
}
