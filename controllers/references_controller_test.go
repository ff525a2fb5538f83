package controllers_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// Names in the seed (internal/morsim/seed.go): tariff "Zürich & 東京 retail" is 9, LCR
// "Zürich & 東京 LCR" 4, "Twin" LCRs 5 and 6, DID "37060000002" 2, tariff "Retail" 2
// (user), "Provider B" 3 (provider), "Standard" 7 (provider) and 8 (user).

func TestNamesResolveOnTheServer(t *testing.T) {
	f := newFixture(t)
	lr := newLocationRule("named")
	lr.Spec.TariffName, lr.Spec.LCRName, lr.Spec.DIDNumber = ptr("Zürich & 東京 retail"), ptr("Zürich & 東京 LCR"), ptr("37060000002")
	f.create(lr)
	f.waitReady(lr)

	got := f.rulesNamed("lt-named")
	f.g.Expect(got).To(HaveLen(1))
	f.g.Expect([]int64{got[0].TariffID, got[0].LcrID, got[0].DidID}).To(Equal([]int64{9, 4, 2}))
	f.g.Expect(lr.Status.Resolved).To(ConsistOf(
		v1alpha1.ResolvedReference{Field: "spec.tariffName", Name: "Zürich & 東京 retail", ID: 9},
		v1alpha1.ResolvedReference{Field: "spec.lcrName", Name: "Zürich & 東京 LCR", ID: 4},
		v1alpha1.ResolvedReference{Field: "spec.didNumber", Name: "37060000002", ID: 2}))

	// "Standard" is a provider tariff (7) and a user tariff (8): each field finds its own.
	d := newDIDRate(0)
	d.Spec.DIDID, d.Spec.DIDNumber = nil, ptr("37060000001")
	d.Spec.OwnerTariffID, d.Spec.OwnerTariffName, d.Spec.ProviderTariffName = nil, ptr("Standard"), ptr("Standard")
	f.create(d)
	f.waitReady(d)
	f.g.Expect(f.did(1).ProviderTariffID).To(Equal(int64(7)))
	f.g.Expect(f.did(1).OwnerTariffID).To(Equal(int64(8)))
	f.g.Expect(v1alpha1.ResolvedID(d.Status.Resolved, "spec.didNumber")).To(Equal(ptr(int64(1))))
}

// A name MOR lacks, or holds twice, stalls the resource naming field, name and server,
// and nothing is written; MOR's own refusal of a lookup shows verbatim.
func TestUnresolvedNamesStall(t *testing.T) {
	f := newFixture(t)
	f.sim.Update(func(st *morsim.State) { st.Users["admin"].Unauthorized = []string{mor.DIDsGet.Name()} })
	cases := []struct {
		name   string
		edit   func(*v1alpha1.LocationRuleSpec)
		reason string
		says   []string
	}{
		{"missing", func(s *v1alpha1.LocationRuleSpec) { s.TariffName = ptr("Retail ") }, verdict.ReasonReferenceNotFound,
			[]string{"spec.tariffName", `"Retail "`, `MorServer "default"`}},
		{"twice", func(s *v1alpha1.LocationRuleSpec) { s.LCRName = ptr("Twin") }, verdict.ReasonAmbiguousReference,
			[]string{"spec.lcrName", `"Twin"`, "ids 5, 6"}},
		{"provider-only", func(s *v1alpha1.LocationRuleSpec) { s.TariffName = ptr("Provider B") }, verdict.ReasonReferenceNotFound,
			[]string{"spec.tariffName", `"Provider B"`}},
		{"refused", func(s *v1alpha1.LocationRuleSpec) { s.DIDNumber = ptr("37060000002") }, verdict.ReasonRejected,
			[]string{"You are not authorized to use this functionality"}},
	}
	for _, tc := range cases {
		lr := newLocationRule(tc.name)
		tc.edit(&lr.Spec)
		f.create(lr)
		c := f.waitCondition(lr, v1alpha1.ConditionStalled, metav1.ConditionTrue, tc.reason)
		for _, s := range tc.says {
			f.g.Expect(c.Message).To(ContainSubstring(s), tc.name)
		}
	}
	f.g.Expect(f.requests(ruleCreate)).To(BeEmpty())
}

