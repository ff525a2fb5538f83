package controllers_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

var (
	didGet    = mor.DIDRatesDetailsGet.Name()
	didUpdate = mor.DIDRatesDetailsUpdate.Name()
)

func newDIDRate(did int64) *v1alpha1.DIDRate {
	return &v1alpha1.DIDRate{
		ObjectMeta: metav1.ObjectMeta{Name: "did"},
		Spec: v1alpha1.DIDRateSpec{
			DIDID:           ptr(did),
			OwnerTariffID:   ptr(int64(2)),
			AllowCallReject: ptr(true),
		},
	}
}

func (f *fixture) did(id int64) morsim.DID { return *f.sim.Snapshot().DIDs[id] }

func TestDIDRateLifecycle(t *testing.T) {
	f := newFixture(t)
	f.sim.Update(func(st *morsim.State) { st.DIDs[3].OwnerTariffID, st.DIDs[3].AllowCallReject = 1, 0 })
	d := newDIDRate(3)
	f.create(d)

	// create → Ready, MOR matches, one update carrying the two managed fields
	f.waitReady(d)
	f.g.Expect(f.did(3).OwnerTariffID).To(Equal(int64(2)))
	f.g.Expect(f.did(3).AllowCallReject).To(Equal(1))
	updates := f.requests(didUpdate)
	f.g.Expect(updates).To(HaveLen(1))
	f.g.Expect(updates[0].Params).To(HaveKey("owner_tariff_id"))
	f.g.Expect(updates[0].Params).NotTo(HaveKey("provider_tariff_id"))

	// in sync: polls read but never write
	f.waitRequests(didGet, 2)
	f.g.Expect(f.requests(didUpdate)).To(HaveLen(1))

	// edit → exactly one update with only the changed field
	f.update(d, func() { d.Spec.AllowCallReject = ptr(false) })
	f.waitReady(d)
	f.waitRequests(didGet, 1)
	updates = f.requests(didUpdate)
	f.g.Expect(updates).To(HaveLen(2))
	f.g.Expect(updates[1].Params).To(HaveKeyWithValue("allow_call_reject", "0"))
	f.g.Expect(updates[1].Params).NotTo(HaveKey("owner_tariff_id"))

	// drift behind the operator's back → corrected at the next poll
	f.sim.Update(func(st *morsim.State) { st.DIDs[3].OwnerTariffID = 5 })
	f.g.Eventually(func() int64 { return f.did(3).OwnerTariffID }, testTimeout).Should(Equal(int64(2)))
	f.g.Expect(f.requests(didUpdate)).To(HaveLen(3))
	f.g.Eventually(func() *v1alpha1.Correction {
		_ = k8s.Get(context.Background(), client.ObjectKeyFromObject(d), d)
		return d.Status.LastCorrection
	}, testTimeout).Should(
		HaveField("Fields", Equal([]v1alpha1.FieldDrift{{Field: "spec.ownerTariffID", Desired: "2", Observed: "5"}})),
		"the correction is recorded with MOR's old and the new value")
	f.g.Expect(f.requests(didUpdate)[2].Params).NotTo(HaveKey("allow_call_reject"))
}

func TestDIDRateObserveOnlyReportsDrift(t *testing.T) {
	f := newFixture(t)
	d := newDIDRate(2)
	d.Spec.ManagementPolicy = ptr(v1alpha1.ManagementPolicyObserveOnly)
	f.sim.Update(func(st *morsim.State) { st.DIDs[2].OwnerTariffID, st.DIDs[2].AllowCallReject = 4, 1 })
	f.create(d)

	ready := f.waitCondition(d, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDrifted)
	f.g.Expect(ready.Message).To(ContainSubstring("owner_tariff_id"))
	f.g.Expect(d.Status.DriftedFields).To(ConsistOf("spec.ownerTariffID"))
	f.g.Expect(d.Status.Drift).To(Equal([]v1alpha1.FieldDrift{{Field: "spec.ownerTariffID", Desired: "2", Observed: "4"}}),
		"drift with both values")
	f.waitRequests(didGet, 2)
	f.g.Expect(f.requests(didUpdate)).To(BeEmpty())
	f.g.Expect(f.did(2).OwnerTariffID).To(Equal(int64(4)))

	// MOR brought in line by hand → Ready, drift cleared
	f.sim.Update(func(st *morsim.State) { st.DIDs[2].OwnerTariffID = 2 })
	f.waitReady(d)
	f.g.Expect(d.Status.DriftedFields).To(BeEmpty())
	f.g.Expect(d.Status.Drift).To(BeEmpty())
}

func TestDIDRatePauseStopsCalls(t *testing.T) {
	f := newFixture(t)
	d := newDIDRate(1)
	f.create(d)
	f.waitReady(d)

	f.update(d, func() { d.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"} })
	f.waitCondition(d, v1alpha1.ConditionSynced, metav1.ConditionFalse, v1alpha1.ReasonReconcilePaused)
	// An edit while paused is reconciled (its generation reaches the condition) without
	// a single MOR call: MOR keeps the old value until the pause ends.
	f.sim.ResetRequests()
	f.update(d, func() { d.Spec.OwnerTariffID = ptr(int64(3)) })
	f.waitCondition(d, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonPaused)
	// (the MorServer's own polls, system_version_get, go on)
	f.g.Expect(f.requests(didGet)).To(BeEmpty())
	f.g.Expect(f.requests(didUpdate)).To(BeEmpty())

	f.update(d, func() { delete(d.Annotations, v1alpha1.AnnotationPaused) })
	f.waitReady(d)
	f.g.Expect(f.did(1).OwnerTariffID).To(Equal(int64(3)))
}

func TestDIDRateUnknownTariffShowsMORText(t *testing.T) {
	f := newFixture(t)
	d := newDIDRate(4)
	d.Spec.OwnerTariffID = ptr(int64(999))
	f.create(d)

	stalled := f.waitCondition(d, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonRejected)
	f.g.Expect(stalled.Message).To(Equal("Tariff was not found"))
	synced := f.condition(d, v1alpha1.ConditionSynced)()
	f.g.Expect(synced.Message).To(Equal("Tariff was not found"))
	f.g.Expect(f.condition(d, v1alpha1.ConditionReady)().Status).To(Equal(metav1.ConditionFalse))

	// the spec edit retries at once and recovers
	f.update(d, func() { d.Spec.OwnerTariffID = ptr(int64(2)) })
	f.waitReady(d)
	f.g.Expect(f.condition(d, v1alpha1.ConditionStalled)()).To(BeNil())
}

func TestDIDRateSimulatorDownIsTransient(t *testing.T) {
	f := newFixture(t)
	d := newDIDRate(5)
	f.create(d)
	f.waitReady(d)

	f.sim.SetFaults(morsim.Faults{Down: true})
	synced := f.waitCondition(d, v1alpha1.ConditionSynced, metav1.ConditionFalse, v1alpha1.ReasonReconcileError)
	f.g.Expect(f.condition(d, v1alpha1.ConditionStalled)()).To(BeNil(), "transient errors need no person")
	f.g.Expect(synced.Message).NotTo(ContainSubstring("admin-secret"))

	f.sim.SetFaults(morsim.Faults{})
	f.waitCondition(d, v1alpha1.ConditionSynced, metav1.ConditionTrue, v1alpha1.ReasonReconcileSuccess)
	f.waitReady(d)
}
