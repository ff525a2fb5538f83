// Package prometheus_test checks the alerts and the dashboard of config/prometheus: every
// expression parses as PromQL, the alerts fire (and stay quiet) as their unit tests say,
// in the style of `promtool test rules`, and every metric they use is one a live manager
// exports.
package prometheus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/model/rulefmt"
	"github.com/prometheus/prometheus/promql/parser"
	"github.com/prometheus/prometheus/template"
	"sigs.k8s.io/yaml"
)

var promQL = parser.NewParser(parser.Options{})

// loadRules reads rules.yaml as the Prometheus Operator's type (unknown fields refused)
// and its groups as Prometheus reads a rule file, validated as `promtool check rules`
// does: expressions parse, label and annotation templates parse.
func loadRules(t *testing.T) []rulefmt.Rule {
	t.Helper()
	b, err := os.ReadFile("rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var pr monitoringv1.PrometheusRule
	if err := yaml.UnmarshalStrict(b, &pr); err != nil {
		t.Fatalf("rules.yaml is not a PrometheusRule: %v", err)
	}
	spec, err := yaml.Marshal(pr.Spec)
	if err != nil {
		t.Fatal(err)
	}
	groups, errs := rulefmt.Parse(spec, false, model.UTF8Validation, promQL, slog.Default())
	for _, err := range errs {
		t.Errorf("rules.yaml: %v", err)
	}
	if groups == nil {
		t.FailNow()
	}
	var out []rulefmt.Rule
	for _, g := range groups.Groups {
		out = append(out, g.Rules...)
	}
	return out
}

// TestAlertsAreComplete: the alerts the project promises exist, each with a severity, a
// summary and a description.
func TestAlertsAreComplete(t *testing.T) {
	var names []string
	for _, r := range loadRules(t) {
		names = append(names, r.Alert)
		if !slices.Contains([]string{"critical", "warning"}, r.Labels["severity"]) {
			t.Errorf("%s: severity %q", r.Alert, r.Labels["severity"])
		}
		if r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
			t.Errorf("%s: no summary or description", r.Alert)
		}
		t.Logf("%s (for %s, %s): %s", r.Alert, r.For, r.Labels["severity"], strings.Join(strings.Fields(r.Expr), " "))
	}
	want := []string{"MorDriftCorrectedRepeatedly", "MorOperatorDown", "MorRequestErrorsHigh",
		"MorResourcesNotReady", "MorServerUnavailable"}
	slices.Sort(names)
	if !slices.Equal(names, want) {
		t.Errorf("alerts %v, want %v", names, want)
	}
}

// firing is an alert that fires at a time: its labels and its summary.
type firing struct {
	labels  map[string]string
	summary string
}

// evalAlert evaluates one alert every minute from 0 to the last of at, over series
// (promtool's input_series notation, one sample a minute), and returns what fires at
// each time of at, as Prometheus's rule manager would: a series of the expression's
// result is pending from the first evaluation that returns it, firing once it has been
// returned at every evaluation for the rule's `for`; its summary is expanded by
// Prometheus's template expander. (Prometheus's rules package does the same, with its
// notifier and the cloud SDKs that brings.)
func evalAlert(t *testing.T, rule rulefmt.Rule, series string, at ...time.Duration) map[time.Duration][]firing {
	t.Helper()
	query := newQuery(t, syntheticSeries(t, series))
	activeAt := map[string]time.Duration{} // by the result series' labels
	out := map[time.Duration][]firing{}
	for ts := time.Duration(0); ts <= slices.Max(at); ts += time.Minute {
		now := time.Unix(0, 0).Add(ts)
		vec, err := query(context.Background(), rule.Expr, now)
		if err != nil {
			t.Fatalf("%s at %s: %v", rule.Alert, ts, err)
		}
		seen := map[string]bool{}
		var fired []firing
		for _, s := range vec {
			key := s.Metric.String()
			seen[key] = true
			if _, ok := activeAt[key]; !ok {
				activeAt[key] = ts
			}
			if ts-activeAt[key] < time.Duration(rule.For) {
				continue
			}
			lb := labels.NewBuilder(s.Metric)
			lb.Del(model.MetricNameLabel)
			lb.Set(labels.AlertName, rule.Alert)
			for k, v := range rule.Labels {
				lb.Set(k, v)
			}
			l := lb.Labels()
			data := template.AlertTemplateData(l.Map(), nil, "", s)
			summary, err := template.NewTemplateExpander(context.Background(),
				"{{$labels := .Labels}}{{$value := .Value}}"+rule.Annotations["summary"], "summary", data,
				model.Time(now.UnixMilli()), query, nil, nil).Expand()
			if err != nil {
				t.Fatalf("%s: summary: %v", rule.Alert, err)
			}
			fired = append(fired, firing{l.Map(), summary})
		}
		for key := range activeAt {
			if !seen[key] {
				delete(activeAt, key) // resolved: pending starts again
			}
		}
		if slices.Contains(at, ts) {
			out[ts] = append([]firing{}, fired...) // nothing firing is an answer too
		}
	}
	return out
}