// When MOR re-creates a tariff under a name, the next poll follows it with one update
// whose event names the name and both ids; when the name goes, the resource stalls and
// never writes the stale id.
func TestNamesFollowMOR(t *testing.T) {
	f := newFixture(t)
	d := newDIDRate(3)
	d.Spec.OwnerTariffID, d.Spec.OwnerTariffName = nil, ptr("Retail")
	f.create(d)
	f.waitReady(d)
	f.g.Expect(f.did(3).OwnerTariffID).To(Equal(int64(2)))
	f.g.Expect(f.requests(didUpdate)).To(HaveLen(1))

	f.sim.Update(func(st *morsim.State) {
		st.Tariffs[2].Name = "Retail 2025"
		st.Tariffs[12] = &morsim.Tariff{ID: 12, Name: "Retail", Purpose: morsim.PurposeUser, Currency: "EUR", Owner: "admin"}
	})
	f.g.Eventually(func() int64 { return f.did(3).OwnerTariffID }, testTimeout).Should(Equal(int64(12)))
	f.g.Eventually(func() string { return f.normalEvents(d)["Followed"] }, testTimeout).
		Should(ContainSubstring(`spec.ownerTariffName "Retail" now names 12 (was 2)`))
	f.g.Expect(f.requests(didUpdate)).To(HaveLen(2))
	f.g.Eventually(func() *int64 {
		f.g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(d), d)).To(Succeed())
		return v1alpha1.ResolvedID(d.Status.Resolved, "spec.ownerTariffName")
	}, testTimeout).Should(Equal(ptr(int64(12))))

	f.sim.Update(func(st *morsim.State) { delete(st.Tariffs, 12) })
	f.waitCondition(d, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonReferenceNotFound)
	f.waitRequests(mor.TariffsGet.Name(), 1)
	f.g.Expect(f.requests(didUpdate)).To(HaveLen(2))
}

// A DID named by number and the same DID by id are one MOR object: the newer resource
// is the one in conflict.
func TestNamedAndNumberedDIDConflict(t *testing.T) {
	f := newFixture(t)
	byID := newDIDRate(3)
	byID.Name = "by-id"
	f.create(byID)
	f.waitReady(byID)

	byNumber := newDIDRate(0)
	byNumber.Name = "by-number"
	byNumber.Spec.DIDID, byNumber.Spec.DIDNumber = nil, ptr("37060000003")
	f.create(byNumber)
	c := f.waitCondition(byNumber, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonConflict)
	f.g.Expect(c.Message).To(ContainSubstring(`"by-id" already manages DID 3`))
}

// ObserveOnly drift names the name and both ids.
func TestObserveOnlyDriftShowsNames(t *testing.T) {
	f := newFixture(t)
	d := newDIDRate(3) // MOR: owner tariff 4
	d.Spec.OwnerTariffID, d.Spec.OwnerTariffName = nil, ptr("Retail")
	d.Spec.AllowCallReject = nil
	d.Spec.ManagementPolicy = ptr(v1alpha1.ManagementPolicyObserveOnly)
	f.create(d)
	f.waitCondition(d, v1alpha1.ConditionReady, metav1.ConditionFalse, v1alpha1.ReasonDrifted)
	f.g.Expect(d.Status.Drift).To(ConsistOf(v1alpha1.FieldDrift{Field: "spec.ownerTariffName", Desired: "2 (Retail)", Observed: "4"}))
	f.g.Expect(f.requests(didUpdate)).To(BeEmpty())
}

// normalEvents are the Normal events recorded on obj, by reason (messages joined).
func (f *fixture) normalEvents(obj client.Object) map[string]string {
	list := &corev1.EventList{}
	f.g.Expect(k8s.List(context.Background(), list, client.InNamespace(f.ns),
		client.MatchingFields{"involvedObject.name": obj.GetName(), "type": corev1.EventTypeNormal})).To(Succeed())
	out := map[string]string{}
	for _, e := range list.Items {
		out[e.Reason] += e.Message + "\n"
	}
	return out
}
