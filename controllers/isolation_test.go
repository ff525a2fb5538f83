package controllers_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

const isolationRules = 200

// One MOR that accepts connections and never answers must not slow another server's
// convergence: the same 200 rules converge as fast beside it as alone (same run).
func TestIsolationHungServerDoesNotSlowOthers(t *testing.T) {
	alone := newFixture(t)
	alone.fastServer()
	tAlone := alone.converge(isolationRules)

	// A hanging MOR with resources of its own, already holding its share of the workers.
	hung := newFixture(t)
	stop := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(func() { close(stop); hanging.Close() })
	s := hung.server()
	hung.update(s, func() {
		s.Spec.URL = hanging.URL + "/billing"
		s.Spec.Timeout = &metav1.Duration{Duration: 3 * time.Second}
	})
	for i := range 50 {
		hung.create(isolationRule(i))
	}
	hung.waitCondition(s, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonUnavailable)

	beside := newFixture(t)
	beside.fastServer()
	tBeside := beside.converge(isolationRules)

	t.Logf("%d LocationRules all Ready: alone %s, beside a hung MOR %s (ratio %.2f)",
		isolationRules, tAlone.Round(time.Millisecond), tBeside.Round(time.Millisecond), float64(tBeside)/float64(tAlone))
	alone.g.Expect(tBeside).To(BeNumerically("<=", time.Duration(float64(tAlone)*1.1)+2*time.Second))

	// the hung server's rules say so, announced once on the server rather than per rule
	r := isolationRule(0)
	r.Namespace = hung.ns
	got := hung.waitCondition(r, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonUnavailable)
	hung.g.Expect(got.Message).To(HavePrefix(fmt.Sprintf("MOR server %s/%s unavailable since ", hung.ns, s.Name)))
	hung.g.Eventually(hung.warnings, testTimeout).Should(HaveKeyWithValue("ServerUnavailable", 1),
		"one event when the probe times out and the breaker opens")
	hung.g.Expect(hung.warnings()).NotTo(HaveKey("ReconcileError"), "no event per resource")
}

// An outage of a few seconds costs MOR a bounded number of requests: the breaker's
// probes, not every resource retrying on its own; all converge after it, exactly once.
func TestIsolationOutageDrawsBoundedRequests(t *testing.T) {
	const n = 50
	f := newFixture(t)
	f.fastServer()
	f.converge(n)

	f.sim.ResetRequests()
	f.sim.SetFaults(morsim.Faults{Down: true})
	time.Sleep(4 * time.Second) //nolint:forbidigo // the outage itself: a span of time, not a condition
	f.sim.SetFaults(morsim.Faults{})
	during := 0
	for _, r := range f.sim.Requests() {
		if r.Outcome == morsim.OutcomeFaultDown {
			during++
		}
	}
	start := time.Now()
	f.waitAllReady(n)
	t.Logf("4s outage, %d LocationRules polled every %s: %d requests reached the dead MOR; all Ready %s after it ended",
		n, testPollInterval, during, time.Since(start).Round(time.Millisecond))
	f.g.Expect(during).To(BeNumerically("<=", 15))
	f.g.Expect(f.sim.Snapshot().Rules).To(HaveLen(len(morsim.DefaultSeed().Rules)+n), "one MOR rule per resource")
	f.g.Expect(f.warnings()).To(HaveKeyWithValue("ServerUnavailable", 1))
}

// fastServer takes the server's rate limit out of the way: convergence, not the
// budget, is measured.
func (f *fixture) fastServer() {
	s := f.server()
	f.update(s, func() {
		s.Spec.RateLimit = &v1alpha1.RateLimit{RequestsPerSecond: ptr(int32(1000)), Burst: ptr(int32(1000))}
	})
	f.waitReady(s)
}

// converge creates n LocationRules and returns how long until all were Ready.
func (f *fixture) converge(n int) time.Duration {
	f.t.Helper()
	start := time.Now()
	for i := range n {
		f.create(isolationRule(i))
	}
	f.waitAllReady(n)
	return time.Since(start)
}

// isolationRule is the i-th of distinct rules in one location (MOR's uniqueness key
// includes cut).
func isolationRule(i int) *v1alpha1.LocationRule {
	r := newLocationRule(fmt.Sprintf("iso-%d", i))
	r.Spec.Cut = ptr(fmt.Sprintf("00%d", 1000+i))
	return r
}

// waitAllReady waits until n LocationRules of the namespace are Ready at their generation.
func (f *fixture) waitAllReady(n int) {
	f.t.Helper()
	f.g.Eventually(func() int {
		var list v1alpha1.LocationRuleList
		if err := k8s.List(context.Background(), &list, client.InNamespace(f.ns)); err != nil {
			return -1
		}
		ready := 0
		for _, r := range list.Items {
			c := meta.FindStatusCondition(r.Status.Conditions, v1alpha1.ConditionReady)
			if c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == r.Generation {
				ready++
			}
		}
		return ready
	}, 2*testTimeout, 50*time.Millisecond).Should(Equal(n))
}

// warnings counts the namespace's Warning events by reason.
func (f *fixture) warnings() map[string]int {
	var list corev1.EventList
	f.g.Expect(k8s.List(context.Background(), &list, client.InNamespace(f.ns))).To(Succeed())
	out := map[string]int{}
	for _, e := range list.Items {
		if e.Type == corev1.EventTypeWarning {
			out[e.Reason]++
		}
	}
	return out
}
