package controllers

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/metrics"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
	morscheme "github.com/mor-operator/mor-operator/internal/scheme"
)

// These benchmarks measure the steady-state cost of one reconcile of a real kind without
// an API server: the shared managed.Reconciler over didRateKind / locationRuleKind, the
// fake client, a real *mor.Client (rate limit out of the way) and the simulator served
// in-process by httptest. ns/op and allocs therefore include the simulator's side of
// each HTTP round trip, and the fake client stands in for the informer cache.

const benchNS = "bench"

// benchMOR counts the MOR requests the client makes, by method, through its observer
// (which also feeds the operator's own request metrics, as in production).
type benchMOR struct {
	mu    sync.Mutex
	calls map[string]int
}

func (m *benchMOR) observer() mor.RequestObserver {
	prod := metrics.RequestObserver(benchNS + "/" + v1alpha1.DefaultServerName)
	return func(method, outcome string, elapsed time.Duration) {
		prod(method, outcome, elapsed)
		m.mu.Lock()
		m.calls[method]++
		m.mu.Unlock()
	}
}

func (m *benchMOR) snapshot() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]int, len(m.calls))
	for k, v := range m.calls {
		out[k] = v
	}
	return out
}

// benchResolver always answers the one client.
type benchResolver struct{ api managed.MOR }

func (r benchResolver) Resolve(context.Context, string, string) (managed.MOR, error) {
	return r.api, nil
}

// discardRecorder drops every event.
type discardRecorder struct{}

func (discardRecorder) Eventf(runtime.Object, runtime.Object, string, string, string, string, ...any) {
}

// benchEnv is one benchmark's reconciler and everything it talks to.
type benchEnv[T managed.Resource] struct {
	b   *testing.B
	sim *morsim.Server
	c   client.Client
	r   *managed.Reconciler[T]
	req ctrl.Request
	mor *benchMOR
	// k8sWrites counts every write through the fake client (status included).
	k8sWrites atomic.Int64
}

func newBenchEnv[T managed.Resource](b *testing.B, kind managed.Kind[T], obj T) *benchEnv[T] {
	b.Helper()
	e := &benchEnv[T]{b: b, sim: morsim.New(morsim.DefaultSeed()), mor: &benchMOR{calls: map[string]int{}}}
	srv := httptest.NewServer(e.sim)
	b.Cleanup(srv.Close)

	api, err := mor.New(mor.Config{
		BaseURL:   srv.URL + "/billing",
		Username:  "admin",
		SecretKey: morsim.DefaultAdminSecret,
		QPS:       1e6,
		Burst:     1e6,
		Observer:  e.mor.observer(),
	})
	if err != nil {
		b.Fatal(err)
	}

	s := morscheme.New()
	write := func() { e.k8sWrites.Add(1) }
	serverRef := func(o client.Object) []string { return []string{o.(managed.Resource).ServerName()} }
	obj.SetNamespace(benchNS)
	e.c = fake.NewClientBuilder().
		WithScheme(s).
		WithStatusSubresource(&v1alpha1.LocationRule{}, &v1alpha1.DIDRate{}, &v1alpha1.MorDefaults{}, &v1alpha1.MorServer{}).
		WithIndex(&v1alpha1.DIDRate{}, serverRefIndex, serverRef).
		WithIndex(&v1alpha1.LocationRule{}, serverRefIndex, serverRef).
		WithObjects(obj).
		WithInterceptorFuncs(interceptor.Funcs{
			Update: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.UpdateOption) error {
				write()
				return c.Update(ctx, o, opts...)
			},
			Patch: func(ctx context.Context, c client.WithWatch, o client.Object, p client.Patch, opts ...client.PatchOption) error {
				write()
				return c.Patch(ctx, o, p, opts...)
			},
			SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, o client.Object, opts ...client.SubResourceUpdateOption) error {
				write()
				return c.SubResource(sub).Update(ctx, o, opts...)
			},
			SubResourcePatch: func(ctx context.Context, c client.Client, sub string, o client.Object, p client.Patch, opts ...client.SubResourcePatchOption) error {
				write()
				return c.SubResource(sub).Patch(ctx, o, p, opts...)
			},
		}).
		Build()
	e.r = &managed.Reconciler[T]{
		Client:   e.c,
		Kind:     kind,
		Servers:  benchResolver{api: api},
		Recorder: discardRecorder{},
		Options:  managed.Options{PollInterval: 10 * time.Minute, AuthRetryInterval: 30 * time.Minute},
	}
	e.req = ctrl.Request{NamespacedName: types.NamespacedName{Namespace: benchNS, Name: obj.GetName()}}
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
// one MOR read (readMethod) and no MOR or Kubernetes write.
func benchInSync[T managed.Resource](b *testing.B, e *benchEnv[T], readMethod string) {
	e.sync() // get in sync (and warm the keep-alive connection)
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
	if len(calls) != 1 || calls[readMethod] != n {
		b.Fatalf("%d reconciles made MOR calls %v, want exactly %d %s", n, calls, n, readMethod)
	}
	if w := e.k8sWrites.Load() - k8sBefore; w != 0 {
		b.Fatalf("%d reconciles wrote %d times to Kubernetes (status patches included), want 0", n, w)
	}
	writes, logged := e.simWrites()
	if writes != 0 {
		b.Fatalf("the simulator logged %d update requests, want 0", writes)
	}
	if want := min(n, 10000); logged != want { // the simulator keeps the last 10000
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
			DIDID:                   3,
			ProviderTariffID:        benchPtr(int64(1)),
			AllowCallRejectProvider: benchPtr(false),
			OwnerTariffID:           benchPtr(int64(2)),
			AllowCallReject:         benchPtr(true),
		},
	}
}

func BenchmarkReconcileInSyncDIDRate(b *testing.B) {
	e := newBenchEnv(b, didRateKind{}, benchDIDRate())
	benchInSync(b, e, "did_rates_details_get")
}

func BenchmarkReconcileInSyncLocationRule(b *testing.B) {
	e := newBenchEnv(b, locationRuleKind{}, &v1alpha1.LocationRule{
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
	benchInSync(b, e, "location_rule_get")
}

// BenchmarkReconcileUpdate: each iteration drifts one field in MOR, so the reconcile
// reads, writes exactly that field back and leaves status alone (Ready stays True).
func BenchmarkReconcileUpdate(b *testing.B) {
	e := newBenchEnv(b, didRateKind{}, benchDIDRate())
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
	if len(calls) != 2 || calls["did_rates_details_get"] != n || calls["did_rates_details_update"] != n {
		b.Fatalf("%d reconciles made MOR calls %v, want %d get and %d update", n, calls, n, n)
	}
	if w := e.k8sWrites.Load() - k8sBefore; w != 0 {
		b.Fatalf("%d reconciles wrote %d times to Kubernetes, want 0", n, w)
	}
	for _, r := range e.sim.Requests() {
		if r.Method == "did_rates_details_update" && (len(r.Params) != 4 || r.Params["owner_tariff_id"] != "2" || !r.OK) {
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
	b.ReportMetric(float64(calls["did_rates_details_update"])/float64(n), "writes/op")
	b.ReportMetric(float64(n)/elapsed.Seconds(), "reconciles/s")
}
