package controllers_test

import (
	"context"
	"fmt"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

var (
	ruleCreate = mor.LocationRuleCreate.Name()
	ruleUpdate = mor.LocationRuleUpdate.Name()
	ruleDelete = mor.LocationRuleDelete.Name()
	ruleList   = mor.LocationRulesGet.Name() // polls read the location's shared listing
)

func newLocationRule(name string) *v1alpha1.LocationRule {
	return &v1alpha1.LocationRule{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.LocationRuleSpec{
			LocationID: 1,
			Name:       ptr("lt-" + name),
			Cut:        ptr("00370"),
			Add:        ptr("370"),
			MinLen:     ptr(int32(10)),
			MaxLen:     ptr(int32(15)),
		},
	}
}

// rulesNamed returns MOR's rules with the given name.
func (f *fixture) rulesNamed(name string) []morsim.Rule {
	var out []morsim.Rule
	for _, r := range f.sim.Snapshot().Rules {
		if r.Name == name {
			out = append(out, *r)
		}
	}
	return out
}

func (f *fixture) gone(obj client.Object) {
	f.t.Helper()
	f.g.Eventually(func() bool {
		return apierrors.IsNotFound(k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj))
	}, testTimeout).Should(BeTrue())
}

func TestLocationRuleLifecycle(t *testing.T) {
	f := newFixture(t)
	lr := newLocationRule("lifecycle")
	f.create(lr)

	// create → Ready with the MOR id in status, one create, MOR matching
	f.waitReady(lr)
	f.g.Expect(lr.Status.RuleID).NotTo(BeNil())
	f.g.Expect(f.requests(ruleCreate)).To(HaveLen(1))
	rules := f.rulesNamed("lt-lifecycle")
	f.g.Expect(rules).To(HaveLen(1))
	f.g.Expect(rules[0].ID).To(Equal(*lr.Status.RuleID))
	f.g.Expect(rules[0]).To(And(HaveField("Cut", "00370"), HaveField("Add", "370"), HaveField("MinLen", 10), HaveField("MaxLen", 15)))

	// in sync: reads, no writes
	f.waitRequests(ruleList, 2)
	f.g.Expect(f.requests(ruleUpdate)).To(BeEmpty())

	// edit → one update with only the changed parameter
	f.update(lr, func() { lr.Spec.DeviceID = ptr(int64(2)) })
	f.waitReady(lr)
	f.g.Expect(f.requests(ruleUpdate)).To(HaveLen(1))
	f.g.Expect(f.requests(ruleUpdate)[0].Params).To(HaveKeyWithValue("device_id", "2"))
	f.g.Expect(f.requests(ruleUpdate)[0].Params).NotTo(HaveKey("name"))

	// -1 unassigns, and MOR's empty id then reads as in sync
	f.update(lr, func() { lr.Spec.DeviceID = ptr(int64(-1)) })
	f.waitReady(lr)
	f.g.Eventually(func() int64 { return f.rulesNamed("lt-lifecycle")[0].DeviceID }, testTimeout).Should(BeZero())
	f.waitRequests(ruleList, 2)
	f.g.Expect(f.requests(ruleUpdate)).To(HaveLen(2))

	// drift: a field changed in MOR is set back
	f.sim.Update(func(st *morsim.State) { st.Rules[*lr.Status.RuleID].MaxLen = 20 })
	f.g.Eventually(func() int { return f.rulesNamed("lt-lifecycle")[0].MaxLen }, testTimeout).Should(Equal(15))

	// drift: the rule deleted in MOR is created again
	oldID := *lr.Status.RuleID
	f.sim.Update(func(st *morsim.State) { delete(st.Rules, oldID) })
	f.g.Eventually(func() []morsim.Rule { return f.rulesNamed("lt-lifecycle") }, testTimeout).Should(HaveLen(1))
	newID := f.rulesNamed("lt-lifecycle")[0].ID
	f.g.Expect(newID).NotTo(Equal(oldID))
	f.g.Eventually(func() *int64 {
		_ = k8s.Get(context.Background(), client.ObjectKeyFromObject(lr), lr)
		return lr.Status.RuleID
	}, testTimeout).Should(HaveValue(Equal(newID)))
	f.waitReady(lr)
	f.g.Eventually(func() string { return f.normalEvents(lr)["Corrected"] }, testTimeout).Should(ContainSubstring("re-created in MOR"))
	f.g.Expect(f.normalEvents(lr)).NotTo(HaveKey("Created"), "the first create is told by status, not by an event")

	// delete (policy Delete, the default) → gone from MOR, then from Kubernetes
	f.g.Expect(k8s.Delete(context.Background(), lr)).To(Succeed())
	f.gone(lr)
	f.g.Expect(f.rulesNamed("lt-lifecycle")).To(BeEmpty())
}

