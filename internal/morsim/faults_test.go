package morsim

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	e := newEnv(t)
	p := map[string]string{"u": "admin", "did_id": "3"}
	p["hash"] = testHash("did_rates_details_get", p, adminKey)
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	post := func(ctx context.Context) (*http.Response, string, error) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, e.ts.URL+"/billing/api/did_rates_details_get", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := e.ts.Client().Do(req)
		if err != nil {
			return nil, "", err
		}
		defer func() { _ = res.Body.Close() }()
		b, err := io.ReadAll(res.Body)
		return res, string(b), err
	}
	lastOutcome := func() string {
		reqs := e.sim.Requests()
		return reqs[len(reqs)-1].Outcome
	}

	t.Run("error rate 1: HTTP 500 with HTML", func(t *testing.T) {
		e.sim.SetFaults(Faults{ErrorRate: 1})
		res, body, err := post(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 500 || !strings.Contains(body, "<html>") {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		if lastOutcome() != OutcomeFaultHTTP500 {
			t.Fatalf("outcome %q", lastOutcome())
		}
	})
	t.Run("non-XML rate 1: 200 HTML login page", func(t *testing.T) {
		e.sim.SetFaults(Faults{NonXMLRate: 1})
		res, body, err := post(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != 200 || !strings.HasPrefix(body, "<!DOCTYPE html>") || !strings.Contains(body, "login") {
			t.Fatalf("%d %s", res.StatusCode, body)
		}
		if lastOutcome() != OutcomeFaultNonXML {
			t.Fatalf("outcome %q", lastOutcome())
		}
	})
	t.Run("down: the client sees a connection error", func(t *testing.T) {
		e.sim.SetFaults(Faults{Down: true})
		if _, _, err := post(context.Background()); err == nil {
			t.Fatal("no error while down")
		}
		if !strings.HasPrefix(lastOutcome(), OutcomeFaultPrefix) {
			t.Fatalf("outcome %q", lastOutcome())
		}
	})
	t.Run("latency respects the request context", func(t *testing.T) {
		e.sim.SetFaults(Faults{Latency: time.Hour})
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		if _, _, err := post(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("small latency then an answer", func(t *testing.T) {
		e.sim.SetFaults(Faults{Latency: time.Millisecond})
		start := time.Now()
		_, body, err := post(context.Background())
		if err != nil || time.Since(start) < time.Millisecond {
			t.Fatalf("err %v after %v", err, time.Since(start))
		}
		if fields(t, body, "did")["id"] != "3" {
			t.Fatal(body)
		}
	})
	t.Run("rates 0 and Reset clear faults", func(t *testing.T) {
		e.sim.SetFaults(Faults{ErrorRate: 0, NonXMLRate: 0})
		if _, body, err := post(context.Background()); err != nil || fields(t, body, "did")["id"] != "3" {
			t.Fatalf("%v %s", err, body)
		}
		e.sim.SetFaults(Faults{Down: true})
		e.sim.Reset()
		if e.sim.Faults() != (Faults{}) {
			t.Fatalf("faults after reset %+v", e.sim.Faults())
		}
		if _, _, err := post(context.Background()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("faults spare /_sim", func(t *testing.T) {
		e.sim.SetFaults(Faults{Down: true, ErrorRate: 1})
		defer e.sim.SetFaults(Faults{})
		if r := e.send(http.MethodGet, "/_sim/faults", "", ""); r.status != 200 {
			t.Fatalf("%d", r.status)
		}
	})
}

func TestSimEndpoints(t *testing.T) {
	e := newEnv(t)
	// faults: duration string and nanoseconds.
	r := e.send(http.MethodPost, "/_sim/faults", "application/json", `{"latency":"250ms","errorRate":0.5}`)
	if r.status != 200 || e.sim.Faults() != (Faults{Latency: 250 * time.Millisecond, ErrorRate: 0.5}) {
		t.Fatalf("%d %s %+v", r.status, r.body, e.sim.Faults())
	}
	var f Faults
	if err := json.Unmarshal([]byte(r.body), &f); err != nil || f.Latency != 250*time.Millisecond || !strings.Contains(r.body, `"250ms"`) {
		t.Fatalf("answer %s: %v", r.body, err)
	}
	r = e.send(http.MethodPost, "/_sim/faults", "application/json", `{"latency":1000000,"nonXMLRate":1,"down":true}`)
	if e.sim.Faults() != (Faults{Latency: time.Millisecond, NonXMLRate: 1, Down: true}) {
		t.Fatalf("%s %+v", r.body, e.sim.Faults())
	}
	for _, bad := range []string{`{"latency":"soon"}`, `{"errorRate":2}`, `{"latency":-5}`, `[`} {
		if r := e.send(http.MethodPost, "/_sim/faults", "application/json", bad); r.status != 400 {
			t.Errorf("%s: %d", bad, r.status)
		}
	}
	r = e.send(http.MethodGet, "/_sim/faults", "", "")
	if !strings.Contains(r.body, `"1ms"`) {
		t.Fatalf("GET faults %s", r.body)
	}
	e.sim.SetFaults(Faults{})

	// state and requests.
	e.admin("location_rule_delete", map[string]string{"location_rule_id": "5"})
	r = e.send(http.MethodGet, "/_sim/state", "", "")
	var st State
	if err := json.Unmarshal([]byte(r.body), &st); err != nil || len(st.Rules) != 19 || st.Users["admin"].Role != RoleAdmin {
		t.Fatalf("state: %v %d rules", err, len(st.Rules))
	}
	for _, key := range []string{`"quickForwardRules"`, `"nextRuleID"`, `"lrType"`, `"secretKey"`} {
		if !strings.Contains(r.body, key) {
			t.Errorf("state JSON lacks %s", key)
		}
	}
	r = e.send(http.MethodGet, "/_sim/requests", "", "")
	var reqs []Request
	if err := json.Unmarshal([]byte(r.body), &reqs); err != nil || len(reqs) != 1 || reqs[0].Outcome != TextRuleDeleted || reqs[0].Params["hash"] != "***" {
		t.Fatalf("requests %s %v", r.body, err)
	}
	if strings.Contains(r.body, testHash("location_rule_delete", map[string]string{"location_rule_id": "5"}, adminKey)) {
		t.Fatal("hash leaked in /_sim/requests")
	}
	if r := e.send(http.MethodDelete, "/_sim/requests", "", ""); r.status != 204 || len(e.sim.Requests()) != 0 {
		t.Fatalf("DELETE requests %d", r.status)
	}
	if r := e.send(http.MethodGet, "/_sim/requests", "", ""); strings.TrimSpace(r.body) != "[]" {
		t.Fatalf("empty requests %q", r.body)
	}
	// reset.
	if r := e.send(http.MethodGet, "/_sim/reset", "", ""); r.status != 405 {
		t.Fatalf("GET reset %d", r.status)
	}
	e.admin("location_rule_delete", map[string]string{"location_rule_id": "6"})
	if r := e.send(http.MethodPost, "/_sim/reset", "", ""); r.status != 204 {
		t.Fatalf("reset %d", r.status)
	}
	if s := e.sim.Snapshot(); len(s.Rules) != 20 || len(e.sim.Requests()) != 0 {
		t.Fatalf("after reset: %d rules, %d requests", len(s.Rules), len(e.sim.Requests()))
	}
	if r := e.send(http.MethodGet, "/_sim/nothing", "", ""); r.status != 404 {
		t.Fatalf("unknown /_sim path %d", r.status)
	}
}
