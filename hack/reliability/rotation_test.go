package reliability

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/testproc"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// rotationDeadline: every resource is Ready again within this of MOR accepting the key
// the operator sends.
const rotationDeadline = 30 * time.Second

// TestKeyRotation rotates the API key in both orders while five LocationRules, a
// DIDRate and the MorServer are Ready: between the two steps every resource meets the
// refusal and MOR refuses a probe of the server's authentication gate (the issue's
// five seconds, as a condition), and once MOR accepts the key the operator sends,
// every resource is Ready again within rotationDeadline.
func TestKeyRotation(t *testing.T) {
	for _, tc := range []struct {
		name string
		// first and second are the two steps; MOR accepts the operator's key after second.
		first, second func(t *testing.T, w *testproc.World)
	}{
		{name: "secret-first", first: setSecret, second: setMOR},
		{name: "mor-first", first: setMOR, second: setSecret},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := NewWithT(t)
			w := testproc.Start(t, testproc.Options{Cluster: cluster, Namespace: "rotation-" + tc.name})
			// A short poll, so that resources meet a key rotated in MOR alone.
			w.StartManager(t, false, "--poll-interval=2s")
			objs := rotationObjects(t, w)
			g.Eventually(func() []string { return notReady(w, objs) }, time.Minute, 100*time.Millisecond).Should(BeEmpty(), "not Ready")

			tc.first(t, w)
			g.Eventually(func() []string { return notRefused(w, objs) }, 30*time.Second, 100*time.Millisecond).Should(BeEmpty(),
				"not Stalled with AuthenticationFailed")
			refusals := refused(w)
			g.Eventually(func() int { return refused(w) }, 30*time.Second, 100*time.Millisecond).Should(BeNumerically(">", refusals),
				"a probe refused")

			tc.second(t, w)
			accepted := time.Now()
			g.Eventually(func() []string { return notReady(w, objs) }, rotationDeadline, 100*time.Millisecond).Should(BeEmpty(),
				"not Ready %s after MOR accepts the key", rotationDeadline)
			t.Logf("summary: key rotated %s: %d resources Ready %.1fs after MOR accepted the key (deadline %s)",
				tc.name, len(objs), time.Since(accepted).Seconds(), rotationDeadline)
		})
	}
}

// rotationObjects creates five LocationRules and a DIDRate; with the MorServer they are
// the resources the test follows.
func rotationObjects(t *testing.T, w *testproc.World) []client.Object {
	t.Helper()
	objs := []client.Object{&v1alpha1.MorServer{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.DefaultServerName, Namespace: w.NS}}}
	for _, lr := range newRules(t, w, "rotation", 5) {
		objs = append(objs, lr)
	}
	did := &v1alpha1.DIDRate{ObjectMeta: metav1.ObjectMeta{Name: "did", Namespace: w.NS},
		Spec: v1alpha1.DIDRateSpec{DIDID: ptr.To[int64](3), OwnerTariffID: ptr.To(int64(2))}}
	if err := w.K8s.Create(context.Background(), did); err != nil {
		t.Fatal(err)
	}
	return append(objs, did)
}

// rotatedKey is the key both steps of a rotation set.
const rotatedKey = "rotated-key"

// setMOR rotates the key in MOR.
func setMOR(_ *testing.T, w *testproc.World) { w.Sim.SetAdminSecret(rotatedKey) }

// setSecret rotates the key in the MorServer's Secret.
func setSecret(t *testing.T, w *testproc.World) {
	t.Helper()
	ctx := context.Background()
	s := &corev1.Secret{}
	if err := w.K8s.Get(ctx, client.ObjectKey{Namespace: w.NS, Name: "mor-api-key"}, s); err != nil {
		t.Fatal(err)
	}
	s.Data = map[string][]byte{"secretKey": []byte(rotatedKey)}
	if err := w.K8s.Update(ctx, s); err != nil {
		t.Fatal(err)
	}
}

// notReady names the objects not Ready for their generation.
func notReady(w *testproc.World, objs []client.Object) []string {
	return each(w, objs, managed.ReadyForGeneration)
}

// notRefused names the objects not Stalled with AuthenticationFailed.
func notRefused(w *testproc.World, objs []client.Object) []string {
	return each(w, objs, func(r managed.Resource) bool {
		c := meta.FindStatusCondition(r.ManagedStatus().Conditions, v1alpha1.ConditionStalled)
		return c != nil && c.Reason == verdict.ReasonAuthenticationFailed
	})
}

// each reads each object afresh and names those for which ok is false.
func each(w *testproc.World, objs []client.Object, ok func(managed.Resource) bool) []string {
	var out []string
	for _, o := range objs {
		got := o.DeepCopyObject().(client.Object)
		if err := w.K8s.Get(context.Background(), client.ObjectKeyFromObject(o), got); err != nil || !ok(got.(managed.Resource)) {
			out = append(out, fmt.Sprintf("%T %s", o, o.GetName()))
		}
	}
	return out
}

// refused counts the requests MOR refused for their key.
func refused(w *testproc.World) int {
	return w.CountRequests(func(r morsim.Request) bool { return r.Outcome == morsim.TextIncorrectKey })
}
