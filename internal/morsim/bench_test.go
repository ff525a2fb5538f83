package morsim

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// benchCall POSTs signed forms over one keep-alive connection per goroutine and reports
// requests per second.
func benchCall(b *testing.B, method string, params func(i int) map[string]string, want string) {
	sim := New(DefaultSeed())
	ts := httptest.NewServer(sim)
	defer ts.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	do := func(i int) error {
		p := params(i)
		p["u"] = "admin"
		p["hash"] = testHash(method, p, adminKey)
		form := url.Values{}
		for k, v := range p {
			form.Set(k, v)
		}
		res, err := client.Post(ts.URL+"/billing/api/"+method, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			return err
		}
		body, err := io.ReadAll(res.Body)
		_ = res.Body.Close()
		if err != nil {
			return err
		}
		if !strings.Contains(string(body), want) {
			return fmt.Errorf("unexpected answer: %s", body)
		}
		return nil
	}
	if err := do(0); err != nil { // warm the connection
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if err := do(i); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
}

func BenchmarkServeLocationRuleGet(b *testing.B) {
	benchCall(b, "location_rule_get", func(i int) map[string]string {
		return map[string]string{"location_rule_id": fmt.Sprint(i%20 + 1)}
	}, "<location_rule>")
}

func BenchmarkServeLocationRuleUpdate(b *testing.B) {
	benchCall(b, "location_rule_update", func(i int) map[string]string {
		return map[string]string{"location_rule_id": fmt.Sprint(i%20 + 1), "name": fmt.Sprintf("bench %d", i), "enabled": fmt.Sprint(i % 2)}
	}, "Rule updated")
}

// BenchmarkListLocation answers one location_rules_get page of one location (100
// rules) while the server holds few or many other rules (the time per op must not
// move with them), and pages of two sizes (it grows with the page). It calls the
// handler directly, without a network, so the listing is what is measured: a scale
// benchmark must measure the operator, not the simulator.
func BenchmarkListLocation(b *testing.B) {
	for _, bc := range []struct {
		name      string
		locations int
		page      int
	}{
		{"rules=1k/page=100", 10, 100},
		{"rules=50k/page=100", 500, 100},
		{"rules=50k/page=10", 500, 10},
	} {
		b.Run(bc.name, func(b *testing.B) {
			sim := New(ScaleSeed(Scale{Locations: bc.locations, RulesPerLocation: 100}))
			p := map[string]string{"u": "admin", "location_id": fmt.Sprint(ScaleLocationBase + 1), "max_results": fmt.Sprint(bc.page)}
			p["hash"] = testHash("location_rules_get", p, adminKey)
			form := url.Values{}
			for k, v := range p {
				form.Set(k, v)
			}
			body := form.Encode()
			b.ReportAllocs()
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/billing/api/location_rules_get", strings.NewReader(body))
				r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				w := httptest.NewRecorder()
				sim.ServeHTTP(w, r)
				if n := strings.Count(w.Body.String(), "<location_rule>"); n != bc.page {
					b.Fatalf("%d rules listed, want %d:\n%s", n, bc.page, w.Body.String())
				}
			}
		})
	}
}
