package plugin

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/morsim"
	morscheme "github.com/mor-operator/mor-operator/internal/scheme"
)

func ready(status metav1.ConditionStatus, reason string) v1alpha1.ResourceStatus {
	return v1alpha1.ResourceStatus{ObservedGeneration: 1, Conditions: []metav1.Condition{
		{Type: v1alpha1.ConditionReady, Status: status, Reason: reason, ObservedGeneration: 1, Message: "m"}}}
}

func rule(name string, loc int64, ruleID *int64, st v1alpha1.ResourceStatus) *v1alpha1.LocationRule {
	r := &v1alpha1.LocationRule{ObjectMeta: metav1.ObjectMeta{Namespace: "mor", Name: name, Generation: 1},
		Spec: v1alpha1.LocationRuleSpec{LocationID: loc, RuleID: ruleID, Name: ptr.To("r " + name), TariffID: ptr.To[int64](4), Cut: ptr.To("0044"),
			ManagementPolicy: ptr.To(v1alpha1.ManagementPolicyObserveOnly)}}
	r.Status.ResourceStatus, r.Status.RuleID = st, ruleID
	return r
}

// TestPlan: every verdict, values from status.drift or (when only driftedFields) from
// MOR, unmanaged rules of the listed locations, and the exit code.
func TestPlan(t *testing.T) {
	sim, api, _ := newSim(t, morsim.DefaultSeed(), 1e6)
	inSync := rule("in-sync", 1, ptr.To[int64](1), ready(metav1.ConditionTrue, "Available"))
	withDrift := rule("with-drift", 2, ptr.To[int64](2), ready(metav1.ConditionFalse, "Drifted"))
	withDrift.Status.DriftedFields = []string{"spec.tariffID"}
	withDrift.Status.Drift = []v1alpha1.FieldDrift{{Field: "spec.tariffID", Desired: "4", Observed: "2"}, {Field: "spec.name", Desired: "a b ", Observed: "a b"}}
	namesOnly := rule("names-only", 3, ptr.To[int64](3), ready(metav1.ConditionFalse, "Drifted"))
	namesOnly.Status.DriftedFields = []string{"spec.cut", "spec.tariffID"}
	missing := rule("missing", 1, nil, ready(metav1.ConditionFalse, "NotFound"))
	fresh := rule("fresh", 1, nil, v1alpha1.ResourceStatus{})
	stalled := rule("stalled", 1, ptr.To[int64](4), ready(metav1.ConditionFalse, "Unavailable"))
	stalled.Status.Conditions = append(stalled.Status.Conditions, metav1.Condition{Type: v1alpha1.ConditionStalled, Status: metav1.ConditionTrue, Reason: "Rejected", Message: "Tariff was not found"})
	did := &v1alpha1.DIDRate{ObjectMeta: metav1.ObjectMeta{Namespace: "mor", Name: "did-3", Generation: 1},
		Spec: v1alpha1.DIDRateSpec{DIDID: 3, OwnerTariffID: ptr.To[int64](4)}}
	did.Status.ResourceStatus = ready(metav1.ConditionTrue, "Available")

	build := func(objs ...client.Object) client.Client {
		return fake.NewClientBuilder().WithScheme(morscheme.New()).WithObjects(objs...).
			WithStatusSubresource(&v1alpha1.LocationRule{}, &v1alpha1.DIDRate{}).Build()
	}
	connect := func(context.Context, string, string) (MOR, error) { return api, nil }

	rows, err := Plan(context.Background(), build(inSync, withDrift, namesOnly, missing, fresh, stalled, did), connect, PlanOptions{Namespace: "mor"})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WritePlan(&out, rows); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	t.Log("\n" + got)
	st := sim.Snapshot()
	for _, want := range []string{
		"mor        DIDRate       did-3       nothing",
		"LocationRule  fresh       pending    not observed by the operator yet",
		"LocationRule  in-sync     nothing",
		`LocationRule  missing     create     new rule in location 1`,
		`LocationRule  names-only  update     cut: "` + st.Rules[3].Cut + `" → "0044"`,
		"tariffID: -1 → 4", // rule 3 has no tariff in MOR: read from MOR, shown as the spec writes it
		"LocationRule  stalled     blocked    Rejected: Tariff was not found",
		"LocationRule  with-drift  update     tariffID: 2 → 4",
		`name: "a b" → "a b "`,
		"MOR rule      7           unmanaged  location 1, name \"Seed rule 7\" (server default)",
		"Plan: 1 to create, 2 to update, 2 unchanged, 1 pending, 1 blocked;",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("plan lacks %q", want)
		}
	}
	for _, managedID := range []string{" 1 ", " 2 ", " 3 ", " 4 "} {
		if strings.Contains(got, "MOR rule     "+managedID) {
			t.Errorf("rule%sis managed but listed as unmanaged", managedID)
		}
	}
	changes := false
	for _, r := range rows {
		changes = changes || r.Changes()
	}
	if !changes {
		t.Error("no row reports a change")
	}

	// Everything in sync: no row is a change (exit code 0).
	rows, err = Plan(context.Background(), build(inSync, did), connect, PlanOptions{Namespace: "mor"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Changes() {
			t.Errorf("in sync, yet %+v is a change", r)
		}
	}
}

// TestExportThousandRules measures an export of 1,000 rules at the operator's default
// rate limit (5 requests/s, burst 10): 10 pages and one probe fit in the burst.
func TestExportThousandRules(t *testing.T) {
	sim, api, _ := newSim(t, handSeed(1000), 0)
	start := time.Now()
	out := exportString(t, api, ExportOptions{})
	elapsed := time.Since(start)
	if n := strings.Count(out, "kind: LocationRule"); n != 1000 {
		t.Fatalf("exported %d rules, want 1000", n)
	}
	t.Logf("1,000 rules: %v, %d requests, %d bytes of YAML", elapsed, len(sim.Requests()), len(out))
}