func TestAlerts(t *testing.T) {
	byName := map[string]rulefmt.Rule{}
	for _, r := range loadRules(t) {
		byName[r.Alert] = r
	}
	type want map[time.Duration][]firing
	fire := func(summary string, kv ...string) []firing {
		l := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			l[kv[i]] = kv[i+1]
		}
		return []firing{{l, summary}}
	}
	none := []firing{}
	for _, tt := range []struct {
		name, alert, series string
		want                want
	}{
		{
			name: "breaker held for 5 minutes", alert: "MorServerUnavailable",
			series: `mor_server_held{server="shop/mor", pod="a"} 0 0 1x20`,
			want: want{6 * time.Minute: none, 7 * time.Minute: fire("MOR server shop/mor is unavailable",
				"alertname", "MorServerUnavailable", "server", "shop/mor", "severity", "critical")},
		},
		{
			name: "breaker flapping never holds for 5 minutes", alert: "MorServerUnavailable",
			series: `mor_server_held{server="shop/mor", pod="a"} 1 0 1 0 1 0 1 0 1 0 1 0 1 0`,
			want:   want{7 * time.Minute: none, 13 * time.Minute: none},
		},
		{
			name: "breaker held across a leader change: one alert per server", alert: "MorServerUnavailable",
			series: `mor_server_held{server="shop/mor", pod="old"} 1 1 1 1 1 1 1 1 1 1
mor_server_held{server="shop/mor", pod="new"} _ _ _ 1 1 1 1 1 1 1`,
			want: want{5 * time.Minute: fire("MOR server shop/mor is unavailable",
				"alertname", "MorServerUnavailable", "server", "shop/mor", "severity", "critical")},
		},
		{
			name: "breaker closed", alert: "MorServerUnavailable",
			series: `mor_server_held{server="shop/mor", pod="a"} 0x20`,
			want:   want{20 * time.Minute: none},
		},
		{
			name: "resources not Ready for 15 minutes", alert: "MorResourcesNotReady",
			series: `mor_managed_resources{kind="LocationRule", ready="false"} 0 0 2x30
mor_managed_resources{kind="LocationRule", ready="true"} 5x32
mor_managed_resources{kind="DIDRate", ready="false"} 0x32`,
			want: want{16 * time.Minute: none, 17 * time.Minute: fire("2 LocationRule resources are not Ready",
				"alertname", "MorResourcesNotReady", "kind", "LocationRule", "severity", "warning")},
		},
		{
			name: "resources Ready again within 15 minutes", alert: "MorResourcesNotReady",
			series: `mor_managed_resources{kind="DIDRate", ready="false"} 3x10 0x20`,
			want:   want{15 * time.Minute: none, 30 * time.Minute: none},
		},
		{
			name: "drift corrected every minute", alert: "MorDriftCorrectedRepeatedly",
			series: `mor_drift_corrections_total{kind="LocationRule"} 0+1x60`,
			want: want{2 * time.Minute: none, 10 * time.Minute: fire("MOR drift of LocationRule corrected 10 times in an hour",
				"alertname", "MorDriftCorrectedRepeatedly", "kind", "LocationRule", "severity", "warning")},
		},
		{
			name: "drift corrected twice an hour", alert: "MorDriftCorrectedRepeatedly",
			series: `mor_drift_corrections_total{kind="LocationRule"} 0x29 1x30 2x30`,
			want:   want{60 * time.Minute: none, 90 * time.Minute: none},
		},
		{
			name: "a sixth of the requests fail", alert: "MorRequestErrorsHigh",
			series: `mor_requests_total{server="shop/mor", method="location_rules_get", outcome="success"} 0+50x40
mor_requests_total{server="shop/mor", method="location_rules_get", outcome="transient"} 0+10x40`,
			want: want{10 * time.Minute: none, 12 * time.Minute: fire("16.67% of MOR requests to shop/mor fail",
				"alertname", "MorRequestErrorsHigh", "server", "shop/mor", "severity", "warning")},
		},
		{
			name: "one failed probe of an idle server", alert: "MorRequestErrorsHigh",
			series: `mor_requests_total{server="shop/mor", method="system_version_get", outcome="success"} 0x40
mor_requests_total{server="shop/mor", method="system_version_get", outcome="transient"} 0 0 1x38`,
			want: want{15 * time.Minute: none, 30 * time.Minute: none},
		},
		{
			name: "the only manager is down", alert: "MorOperatorDown",
			series: `up{job="mor-operator", namespace="mor-operator-system", service="mor-operator-controller-manager-metrics-service", pod="a"} 0x20`,
			want: want{9 * time.Minute: none, 10 * time.Minute: fire("The mor-operator manager is down",
				"alertname", "MorOperatorDown", "namespace", "mor-operator-system",
				"service", "mor-operator-controller-manager-metrics-service", "severity", "critical")},
		},
		{
			name: "the manager is not scraped at all", alert: "MorOperatorDown",
			series: `up{job="other"} 1x20`,
			want: want{10 * time.Minute: fire("The mor-operator manager is down",
				"alertname", "MorOperatorDown", "job", "mor-operator", "severity", "critical")},
		},
		{
			name: "one of two replicas down", alert: "MorOperatorDown",
			series: `up{job="mor-operator", namespace="mor-operator-system", service="s", pod="a"} 0x20
up{job="mor-operator", namespace="mor-operator-system", service="s", pod="b"} 1x20`,
			want: want{20 * time.Minute: none},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rule, ok := byName[tt.alert]
			if !ok {
				t.Fatalf("no alert %s", tt.alert)
			}
			var at []time.Duration
			for ts := range tt.want {
				at = append(at, ts)
			}
			got := evalAlert(t, rule, tt.series, at...)
			for ts, w := range tt.want {
				g, _ := json.Marshal(got[ts])
				wb, _ := json.Marshal(w)
				if !bytes.Equal(g, wb) {
					t.Errorf("at %s firing %v, want %v", ts, got[ts], w)
				}
			}
		})
	}
}
