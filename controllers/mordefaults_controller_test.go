package controllers_test

import (
	"context"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

var conflinesUpdate = mor.ConflinesUpdate.Name()

func newMorDefaults(name string) *v1alpha1.MorDefaults {
	return &v1alpha1.MorDefaults{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.MorDefaultsSpec{
			User: &v1alpha1.DefaultUser{
				Currency:       ptr("EUR"),
				PasswordLength: ptr(int32(12)),
				Postpaid:       ptr(true),
			},
			Device: &v1alpha1.DefaultDevice{
				NAT:         ptr("force_rport"),
				AudioCodecs: []v1alpha1.AudioCodec{"g729", "alaw"},
			},
		},
	}
}

func (f *fixture) conflines() map[string]string { return f.sim.Snapshot().Conflines["admin"] }

func TestMorDefaultsLifecycle(t *testing.T) {
	f := newFixture(t)
	md := newMorDefaults("defaults")
	f.create(md)

	f.waitReady(md)
	f.g.Expect(md.Status.AppliedFingerprint).To(HaveLen(64))
	f.g.Expect(f.conflines()).To(And(
		HaveKeyWithValue("default_user_currency", "EUR"),
		HaveKeyWithValue("default_user_password_length", "12"),
		HaveKeyWithValue("default_user_postpaid", "1"),
		HaveKeyWithValue("default_device_nat", "force_rport"),
		HaveKeyWithValue("default_device_audio_codecs", "g729,alaw"),
	))
	f.g.Expect(f.requests(conflinesUpdate)).To(HaveLen(1))
	f.g.Expect(f.requests(conflinesUpdate)[0].Params).NotTo(HaveKey("allow_api"))

	// unchanged fingerprint within the re-apply interval: no write at the polls
	f.waitRequests(mor.SystemVersionGet.Name(), 2) // the server's own polls prove time passed
	f.update(md, func() { md.Annotations = map[string]string{"touch": "1"} })
	f.waitReady(md)
	f.g.Expect(f.requests(conflinesUpdate)).To(HaveLen(1))

	// an edit changes the fingerprint: applied again
	f.update(md, func() { md.Spec.User.Currency = ptr("USD") })
	f.waitReady(md)
	f.g.Eventually(f.conflines, testTimeout).Should(HaveKeyWithValue("default_user_currency", "USD"))
	f.g.Expect(f.requests(conflinesUpdate)).To(HaveLen(2))
}

func TestMorDefaultsReapplyInterval(t *testing.T) {
	f := newFixture(t)
	md := newMorDefaults("reapply")
	md.Spec.ReapplyInterval = &metav1.Duration{Duration: 2 * testPollInterval}
	f.create(md)
	f.waitReady(md)

	// drift MOR cannot show is overwritten at the next re-apply
	f.sim.Update(func(st *morsim.State) { st.Conflines["admin"]["default_user_currency"] = "GBP" })
	f.g.Eventually(f.conflines, testTimeout).Should(HaveKeyWithValue("default_user_currency", "EUR"))
	f.g.Expect(len(f.requests(conflinesUpdate))).To(BeNumerically(">=", 2))
}

func TestMorDefaultsSecondIsConflict(t *testing.T) {
	f := newFixture(t)
	first := newMorDefaults("first")
	f.create(first)
	f.waitReady(first)

	second := newMorDefaults("second")
	second.Spec.User.Currency = ptr("GBP")
	f.create(second)
	stalled := f.waitCondition(second, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonConflict)
	f.g.Expect(stalled.Message).To(ContainSubstring(`"first"`))
	f.g.Expect(f.conflines()).To(HaveKeyWithValue("default_user_currency", "EUR"))
	f.g.Expect(f.requests(conflinesUpdate)).To(HaveLen(1))

	// the first one goes: the second takes over at once
	f.g.Expect(k8s.Delete(context.Background(), first)).To(Succeed())
	f.waitReady(second)
	f.g.Expect(f.conflines()).To(HaveKeyWithValue("default_user_currency", "GBP"))
}
