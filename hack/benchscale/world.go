package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/morsim"
	morscheme "github.com/mor-operator/mor-operator/internal/scheme"
	"github.com/mor-operator/mor-operator/internal/testenv"
)

const namespace = "bench"

// world is everything a run talks to.
type world struct {
	cfg *rest.Config
	env *envtest.Environment
	k8s client.Client
	// watched is an informer cache of the bench namespace's resources, started after the
	// cold phase, which the later phases' end conditions read: polling the API server
	// with lists of every resource would cost it O(N) per poll, work neither the
	// operator nor the floors do.
	watched cache.Cache
	sim     *simulator
	simURL  string
	manager *exec.Cmd
	pprof   string // the manager's pprof address, or ""
	metrics string // the manager's metrics address (plain HTTP, local)
	// kubeconfig is the manager's (a file in dir).
	kubeconfig string
	dir        string
}

func start(ctx context.Context, c config) (*world, error) {
	w := &world{}
	var err error
	if w.cfg, w.env, err = testenv.Start(); err != nil {
		return nil, err
	}
	w.cfg.QPS = -1 // the driver has no client-side budget (nor has the manager by default)
	if w.k8s, err = client.New(w.cfg, client.Options{Scheme: morscheme.New()}); err != nil {
		return w, err
	}
	if w.sim, err = startSimulator(ctx, c.Morsim, c); err != nil {
		return w, err
	}
	w.simURL = w.sim.base + "/billing"

	if w.dir, err = os.MkdirTemp("", "benchscale"); err != nil {
		return w, err
	}
	kc, err := testenv.AdminKubeconfig(w.env, "bench-admin")
	if err != nil {
		return w, err
	}
	kubeconfig := filepath.Join(w.dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		return w, err
	}
	ns, secret, server := testenv.ServerObjects(namespace, w.sim.base, morsim.DefaultAdminSecret)
	server.Spec.RateLimit = &v1alpha1.RateLimit{RequestsPerSecond: ptr.To(int32(c.RPS)), Burst: ptr.To(int32(min(c.RPS, 1000)))}
	for _, o := range []client.Object{ns, secret, server} {
		if err := w.k8s.Create(ctx, o); err != nil {
			return w, err
		}
	}
	w.kubeconfig = kubeconfig
	if w.metrics, err = freeLocalAddr(); err != nil {
		return w, err
	}
	if c.Profiles != "" || c.ColdCPUProfile != "" {
		if w.pprof, err = freeLocalAddr(); err != nil {
			return w, err
		}
	}
	return w, nil
}

// startManager starts the manager process with the default flags (all namespaces
// watched; its log level too: a line per write to MOR, appended to the file -out names
// with .manager.log) but the bench's concurrency and the given poll interval.
func (w *world) startManager(ctx context.Context, c config, poll time.Duration) error {
	args := []string{"--kubeconfig=" + w.kubeconfig,
		"--poll-interval=" + poll.String(), fmt.Sprintf("--max-concurrent-reconciles=%d", c.Concurrency),
		"--metrics-bind-address=" + w.metrics, "--metrics-secure=false", "--health-probe-bind-address=0"}
	if w.pprof != "" {
		args = append(args, "--pprof-bind-address="+w.pprof)
	}
	args = append(args, strings.Fields(c.ManagerFlags)...)
	mode := os.O_TRUNC // the first start of this run; a restart appends
	if w.manager != nil {
		mode = os.O_APPEND
	}
	w.manager = exec.CommandContext(ctx, c.Manager, args...)
	if c.MemLimit != "" {
		w.manager.Env = append(os.Environ(), "GOMEMLIMIT="+c.MemLimit)
	}
	log, err := os.OpenFile(strings.TrimSuffix(c.Out, ".json")+".manager.log", os.O_CREATE|os.O_WRONLY|mode, 0o644)
	if err != nil {
		return err
	}
	defer func() { _ = log.Close() }() // the child holds its own descriptor
	w.manager.Stdout, w.manager.Stderr = log, log
	return w.manager.Start()
}

// restartManager stops the manager and starts it again with the given poll interval.
func (w *world) restartManager(ctx context.Context, c config, poll time.Duration) error {
	_ = w.manager.Process.Kill()
	_ = w.manager.Wait()
	return w.startManager(ctx, c, poll)
}

// watch starts an informer cache of the bench namespace's managed resources, without
// managedFields and without copies on read (the driver only reads).
func watch(ctx context.Context, cfg *rest.Config, scheme *runtime.Scheme) (cache.Cache, error) {
	c, err := cache.New(cfg, cache.Options{Scheme: scheme, DefaultNamespaces: map[string]cache.Config{namespace: {}},
		DefaultTransform: cache.TransformStripManagedFields(), DefaultUnsafeDisableDeepCopy: ptr.To(true)})
	if err != nil {
		return nil, err
	}
	for _, o := range []client.Object{&v1alpha1.LocationRule{}, &v1alpha1.DIDRate{}, &v1alpha1.MorDefaults{}} {
		if _, err := c.GetInformer(ctx, o); err != nil {
			return nil, err
		}
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("the bench namespace's informers did not sync")
	}
	return c, nil
}

func (w *world) stop() {
	if w.manager != nil && w.manager.Process != nil {
		_ = w.manager.Process.Kill()
		_ = w.manager.Wait()
	}
	w.sim.stop()
	if w.env != nil {
		_ = w.env.Stop()
	}
	if w.dir != "" {
		_ = os.RemoveAll(w.dir)
	}
}
