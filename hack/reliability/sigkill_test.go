package reliability

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/testproc"
)

// TestSIGKILLAtRandomMoments kills the manager (SIGKILL) at random moments while rules are
// created, then updated, then deleted, restarting it after each kill: after each phase MOR
// holds exactly one rule per resource with its last spec, and none after deletion. A
// random moment is after a random number of this phase's MOR writes, so every kill lands
// mid-phase.
// writeLatency is how long the simulator takes for each rule write in this test.
const writeLatency = 25 * time.Millisecond

func TestSIGKILLAtRandomMoments(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	n, killsPerPhase := pick(40, 300), pick(1, 4)
	var writes atomic.Int64 // answered location_rule_create/update/delete
	w := testproc.Start(t, testproc.Options{Cluster: cluster, Namespace: "sigkill", Wrap: func(sim http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			write := false
			for _, m := range []string{"create", "update", "delete"} {
				write = write || strings.HasSuffix(r.URL.Path, "/api/location_rule_"+m)
			}
			if write {
				// a MOR write takes a while, as a real one does: a phase lasts long
				// enough for its kill to land inside it
				time.Sleep(writeLatency)
			}
			sim.ServeHTTP(rw, r)
			if write {
				writes.Add(1)
			}
		})
	}})
	start := func() *testproc.Proc { return w.StartManager(t, false) }
	proc := start()
	kills, writesTotal := 0, int64(0)
	// killDuring kills the manager killsPerPhase times, each after a random number of
	// further MOR writes (in all fewer than the phase's n), and restarts it.
	// base is the write count before the phase began, so a fast phase cannot finish
	// before its kill points are drawn.
	killDuring := func(phase string, base int64) {
		target := base
		for range killsPerPhase {
			target += 1 + rand.Int64N(int64(n)/int64(killsPerPhase+1))
			deadline := time.Now().Add(time.Minute)
			for writes.Load() < target && time.Now().Before(deadline) {
				time.Sleep(2 * time.Millisecond)
			}
			if writes.Load() < target {
				t.Logf("%s: the manager stopped writing before its kill (%d writes)", phase, writes.Load())
				return
			}
			proc.Kill()
			kills++
			proc = start()
		}
	}

	base := writes.Load()
	rules := newRules(t, w, "sigkill", n)
	killDuring("create", base)
	converged(t, g, w, rules, "sigkill", 3*time.Minute)

	base = writes.Load()
	changeAdd(g, w, rules) // update: a field of each
	killDuring("update", base)
	converged(t, g, w, rules, "sigkill", 3*time.Minute)
	mor := w.MORRules("sigkill ")
	lost := 0
	for _, lr := range rules {
		if mor[*lr.Spec.Name].Add != *lr.Spec.Add {
			lost++
			t.Errorf("%s: MOR has add %q, the spec %q (an update lost)", lr.Name, mor[*lr.Spec.Name].Add, *lr.Spec.Add)
		}
	}

	base = writes.Load()
	for _, lr := range rules {
		g.Expect(w.K8s.Delete(ctx, lr)).To(Succeed())
	}
	killDuring("delete", base)
	g.Eventually(func() int {
		left := 0
		for _, lr := range rules {
			if err := w.K8s.Get(ctx, client.ObjectKeyFromObject(lr), &v1alpha1.LocationRule{}); !apierrors.IsNotFound(err) {
				left++
			}
		}
		return left
	}, 3*time.Minute, 250*time.Millisecond).Should(BeZero(), "resources not finalized")
	g.Expect(inMOR(w, "sigkill")).To(BeZero(), "MOR rules left after deletion")
	writesTotal = writes.Load()
	g.Expect(kills).To(BeNumerically(">=", 3*killsPerPhase), "kills")
	t.Logf("summary: SIGKILL at random moments: %d resources x 3 phases (create, update, delete), %d kills, %d MOR writes, %d updates lost, 0 duplicated, 0 left after deletion",
		n, kills, writesTotal, lost)
}
