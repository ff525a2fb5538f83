package controllers_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

// A flaky MOR — creates done but never answered, 429 with Retry-After, 5xx, HTML pages —
// still ends with every LocationRule Ready and exactly one MOR rule each.
func TestFlakyMORLosesNothingAndDuplicatesNothing(t *testing.T) {
	f := newFixture(t)
	f.sim.SetFaults(morsim.Faults{LostAnswerRate: 0.3, TooManyRate: 0.15, RetryAfterSeconds: 1, ErrorRate: 0.1, NonXMLRate: 0.05})
	const n = 30
	var rules []*v1alpha1.LocationRule
	for i := range n {
		lr := newLocationRule(fmt.Sprintf("flaky-%d", i))
		lr.Spec.Cut = ptr(fmt.Sprintf("06%d", i))
		rules = append(rules, lr)
		f.create(lr)
	}
	f.g.Eventually(func(g Gomega) {
		for _, lr := range rules {
			g.Expect(f.condition(lr, v1alpha1.ConditionReady)()).NotTo(BeNil())
			g.Expect(managed.ReadyForGeneration(lr)).To(BeTrue(), "%s: %+v", lr.Name, lr.Status.Conditions)
		}
	}, 2*time.Minute, 200*time.Millisecond).Should(Succeed())

	faults, creates := 0, 0
	for _, r := range f.sim.Requests() {
		if r.Method == ruleCreate && r.OK {
			creates++ // done in MOR, answered or not
		}
		if strings.HasPrefix(r.Outcome, morsim.OutcomeFaultPrefix) {
			faults++
		}
	}
	for _, lr := range rules {
		f.g.Expect(f.rulesNamed("lt-"+lr.Name)).To(HaveLen(1), "exactly one MOR rule for %s", lr.Name)
	}
	f.g.Expect(creates).To(Equal(n), "one create per resource, whether answered or not")
	t.Logf("%d rules: %d injected faults, %d creates, all Ready, no duplicate", n, faults, creates)
}
