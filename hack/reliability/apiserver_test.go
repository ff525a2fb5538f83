package reliability

import (
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/mor-operator/mor-operator/internal/testproc"
)

// TestAPIServerRestart stops the kube-apiserver while rules are being reconciled and
// starts it again with the same command line (same port, certificates, etcd): the manager
// recovers without restarting (same PID, still running) and every rule converges.
func TestAPIServerRestart(t *testing.T) {
	g := NewWithT(t)
	n, down := pick(40, 300), pick(3*time.Second, 15*time.Second)
	w := testproc.Start(t, testproc.Options{Cluster: cluster, Namespace: "apiserver"})
	proc := w.StartManager(t, false)
	pid := proc.Cmd.Process.Pid
	rules := newRules(t, w, "apiserver", n)

	g.Eventually(func() int { return inMOR(w, "apiserver") }, time.Minute, 5*time.Millisecond).Should(BeNumerically(">=", n/4))
	atStop := inMOR(w, "apiserver")
	g.Expect(w.RestartAPIServer(down)).To(Succeed())
	atStart := inMOR(w, "apiserver")

	converged(t, g, w, rules, "apiserver", 3*time.Minute)
	g.Expect(proc.Running()).To(BeTrue(), "the manager still runs")
	g.Expect(proc.Cmd.Process.Pid).To(Equal(pid))
	t.Logf("summary: kube-apiserver stopped for %s at %d/%d rules in MOR (%d when it came back): %d resources converged, manager PID %d never restarted, 0 lost, 0 duplicated",
		down, atStop, n, atStart, n, pid)
}
