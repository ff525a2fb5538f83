// Command manager runs the mor-operator: it keeps MOR billing servers' configuration
// equal to MorDefaults, DIDRate and LocationRule resources.
package main

import (
	"flag"
	"fmt"
	"hash/fnv"
	"maps"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/mor-operator/mor-operator/controllers"
	"github.com/mor-operator/mor-operator/internal/memlimit"
	"github.com/mor-operator/mor-operator/internal/metricsauth"
	"github.com/mor-operator/mor-operator/internal/scheme"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	memlimit.Apply("MOR_OPERATOR_MEMORY_LIMIT") // 75% of the container's limit, see config/manager
	var (
		metricsAddr, probeAddr, watchNamespaces   string
		leaderElect, secureMetrics                bool
		opts                                      controllers.Options
		kubeQPS                                   float64
		kubeBurst                                 int
		pprofAddr                                 string
		serverSelector                            string
		leaseDuration, renewDeadline, retryPeriod time.Duration
		leaseNamespace                            string
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", "0", "Address of the metrics endpoint (:8443 for HTTPS, :8080 for HTTP, 0 to disable).")
	flag.BoolVar(&secureMetrics, "metrics-secure", true, "Serve metrics over HTTPS with authentication and authorization.")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "Address of the /healthz and /readyz endpoints.")
	flag.BoolVar(&leaderElect, "leader-elect", false, "Elect a leader so only one replica reconciles.")
	flag.DurationVar(&leaseDuration, "leader-elect-lease-duration", 15*time.Second, "How long a non-leader waits before taking over a lease its leader stopped renewing.")
	flag.DurationVar(&renewDeadline, "leader-elect-renew-deadline", 10*time.Second, "How long the leader retries renewing its lease before giving up leadership.")
	flag.DurationVar(&retryPeriod, "leader-elect-retry-period", 2*time.Second, "How often leader election is attempted.")
	flag.StringVar(&leaseNamespace, "leader-elect-namespace", "", "Namespace of the leader election lease; empty is the manager's own namespace (in a cluster).")
	flag.StringVar(&watchNamespaces, "watch-namespaces", "", "Comma-separated namespaces to watch; empty watches all.")
	flag.DurationVar(&opts.PollInterval, "poll-interval", 10*time.Minute, "How often a resource in sync is observed again (±10% jitter).")
	flag.DurationVar(&opts.MinPollInterval, "min-poll-interval", 30*time.Second, "Floor of the per-resource poll-interval annotation, so one resource cannot spend its server's request budget.")
	flag.DurationVar(&opts.AuthRetryInterval, "auth-retry-interval", 5*time.Minute, "Longest retry after MOR refused the credentials (resources come back sooner, for the server's next probe).")
	flag.DurationVar(&opts.ServerGracePeriod, "server-grace-period", time.Minute, "How long after its creation a resource waits quietly for its MorServer to be created (applied together, it may arrive later) before it is reported Stalled with ServerNotFound.")
	flag.DurationVar(&opts.DefaultsReapplyInterval, "defaults-reapply-interval", time.Hour, "How often MorDefaults are applied again (MOR cannot show their drift).")
	flag.DurationVar(&opts.MaxBackoff, "max-backoff", 5*time.Minute, "Cap of the exponential backoff after transient errors.")
	flag.DurationVar(&opts.ReconcileTimeout, "reconcile-timeout", 2*time.Minute, "Deadline of one reconcile (all its MOR and API server calls), so a hung MOR cannot hold a worker for ever.")
	flag.IntVar(&opts.MaxConcurrentReconciles, "max-concurrent-reconciles", 4, "Reconciles run in parallel per kind.")
	flag.Float64Var(&kubeQPS, "kube-api-qps", -1, "Client-side budget of requests per second to the Kubernetes API server; negative: none, the API server's Priority and Fairness protects it (controller-runtime's default).")
	flag.IntVar(&kubeBurst, "kube-api-burst", 100, "Burst of requests to the Kubernetes API server, when --kube-api-qps is positive.")
	flag.StringVar(&serverSelector, "server-selector", "", "Label selector on MorServers: this manager reconciles only those and the resources using them (sharding a fleet over several managers); empty selects all.")
	flag.StringVar(&pprofAddr, "pprof-bind-address", "", "Address of the pprof endpoints (e.g. 127.0.0.1:6060); empty disables them.")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))
	log := ctrl.Log.WithName("setup")

	restConfig := ctrl.GetConfigOrDie()
	restConfig.QPS, restConfig.Burst = float32(kubeQPS), kubeBurst
	mo := managerOptions(metricsAddr, secureMetrics, probeAddr, leaderElect, watchNamespaces)
	mo.PprofBindAddress = pprofAddr
	mo.LeaseDuration, mo.RenewDeadline, mo.RetryPeriod = &leaseDuration, &renewDeadline, &retryPeriod
	mo.LeaderElectionNamespace = leaseNamespace
	selector, err := labels.Parse(serverSelector)
	if err != nil {
		log.Error(err, "invalid --server-selector")
		os.Exit(2)
	}
	opts.ServerSelector = selector
	mo.LeaderElectionID = leaderElectionID(selector)
	controllers.ShardCache(&mo.Cache, opts.ServerSelector)
	mgr, err := ctrl.NewManager(restConfig, mo)
	if err != nil {
		log.Error(err, "unable to create manager")
		os.Exit(1)
	}
	ctx := ctrl.SetupSignalHandler()
	if err := controllers.SetupWithManager(ctx, mgr, opts); err != nil {
		log.Error(err, "unable to set up controllers")
		os.Exit(1)
	}
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		log.Error(err, "unable to set up health check")
		os.Exit(1)
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		log.Error(err, "unable to set up ready check")
		os.Exit(1)
	}
	log.Info("starting manager", "version", version, "pollInterval", opts.PollInterval)
	if err := mgr.Start(ctx); err != nil {
		log.Error(err, "manager stopped with an error")
		os.Exit(1)
	}
}

