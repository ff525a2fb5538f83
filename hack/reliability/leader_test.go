package reliability

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/testproc"
)

// leaseDuration is the managers' lease in TestLeaderElection: a follower takes over at
// most this long (plus a retry period) after its leader died without releasing it.
const leaseDuration = 4 * time.Second

// leaseName is the manager's LeaderElectionID (main.go).
const leaseName = "mor-operator.mor.operator.dev"

// TestLeaderElection runs two managers with leader election: only the leader calls MOR;
// SIGKILL the leader and the other takes over within the lease, every rule converges and
// nothing is created twice in MOR.
func TestLeaderElection(t *testing.T) {
	g := NewWithT(t)
	n := pick(60, 300)
	w := testproc.Start(t, testproc.Options{Cluster: cluster, Namespace: "leader"})
	flags := []string{"--leader-elect", "--leader-elect-namespace=" + w.NS,
		"--leader-elect-lease-duration=" + leaseDuration.String(), "--leader-elect-renew-deadline=3s", "--leader-elect-retry-period=500ms"}
	a, b := w.StartManager(t, true, flags...), w.StartManager(t, true, flags...)
	requests := func(p *testproc.Proc) float64 {
		v, err := p.Metric("mor_requests_total")
		if err != nil {
			return -1
		}
		return v
	}
	rules := newRules(t, w, "leader", n)

	g.Eventually(func() int { return inMOR(w, "leader") }, time.Minute, 5*time.Millisecond).Should(BeNumerically(">=", n/3))
	ra, rb := requests(a), requests(b)
	leader, follower := a, b
	if rb > ra {
		leader, follower = b, a
		ra, rb = rb, ra
	}
	g.Expect(ra).To(BeNumerically(">", 0), "the leader called MOR")
	g.Expect(rb).To(BeZero(), "the follower did not call MOR")
	holder := func() string {
		l := &coordinationv1.Lease{}
		if err := w.K8s.Get(context.Background(), client.ObjectKey{Namespace: w.NS, Name: leaseName}, l); err != nil || l.Spec.HolderIdentity == nil {
			return ""
		}
		return *l.Spec.HolderIdentity
	}
	was := holder()
	g.Expect(was).NotTo(BeEmpty(), "the leader holds the lease")
	leader.Kill()
	killed := time.Now()
	atKill := inMOR(w, "leader")
	g.Eventually(holder, 2*leaseDuration+5*time.Second, 50*time.Millisecond).ShouldNot(Or(BeEmpty(), Equal(was)))
	takeover := time.Since(killed)
	// the follower tries every retry period (500ms); the lease expires at most leaseDuration after the kill
	g.Expect(takeover).To(BeNumerically("<=", leaseDuration+2*time.Second), "takeover within the lease (and two retry periods, on a loaded machine)")
	g.Eventually(func() float64 { return requests(follower) }, 30*time.Second, 50*time.Millisecond).Should(BeNumerically(">", 0))
	converged(t, g, w, rules, "leader", 2*time.Minute)
	creates := w.CountRequests(func(r morsim.Request) bool {
		return r.Method == mor.LocationRuleCreate.Name() && r.OK && strings.HasPrefix(r.Params["name"], "leader ")
	})
	g.Expect(creates).To(Equal(n), "one create per rule")
	t.Logf("summary: leader election, 2 managers, %d resources: follower made 0 MOR requests while the leader made %.0f; leader SIGKILLed at %d/%d rules in MOR, takeover after %s (lease %s), %d creates, 0 lost, 0 duplicated",
		n, ra, atKill, n, takeover.Round(100*time.Millisecond), leaseDuration, creates)
}
