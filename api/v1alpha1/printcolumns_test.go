package v1alpha1_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/mor-operator/mor-operator/api/v1alpha1"
)

// table is what `kubectl get <plural> [-o wide]` prints, as the API server renders it:
// by column name, each row's cell, and the columns -o wide adds (priority > 0).
func table(g Gomega, ns, plural string) (rows map[string]map[string]any, wide map[string]bool) {
	hc, err := rest.HTTPClientFor(restConfig)
	g.Expect(err).NotTo(HaveOccurred())
	req, err := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/apis/%s/namespaces/%s/%s", strings.TrimRight(restConfig.Host, "/"), v1.GroupVersion, ns, plural), nil)
	g.Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	resp, err := hc.Do(req)
	g.Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close() //nolint:errcheck // read to the end below
	body, err := io.ReadAll(resp.Body)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(resp.StatusCode).To(Equal(http.StatusOK), req.URL.String()+": "+string(body))
	var t metav1.Table
	g.Expect(json.Unmarshal(body, &t)).To(Succeed())
	rows, wide = map[string]map[string]any{}, map[string]bool{}
	for _, c := range t.ColumnDefinitions {
		wide[c.Name] = c.Priority > 0
	}
	for _, r := range t.Rows {
		cells := map[string]any{}
		for i, c := range t.ColumnDefinitions {
			cells[c.Name] = r.Cells[i]
		}
		rows[fmt.Sprint(cells["Name"])] = cells
	}
	return rows, wide
}

// TestPrintColumns: kubectl get shows the MorServer a resource uses, "default" when
// serverRef is omitted, and LocationRules and DIDRates show their management policy
// ("Manage" when omitted), so ObserveOnly and Manage resources look different.
func TestPrintColumns(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	ns := newNamespace(t)
	observe := ptr(v1.ManagementPolicyObserveOnly)
	other := &v1.ServerReference{Name: "other"}
	create := func(name string, o client.Object) {
		o.SetName(name)
		o.SetNamespace(ns)
		g.Expect(k8s.Create(ctx, o)).To(Succeed())
	}
	create("omitted", locationRule(nil))
	create("observer", locationRule(func(s *v1.LocationRuleSpec) { s.ManagementPolicy, s.ServerRef = observe, other }))
	create("omitted", didRate(nil))
	create("observer", didRate(func(s *v1.DIDRateSpec) { s.ManagementPolicy, s.ServerRef = observe, other }))
	noSpec := &unstructured.Unstructured{}
	noSpec.SetGroupVersionKind(v1.GroupVersion.WithKind("MorDefaults")) // no spec at all
	create("omitted", noSpec)
	create("other", morDefaults(func(s *v1.MorDefaultsSpec) { s.ServerRef = other }))

	for _, tc := range []struct {
		plural string
		want   map[string]map[string]any // row → column → cell
		wide   map[string]bool           // column → only with -o wide
	}{
		{"locationrules", map[string]map[string]any{
			"omitted":  {"Server": "default", "Policy": "Manage"},
			"observer": {"Server": "other", "Policy": "ObserveOnly"},
		}, map[string]bool{"Policy": false, "Server": true}},
		{"didrates", map[string]map[string]any{
			"omitted":  {"Server": "default", "Policy": "Manage"},
			"observer": {"Server": "other", "Policy": "ObserveOnly"},
		}, map[string]bool{"Policy": false, "Server": true}},
		{"mordefaults", map[string]map[string]any{
			"omitted": {"Server": "default"},
			"other":   {"Server": "other"},
		}, map[string]bool{"Server": false}},
	} {
		t.Run(tc.plural, func(t *testing.T) {
			g := NewWithT(t)
			rows, wide := table(g, ns, tc.plural)
			for row, cells := range tc.want {
				g.Expect(rows).To(HaveKey(row))
				for col, want := range cells {
					g.Expect(rows[row]).To(HaveKeyWithValue(col, want), "row %s column %s", row, col)
				}
			}
			for col, w := range tc.wide {
				g.Expect(wide).To(HaveKeyWithValue(col, w), "column %s only with -o wide: %v", col, w)
			}
		})
	}
}
