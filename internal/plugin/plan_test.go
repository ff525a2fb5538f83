package plugin

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
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
		Spec: v1alpha1.DIDRateSpec{DIDID: ptr.To[int64](3), OwnerTariffID: ptr.To[int64](4)}}
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
// rate limit (5 requests/s, burst 10): 10 pages, one probe and the lookups that name
// the rules' references (tariffs, LCRs, two pages of DIDs) overrun the burst, and the
// export waits for the budget rather than fail.
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

// clusterWith is a fake cluster holding objs and, in namespace mor, the MorServer
// "default" of the simulator at url with the admin's key.
func clusterWith(url string, objs ...client.Object) client.Client {
	objs = append(objs,
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "mor", Name: "key"}, Data: map[string][]byte{"secretKey": []byte(morsim.DefaultAdminSecret)}},
		&v1alpha1.MorServer{ObjectMeta: metav1.ObjectMeta{Namespace: "mor", Name: v1alpha1.DefaultServerName},
			Spec: v1alpha1.MorServerSpec{URL: url, Username: "admin", AllowInsecureHTTP: true,
				SecretKeyRef: v1alpha1.SecretKeySelector{Name: "key", Key: "secretKey"}}})
	return fake.NewClientBuilder().WithScheme(morscheme.New()).WithObjects(objs...).
		WithStatusSubresource(&v1alpha1.LocationRule{}, &v1alpha1.DIDRate{}).Build()
}

// TestPlanValidatesLikeExport: plan refuses a MorServer that does not exist and a
// location MOR does not have exactly as export does, even with nothing to plan.
func TestPlanValidatesLikeExport(t *testing.T) {
	_, _, url := newSim(t, morsim.DefaultSeed(), 1e6)
	c := clusterWith(url)
	connect := func(ctx context.Context, namespace, server string) (MOR, error) {
		cfg, err := ServerConfig(ctx, c, namespace, server)
		if err != nil {
			return nil, err
		}
		return mor.New(cfg)
	}
	for _, tt := range []struct {
		name, server string
		locations    []int64
		want         string
	}{
		{"missing MorServer", "nowhere", nil, `MorServer "nowhere" not found in namespace "mor": check --mor-server and -n, or use --url`},
		{"missing location", v1alpha1.DefaultServerName, []int64{1, 99999}, `location 99999: MOR answered "Location was not found"; check --locations`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			_, planErr := Plan(ctx, c, connect, PlanOptions{Namespace: "mor", Server: tt.server, Locations: tt.locations})
			api, exportErr := connect(ctx, "mor", tt.server)
			if exportErr == nil {
				_, _, exportErr = Export(ctx, api, ExportOptions{Locations: tt.locations})
			}
			if planErr == nil || exportErr == nil {
				t.Fatalf("plan: %v, export: %v; want both to fail", planErr, exportErr)
			}
			where := describeServer("mor", tt.server)
			if p, e := Message(planErr, where), Message(exportErr, where); p != e || !strings.Contains(p, tt.want) {
				t.Errorf("plan says %q\nexport says %q\nwant both %q", p, e, tt.want)
			}
		})
	}
}

// TestPlanConflict: a LocationRule naming a rule that an older Manage LocationRule writes
// is blocked with reason Conflict, whatever its status says (switched to Manage, the
// operator would stall it); the owner and an ObserveOnly rule of its own are not.
func TestPlanConflict(t *testing.T) {
	_, api, url := newSim(t, morsim.DefaultSeed(), 1e6)
	inSync := ready(metav1.ConditionTrue, "Available")
	owner := rule("owner", 1, nil, inSync)
	owner.Spec.ManagementPolicy = ptr.To(v1alpha1.ManagementPolicyManage)
	owner.Status.RuleID = ptr.To[int64](5)
	owner.CreationTimestamp = metav1.NewTime(time.Unix(1000, 0))
	second := rule("second", 1, ptr.To[int64](5), inSync) // adopts the owner's rule, ObserveOnly
	second.CreationTimestamp = metav1.NewTime(time.Unix(2000, 0))
	alone := rule("alone", 1, ptr.To[int64](6), inSync)
	otherServer := rule("other-server", 1, ptr.To[int64](5), inSync) // rule 5 of another MOR
	otherServer.Spec.ServerRef = &v1alpha1.ServerReference{Name: "other"}
	// A DIDRate by number owns the DID its number resolved to: one by id of that DID
	// conflicts with it, as in the operator.
	byNumber := &v1alpha1.DIDRate{ObjectMeta: metav1.ObjectMeta{Namespace: "mor", Name: "by-number", Generation: 1, CreationTimestamp: metav1.NewTime(time.Unix(1000, 0))},
		Spec: v1alpha1.DIDRateSpec{DIDNumber: ptr.To("37060000003"), ManagementPolicy: ptr.To(v1alpha1.ManagementPolicyManage)}}
	byNumber.Status.ResourceStatus = inSync
	byNumber.Status.Resolved = []v1alpha1.ResolvedReference{{Field: "spec.didNumber", Name: "37060000003", ID: 3}}
	byID := &v1alpha1.DIDRate{ObjectMeta: metav1.ObjectMeta{Namespace: "mor", Name: "by-id", Generation: 1, CreationTimestamp: metav1.NewTime(time.Unix(2000, 0))},
		Spec: v1alpha1.DIDRateSpec{DIDID: ptr.To[int64](3), ManagementPolicy: ptr.To(v1alpha1.ManagementPolicyObserveOnly)}}
	byID.Status.ResourceStatus = inSync
	connect := func(context.Context, string, string) (MOR, error) { return api, nil }
	rows, err := Plan(context.Background(), clusterWith(url, owner, second, alone, otherServer, byNumber, byID), connect, PlanOptions{Namespace: "mor"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"owner": ActionNothing, "second": ActionBlocked, "alone": ActionNothing, "other-server": ActionNothing,
		"by-number": ActionNothing, "by-id": ActionBlocked}
	conflicts := map[string]string{
		"second": `Conflict: LocationRule "owner" already manages rule 5; this one would be Stalled until it goes`,
		"by-id":  `Conflict: DIDRate "by-number" already manages DID 3; this one would be Stalled until it goes`,
	}
	for _, r := range rows {
		if r.Kind == "MOR rule" {
			continue
		}
		if r.Action != want[r.Name] {
			t.Errorf("%s: %s %v, want %s", r.Name, r.Action, r.Details, want[r.Name])
		}
		if c, ok := conflicts[r.Name]; ok && (len(r.Details) == 0 || r.Details[0] != c) {
			t.Errorf("%s: details %q, want %q", r.Name, r.Details, c)
		}
	}
}
