package controllers

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// A resource whose methods the server's recorded MOR version lacks is Stalled
// UnsupportedByServer, naming the version needed, without calling the method.
func TestUnsupportedByServer(t *testing.T) {
	server := func(version string) *v1alpha1.MorServer {
		return &v1alpha1.MorServer{ObjectMeta: metav1.ObjectMeta{Name: "default"}, Status: v1alpha1.MorServerStatus{Version: version}}
	}
	for _, tc := range []struct {
		name, version string
		act           func(t *testing.T, r *rig) error
		stalled       string
		message       string
	}{
		{name: "DID rates need X17", version: "X16", stalled: verdict.ReasonUnsupportedByServer, message: "needs MOR X17 or later",
			act: func(t *testing.T, r *rig) error {
				d := &v1alpha1.DIDRate{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: rigNS}, Spec: v1alpha1.DIDRateSpec{DIDID: ptrTo(int64(3))}}
				_, err := mustConnect(t, didRates(r), d).Observe(context.Background())
				return err
			}},
		{name: "rule updates need X14", version: "X13", stalled: verdict.ReasonUnsupportedByServer, message: "lacks location_rule_update: it needs MOR X14",
			act: func(t *testing.T, r *rig) error {
				lr := locationRule(seedRule1Spec(), ptrTo(int64(1)))
				return update(lr, mustConnect(t, locationRules(r), lr), []string{"name"})
			}},
		{name: "X17 has them all", version: "X17",
			act: func(t *testing.T, r *rig) error {
				lr := locationRule(seedRule1Spec(), ptrTo(int64(1)))
				return update(lr, mustConnect(t, locationRules(r), lr), []string{"name"})
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r := newRig(t, server(tc.version))
			before := r.mor.snapshot()
			err := tc.act(t, r)
			g.Expect(stalledReason(err)).To(Equal(tc.stalled), "error: %v", err)
			if tc.stalled == "" {
				g.Expect(err).NotTo(HaveOccurred())
				return
			}
			g.Expect(err.Error()).To(ContainSubstring(tc.message))
			g.Expect(r.callsSince(before)).To(BeEmpty(), "the method is not called")
		})
	}
}