func TestLocationRuleOrphanKeepsRule(t *testing.T) {
	f := newFixture(t)
	lr := newLocationRule("orphan")
	lr.Spec.DeletionPolicy = ptr(v1alpha1.DeletionPolicyOrphan)
	f.create(lr)
	f.waitReady(lr)

	// Orphaning needs no MOR call, so neither the server nor its Secret: as when a
	// whole namespace is deleted.
	f.g.Expect(k8s.Delete(context.Background(), f.server())).To(Succeed())
	f.g.Expect(k8s.Delete(context.Background(), lr)).To(Succeed())
	f.gone(lr)
	f.g.Expect(f.rulesNamed("lt-orphan")).To(HaveLen(1))
	f.g.Expect(f.requests(ruleDelete)).To(BeEmpty())
}

func TestLocationRuleDeleteWhenAlreadyGoneSucceeds(t *testing.T) {
	f := newFixture(t)
	lr := newLocationRule("gone")
	f.create(lr)
	f.waitReady(lr)
	f.update(lr, func() { lr.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"} })
	f.waitCondition(lr, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonPaused)
	f.sim.Update(func(st *morsim.State) { delete(st.Rules, *lr.Status.RuleID) })

	f.g.Expect(k8s.Delete(context.Background(), lr)).To(Succeed())
	f.update(lr, func() { delete(lr.Annotations, v1alpha1.AnnotationPaused) })
	f.gone(lr)
	f.g.Expect(f.requests(ruleDelete)).To(HaveLen(1))
	f.g.Expect(f.requests(ruleDelete)[0].Outcome).To(Equal("Rule was not found"))
}

// A crash between the create call and the status write leaves a rule in MOR that
// status does not name, and the create-pending record the operator wrote before the
// create; the next reconcile must find the rule, not create a second one.
func TestLocationRuleCreateIsCrashSafe(t *testing.T) {
	f := newFixture(t)
	pending := map[string]string{v1alpha1.AnnotationCreatePending: "2026-11-25T00:00:00Z"}

	// the status write lost: wipe status.ruleID, restore the record, let the operator look again
	lr := newLocationRule("crash")
	f.create(lr)
	f.waitReady(lr)
	f.g.Expect(lr.Status.CompletedCreate).To(Equal(lr.Annotations[v1alpha1.AnnotationCreatePending]),
		"spent by the status write that holds the id")
	f.g.Expect(managed.CreatePending(lr)).To(BeFalse())
	id := *lr.Status.RuleID
	f.g.Eventually(func() error {
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(lr), lr); err != nil {
			return err
		}
		lr.Status = v1alpha1.LocationRuleStatus{}
		return k8s.Status().Update(context.Background(), lr)
	}, testTimeout).Should(Succeed())
	// the operator's own record wakes no one; a restart (here: another annotation) does
	f.update(lr, func() {
		lr.Annotations = map[string]string{v1alpha1.AnnotationCreatePending: pending[v1alpha1.AnnotationCreatePending], "test/wake": "1"}
	})
	f.g.Eventually(func() *int64 {
		_ = k8s.Get(context.Background(), client.ObjectKeyFromObject(lr), lr)
		return lr.Status.RuleID
	}, testTimeout).Should(HaveValue(Equal(id)))
	f.g.Expect(f.rulesNamed("lt-crash")).To(HaveLen(1))
	f.g.Expect(f.requests(ruleCreate)).To(HaveLen(1))

	// the process died right after MOR created the rule: the resource has the record
	// and no status while the rule already exists
	f.sim.Update(func(st *morsim.State) {
		st.Rules[500] = &morsim.Rule{ID: 500, LocationID: 1, Name: "lt-crash2", Enabled: 1, LrType: "dst",
			Cut: "00371", Add: "371", MinLen: 10, MaxLen: 15, SrcMinLen: 1, SrcMaxLen: 99}
	})
	lr2 := newLocationRule("crash2")
	lr2.Annotations = pending
	lr2.Spec.Cut, lr2.Spec.Add = ptr("00371"), ptr("371")
	f.create(lr2)
	f.waitReady(lr2)
	f.g.Expect(*lr2.Status.RuleID).To(Equal(int64(500)))
	f.g.Expect(f.rulesNamed("lt-crash2")).To(HaveLen(1))
	f.g.Expect(f.requests(ruleCreate)).To(HaveLen(1))
}

// A copy of a resource (kubectl get -o yaml, renamed, applied) carries its spent
// create-pending record but not its UID: it never claims the original's rule.
func TestLocationRuleCopyDoesNotClaimTheOriginalsRule(t *testing.T) {
	f := newFixture(t)
	orig := newLocationRule("orig")
	orig.Spec.DeletionPolicy = ptr(v1alpha1.DeletionPolicyOrphan)
	f.create(orig)
	f.waitReady(orig)
	id := *orig.Status.RuleID
	f.g.Expect(k8s.Delete(context.Background(), orig)).To(Succeed())
	f.gone(orig)

	cp := newLocationRule("copy")
	cp.Spec = *orig.Spec.DeepCopy()
	cp.Annotations = map[string]string{v1alpha1.AnnotationCreatePending: orig.Annotations[v1alpha1.AnnotationCreatePending]}
	f.create(cp)
	stalled := f.waitCondition(cp, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonAlreadyExists)
	f.g.Expect(stalled.Message).To(ContainSubstring(fmt.Sprintf("spec.ruleID: %d", id)))
	f.g.Expect(cp.Status.RuleID).To(BeNil())
	f.g.Expect(f.requests(ruleCreate)).To(HaveLen(1), "the original's create only")
}

// An identical rule someone made by hand is never taken over, nor deleted with the
// resource, whatever its deletion policy.
func TestLocationRuleNeverTakesOverAHandMadeRule(t *testing.T) {
	f := newFixture(t)
	f.sim.Update(func(st *morsim.State) {
		st.Rules[600] = &morsim.Rule{ID: 600, LocationID: 1, Name: "lt-hand", Enabled: 1, LrType: "dst",
			Cut: "00372", Add: "372", MinLen: 10, MaxLen: 15, SrcMinLen: 1, SrcMaxLen: 99}
	})
	lr := newLocationRule("hand")
	lr.Spec.Cut, lr.Spec.Add = ptr("00372"), ptr("372")
	lr.Spec.DeletionPolicy = ptr(v1alpha1.DeletionPolicyDelete)
	f.create(lr)
	stalled := f.waitCondition(lr, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonAlreadyExists)
	f.g.Expect(stalled.Message).To(ContainSubstring("spec.ruleID: 600"), "says how to adopt it")
	f.g.Expect(lr.Status.RuleID).To(BeNil())
	f.g.Expect(f.requests(ruleCreate)).To(BeEmpty())
	f.g.Expect(k8s.Delete(context.Background(), lr)).To(Succeed())
	f.gone(lr)
	f.g.Expect(f.requests(ruleDelete)).To(BeEmpty())
	f.g.Expect(f.sim.Snapshot().Rules).To(HaveKey(int64(600)), "the hand-made rule stays")
}

func TestLocationRuleAdoption(t *testing.T) {
	f := newFixture(t)
	seeded := f.sim.Snapshot().Rules[7]
	lr := &v1alpha1.LocationRule{
		ObjectMeta: metav1.ObjectMeta{Name: "adopted"},
		Spec: v1alpha1.LocationRuleSpec{
			LocationID: seeded.LocationID,
			RuleID:     ptr(int64(7)),
			Enabled:    ptr(false),
		},
	}
	f.create(lr)
	f.waitReady(lr)
	f.g.Expect(*lr.Status.RuleID).To(Equal(int64(7)))
	f.g.Expect(f.requests(ruleCreate)).To(BeEmpty())
	f.g.Expect(f.sim.Snapshot().Rules[7].Enabled).To(Equal(0))
	f.g.Expect(f.sim.Snapshot().Rules[7].Name).To(Equal(seeded.Name), "fields not in spec are not managed")

	// an adopted rule deleted in MOR is reported, not re-created
	f.sim.Update(func(st *morsim.State) { delete(st.Rules, 7) })
	stalled := f.waitCondition(lr, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonAdoptedRuleGone)
	f.g.Expect(stalled.Message).To(ContainSubstring("7"))
	f.g.Expect(f.requests(ruleCreate)).To(BeEmpty())
}

func TestLocationRuleMORRejectionVerbatim(t *testing.T) {
	f := newFixture(t)
	lr := newLocationRule("badlcr")
	lr.Spec.LCRID = ptr(int64(999))
	f.create(lr)
	stalled := f.waitCondition(lr, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonRejected)
	f.g.Expect(stalled.Message).To(Equal("LCR was not found"))
	f.g.Expect(f.rulesNamed("lt-badlcr")).To(BeEmpty())
}

func TestLocationRuleObserveOnly(t *testing.T) {
	f := newFixture(t)
	seeded := f.sim.Snapshot().Rules[4]
	lr := &v1alpha1.LocationRule{
		ObjectMeta: metav1.ObjectMeta{Name: "watched"},
		Spec: v1alpha1.LocationRuleSpec{
			LocationID:       seeded.LocationID,
			RuleID:           ptr(int64(4)),
			MaxLen:           ptr(int32(seeded.MaxLen - 1)),
			ManagementPolicy: ptr(v1alpha1.ManagementPolicyObserveOnly),
		},
	}
	f.create(lr)
	ready := f.waitCondition(lr, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDrifted)
	f.g.Expect(ready.Message).To(ContainSubstring("maxlen"))
	f.g.Expect(lr.Status.DriftedFields).To(ConsistOf("spec.maxLen"))
	f.g.Expect(lr.Finalizers).To(BeEmpty(), "ObserveOnly never deletes, so it holds no finalizer")
	f.waitRequests(ruleList, 2)
	f.g.Expect(f.requests(ruleUpdate)).To(BeEmpty())

	// an ObserveOnly rule that does not exist is reported, never created
	missing := newLocationRule("missing")
	missing.Spec.ManagementPolicy = ptr(v1alpha1.ManagementPolicyObserveOnly)
	f.create(missing)
	f.waitCondition(missing, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonNotFound)
	f.g.Expect(f.requests(ruleCreate)).To(BeEmpty())

	f.g.Expect(k8s.Delete(context.Background(), lr)).To(Succeed())
	f.gone(lr)
	f.g.Expect(f.sim.Snapshot().Rules).To(HaveKey(int64(4)))
}

// Deleting a LocationRule whose create MOR refused says what happened — nothing reached
// MOR — and never "deleted in MOR".
func TestLocationRuleDeleteNeverCreated(t *testing.T) {
	f := newFixture(t)
	lr := newLocationRule("refused")
	lr.Spec.TariffID = ptr(int64(999999)) // "Tariff was not found"
	f.create(lr)
	f.waitCondition(lr, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonRejected)
	f.g.Expect(lr.Finalizers).NotTo(BeEmpty(), "held since the create attempt")

	f.g.Expect(k8s.Delete(context.Background(), lr)).To(Succeed())
	f.gone(lr)
	f.g.Expect(f.requests(ruleDelete)).To(BeEmpty())
	events := func() string {
		list := &corev1.EventList{}
		f.g.Expect(k8s.List(context.Background(), list, client.InNamespace(f.ns),
			client.MatchingFields{"involvedObject.name": lr.Name})).To(Succeed())
		return eventText(list)
	}
	f.g.Eventually(events, testTimeout).Should(ContainSubstring("NothingToDelete nothing to delete in MOR: it was never created"))
	f.g.Expect(events()).NotTo(ContainSubstring("deleted in MOR"))
}
