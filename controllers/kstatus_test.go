package controllers_test

import (
	"context"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// Flux (and kpt, cli-utils' applier) judge health with kstatus. These tests read the live
// resources from the API server as unstructured, the way those tools do, and check that
// the status the operator writes computes to the kstatus status a user would expect.

// kstatus computes the kstatus result of obj as it is now in the API server.
func (f *fixture) kstatus(obj client.Object, kind string) (*status.Result, error) {
	u := &unstructured.Unstructured{}
	u.SetGroupVersionKind(v1alpha1.GroupVersion.WithKind(kind))
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), u); err != nil {
		return nil, err
	}
	return status.Compute(u)
}

// waitKstatus waits until obj computes to want and returns that result.
func (f *fixture) waitKstatus(obj client.Object, kind string, want status.Status) *status.Result {
	f.t.Helper()
	var res *status.Result
	f.g.Eventually(func(g Gomega) {
		var err error
		res, err = f.kstatus(obj, kind)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(res.Status).To(Equal(want), res.Message)
	}, testTimeout, 50*time.Millisecond).Should(Succeed())
	return res
}

// expectKstatus checks obj's kstatus now, and that it stays so for a few polls (the
// operator's poll interval here is one second), which catches flapping.
func (f *fixture) expectKstatus(obj client.Object, kind string, want status.Status) *status.Result {
	f.t.Helper()
	var res *status.Result
	f.g.Consistently(func(g Gomega) {
		var err error
		res, err = f.kstatus(obj, kind)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(res.Status).To(Equal(want), res.Message)
	}, 2*testPollInterval, 100*time.Millisecond).Should(Succeed())
	return res
}

func TestKstatusCurrentWhenReady(t *testing.T) {
	f := newFixture(t)
	s := f.server()
	f.waitReady(s)
	f.expectKstatus(s, "MorServer", status.CurrentStatus)

	d := newDIDRate(1)
	f.create(d)
	f.waitReady(d)
	res := f.expectKstatus(d, "DIDRate", status.CurrentStatus)
	f.g.Expect(res.Conditions).To(BeEmpty(), "Current carries no Reconciling/Stalled condition")

	// a spec edit is Current again once reconciled at the new generation
	f.update(d, func() { d.Spec.OwnerTariffID = ptr(int64(3)) })
	f.waitReady(d)
	f.g.Expect(d.Generation).To(Equal(int64(2)))
	f.expectKstatus(d, "DIDRate", status.CurrentStatus)
}

