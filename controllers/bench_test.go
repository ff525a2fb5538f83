package controllers

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

// These benchmarks measure the steady-state cost of one reconcile of a real kind on the
// rig (rig_test.go): the shared managed.Reconciler over an adapter, the fake client, a
// real *mor.Client and the simulator in-process. ns/op and allocs therefore include the
// simulator's side of each HTTP round trip, and the fake client stands in for the
// informer cache.

// benchEnv is one benchmark's reconciler on a rig.
type benchEnv[T managed.Resource] struct {
	*rig
	b   *testing.B
	r   *managed.Reconciler[T]
	req ctrl.Request
}

func newBenchEnv[T managed.Resource](b *testing.B, adapter func(*rig) managed.Kind[T], obj T) *benchEnv[T] {
	b.Helper()
	rg := newRig(b, obj)
	e := &benchEnv[T]{rig: rg, b: b}
	e.r = &managed.Reconciler[T]{
		Client:   rg.c,
		Kind:     adapter(rg),
		Recorder: discardRecorder{},
		Options:  managed.Options{PollInterval: 10 * time.Minute, AuthRetryInterval: 30 * time.Minute},
	}
	e.req = ctrl.Request{NamespacedName: types.NamespacedName{Namespace: rigNS, Name: obj.GetName()}}
	return e
}

func (e *benchEnv[T]) reconcile() {
	if _, err := e.r.Reconcile(context.Background(), e.req); err != nil {
		e.b.Fatal(err)
	}
}

// sync reconciles once and fails unless the resource is then Ready.
func (e *benchEnv[T]) sync() {
	e.b.Helper()
	e.reconcile()
	e.expectReady()
}

func (e *benchEnv[T]) expectReady() {
	e.b.Helper()
	obj := e.r.Kind.New()
	if err := e.c.Get(context.Background(), e.req.NamespacedName, obj); err != nil {
		e.b.Fatal(err)
	}
	c := meta.FindStatusCondition(obj.ManagedStatus().Conditions, v1alpha1.ConditionReady)
	if c == nil || c.Status != metav1.ConditionTrue {
		e.b.Fatalf("not Ready: %+v", c)
	}
}

// simWrites counts the simulator's logged requests of a method that writes (anything but
// a get), since ResetRequests.
func (e *benchEnv[T]) simWrites() (writes, total int) {
	for _, r := range e.sim.Requests() {
		total++
		if !strings.HasSuffix(r.Method, "_get") {
			writes++
		}
	}
	return writes, total
}

