package morsim_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/mor-operator/mor-operator/internal/morsim"
)

func TestHandEditRule(t *testing.T) {
	sim := morsim.New(morsim.DefaultSeed())
	srv := httptest.NewServer(sim)
	defer srv.Close()
	var id int64
	for k := range sim.Snapshot().Rules {
		if id == 0 || k < id {
			id = k
		}
	}
	before := *sim.Snapshot().Rules[id]
	post := func(path string, form url.Values) (int, string) {
		t.Helper()
		resp, err := http.PostForm(srv.URL+path, form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, strings.TrimSpace(string(b))
	}
	rulePath := "/_sim/rules/" + strconv.FormatInt(id, 10)
	for _, tc := range []struct {
		name   string
		path   string
		form   url.Values
		status int
		body   string
	}{
		{"edits like the GUI", rulePath, url.Values{"add": {"0044"}, "name": {" hand made "}}, http.StatusOK, `"add": "0044"`},
		{"validated like location_rule_update", rulePath, url.Values{"minlen": {"50"}, "maxlen": {"10"}}, http.StatusUnprocessableEntity, morsim.TextRuleMinGreaterThanMax},
		{"unknown rule", "/_sim/rules/999999", url.Values{"add": {"1"}}, http.StatusNotFound, morsim.TextRuleNotFound},
		{"bad id", "/_sim/rules/x", nil, http.StatusBadRequest, "rule id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := post(tc.path, tc.form)
			if status != tc.status || !strings.Contains(body, tc.body) {
				t.Fatalf("POST %s = %d %q, want %d containing %q", tc.path, status, body, tc.status, tc.body)
			}
		})
	}
	got := *sim.Snapshot().Rules[id]
	want := before
	want.Add, want.Name = "0044", " hand made "
	if got != want {
		t.Fatalf("rule after edits = %+v, want %+v (only the valid edit applied, exactly)", got, want)
	}
	if n := len(sim.Requests()); n != 0 {
		t.Fatalf("hand edits logged %d API requests, want 0", n)
	}
}
