package controllers

import (
	"context"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/metrics"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
	morscheme "github.com/mor-operator/mor-operator/internal/scheme"
)

// The rig is a test bed without an API server, for adapter unit tests and benchmarks: a
// fake client (with the serverRef index), a real *mor.Client (rate limit out of the way)
// and the simulator served in-process by httptest, seeded with its default seed.

const rigNS = "bench"

type rig struct {
	sim     *morsim.Server
	baseURL string
	api     *mor.Client
	c       client.Client
	mor     *morCalls
	// k8sWrites counts every write through the fake client (status included).
	k8sWrites atomic.Int64
}

func newRig(tb testing.TB, objs ...client.Object) *rig {
	tb.Helper()
	r := &rig{sim: morsim.New(morsim.DefaultSeed()), mor: &morCalls{calls: map[string]int{}}}
	srv := httptest.NewServer(r.sim)
	tb.Cleanup(srv.Close)

	r.baseURL = srv.URL + "/billing"
	api, err := mor.New(mor.Config{
		BaseURL:   r.baseURL,
		Username:  "admin",
		SecretKey: morsim.DefaultAdminSecret,
		QPS:       1e6,
		Burst:     1e6,
		Observer:  r.mor.observer(),
	})
	if err != nil {
		tb.Fatal(err)
	}
	r.api = api

	write := func() { r.k8sWrites.Add(1) }
	for _, o := range objs {
		o.SetNamespace(rigNS)
	}
	b := fake.NewClientBuilder().WithScheme(morscheme.New()).WithObjects(objs...)
	for _, k := range kinds {
		b = b.WithStatusSubresource(k.object())
		for _, i := range k.indexes() {
			b = b.WithIndex(i.obj, i.field, i.value)
		}
	}
	r.c = b.WithInterceptorFuncs(interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, o client.Object, opts ...client.CreateOption) error {
			write()
			return c.Create(ctx, o, opts...)
		},
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
	return r
}

// connections answers the rig's one client for every MorServer, with what the fake client
// holds of that MorServer (its identity, UID and version), or the simulator's identity
// when it holds none.
func (r *rig) connections() Connections { return staticConnections{api: r.api, c: r.c, url: r.baseURL} }

type staticConnections struct {
	api *mor.Client
	c   client.Reader
	url string
}

func (s staticConnections) Resolve(ctx context.Context, namespace, name string) (*connection.Connection, error) {
	conn := &connection.Connection{Client: s.api, Server: name, Identity: connection.Identity{URL: s.url, Username: "admin"}}
	var server v1alpha1.MorServer
	if err := s.c.Get(ctx, client.ObjectKey{Namespace: namespace, Name: name}, &server); err == nil {
		conn.UID, conn.Identity, conn.Version = server.UID, connection.IdentityOf(&server), server.Status.Version
	}
	return conn, nil
}

// rigOptions are the manager options the rig's kinds are built with.
var rigOptions = Options{Options: managed.Options{PollInterval: 10 * time.Minute}}

// Kinds on the rig, as the manager builds them, for tables and benchmarks.
func didRates(r *rig) managed.Kind[*v1alpha1.DIDRate] {
	return didRateKind.kind(rigOptions, r.connections(), r.c)
}
func locationRules(r *rig) managed.Kind[*v1alpha1.LocationRule] {
	return locationRuleKind.kind(rigOptions, r.connections(), r.c)
}

// kindWith is d's kind on the rig with the given adapter.
func kindWith[T managed.Resource](r *rig, d *descriptor[T], a adapter[T]) managedKind[T] {
	k := d.kind(rigOptions, r.connections(), r.c)
	k.adapter = a
	return k
}

// morCalls counts the MOR requests the client makes, by method, through its observer
// (which also feeds the operator's own request metrics, as in production).
type morCalls struct {
	mu    sync.Mutex
	calls map[string]int
}

func (m *morCalls) observer() mor.RequestObserver {
	prod := metrics.RequestObserver(rigNS + "/" + v1alpha1.DefaultServerName)
	return func(method, outcome string, elapsed time.Duration) {
		prod(method, outcome, elapsed)
		m.mu.Lock()
		m.calls[method]++
		m.mu.Unlock()
	}
}

func (m *morCalls) snapshot() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[string]int, len(m.calls))
	for k, v := range m.calls {
		out[k] = v
	}
	return out
}

// discardRecorder drops every event.
type discardRecorder struct{}

func (discardRecorder) Eventf(runtime.Object, runtime.Object, string, string, string, string, ...any) {
}
