package plugin

import (
	"context"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
)

// TestPlanNames: plan resolves a resource's names as the operator would and shows them
// beside their ids; a name that moved since the operator resolved it is an update, one
// that does not resolve is blocked with the operator's reason.
func TestPlanNames(t *testing.T) {
	sim, api, url := newSim(t, namesSeed(), 1e6)
	inSync := ready(metav1.ConditionTrue, "Available")
	named := func(name string, st v1alpha1.ResourceStatus, mutate func(*v1alpha1.LocationRuleSpec), resolved ...v1alpha1.ResolvedReference) *v1alpha1.LocationRule {
		r := rule(name, 1, ptr.To[int64](int64(len(name))), st)
		r.Spec.TariffID = nil
		mutate(&r.Spec)
		r.Status.Resolved = resolved
		return r
	}
	retail := named("retail", inSync, func(s *v1alpha1.LocationRuleSpec) {
		s.TariffName, s.LCRName = ptr.To("Retail"), ptr.To("Zürich & 東京 LCR")
	},
		v1alpha1.ResolvedReference{Field: "spec.tariffName", Name: "Retail", ID: 2}, v1alpha1.ResolvedReference{Field: "spec.lcrName", Name: "Zürich & 東京 LCR", ID: 4})
	moved := named("moved", inSync, func(s *v1alpha1.LocationRuleSpec) { s.TariffName = ptr.To("Standard") },
		v1alpha1.ResolvedReference{Field: "spec.tariffName", Name: "Standard", ID: 2})
	shared := named("shared", v1alpha1.ResourceStatus{}, func(s *v1alpha1.LocationRuleSpec) { s.LCRName = ptr.To("Twin") })
	missing := named("missing-name", v1alpha1.ResourceStatus{}, func(s *v1alpha1.LocationRuleSpec) { s.TariffName = ptr.To("Nope") })
	did := &v1alpha1.DIDRate{ObjectMeta: metav1.ObjectMeta{Namespace: "mor", Name: "did", Generation: 1},
		Spec: v1alpha1.DIDRateSpec{DIDNumber: ptr.To("37060000001"), ProviderTariffName: ptr.To("Standard"), OwnerTariffID: ptr.To[int64](0)}}
	did.Status.ResourceStatus = inSync
	did.Status.Resolved = []v1alpha1.ResolvedReference{{Field: "spec.didNumber", Name: "37060000001", ID: 1}, {Field: "spec.providerTariffName", Name: "Standard", ID: 7}}

	connect := func(context.Context, string, string) (MOR, error) { return api, nil }
	rows, err := Plan(context.Background(), clusterWith(url, retail, moved, shared, missing, did), connect, PlanOptions{Namespace: "mor"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]struct{ action, detail string }{
		"retail":       {ActionNothing, `tariffName "Retail" (id 2), lcrName "Zürich & 東京 LCR" (id 4)`},
		"moved":        {ActionUpdate, `tariffName "Standard": id 2 → 8 (the operator follows the name)`},
		"shared":       {ActionBlocked, `AmbiguousReference: spec.lcrName: 2 LCRs on MorServer "default" are named "Twin", ids 5, 6; give the id instead, or make the name unique in MOR`},
		"missing-name": {ActionBlocked, `ReferenceNotFound: spec.tariffName: MorServer "default" has no tariff named "Nope"`},
		"did":          {ActionNothing, `didNumber "37060000001" (id 1), providerTariffName "Standard" (id 7)`},
	}
	for _, r := range rows {
		w, ok := want[r.Name]
		if !ok {
			continue
		}
		delete(want, r.Name)
		if r.Action != w.action || !strings.Contains(strings.Join(r.Details, "\n"), w.detail) {
			t.Errorf("%s: %s %q, want %s with %q", r.Name, r.Action, r.Details, w.action, w.detail)
		}
	}
	if len(want) > 0 {
		t.Errorf("no rows for %v", want)
	}
	reads := 0
	for _, r := range sim.Requests() {
		if r.Method == "tariffs_get" {
			reads++
		}
	}
	if reads != 1 {
		t.Errorf("tariffs_get read %d times for one plan, want 1", reads)
	}
}
