package mor

import (
	"context"
	"crypto/sha1" //nolint:gosec // MOR's API hash.
	"encoding/hex"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/mor-operator/mor-operator/internal/verdict"
)

func sha1Hex(s string) string {
	h := sha1.Sum([]byte(s)) //nolint:gosec // MOR's API hash.
	return hex.EncodeToString(h[:])
}

const tariffsXML = `<?xml version="1.0" encoding="UTF-8"?>
<page>
  <tariffs>
    <tariff>
      <id>3</id>
      <name>Zürich &amp; 東京  retail </name>
      <purpose>user</purpose>
      <currency>EUR</currency>
      <last_update_date>2022-06-13 14:50:06 +0300</last_update_date>
    </tariff>
    <tariff>
      <id> 7 </id>
      <name>Provider A</name>
      <purpose>provider</purpose>
      <currency>USD</currency>
      <last_update_date/>
    </tariff>
    <tariff>
      <id>9</id>
      <name>By provider</name>
      <purpose>user_by_provider</purpose>
      <currency>EUR</currency>
      <last_update_date></last_update_date>
      <delta_value>0.5</delta_value>
      <delta_percent>10</delta_percent>
    </tariff>
  </tariffs>
</page>
`

func TestListTariffs(t *testing.T) {
	srv := newFakeMOR(t, answer(tariffsXML))
	got, err := newTestClient(t, srv.URL, nil).ListTariffs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []Tariff{
		{ID: 3, Name: "Zürich & 東京  retail ", Purpose: PurposeUser, Currency: "EUR", LastUpdateDate: "2022-06-13 14:50:06 +0300"},
		{ID: 7, Name: "Provider A", Purpose: PurposeProvider, Currency: "USD"},
		{ID: 9, Name: "By provider", Purpose: PurposeUserByProvider, Currency: "EUR", DeltaValue: "0.5", DeltaPercent: "10"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ListTariffs =\n %+v, want\n %+v", got, want)
	}
	reqs := srv.seen()
	if len(reqs) != 1 || reqs[0].method() != "tariffs_get" || len(reqs[0].params()) != 0 || reqs[0].form.Get("u") != testUser {
		t.Fatalf("requests %+v", reqs)
	}
	if got, want := reqs[0].form.Get("hash"), sha1Hex(testUser+testKey); got != want {
		t.Errorf("hash %s, want SHA-1 of u and the key %s", got, want)
	}
}

// TestLookupAnswers: MOR's "none" is an empty result; its refusals stay errors, verbatim,
// with their class; an answer that lacks what a lookup returns is a transient fault.
func TestLookupAnswers(t *testing.T) {
	ctx := context.Background()
	lookups := map[string]func(*Client) (int, error){
		"tariffs_get": func(c *Client) (int, error) { l, err := c.ListTariffs(ctx); return len(l), err },
		"lcrs_get":    func(c *Client) (int, error) { l, err := c.ListLCRs(ctx, ""); return len(l), err },
		"dids_get":    func(c *Client) (int, error) { l, err := c.ListDIDs(ctx, ""); return len(l), err },
	}
	tests := []struct {
		method, body string
		class        Class // 0: an empty result
		reason       string
	}{
		{"tariffs_get", "<page><error>No Tariffs found</error></page>", 0, ""},
		{"tariffs_get", "<page><error>No tariffs found</error></page>", 0, ""},
		{"tariffs_get", "<page><tariffs></tariffs></page>", 0, ""},
		{"lcrs_get", "<page><error>No LCRs found</error></page>", 0, ""},
		{"lcrs_get", "<page><error>No LCRs found</error><message>s_name: Twin</message></page>", 0, ""},
		{"lcrs_get", "<page><lcrs/></page>", 0, ""},
		{"dids_get", "<page><dids/></page>", 0, ""},
		{"dids_get", "<page><error>No DIDs found</error></page>", 0, ""},
		{"tariffs_get", "<page><error>Access Denied</error></page>", Authentication, verdict.ReasonAuthenticationFailed},
		{"lcrs_get", "<page><error>Incorrect hash</error></page>", Authentication, verdict.ReasonAuthenticationFailed},
		{"dids_get", "<status><error>Incorrect hash</error></status>", Authentication, verdict.ReasonAuthenticationFailed},
		{"tariffs_get", "<page><error>You are not authorized to use this functionality</error></page>", Rejected, verdict.ReasonRejected},
		{"lcrs_get", "<page><error>You are not authorized to use this functionality</error></page>", Rejected, verdict.ReasonRejected},
		{"dids_get", "<page><error>You are not authorized to use this functionality</error></page>", Rejected, verdict.ReasonRejected},
		{"tariffs_get", "<page><error>No LCRs found</error></page>", Rejected, verdict.ReasonRejected}, // another method's "none"
		{"tariffs_get", "<page><tariffs><tariff><name>no id</name></tariff></tariffs></page>", Transient, ""},
		{"lcrs_get", "<page><lcrs><lcr><id>x</id></lcr></lcrs></page>", Transient, ""},
		{"dids_get", "<page><dids><did><did>370</did><id>0</id></did></dids></page>", Transient, ""},
		{"tariffs_get", "<html><body>Login</body></html>", Transient, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+": "+tt.body, func(t *testing.T) {
			srv := newFakeMOR(t, answer(tt.body))
			n, err := lookups[tt.method](newTestClient(t, srv.URL, nil))
			if ClassOf(err) != tt.class || n != 0 {
				t.Fatalf("%d listed, err %v; want class %v", n, err, tt.class)
			}
			if tt.class == Authentication || tt.class == Rejected {
				v := verdict.Of(err)
				text := tt.body[strings.Index(tt.body, "<error>")+len("<error>") : strings.Index(tt.body, "</error>")]
				if v.Reason != tt.reason || !strings.Contains(v.Message, text) {
					t.Errorf("verdict %q %q, want %q with MOR's text %q", v.Reason, v.Message, tt.reason, text)
				}
			}
		})
	}
}

// A permission MOR denies for one functionality is not a refused key: the other methods
// of the server keep going, whereas Access Denied holds them (the authentication gate).
func TestNotAuthorizedDoesNotHoldTheServer(t *testing.T) {
	for _, tt := range []struct {
		text string
		held bool
	}{
		{"You are not authorized to use this functionality", false},
		{"Access Denied", true},
	} {
		srv := newFakeMOR(t, func(w http.ResponseWriter, r request) {
			if r.method() == "tariffs_get" {
				_, _ = fmt.Fprintf(w, "<page><error>%s</error></page>", tt.text)
				return
			}
			_, _ = w.Write([]byte("<page><version>X17</version></page>"))
		})
		c := newTestClient(t, srv.URL, nil)
		if _, err := c.ListTariffs(context.Background()); err == nil {
			t.Fatalf("%s: no error", tt.text)
		}
		_, err := c.SystemVersion(context.Background())
		if held := len(srv.seen()) == 1; held != tt.held || (err != nil) != tt.held {
			t.Errorf("after %q: system_version_get held %v (err %v), want held %v", tt.text, held, err, tt.held)
		}
	}
}

func TestListLCRs(t *testing.T) {
	const body = `<page><lcrs>
<lcr><id>5</id><name>Twin</name><order>priority</order><first_provider_percent_limit>0</first_provider_percent_limit><failover_provider_id/><no_failover>1</no_failover><minimal_rate_margin_percent>2.5</minimal_rate_margin_percent><quality_routing_id>-1</quality_routing_id><allow_loss_calls>0</allow_loss_calls></lcr>
<lcr><id>6</id><name>twin</name></lcr>
<lcr><id>8</id><name>Twin</name><failover_provider_id>12</failover_provider_id></lcr>
</lcrs></page>`
	tests := []struct {
		name    string
		sName   string
		wantIDs []int64
	}{
		{"all", "", []int64{5, 6, 8}},
		{"by name: exact matches only, whatever MOR matched", "Twin", []int64{5, 8}},
		{"by name, none exact", "Tw", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeMOR(t, answer(body))
			got, err := newTestClient(t, srv.URL, nil).ListLCRs(context.Background(), tt.sName)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, l := range got {
				ids = append(ids, l.ID)
			}
			if !reflect.DeepEqual(ids, tt.wantIDs) {
				t.Errorf("ids %v, want %v", ids, tt.wantIDs)
			}
			r := srv.seen()[0]
			if sName, sent := r.form["s_name"]; sent != (tt.sName != "") || (sent && sName[0] != tt.sName) {
				t.Errorf("s_name sent %v %q", sent, sName)
			}
			if got, want := r.form.Get("hash"), sha1Hex(testUser+testKey); got != want {
				t.Errorf("hash %s, want SHA-1 of u and the key %s (s_name is not hashed)", got, want)
			}
		})
	}
	srv := newFakeMOR(t, answer(body))
	got, _ := newTestClient(t, srv.URL, nil).ListLCRs(context.Background(), "")
	want := LCR{ID: 5, Name: "Twin", Order: "priority", FirstProviderPercentLimit: "0", NoFailover: "1",
		MinimalRateMarginPercent: "2.5", QualityRoutingID: "-1", AllowLossCalls: "0"}
	if len(got) != 3 || got[0] != want || got[2].FailoverProviderID != "12" {
		t.Errorf("ListLCRs = %+v, want first %+v", got, want)
	}
}

