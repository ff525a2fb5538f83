package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

func (f *fixture) server() *v1alpha1.MorServer {
	s := &v1alpha1.MorServer{}
	f.g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: v1alpha1.DefaultServerName}, s)).To(Succeed())
	return s
}

func TestMorServerReadyWithVersion(t *testing.T) {
	f := newFixture(t)
	s := f.server()
	f.waitReady(s)
	f.g.Expect(s.Status.Version).NotTo(BeEmpty())
	f.g.Expect(s.Status.ObservedGeneration).To(Equal(s.Generation))
}

// A wrong key stalls the server and its dependents; fixing the Secret recovers them at
// once through the Secret watch (the auth retry interval in these tests is 10 minutes).
func TestWrongKeyStallsThenSecretFixRecovers(t *testing.T) {
	f := newFixture(t)
	s := f.server()
	f.waitReady(s)

	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mor-api-key", Namespace: f.ns}}
	f.update(secret, func() { secret.Data = map[string][]byte{"secretKey": []byte("wrong-key")} })
	stalled := f.waitCondition(s, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonAuthenticationFailed)
	// the plugin's words (mor.CredentialsRefused), pointing at the MorServer's fields
	f.g.Expect(stalled.Message).To(Equal("MOR refused the credentials (Incorrect hash): check the username and the API key " +
		"(spec.username and the key in spec.secretKeyRef of the MorServer), and that the API is enabled for that user"))

	d := newDIDRate(3)
	f.create(d)
	f.waitCondition(d, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonAuthenticationFailed)

	// the key and the hashes appear nowhere in status or events
	events := &corev1.EventList{}
	f.g.Expect(k8s.List(context.Background(), events, client.InNamespace(f.ns))).To(Succeed())
	for _, obj := range []string{statusText(f, s), statusText(f, d), eventText(events)} {
		f.g.Expect(obj).NotTo(ContainSubstring("wrong-key"))
		f.g.Expect(obj).NotTo(ContainSubstring("admin-secret"))
		f.g.Expect(obj).NotTo(ContainSubstring("hash="))
	}

	f.update(secret, func() { secret.Data = map[string][]byte{"secretKey": []byte("admin-secret")} })
	f.waitReady(s)
	f.waitReady(d)
	f.g.Expect(f.condition(d, v1alpha1.ConditionStalled)()).To(BeNil())
}

// A resource whose MorServer does not exist waits quietly for it through the grace
// period (it may be applied together and arrive later), then is Stalled with one
// Warning; a Secret the server lacks is reported as the server appears.
func TestMissingServerAndSecretStall(t *testing.T) {
	f := newFixture(t)
	d := newDIDRate(1)
	d.Spec.ServerRef = &v1alpha1.ServerReference{Name: "nowhere"}
	f.create(d)
	waiting := f.waitCondition(d, v1alpha1.ConditionReady, metav1.ConditionFalse, verdict.ReasonWaitingForServer)
	f.g.Expect(waiting.Message).To(HavePrefix(`MorServer "nowhere" not found in namespace "` + f.ns + `" yet; waiting for it until `))
	f.g.Expect(f.condition(d, v1alpha1.ConditionStalled)()).To(BeNil())
	f.g.Expect(f.warningsOn(d)).To(BeEmpty(), "no Warning while waiting")

	stalled := f.waitCondition(d, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonServerNotFound)
	f.g.Expect(stalled.Message).To(ContainSubstring(`"nowhere"`))
	f.g.Expect(time.Since(d.CreationTimestamp.Time)).To(BeNumerically(">=", testServerGracePeriod-time.Second), "stalled only after the grace period")
	f.g.Eventually(func() []string { return f.warningsOn(d) }, testTimeout).Should(ConsistOf(ContainSubstring(`MorServer "nowhere" not found`)))

	// the server appears, pointing at a Secret that doesn't exist yet
	s := f.server().DeepCopy()
	s.ObjectMeta = metav1.ObjectMeta{Name: "nowhere", Namespace: f.ns}
	s.Spec.SecretKeyRef.Name = "later"
	s.Status = v1alpha1.MorServerStatus{}
	f.create(s)
	f.waitCondition(d, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonSecretNotFound)

	f.create(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "later"},
		StringData: map[string]string{"secretKey": "admin-secret"},
	})
	f.waitReady(d)
}

// A MorServer created seconds after the resources that use it (kubectl apply -k of a
// directory holding both) leaves no Warning behind: they wait for it, then become Ready.
func TestServerArrivingLaterIsNoWarning(t *testing.T) {
	f := newFixture(t)
	d := newDIDRate(3)
	d.Spec.ServerRef = &v1alpha1.ServerReference{Name: "late"}
	f.create(d)
	f.waitCondition(d, v1alpha1.ConditionReady, metav1.ConditionFalse, verdict.ReasonWaitingForServer)

	s := f.server().DeepCopy()
	s.ObjectMeta = metav1.ObjectMeta{Name: "late", Namespace: f.ns}
	s.Status = v1alpha1.MorServerStatus{}
	f.create(s)
	f.waitReady(d)
	f.g.Expect(f.warningsOn(d)).To(BeEmpty())
}

// warningsOn are the Warning events recorded on obj.
func (f *fixture) warningsOn(obj client.Object) []string {
	list := &corev1.EventList{}
	f.g.Expect(k8s.List(context.Background(), list, client.InNamespace(f.ns),
		client.MatchingFields{"involvedObject.name": obj.GetName(), "type": corev1.EventTypeWarning})).To(Succeed())
	var out []string
	for _, e := range list.Items {
		out = append(out, e.Reason+" "+e.Message)
	}
	return out
}

func statusText(f *fixture, obj managed.Resource) string {
	var b strings.Builder
	for _, c := range obj.ManagedStatus().Conditions {
		b.WriteString(c.Reason + " " + c.Message + "\n")
	}
	return b.String()
}

func eventText(list *corev1.EventList) string {
	var b strings.Builder
	for _, e := range list.Items {
		b.WriteString(e.Reason + " " + e.Message + "\n")
	}
	return b.String()
}