// leaderElectionID is one lease per shard, so the Deployments of several shards in one
// namespace each elect their own leader instead of one for all. The unsharded name never
// changes: a rolling upgrade must not run two leaders.
func leaderElectionID(selector labels.Selector) string {
	const id = "mor-operator.mor.operator.dev"
	if selector == nil || selector.Empty() {
		return id
	}
	h := fnv.New32a()
	_, _ = h.Write([]byte(selector.String())) // String() is the canonical (sorted) form
	return fmt.Sprintf("mor-operator-%08x.mor.operator.dev", h.Sum32())
}

// trimForCache keeps in the informer caches only what the controllers read. Gone from
// every object: managedFields and kubectl's last-applied-configuration annotation (each
// a second copy of the object). Secrets are cached as metadata only, and of that only
// their identity: a Secret applied with kubectl carries its data, the API key, in that
// annotation, and the manager must not hold it.
func trimForCache(obj any) (any, error) {
	switch o := obj.(type) {
	case *metav1.PartialObjectMetadata:
		return &metav1.PartialObjectMetadata{TypeMeta: o.TypeMeta, ObjectMeta: metav1.ObjectMeta{
			Name: o.Name, Namespace: o.Namespace, UID: o.UID, ResourceVersion: o.ResourceVersion,
			Generation: o.Generation, DeletionTimestamp: o.DeletionTimestamp,
		}}, nil
	case metav1.Object:
		o.SetManagedFields(nil)
		if _, ok := o.GetAnnotations()[corev1.LastAppliedConfigAnnotation]; ok {
			a := maps.Clone(o.GetAnnotations())
			delete(a, corev1.LastAppliedConfigAnnotation)
			o.SetAnnotations(a)
		}
	}
	return obj, nil
}

func managerOptions(metricsAddr string, secure bool, probeAddr string, leaderElect bool, namespaces string) ctrl.Options {
	metrics := metricsserver.Options{BindAddress: metricsAddr, SecureServing: secure}
	if secure {
		metrics.FilterProvider = metricsauth.WithAuthenticationAndAuthorization
	}
	o := ctrl.Options{
		Scheme:                 scheme.New(),
		Metrics:                metrics,
		HealthProbeBindAddress: probeAddr,
		LeaderElection:         leaderElect,
		// Secrets are read uncached, on demand; only their metadata is watched.
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
		Cache:  cache.Options{DefaultTransform: trimForCache},
	}
	if namespaces != "" {
		o.Cache.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range strings.Split(namespaces, ",") {
			o.Cache.DefaultNamespaces[strings.TrimSpace(ns)] = cache.Config{}
		}
	}
	return o
}
