package reliability

import (
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/testproc"
)

// leaseDuration is the managers' lease in TestLeaderElection: a follower takes over at
// most this long (plus a retry period) after its leader died without releasing it.
const leaseDuration = 4 * time.Second

// TestLeaderElection runs two managers with leader election: only the leader calls MOR;
// SIGKILL the leader and the other takes over within the lease, every rule converges and
// nothing is created twice in MOR.
func TestLeaderElection(t *testing.T) {
	g := NewWithT(t)
	n := pick(60, 300)
	w := testproc.Start(t, testproc.Options{Namespace: "leader"})
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
	leader.Kill()
	killed := time.Now()
	atKill := inMOR(w, "leader")
	g.Eventually(func() float64 { return requests(follower) }, 2*leaseDuration+5*time.Second, 50*time.Millisecond).Should(BeNumerically(">", 0))
	takeover := time.Since(killed)
	g.Expect(takeover).To(BeNumerically("<=", leaseDuration+2*time.Second), "takeover within the lease")
	converged(t, g, w, rules, "leader", 2*time.Minute)
	creates := w.CountRequests(func(r morsim.Request) bool {
		return r.Method == "location_rule_create" && r.OK && strings.HasPrefix(r.Params["name"], "leader ")
	})
	g.Expect(creates).To(Equal(n), "one create per rule")
	t.Logf("summary: leader election, 2 managers, %d resources: follower made 0 MOR requests while the leader made %.0f; leader SIGKILLed at %d/%d rules in MOR, takeover after %s (lease %s), %d creates, 0 lost, 0 duplicated",
		n, ra, atKill, n, takeover.Round(100*time.Millisecond), leaseDuration, creates)
}
