package reliability

import (
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/testproc"
)

// What MOR may receive during an outage: today nothing stops the manager calling a MOR
// that is down but the per-server client rate limit (MorServer spec.rateLimit, default
// 5 requests/s with a burst of 10), while each resource retries with its own backoff; so
// the bound is that budget over the outage (plus a second for timing). Measured: 25 in a
// 5 s outage over 60 rules, 150 in 30 s over 300. A per-server circuit breaker should
// bring it down to a few probes per outage: tighten these once it has landed.
const (
	outageRequestsPerSecond = 5
	outageRequestBurst      = 10
)

// TestMOROutage takes MOR down in the middle of applying many rules: every rule converges
// after it ends, exactly once in MOR, and the requests MOR saw while down stay bounded.
func TestMOROutage(t *testing.T) {
	g := NewWithT(t)
	n, outage := pick(60, 300), pick(5*time.Second, 30*time.Second)
	w := testproc.Start(t, testproc.Options{Cluster: cluster, Namespace: "outage"})
	w.StartManager(t, false)
	rules := newRules(t, w, "outage", n)

	g.Eventually(func() int { return inMOR(w, "outage") }, time.Minute, 5*time.Millisecond).Should(BeNumerically(">=", n/4))
	atDown := inMOR(w, "outage")
	w.Sim.SetFaults(morsim.Faults{Down: true})
	time.Sleep(outage)
	w.Sim.SetFaults(morsim.Faults{})
	during := w.CountRequests(func(r morsim.Request) bool { return r.Outcome == morsim.OutcomeFaultDown })
	converged(t, g, w, rules, "outage", 2*time.Minute+2*outage)
	bound := outageRequestsPerSecond*int((outage+time.Second)/time.Second) + outageRequestBurst
	g.Expect(during).To(BeNumerically(">", 0), "the outage hit the manager at work")
	g.Expect(during).To(BeNumerically("<=", bound), "requests during the outage")
	creates := w.CountRequests(func(r morsim.Request) bool {
		return r.Method == "location_rule_create" && r.OK && strings.HasPrefix(r.Params["name"], "outage ")
	})
	t.Logf("summary: outage %s with %d/%d rules in MOR at its start: %d resources converged, %d requests during the outage (bound %d), %d creates, 0 lost, 0 duplicated",
		outage, atDown, n, n, during, bound, creates)
}
