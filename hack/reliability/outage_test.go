package reliability

import (
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/testproc"
)

// What MOR may receive during an outage: the calls that open the server's circuit
// breaker (three failures in a row, plus those already on their way from the manager's
// workers), then only the breaker's probes, backing off from 1s (1, 2, 4, ... seconds).
const (
	outageOpeningCalls = 3 + 8 // the breaker's threshold + every worker in flight (2 per kind)
)

// outageProbes is how many probes a doubling backoff from 1s makes in d, plus one.
func outageProbes(d time.Duration) int {
	n := 1
	for wait := time.Second; d > 0; wait *= 2 {
		d -= wait
		n++
	}
	return n
}

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
	bound := outageOpeningCalls + outageProbes(outage)
	g.Expect(during).To(BeNumerically(">", 0), "the outage hit the manager at work")
	g.Expect(during).To(BeNumerically("<=", bound), "requests during the outage")
	creates := w.CountRequests(func(r morsim.Request) bool {
		return r.Method == mor.LocationRuleCreate.Name() && r.OK && strings.HasPrefix(r.Params["name"], "outage ")
	})
	t.Logf("summary: outage %s with %d/%d rules in MOR at its start: %d resources converged, %d requests during the outage (bound %d), %d creates, 0 lost, 0 duplicated",
		outage, atDown, n, n, during, bound, creates)
}
