// Package metrics holds the operator's own Prometheus metrics, registered with
// controller-runtime's registry so they are served beside its own.
package metrics

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/mor-operator/mor-operator/internal/mor"
)

var (
	requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mor_requests_total",
		Help: "MOR API requests by server (namespace/name of the MorServer), method and outcome.",
	}, []string{"server", "method", "outcome"})

	latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "mor_request_duration_seconds",
		Help:    "MOR API request latency by server and method.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
	}, []string{"server", "method"})

	driftCorrections = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "mor_drift_corrections_total",
		Help: "Writes that brought MOR back to an unchanged spec after it drifted, by kind.",
	}, []string{"kind"})

	serverHeld = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "mor_server_held",
		Help: "1 while a MOR server's circuit breaker holds its calls (down, hanging or shedding load), else 0.",
	}, []string{"server"})

	managedResources = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "mor_managed_resources",
		Help: "Resources managed by the operator, by kind and readiness.",
	}, []string{"kind", "ready"})
)

func init() {
	ctrlmetrics.Registry.MustRegister(requests, latency, driftCorrections, serverHeld, managedResources)
}

// RequestObserver returns the mor.RequestObserver that records a server's requests.
func RequestObserver(server string) mor.RequestObserver {
	return func(method, outcome string, elapsed time.Duration) {
		requests.WithLabelValues(server, method, outcome).Inc()
		latency.WithLabelValues(server, method).Observe(elapsed.Seconds())
	}
}

// ServerHeld records whether a server's circuit breaker holds its calls.
func ServerHeld(server string, held bool) {
	v := 0.0
	if held {
		v = 1
	}
	serverHeld.WithLabelValues(server).Set(v)
}

// DriftCorrected counts one drift correction of a kind.
func DriftCorrected(kind string) { driftCorrections.WithLabelValues(kind).Inc() }

// readiness remembers each resource's last readiness so the gauge counts resources,
// not reconciles.
var readiness = struct {
	sync.Mutex
	byKey map[string]bool // kind + "/" + namespace/name
}{byKey: map[string]bool{}}

// SetReady records a resource's readiness.
func SetReady(kind, name string, ready bool) {
	readiness.Lock()
	defer readiness.Unlock()
	key := kind + "/" + name
	if old, ok := readiness.byKey[key]; ok {
		if old == ready {
			return
		}
		managedResources.WithLabelValues(kind, label(old)).Dec()
	}
	readiness.byKey[key] = ready
	managedResources.WithLabelValues(kind, label(ready)).Inc()
}

// Forget removes a deleted resource from the gauge.
func Forget(kind, name string) {
	readiness.Lock()
	defer readiness.Unlock()
	key := kind + "/" + name
	if old, ok := readiness.byKey[key]; ok {
		managedResources.WithLabelValues(kind, label(old)).Dec()
		delete(readiness.byKey, key)
	}
}

func label(ready bool) string {
	if ready {
		return "true"
	}
	return "false"
}