// Paused, an edit is never observed: observedGeneration lags metadata.generation, which
// kstatus reads as InProgress whatever the conditions say.
func TestKstatusInProgressWhilePausedEditWaits(t *testing.T) {
	f := newFixture(t)
	d := newDIDRate(2)
	f.create(d)
	f.waitReady(d)

	f.update(d, func() { d.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"} })
	f.waitCondition(d, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonPaused)
	// Ready=False/Paused without Stalled: kstatus falls back to the Ready condition.
	res := f.expectKstatus(d, "DIDRate", status.InProgressStatus)
	f.g.Expect(res.Message).To(ContainSubstring("paused"))

	f.update(d, func() { d.Spec.OwnerTariffID = ptr(int64(3)) })
	f.waitCondition(d, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonPaused)
	f.g.Expect(d.Status.ObservedGeneration).To(BeNumerically("<", d.Generation))
	res = f.expectKstatus(d, "DIDRate", status.InProgressStatus)
	f.g.Expect(res.Message).To(ContainSubstring("latest observed generation is 1"))
	f.g.Expect(res.Conditions).To(ContainElement(HaveField("Type", status.ConditionReconciling)))

	f.update(d, func() { delete(d.Annotations, v1alpha1.AnnotationPaused) })
	f.waitReady(d)
	f.waitKstatus(d, "DIDRate", status.CurrentStatus)
}

// A server outage is transient: Ready=False without Stalled, which kstatus reads as
// InProgress (retrying), never Failed.
func TestKstatusInProgressWhileServerDown(t *testing.T) {
	f := newFixture(t)
	d := newDIDRate(5)
	f.create(d)
	f.waitReady(d)

	f.sim.SetFaults(morsim.Faults{Down: true})
	f.waitCondition(d, v1alpha1.ConditionSynced, metav1.ConditionFalse, v1alpha1.ReasonReconcileError)
	f.waitCondition(d, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonUnavailable)
	f.expectKstatus(d, "DIDRate", status.InProgressStatus)

	f.sim.SetFaults(morsim.Faults{})
	f.waitReady(d)
	f.waitKstatus(d, "DIDRate", status.CurrentStatus)
}

// Created while the server is down: nothing observed yet, still InProgress, not Current.
func TestKstatusInProgressWhenNeverReconciled(t *testing.T) {
	f := newFixture(t)
	f.waitReady(f.server())
	f.sim.SetFaults(morsim.Faults{Down: true})
	d := newDIDRate(4)
	f.create(d)
	f.waitCondition(d, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonUnavailable)
	f.expectKstatus(d, "DIDRate", status.InProgressStatus)

	f.sim.SetFaults(morsim.Faults{})
	f.waitReady(d)
	f.waitKstatus(d, "DIDRate", status.CurrentStatus)
}

// MOR rejecting the spec needs a person: Stalled=True is Failed, with MOR's text, at the
// first generation and after an edit that is rejected again.
func TestKstatusFailedWhenStalled(t *testing.T) {
	f := newFixture(t)
	d := newDIDRate(4)
	d.Spec.OwnerTariffID = ptr(int64(999))
	f.create(d)
	f.waitCondition(d, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonRejected)
	res := f.expectKstatus(d, "DIDRate", status.FailedStatus)
	f.g.Expect(res.Message).To(Equal("Tariff was not found"))
	f.g.Expect(res.Conditions).To(ConsistOf(And(
		HaveField("Type", status.ConditionStalled),
		HaveField("Reason", verdict.ReasonRejected),
	)))

	// another unknown tariff: Failed at generation 2 as well, not stuck in InProgress
	f.update(d, func() { d.Spec.OwnerTariffID = ptr(int64(998)) })
	f.waitCondition(d, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonRejected)
	f.g.Expect(d.Generation).To(Equal(int64(2)))
	f.expectKstatus(d, "DIDRate", status.FailedStatus)

	f.update(d, func() { d.Spec.OwnerTariffID = ptr(int64(2)) })
	f.waitReady(d)
	f.waitKstatus(d, "DIDRate", status.CurrentStatus)
}

// Authentication failure on the MorServer itself is Failed too, and so are its dependents.
func TestKstatusFailedOnWrongKey(t *testing.T) {
	f := newFixture(t)
	s := f.server()
	f.waitReady(s)
	d := newDIDRate(3)
	f.create(d)
	f.waitReady(d)

	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mor-api-key", Namespace: f.ns}}
	f.update(secret, func() { secret.Data = map[string][]byte{"secretKey": []byte("wrong-key")} })
	f.waitCondition(s, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonAuthenticationFailed)
	res := f.waitKstatus(s, "MorServer", status.FailedStatus)
	f.g.Expect(res.Message).To(HavePrefix("MOR refused the credentials (Incorrect hash): check the username and the API key"))
	f.waitCondition(d, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonAuthenticationFailed)
	f.waitKstatus(d, "DIDRate", status.FailedStatus)

	f.update(secret, func() { secret.Data = map[string][]byte{"secretKey": []byte("admin-secret")} })
	f.waitKstatus(s, "MorServer", status.CurrentStatus)
	f.waitKstatus(d, "DIDRate", status.CurrentStatus)
}

// A deleted LocationRule held by its finalizer is Terminating until MOR lets it go.
func TestKstatusTerminating(t *testing.T) {
	f := newFixture(t)
	r := newLocationRule("kstatus")
	f.create(r)
	f.waitReady(r)
	f.waitKstatus(r, "LocationRule", status.CurrentStatus)

	// paused, deletion waits on the finalizer with no MOR call
	f.update(r, func() { r.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"} })
	f.waitCondition(r, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonPaused)
	f.g.Expect(k8s.Delete(context.Background(), r)).To(Succeed())
	f.waitKstatus(r, "LocationRule", status.TerminatingStatus)

	f.update(r, func() { delete(r.Annotations, v1alpha1.AnnotationPaused) })
	f.g.Eventually(func() error {
		_, err := f.kstatus(r, "LocationRule")
		return err
	}, testTimeout, 50*time.Millisecond).Should(MatchError(ContainSubstring("not found")))
}

// An ObserveOnly resource that reports drift: kstatus has no "healthy with a warning"
// state and reads Ready=False as InProgress, with the drift as its message (Argo CD,
// with config/argocd, says Healthy "Drifted: ..."). Ready stays False on purpose: MOR
// does not match the spec, and kubectl wait --for=condition=Ready must not pass.
func TestKstatusObserveOnlyDrifted(t *testing.T) {
	f := newFixture(t)
	d := newDIDRate(2)
	d.Spec.ManagementPolicy = ptr(v1alpha1.ManagementPolicyObserveOnly)
	d.Spec.OwnerTariffID = ptr(int64(4)) // MOR has 0
	f.create(d)
	f.waitCondition(d, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDrifted)
	res := f.expectKstatus(d, "DIDRate", status.InProgressStatus)
	f.g.Expect(res.Message).To(ContainSubstring("owner_tariff_id"))
}
