package prometheus_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/prometheus/promql/parser"
)

// panel is what the tests read of a Grafana panel.
type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		UID string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

type dashboard struct {
	UID        string  `json:"uid"`
	Panels     []panel `json:"panels"`
	Templating struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

func loadDashboard(t *testing.T) dashboard {
	t.Helper()
	b, err := os.ReadFile("dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("dashboard.json: %v", err)
	}
	return d
}

// grafanaVars are Grafana's variables as a query would have them substituted.
var grafanaVars = strings.NewReplacer("$__rate_interval", "5m", "$server", "shop/mor")

// labelValues matches a variable's label_values(metric, label) query.
var labelValues = regexp.MustCompile(`^label_values\((\w+),\s*(\w+)\)$`)

// dashboardExprs are the PromQL expressions of every panel, variables substituted, and
// the metric selectors of the variables' label_values queries.
func dashboardExprs(t *testing.T, d dashboard) map[string]string {
	t.Helper()
	exprs := map[string]string{}
	for _, p := range d.Panels {
		for i, target := range p.Targets {
			exprs[p.Title+" #"+string(rune('A'+i))] = grafanaVars.Replace(target.Expr)
		}
	}
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		q, _ := v.Query.(map[string]any)
		s, _ := q["query"].(string)
		m := labelValues.FindStringSubmatch(s)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(metric, label)", v.Name, s)
			continue
		}
		exprs["variable "+v.Name] = m[1]
	}
	return exprs
}

// TestDashboard: every panel that shows data has a query on the chosen data source, every
// query parses as PromQL, the MOR panels follow the server variable.
func TestDashboard(t *testing.T) {
	d := loadDashboard(t)
	if d.UID == "" {
		t.Error("no uid: Grafana would make a new dashboard on each load")
	}
	for _, p := range d.Panels {
		if p.Type == "row" {
			continue
		}
		if len(p.Targets) == 0 || p.Datasource == nil || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %d %q: no targets or not on the ${datasource} variable", p.ID, p.Title)
		}
		for _, target := range p.Targets {
			if strings.Contains(target.Expr, "mor_requests_total") || strings.Contains(target.Expr, "mor_request_duration") ||
				strings.Contains(target.Expr, "mor_server_held") {
				if !strings.Contains(target.Expr, `server=~"$server"`) {
					t.Errorf("panel %q ignores the server variable: %s", p.Title, target.Expr)
				}
			}
		}
	}
	for name, expr := range dashboardExprs(t, d) {
		if _, err := promQL.ParseExpr(expr); err != nil {
			t.Errorf("%s: %v\n%s", name, err, expr)
		}
	}
}

// metricNames are the metric names an expression selects.
func metricNames(t *testing.T, expr string) []string {
	t.Helper()
	e, err := promQL.ParseExpr(expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	var names []string
	parser.Inspect(e, func(n parser.Node, _ []parser.Node) error {
		if vs, ok := n.(*parser.VectorSelector); ok {
			if vs.Name == "" {
				t.Errorf("%s: a selector without a metric name", expr)
			}
			names = append(names, vs.Name)
		}
		return nil
	})
	return names
}
