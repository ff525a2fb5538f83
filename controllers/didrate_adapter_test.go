package controllers

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// The default seed's DID 3: provider tariff 3, reject 1, owner tariff 4, reject 1.

func TestDIDRateAdapter(t *testing.T) {
	for _, tc := range []struct {
		name    string
		spec    v1alpha1.DIDRateSpec
		diff    []string
		drifted []string // status.driftedFields
		stalled string
		update  map[string]string // the one update's parameters besides u, hash, did_id
	}{
		{name: "in sync: one read, nothing to write",
			spec: v1alpha1.DIDRateSpec{DIDID: ptrTo(int64(3)), ProviderTariffID: ptrTo(int64(3)), AllowCallRejectProvider: ptrTo(true),
				OwnerTariffID: ptrTo(int64(4)), AllowCallReject: ptrTo(true)}},
		{name: "only managed fields compared, flags as numbers",
			spec: v1alpha1.DIDRateSpec{DIDID: ptrTo(int64(3)), AllowCallReject: ptrTo(true)}},
		{name: "drift: exactly the differing fields updated",
			spec: v1alpha1.DIDRateSpec{DIDID: ptrTo(int64(3)), OwnerTariffID: ptrTo(int64(2)), AllowCallReject: ptrTo(false), ProviderTariffID: ptrTo(int64(3))},
			diff: []string{"allow_call_reject", "owner_tariff_id"}, update: map[string]string{"allow_call_reject": "0", "owner_tariff_id": "2"}},
		{name: "ObserveOnly reports spec paths",
			spec: v1alpha1.DIDRateSpec{DIDID: ptrTo(int64(3)), OwnerTariffID: ptrTo(int64(2)), ManagementPolicy: ptrTo(v1alpha1.ManagementPolicyObserveOnly)},
			diff: []string{"owner_tariff_id"}, drifted: []string{"spec.ownerTariffID"}},
		{name: "unknown DID: MOR's rejection", spec: v1alpha1.DIDRateSpec{DIDID: ptrTo(int64(99)), OwnerTariffID: ptrTo(int64(2))},
			stalled: verdict.ReasonRejected},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r := newRig(t)
			d := &v1alpha1.DIDRate{ObjectMeta: metav1.ObjectMeta{Name: "did", Namespace: rigNS}, Spec: tc.spec}
			ext := mustConnect(t, didRates(r), d)
			_, creates := ext.(managed.Creator)
			_, deletes := ext.(managed.Deleter)
			g.Expect(creates || deletes).To(BeFalse(), "a DID is neither created nor deleted")

			obs, err := observe(d, ext)
			g.Expect(stalledReason(err)).To(Equal(tc.stalled), "error: %v", err)
			if tc.stalled != "" {
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(obs.Exists).To(BeTrue())
			g.Expect(obs.Diff).To(Equal(tc.diff))
			g.Expect(d.Status.DriftedFields).To(Equal(tc.drifted))
			if tc.update == nil {
				return
			}
			r.sim.ResetRequests()
			g.Expect(update(d, ext, obs.Diff)).To(Succeed())
			reqs := r.sim.Requests()
			g.Expect(reqs).To(HaveLen(1))
			sent := map[string]string{}
			for k, v := range reqs[0].Params {
				if k != "u" && k != "hash" && k != "did_id" {
					sent[k] = v
				}
			}
			g.Expect(sent).To(Equal(tc.update))
			after, err := ext.Observe(context.Background())
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(after.Diff).To(BeEmpty(), "in sync after the update")
		})
	}
}
