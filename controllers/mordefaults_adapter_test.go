package controllers

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

func morDefaults(name string, created time.Time) *v1alpha1.MorDefaults {
	return &v1alpha1.MorDefaults{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: rigNS, CreationTimestamp: metav1.NewTime(created)},
		Spec: v1alpha1.MorDefaultsSpec{
			User:   &v1alpha1.DefaultUser{Currency: ptrTo("EUR"), PasswordLength: ptrTo(int32(12))},
			Device: &v1alpha1.DefaultDevice{AudioCodecs: []v1alpha1.AudioCodec{"alaw", "g729"}},
		},
	}
}

func TestMorDefaultsAdapter(t *testing.T) {
	server := &v1alpha1.MorServer{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.DefaultServerName, UID: "server-uid"},
		Spec: v1alpha1.MorServerSpec{URL: "https://mor.example/billing", Username: "admin"}}
	all := []string{"default_device_audio_codecs", "default_user_currency", "default_user_password_length"}
	now := time.Now()
	for _, tc := range []struct {
		name       string
		status     func(d *v1alpha1.MorDefaults, fingerprint string)
		sibling    *v1alpha1.MorDefaults
		diff       []string
		reapplying bool
		due        bool // NextObservation brings the next reconcile forward
		stalled    string
	}{
		{name: "never applied: every managed parameter", diff: all},
		{name: "applied and not due: nothing, next reconcile when due",
			status: func(d *v1alpha1.MorDefaults, fp string) {
				d.Status.AppliedFingerprint, d.Status.LastAppliedTime = fp, &metav1.Time{Time: now.Add(-time.Minute)}
			}, due: true},
		{name: "re-apply interval passed: a blind re-apply",
			status: func(d *v1alpha1.MorDefaults, fp string) {
				d.Status.AppliedFingerprint, d.Status.LastAppliedTime = fp, &metav1.Time{Time: now.Add(-2 * time.Hour)}
			}, diff: all, reapplying: true},
		{name: "spec changed since applied: a write, not a re-apply",
			status: func(d *v1alpha1.MorDefaults, _ string) {
				d.Status.AppliedFingerprint, d.Status.LastAppliedTime = "older", &metav1.Time{Time: now.Add(-time.Minute)}
			}, diff: all},
		{name: "an older MorDefaults owns the server", sibling: morDefaults("older", now.Add(-time.Hour)),
			stalled: verdict.ReasonConflict},
		{name: "a younger one does not", sibling: morDefaults("younger", now.Add(time.Hour)), diff: all},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			d := morDefaults("defaults", now.Add(-time.Minute))
			objs := []client.Object{server.DeepCopy(), d}
			if tc.sibling != nil {
				objs = append(objs, tc.sibling)
			}
			r := newRig(t, objs...)
			kind := kindWith(r, morDefaultsKind, morDefaultsAdapter{reapplyInterval: time.Hour})
			if tc.status != nil {
				probe := mustConnect(t, managed.Kind[*v1alpha1.MorDefaults](kind), d.DeepCopy())
				_, err := probe.Observe(context.Background())
				g.Expect(err).NotTo(HaveOccurred())
				tc.status(d, probe.(*morDefaultsExternal).fingerprintNow)
			}

			ext := mustConnect(t, managed.Kind[*v1alpha1.MorDefaults](kind), d)
			obs, err := ownAndObserve(managed.Kind[*v1alpha1.MorDefaults](kind), d, ext)
			g.Expect(stalledReason(err)).To(Equal(tc.stalled), "error: %v", err)
			if tc.stalled == "" {
				g.Expect(err).NotTo(HaveOccurred())
			} else {
				g.Expect(err.Error()).To(ContainSubstring(`"older"`), "names the owner")
				return
			}
			g.Expect(obs.Diff).To(Equal(tc.diff))
			g.Expect(ext.(managed.Reapplier).Reapplying()).To(Equal(tc.reapplying))
			next := ext.(managed.Scheduler).NextObservation()
			g.Expect(next > 0 && next <= time.Hour).To(Equal(tc.due), "NextObservation %s", next)
			if len(tc.diff) == 0 {
				return
			}

			g.Expect(update(d, ext, obs.Diff)).To(Succeed())
			g.Expect(d.Status.AppliedFingerprint).To(HaveLen(64))
			g.Expect(strings.Contains(d.Status.AppliedFingerprint, "secret")).To(BeFalse())
			g.Expect(d.Status.LastAppliedTime).NotTo(BeNil())
			g.Expect(r.sim.Snapshot().Conflines["admin"]).To(And(
				HaveKeyWithValue("default_user_currency", "EUR"),
				HaveKeyWithValue("default_user_password_length", "12"),
				HaveKeyWithValue("default_device_audio_codecs", "alaw,g729")))
		})
	}
}

// spec.reapplyInterval below the manager's floor is raised to it.
func TestMorDefaultsReapplyIntervalFloor(t *testing.T) {
	for _, tc := range []struct {
		spec, want time.Duration
	}{
		{spec: 0, want: time.Hour},
		{spec: time.Second, want: 30 * time.Second},
		{spec: 2 * time.Hour, want: 2 * time.Hour},
	} {
		g := NewWithT(t)
		d := morDefaults("defaults", time.Now())
		if tc.spec > 0 {
			d.Spec.ReapplyInterval = &metav1.Duration{Duration: tc.spec}
		}
		r := newRig(t, d)
		kind := kindWith(r, morDefaultsKind, morDefaultsAdapter{reapplyInterval: time.Hour, minInterval: 30 * time.Second})
		ext := mustConnect(t, managed.Kind[*v1alpha1.MorDefaults](kind), d)
		g.Expect(ext.(*morDefaultsExternal).interval).To(Equal(tc.want), "spec %s", tc.spec)
	}
}
