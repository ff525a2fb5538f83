package morsim

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestCounters(t *testing.T) {
	get := func(e *env) Counters {
		t.Helper()
		var c Counters
		if r := e.send(http.MethodGet, "/_sim/counters", "", ""); r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &c) != nil {
			t.Fatalf("GET /_sim/counters: %d %s", r.status, r.body)
		}
		return c
	}
	for _, tc := range []struct {
		name string
		do   func(e *env)
		want map[string]MethodCounts // by method; Total of Counters is their sum
	}{
		{"none", func(*env) {}, nil},
		{"a read, a refusal, a write", func(e *env) {
			e.admin("system_version_get", nil)
			e.admin("location_rule_get", map[string]string{"location_rule_id": "1"})
			e.admin("location_rule_get", map[string]string{"location_rule_id": "999"})
			e.admin("location_rule_delete", map[string]string{"location_rule_id": "1"})
		}, map[string]MethodCounts{
			"system_version_get":   {Total: 1, OK: 1, Outcomes: map[string]int64{OutcomeRead: 1}},
			"location_rule_get":    {Total: 2, OK: 1, Outcomes: map[string]int64{OutcomeRead: 1, TextLocationRuleNotFound: 1}},
			"location_rule_delete": {Total: 1, OK: 1, Outcomes: map[string]int64{TextRuleDeleted: 1}},
		}},
		{"faults count too", func(e *env) {
			e.sim.SetFaults(Faults{ErrorRate: 1})
			e.admin("location_rule_get", map[string]string{"location_rule_id": "1"})
			e.sim.SetFaults(Faults{TooManyRate: 1, RetryAfterSeconds: 1})
			e.admin("location_rule_get", map[string]string{"location_rule_id": "1"})
			e.sim.SetFaults(Faults{})
		}, map[string]MethodCounts{
			"location_rule_get": {Total: 2, Outcomes: map[string]int64{OutcomeFaultHTTP500: 1, OutcomeFaultTooMany: 1}},
		}},
		{"more than the request log keeps", func(e *env) {
			for range maxRequests + 5 {
				e.sim.record(Request{Method: "location_rules_get", OK: true, Outcome: OutcomeRead})
			}
		}, map[string]MethodCounts{
			"location_rules_get": {Total: maxRequests + 5, OK: maxRequests + 5, Outcomes: map[string]int64{OutcomeRead: maxRequests + 5}},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tc.do(e)
			got := get(e)
			var total int64
			for m, w := range tc.want {
				total += w.Total
				g := got.Methods[m]
				if g == nil || g.Total != w.Total || g.OK != w.OK || len(g.Outcomes) != len(w.Outcomes) {
					t.Fatalf("%s: got %+v, want %+v", m, g, w)
				}
				for o, n := range w.Outcomes {
					if g.Outcomes[o] != n {
						t.Fatalf("%s outcome %q: %d, want %d", m, o, g.Outcomes[o], n)
					}
				}
				if got.Of(m) != w.Total {
					t.Fatalf("Of(%s) = %d", m, got.Of(m))
				}
			}
			if got.Total != total || len(got.Methods) != len(tc.want) {
				t.Fatalf("total %d over %d methods, want %d over %d", got.Total, len(got.Methods), total, len(tc.want))
			}
		})
	}
}

// The counters reset on their own (DELETE, ResetCounters) and with Reset, not with the
// request log; a copy handed out does not change afterwards.
func TestCountersReset(t *testing.T) {
	e := newEnv(t)
	e.admin("system_version_get", nil)
	snap := e.sim.Counters()
	e.sim.ResetRequests()
	e.admin("system_version_get", nil)
	if n := e.sim.Counters().Of("system_version_get"); n != 2 || snap.Of("system_version_get") != 1 {
		t.Fatalf("after ResetRequests: %d (copy %d)", n, snap.Of("system_version_get"))
	}
	if r := e.send(http.MethodDelete, "/_sim/counters", "", ""); r.status != http.StatusNoContent || e.sim.Counters().Total != 0 {
		t.Fatalf("DELETE /_sim/counters: %d, total %d", r.status, e.sim.Counters().Total)
	}
	e.admin("system_version_get", nil)
	e.sim.Reset()
	if c := e.sim.Counters(); c.Total != 0 || c.Methods == nil {
		t.Fatalf("after Reset: %+v", c)
	}
	if r := e.send(http.MethodPost, "/_sim/counters", "", ""); r.status != http.StatusMethodNotAllowed {
		t.Fatalf("POST /_sim/counters: %d", r.status)
	}
}

// The added latency delays every API request and, unlike faults, survives Reset.
func TestAddedLatency(t *testing.T) {
	e := newEnv(t)
	const d = 30 * time.Millisecond
	e.sim.SetLatency(d)
	e.sim.Reset()
	start := time.Now()
	e.admin("system_version_get", nil)
	if el := time.Since(start); el < d {
		t.Fatalf("answered in %v, want at least %v", el, d)
	}
	if e.sim.Latency() != d || e.sim.Faults() != (Faults{}) {
		t.Fatalf("after Reset: latency %v, faults %+v", e.sim.Latency(), e.sim.Faults())
	}
}
