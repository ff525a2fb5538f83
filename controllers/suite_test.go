package controllers_test

import (
	"context"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/controllers"
	"github.com/mor-operator/mor-operator/internal/kindconfig"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/morsim"
	morscheme "github.com/mor-operator/mor-operator/internal/scheme"
	"github.com/mor-operator/mor-operator/internal/testenv"
)

// Short intervals so drift, re-apply and backoff show up within a test's Eventually.
const (
	testPollInterval = time.Second
	testTimeout      = 30 * time.Second
	// testServerGracePeriod: a resource waits this long for its MorServer before it is
	// Stalled (1m in production).
	testServerGracePeriod = 5 * time.Second
)

var (
	k8s    client.Client // uncached: what a user would read
	scheme = morscheme.New()
	// crds are the operator's kinds, as the generated CRDs declare them.
	crds = func() []kindconfig.CRD {
		c, err := kindconfig.CRDs("../config")
		if err != nil {
			panic(err)
		}
		return c
	}()
	plurals = kindconfig.Plurals(crds)
)

// kindObjects returns an empty object and an empty list of each of the operator's kinds.
func kindObjects() (objs []client.Object, lists []client.ObjectList) {
	for _, c := range crds {
		gvk := v1alpha1.GroupVersion.WithKind(c.Kind)
		obj, err := scheme.New(gvk)
		if err != nil {
			panic(err)
		}
		list, err := scheme.New(v1alpha1.GroupVersion.WithKind(c.Kind + "List"))
		if err != nil {
			panic(err)
		}
		objs, lists = append(objs, obj.(client.Object)), append(lists, list.(client.ObjectList))
	}
	return objs, lists
}

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	// Teed into capturedLogs, which the secrets sweep turns on at the most verbose level.
	logf.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.UseDevMode(true), zap.Level(zapLevel()),
		zap.RawZapOpts(capturedLogs.zapOption())))
	flag.Parse()
	if testing.Short() { // the adapter unit tests alone, in about a second
		return m.Run()
	}

	cfg, env, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = env.Stop() }()
	restConfig = cfg
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// The suite's manager is the shard of the MorServers without the shard label; the
	// sharding test starts managers of its own for labelled ones.
	stop, err := startManager(cfg, "!"+shardLabel, false)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	stop()
	return code
}

// shardLabel marks the MorServers of the sharding test's own managers.
const shardLabel = "test.mor.operator.dev/shard"

// startManager runs a manager with the suite's settings for the MorServers selector
// picks, until stop is called. Extra managers in one process skip the controller name
// check (names are only unique per manager).
// mutate adjusts the options further (leader election, namespaces).
func startManager(cfg *rest.Config, selector string, extra bool, mutate ...func(*ctrl.Options)) (stop func(), err error) {
	sel, err := labels.Parse(selector)
	if err != nil {
		return nil, err
	}
	o := ctrl.Options{
		Scheme:  scheme,
		Metrics: metricsserver.Options{BindAddress: "0"},
		Client:  client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
	}
	if extra {
		o.Controller.SkipNameValidation = ptr(true)
	}
	controllers.ShardCache(&o.Cache, sel)
	for _, m := range mutate {
		m(&o)
	}
	mgr, err := ctrl.NewManager(cfg, o)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := controllers.SetupWithManager(ctx, mgr, controllers.Options{
		Options: managed.Options{
			PollInterval: testPollInterval,
			// Long on purpose: recovery after a Secret fix must come from the watch.
			AuthRetryInterval: 10 * time.Minute,
			ServerGracePeriod: testServerGracePeriod,
		},
		DefaultsReapplyInterval: time.Hour,
		MaxConcurrentReconciles: 4,
		MaxBackoff:              2 * time.Second,
		ServerSelector:          sel,
	}); err != nil {
		cancel()
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	return func() { cancel(); <-done }, nil
}

func zapLevel() zapcore.Level {
	if os.Getenv("TEST_VERBOSE") != "" {
		return -2
	}
	return 2 // errors only: transient failures are expected in these tests
}

// fixture is one test's world: a namespace, its own simulator and a Ready MorServer.
type fixture struct {
	t   *testing.T
	g   Gomega
	ns  string
	sim *morsim.Server
	srv *httptest.Server
}

// requireEnvtest skips a test that needs the API server when -short left it out.
func requireEnvtest(t *testing.T) {
	t.Helper()
	if k8s == nil {
		t.Skip("envtest is not started with -short")
	}
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	requireEnvtest(t)
	f := &fixture{t: t, g: NewWithT(t), sim: morsim.New(morsim.DefaultSeed())}
	f.srv = httptest.NewServer(f.sim)
	t.Cleanup(f.srv.Close)
	f.ns = testenv.NamespaceName(t.Name())
	ns, secret, server := testenv.ServerObjects(f.ns, f.srv.URL, morsim.DefaultAdminSecret)
	for _, o := range []client.Object{ns, secret, server} {
		f.create(o)
	}
	return f
}

func (f *fixture) create(obj client.Object) {
	f.t.Helper()
	if _, isNS := obj.(*corev1.Namespace); !isNS && obj.GetNamespace() == "" {
		obj.SetNamespace(f.ns)
	}
	f.g.Expect(k8s.Create(context.Background(), obj)).To(Succeed())
}

// update re-reads obj, applies mutate and writes it, retrying on conflicts.
func (f *fixture) update(obj client.Object, mutate func()) {
	f.t.Helper()
	f.g.Eventually(func() error {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return err
		}
		mutate()
		return k8s.Update(context.Background(), obj)
	}, testTimeout).Should(Succeed())
}

// condition returns obj's condition typ as it is now in the API server.
func (f *fixture) condition(obj managed.Resource, typ string) func() *metav1.Condition {
	return func() *metav1.Condition {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
			return nil
		}
		return meta.FindStatusCondition(obj.ManagedStatus().Conditions, typ)
	}
}

// waitReady waits for Ready=True at obj's current generation.
func (f *fixture) waitReady(obj managed.Resource) {
	f.t.Helper()
	f.waitCondition(obj, v1alpha1.ConditionReady, metav1.ConditionTrue, v1alpha1.ReasonAvailable)
}

// waitCondition waits for condition typ with status and reason at the current generation.
func (f *fixture) waitCondition(obj managed.Resource, typ string, status metav1.ConditionStatus, reason string) *metav1.Condition {
	f.t.Helper()
	var got *metav1.Condition
	f.g.Eventually(func(g Gomega) {
		got = f.condition(obj, typ)()
		g.Expect(got).NotTo(BeNil(), "condition %s", typ)
		g.Expect(got.Status).To(Equal(status), "%s: %s", got.Reason, got.Message)
		g.Expect(got.Reason).To(Equal(reason), got.Message)
		g.Expect(got.ObservedGeneration).To(Equal(obj.GetGeneration()))
	}, testTimeout, 50*time.Millisecond).Should(Succeed())
	return got
}

// requests returns the simulator's requests of the given MOR method.
func (f *fixture) requests(method string) []morsim.Request {
	var out []morsim.Request
	for _, r := range f.sim.Requests() {
		if r.Method == method {
			out = append(out, r)
		}
	}
	return out
}

// waitRequests waits until the simulator has received at least n more requests of
// method than it had when `from` was taken: proof that reconciles happened.
func (f *fixture) waitRequests(method string, n int) {
	f.t.Helper()
	from := len(f.requests(method))
	f.g.Eventually(func() int { return len(f.requests(method)) }, testTimeout, 50*time.Millisecond).
		Should(BeNumerically(">=", from+n))
}

func ptr[T any](v T) *T { return &v }