// pagedDIDs serves dids_get from n DIDs with ids 1000+i, honouring the 1-based from and
// max_results unless ignorePaging; a page past the end answers "No DIDs found".
func pagedDIDs(n int, ignorePaging bool) func(http.ResponseWriter, request) {
	return func(w http.ResponseWriter, r request) {
		from, _ := strconv.Atoi(r.form.Get("from"))
		size, _ := strconv.Atoi(r.form.Get("max_results"))
		if ignorePaging {
			from, size = 1, 100
		}
		if from > n {
			_, _ = w.Write([]byte("<page><error>No DIDs found</error></page>"))
			return
		}
		var b strings.Builder
		b.WriteString("<page>\n<dids>\n")
		for i := from - 1; i < n && i < from-1+size; i++ {
			fmt.Fprintf(&b, "<did><did>3706%07d</did><status>active</status><reseller/><id>%d</id></did>\n", i, 1000+i)
		}
		b.WriteString("</dids>\n</page>\n")
		_, _ = w.Write([]byte(b.String()))
	}
}

func TestListDIDsPaging(t *testing.T) {
	tests := []struct {
		name      string
		dids      int
		wantFroms []string
	}{
		{"none", 0, []string{"1"}},
		{"one short page", 42, []string{"1"}},
		{"exactly one full page", 100, []string{"1", "101"}},
		{"two and a half pages", 250, []string{"1", "101", "201"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeMOR(t, pagedDIDs(tt.dids, false))
			got, err := newTestClient(t, srv.URL, nil).ListDIDs(context.Background(), "3706")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.dids {
				t.Fatalf("%d DIDs, want %d", len(got), tt.dids)
			}
			for i, d := range got {
				if d.ID != int64(1000+i) || d.Number != fmt.Sprintf("3706%07d", i) || d.Status != "active" {
					t.Fatalf("DID %d = %+v", i, d)
				}
			}
			var froms []string
			for _, r := range srv.seen() {
				if r.method() != "dids_get" || r.form.Get("search_did_number") != "3706" || r.form.Get("max_results") != "100" {
					t.Errorf("request %s %v", r.method(), r.form)
				}
				if got, want := r.form.Get("hash"), sha1Hex(testKey); got != want {
					t.Errorf("hash %s, want SHA-1 of the key alone %s", got, want)
				}
				froms = append(froms, r.form.Get("from"))
			}
			if !reflect.DeepEqual(froms, tt.wantFroms) {
				t.Errorf("pages from %v, want %v", froms, tt.wantFroms)
			}
		})
	}

	// No number: search_did_number is not sent.
	srv := newFakeMOR(t, pagedDIDs(3, false))
	if _, err := newTestClient(t, srv.URL, nil).ListDIDs(context.Background(), ""); err != nil {
		t.Fatal(err)
	}
	if _, sent := srv.seen()[0].form["search_did_number"]; sent {
		t.Error("search_did_number sent without a number")
	}

	// A server that ignores paging must not make the client loop forever.
	srv = newFakeMOR(t, pagedDIDs(300, true))
	if _, err := newTestClient(t, srv.URL, nil).ListDIDs(context.Background(), ""); ClassOf(err) != Transient {
		t.Errorf("err = %v, want Transient", err)
	}
	if n := len(srv.seen()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}
