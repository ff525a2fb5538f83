package reliability

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/testproc"
)

// Leak slack after a hang: goroutines and connections to MOR may exceed their baseline
// by this much once MOR answers again (idle keep-alive connections the transport pools).
const (
	goroutineSlack  = 10
	connectionSlack = 2
)

// TestHangingMOR makes MOR accept connections and never answer: the manager's timeouts
// fire and status shows them; once MOR answers again everything converges and the
// manager's goroutines and open connections to MOR return to their baseline.
func TestHangingMOR(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	n, hang := pick(20, 100), pick(8*time.Second, 30*time.Second)
	var open atomic.Int64 // connections to the simulator not closed yet
	w := testproc.Start(t, testproc.Options{Cluster: cluster, Namespace: "hang", ConnState: func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			open.Add(1)
		case http.StateClosed, http.StateHijacked:
			open.Add(-1)
		}
	}})
	srv := &v1alpha1.MorServer{}
	g.Expect(w.K8s.Get(ctx, client.ObjectKey{Namespace: w.NS, Name: v1alpha1.DefaultServerName}, srv)).To(Succeed())
	srv.Spec.Timeout = &metav1.Duration{Duration: 2 * time.Second}
	g.Expect(w.K8s.Update(ctx, srv)).To(Succeed())
	proc := w.StartManager(t, true, "--reconcile-timeout=5s")
	goroutines := func() float64 {
		v, err := proc.Metric("go_goroutines")
		if err != nil {
			return -1
		}
		return v
	}
	rules := newRules(t, w, "hang", n)
	converged(t, g, w, rules, "hang", time.Minute)
	time.Sleep(time.Second)
	baseG, baseC := goroutines(), open.Load()

	// MOR answers nothing, for ever; each reconcile now calls it
	w.Sim.SetFaults(morsim.Faults{Latency: time.Hour})
	changeAdd(g, w, rules)
	var msg string
	g.Eventually(func() bool {
		got := &v1alpha1.LocationRule{}
		if w.K8s.Get(ctx, client.ObjectKeyFromObject(rules[0]), got) != nil {
			return false
		}
		c := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionReady)
		if c == nil || c.Status != metav1.ConditionFalse || c.ObservedGeneration != got.Generation {
			return false
		}
		msg = c.Reason + ": " + c.Message
		low := strings.ToLower(msg)
		return strings.Contains(low, "timeout") || strings.Contains(low, "timed out") || strings.Contains(low, "deadline")
	}, hang+30*time.Second, 100*time.Millisecond).Should(BeTrue(), "status shows the timeout (last: %q)", msg)
	peakG, peakC := goroutines(), open.Load() // the most seen while MOR hangs
	for end := time.Now().Add(hang); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		peakG, peakC = max(peakG, goroutines()), max(peakC, open.Load())
	}
	hung := w.CountRequests(func(r morsim.Request) bool { return r.Outcome == morsim.OutcomeFaultCanceled })
	w.Sim.SetFaults(morsim.Faults{})

	converged(t, g, w, rules, "hang", 2*time.Minute)
	g.Eventually(goroutines, time.Minute, 250*time.Millisecond).Should(BeNumerically("<=", baseG+goroutineSlack), "goroutines back to the baseline")
	g.Eventually(open.Load, time.Minute, 250*time.Millisecond).Should(BeNumerically("<=", baseC+connectionSlack), "connections back to the baseline")
	t.Logf("summary: MOR hung %s over %d resources: %d requests timed out (status %q); goroutines %.0f -> %.0f (peak) -> %.0f, connections to MOR %d -> %d (peak) -> %d; all converged, 0 lost, 0 duplicated",
		hang, n, hung, msg, baseG, peakG, goroutines(), baseC, peakC, open.Load())
}
