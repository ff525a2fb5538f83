// Package reliability is the fault suite: the manager as a real process against envtest
// and the MOR simulator over real HTTP, through a MOR outage, SIGKILLs at random moments,
// an API server restart, a leader's death and a hanging MOR. `make test` runs the short
// form; `make test-reliability` (RELIABILITY_LONG=1) the long one. Each test logs a
// one-line "summary:" for the reliability table.
package reliability

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/testproc"
)

// cluster is the control plane all the tests share (each in its own namespace, with its
// own simulator and managers): starting one per test would cost most of the short form's
// time budget.
var cluster *testproc.Cluster

func TestMain(m *testing.M) {
	c, err := testproc.StartCluster()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cluster = c
	code := m.Run()
	_ = c.Stop()
	os.Exit(code)
}

// long reports whether the long form runs (RELIABILITY_LONG=1, `make test-reliability`).
func long() bool { return os.Getenv("RELIABILITY_LONG") != "" }

// pick returns the short or the long form's value.
func pick[T any](short, longForm T) T {
	if long() {
		return longForm
	}
	return short
}

// newRules creates n LocationRules named prefix-i whose MOR rules are named "prefix i",
// deleted in MOR with the resource.
func newRules(t *testing.T, w *testproc.World, prefix string, n int) []*v1alpha1.LocationRule {
	t.Helper()
	var rules []*v1alpha1.LocationRule
	for i := range n {
		lr := &v1alpha1.LocationRule{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", prefix, i), Namespace: w.NS},
			Spec: v1alpha1.LocationRuleSpec{LocationID: 1 + int64(i%3), Name: ptr.To(fmt.Sprintf("%s %d", prefix, i)),
				Cut: ptr.To(fmt.Sprintf("7%d", i)), Add: ptr.To("+"),
				DeletionPolicy: ptr.To(v1alpha1.DeletionPolicyDelete)}}
		if err := w.K8s.Create(context.Background(), lr); err != nil {
			t.Fatal(err)
		}
		rules = append(rules, lr)
	}
	return rules
}

// changeAdd changes every rule's spec.add (to "9<index>"), a field MOR stores.
func changeAdd(g Gomega, w *testproc.World, rules []*v1alpha1.LocationRule) {
	ctx := context.Background()
	for i, lr := range rules {
		g.Eventually(func() error {
			if err := w.K8s.Get(ctx, client.ObjectKeyFromObject(lr), lr); err != nil {
				return err
			}
			lr.Spec.Add = ptr.To(fmt.Sprintf("9%d", i))
			return w.K8s.Update(ctx, lr)
		}, 30*time.Second).Should(Succeed())
	}
}

// converged waits until every rule is Ready for its generation, then checks MOR holds
// exactly one rule per resource and no other rule with the prefix.
func converged(t *testing.T, g Gomega, w *testproc.World, rules []*v1alpha1.LocationRule, prefix string, within time.Duration) {
	t.Helper()
	ctx := context.Background()
	g.Eventually(func() []string { return w.NotReady(ctx, rules) }, within, 250*time.Millisecond).Should(BeEmpty(), "not Ready")
	named := w.RulesNamed(prefix + " ")
	for _, lr := range rules {
		g.Expect(named[*lr.Spec.Name]).To(Equal(1), "exactly one MOR rule for %s", lr.Name)
	}
	g.Expect(named).To(HaveLen(len(rules)), "no MOR rule without a resource")
}

// inMOR counts the MOR rules with the prefix.
func inMOR(w *testproc.World, prefix string) int {
	n := 0
	for _, c := range w.RulesNamed(prefix + " ") {
		n += c
	}
	return n
}
