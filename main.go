// Command manager runs the mor-operator: it keeps MOR billing servers' configuration
// equal to MorDefaults, DIDRate and LocationRule resources.
package main

import (
	"flag"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/metrics/filters"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/mor-operator/mor-operator/controllers"
	"github.com/mor-operator/mor-operator/internal/scheme"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
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
	flag.DurationVar(&opts.AuthRetryInterval, "auth-retry-interval", 5*time.Minute, "Retry interval after MOR refused the credentials.")
	flag.DurationVar(&opts.DefaultsReapplyInterval, "defaults-reapply-interval", time.Hour, "How often MorDefaults are applied again (MOR cannot show their drift).")
	flag.DurationVar(&opts.MaxBackoff, "max-backoff", 5*time.Minute, "Cap of the exponential backoff after transient errors.")
	flag.DurationVar(&opts.ReconcileTimeout, "reconcile-timeout", 2*time.Minute, "Deadline of one reconcile (all its MOR and API server calls), so a hung MOR cannot hold a worker for ever.")
	flag.IntVar(&opts.MaxConcurrentReconciles, "max-concurrent-reconciles", 2, "Reconciles run in parallel per kind.")
	flag.Float64Var(&kubeQPS, "kube-api-qps", 50, "Requests per second to the Kubernetes API server (client-go's default is 5).")
	flag.IntVar(&kubeBurst, "kube-api-burst", 100, "Burst of requests to the Kubernetes API server.")
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

func managerOptions(metricsAddr string, secure bool, probeAddr string, leaderElect bool, namespaces string) ctrl.Options {
	metrics := metricsserver.Options{BindAddress: metricsAddr, SecureServing: secure}
	if secure {
		metrics.FilterProvider = filters.WithAuthenticationAndAuthorization
	}
	o := ctrl.Options{
		Scheme:                 scheme.New(),
		Metrics:                metrics,
		HealthProbeBindAddress: probeAddr,
		LeaderElection:         leaderElect,
		LeaderElectionID:       "mor-operator.mor.operator.dev",
		// Secrets are read uncached, on demand; only their metadata is watched.
		Client: client.Options{Cache: &client.CacheOptions{DisableFor: []client.Object{&corev1.Secret{}}}},
		// The controllers never read managedFields: not keeping them in the informer
		// caches saves a large share of each object's memory.
		Cache: cache.Options{DefaultTransform: cache.TransformStripManagedFields()},
	}
	if namespaces != "" {
		o.Cache.DefaultNamespaces = map[string]cache.Config{}
		for _, ns := range strings.Split(namespaces, ",") {
			o.Cache.DefaultNamespaces[strings.TrimSpace(ns)] = cache.Config{}
		}
	}
	return o
}
