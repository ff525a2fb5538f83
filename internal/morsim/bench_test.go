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
