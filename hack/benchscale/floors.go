package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
	morscheme "github.com/mor-operator/mor-operator/internal/scheme"
	"github.com/mor-operator/mor-operator/internal/testenv"
)

// morFloor: a plain client making the same N creates against the operator's simulator
// process (same seed, same latency), with the manager's concurrency; the simulator is
// then reset to its seed (its counters zeroed, its latency kept).
func morFloor(ctx context.Context, w *world, c config) (float64, error) {
	api, err := mor.New(mor.Config{BaseURL: w.simURL, Username: "admin", SecretKey: morsim.DefaultAdminSecret,
		QPS: float64(c.RPS), Burst: min(c.RPS, 1000)})
	if err != nil {
		return 0, err
	}
	byID := c
	byID.Names = false // the floor sends the ids the names stand for
	rules, _ := objects(byID)
	t0 := time.Now()
	err = parallel(c.Concurrency, rules, func(r *v1alpha1.LocationRule) error {
		_, err := api.CreateLocationRule(ctx, r.Spec.LocationID, mor.ParamsOf(&r.Spec).Fields())
		return err
	})
	took := time.Since(t0).Seconds()
	if err != nil {
		return took, err
	}
	return took, w.sim.reset(ctx)
}

// k8sFloors measures the Kubernetes floor, and the throttled one if asked, on a control
// plane of their own, stopped before the operator's starts. The cold phase so meets an
// API server and etcd as fresh as the floor's: on the floor's own control plane it
// carried the floor's writes (3.2N of them, then as many deletes) in the watch cache and
// etcd's history: at N = 5,000 the API server's GC took 4.7 CPU seconds more in the
// cold phase than in the floor then, 2.1 on a fresh plane (its CPU profiles diffed).
func k8sFloors(ctx context.Context, c config, res *results) error {
	cfg, env, err := testenv.Start()
	if err != nil {
		return err
	}
	defer func() { _ = env.Stop() }()
	cp0, stolen0 := controlPlaneCPU(), stolenCPU()
	profiled := make(chan error, 1)
	if c.ColdCPUProfile != "" { // kube-apiserver's profile of the floor, to diff with the cold phase's
		go func() {
			profiled <- apiServerCPUProfile(ctx, cfg, c.ColdCPUSeconds, filepath.Join(filepath.Dir(c.ColdCPUProfile), "apiserver-floor-"+filepath.Base(c.ColdCPUProfile)))
		}()
	} else {
		profiled <- nil
	}
	if res.K8sFloor, err = k8sFloor(ctx, cfg, c, "bench-floor", -1); err != nil {
		return fmt.Errorf("the Kubernetes floor: %w", err)
	}
	if err := <-profiled; err != nil {
		return err
	}
	res.K8sFloorControlPlaneCPU, res.K8sFloorStolenCPU = controlPlaneCPU()-cp0, stolenCPU()-stolen0
	fmt.Fprintf(os.Stderr, "benchscale: Kubernetes floor %.1f s\n", res.K8sFloor)
	if c.ThrottledFloor {
		if res.K8sThrottled, err = k8sFloor(ctx, cfg, c, "bench-floor-throttled", 50); err != nil {
			return fmt.Errorf("the Kubernetes floor, throttled: %w", err)
		}
	}
	return nil
}

// k8sFloor: a plain client creating the same objects as the cold phase (N LocationRules,
// N/10 DIDRates, one MorDefaults), and making the writes the operator must make per
// object: for a LocationRule the finalizer with the create record (one patch), for every
// object one status write of the status the operator writes (readyStatus). Without a
// client-side budget (qps < 0) it is the API server's own pace, the floor; with the
// budget the manager had before (50/s, burst 100) it shows what a client budget costs.
func k8sFloor(ctx context.Context, base *rest.Config, c config, ns string, qps float32) (float64, error) {
	cfg := rest.CopyConfig(base)
	cfg.QPS, cfg.Burst = qps, 100
	k8s, err := client.New(cfg, client.Options{Scheme: morscheme.New()})
	if err != nil {
		return 0, err
	}
	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
		return 0, err
	}
	rules, others := objects(c)
	all := everything(rules, others, ns)
	// The client's discovery of the kinds, and the API server's first requests for them,
	// are not the floor's: the operator's run has both behind it when its phase starts.
	for _, l := range []client.ObjectList{&v1alpha1.LocationRuleList{}, &v1alpha1.DIDRateList{}, &v1alpha1.MorDefaultsList{}} {
		if err := k8s.List(ctx, l, client.InNamespace(ns)); err != nil {
			return 0, err
		}
	}
	t0 := time.Now()
	if err := createAll(ctx, k8s, all); err != nil {
		return 0, err
	}
	err = parallel(c.Concurrency, all, func(o client.Object) error {
		_, isRule := o.(*v1alpha1.LocationRule)
		if isRule {
			meta := []byte(`{"metadata":{"finalizers":["mor.operator.dev/location-rule"],"annotations":{"mor.operator.dev/create-pending":"x"}}}`)
			if err := k8s.Patch(ctx, o, client.RawPatch("application/merge-patch+json", meta)); err != nil {
				return err
			}
		}
		status, err := json.Marshal(map[string]any{"status": readyStatus(isRule)})
		if err != nil {
			return err
		}
		return k8s.Status().Patch(ctx, o, client.RawPatch("application/merge-patch+json", status))
	})
	return time.Since(t0).Seconds(), err
}

// readyStatus is the status the operator leaves on a new resource: Ready and Synced at
// generation 1 and, for a LocationRule, its id and the spent create record.
func readyStatus(rule bool) any {
	now := metav1.Now()
	s := v1alpha1.ResourceStatus{ObservedGeneration: 1, Conditions: []metav1.Condition{
		{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonAvailable,
			Message: "MOR matches the spec", ObservedGeneration: 1, LastTransitionTime: now},
		{Type: v1alpha1.ConditionSynced, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonReconcileSuccess,
			ObservedGeneration: 1, LastTransitionTime: now},
	}}
	if !rule {
		return s
	}
	s.CompletedCreate = "x"
	return v1alpha1.LocationRuleStatus{RuleID: ptr.To(int64(1)), ResourceStatus: s}
}