// diff returns after-before per method.
func diff(before, after map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// benchInSync reconciles a resource already in sync: each iteration must make exactly
// readsPerReconcile MOR reads of readMethod (0: served by a shared listing) and no MOR
// or Kubernetes write.
func benchInSync[T managed.Resource](b *testing.B, e *benchEnv[T], readMethod string, readsPerReconcile int) {
	e.sync() // get in sync (and warm the keep-alive connection and any shared listing)
	morBefore, k8sBefore := e.mor.snapshot(), e.k8sWrites.Load()
	e.sim.ResetRequests()

	b.ReportAllocs()
	n := 0
	for b.Loop() {
		e.reconcile()
		n++
	}
	elapsed := b.Elapsed()

	calls := diff(morBefore, e.mor.snapshot())
	want := map[string]int{}
	if readsPerReconcile > 0 {
		want[readMethod] = n * readsPerReconcile
	}
	if !maps.Equal(calls, want) {
		b.Fatalf("%d reconciles made MOR calls %v, want %v", n, calls, want)
	}
	if w := e.k8sWrites.Load() - k8sBefore; w != 0 {
		b.Fatalf("%d reconciles wrote %d times to Kubernetes (status patches included), want 0", n, w)
	}
	writes, logged := e.simWrites()
	if writes != 0 {
		b.Fatalf("the simulator logged %d update requests, want 0", writes)
	}
	if want := min(n*readsPerReconcile, 10000); logged != want { // the simulator keeps the last 10000
		b.Fatalf("the simulator logged %d requests, want %d", logged, want)
	}
	e.expectReady()
	b.ReportMetric(float64(calls[readMethod])/float64(n), "MORreq/op")
	b.ReportMetric(float64(n)/elapsed.Seconds(), "reconciles/s")
}

func benchPtr[T any](v T) *T { return &v }

// benchDIDRate manages all four rate fields of DID 3, which the seed sets differently.
func benchDIDRate() *v1alpha1.DIDRate {
	return &v1alpha1.DIDRate{
		ObjectMeta: metav1.ObjectMeta{Name: "did-3"},
		Spec: v1alpha1.DIDRateSpec{
			DIDID:                   ptrTo(int64(3)),
			ProviderTariffID:        benchPtr(int64(1)),
			AllowCallRejectProvider: benchPtr(false),
			OwnerTariffID:           benchPtr(int64(2)),
			AllowCallReject:         benchPtr(true),
		},
	}
}

func BenchmarkReconcileInSyncDIDRate(b *testing.B) {
	e := newBenchEnv(b, didRates, benchDIDRate())
	benchInSync(b, e, mor.DIDRatesDetailsGet.Name(), 1)
}

func BenchmarkReconcileInSyncLocationRule(b *testing.B) {
	e := newBenchEnv(b, locationRules, &v1alpha1.LocationRule{
		ObjectMeta: metav1.ObjectMeta{Name: "lt-mobile"},
		Spec: v1alpha1.LocationRuleSpec{
			LocationID: 1,
			Name:       benchPtr("lt-mobile"),
			Enabled:    benchPtr(true),
			Cut:        benchPtr("00370"),
			Add:        benchPtr("370"),
			MinLen:     benchPtr(int32(10)),
			MaxLen:     benchPtr(int32(15)),
			TariffID:   benchPtr(int64(2)),
		},
	})
	benchInSync(b, e, mor.LocationRulesGet.Name(), 0) // the location's listing is shared for a poll interval
}

// BenchmarkReconcileUpdate: each iteration drifts one field in MOR, so the reconcile
// reads, writes exactly that field back and leaves status alone (Ready stays True).
func BenchmarkReconcileUpdate(b *testing.B) {
	e := newBenchEnv(b, didRates, benchDIDRate())
	e.sync()
	morBefore, k8sBefore := e.mor.snapshot(), e.k8sWrites.Load()
	e.sim.ResetRequests()

	drift := func(st *morsim.State) { st.DIDs[3].OwnerTariffID = 4 }
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		e.sim.Update(drift)
		e.reconcile()
		n++
	}
	elapsed := b.Elapsed()

	calls := diff(morBefore, e.mor.snapshot())
	if len(calls) != 2 || calls[mor.DIDRatesDetailsGet.Name()] != n || calls[mor.DIDRatesDetailsUpdate.Name()] != n {
		b.Fatalf("%d reconciles made MOR calls %v, want %d get and %d update", n, calls, n, n)
	}
	if w := e.k8sWrites.Load() - k8sBefore; w != 0 {
		b.Fatalf("%d reconciles wrote %d times to Kubernetes, want 0", n, w)
	}
	for _, r := range e.sim.Requests() {
		if r.Method == mor.DIDRatesDetailsUpdate.Name() && (len(r.Params) != 4 || r.Params["owner_tariff_id"] != "2" || !r.OK) {
			// u, hash, did_id and the one drifted field
			b.Fatalf("update sent %v (ok=%v %q), want only owner_tariff_id=2", r.Params, r.OK, r.Outcome)
		}
	}
	if got := e.sim.Snapshot().DIDs[3].OwnerTariffID; got != 2 {
		b.Fatalf("MOR owner tariff is %d after the loop, want 2", got)
	}
	e.expectReady()
	writes, _ := e.simWrites()
	if want := min(n, 5000); writes != want { // the log keeps 10000: the last 5000 pairs
		b.Fatalf("the simulator logged %d updates, want %d", writes, want)
	}
	b.ReportMetric(float64(calls[mor.DIDRatesDetailsUpdate.Name()])/float64(n), "writes/op")
	b.ReportMetric(float64(n)/elapsed.Seconds(), "reconciles/s")
}
