package controllers_test

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/testenv"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// MOR hashes are SHA-1: 40 hex digits. Nothing the operator shows has any business
// carrying such a string (UIDs have dashes, resourceVersions are decimal), with one
// exception: a MorDefaults' status.appliedFingerprint, a SHA-256 (64 digits) of the
// server's UID, URL and user name and the parameters, never the key
// (controllers/mordefaults_adapter.go). Runs of 40 or more digits are found whole, and
// only a run equal to a fingerprint the sweep read from status is allowed.
var hexHash = regexp.MustCompile(`[0-9a-fA-F]{40,}`)

// fingerprints are the appliedFingerprint values allowed by leaks.
var fingerprints = map[string]bool{}

// refusedKey is the wrong key the sweep puts in the Secret for a while.
const refusedKey = "refused-key-5be1d0"

// hexDumpRow is one row of hex.Dump, the form client-go logs a protobuf body in (a key
// in it is split over rows and spaced out).
var hexDumpRow = regexp.MustCompile(`[0-9a-f]{8}  ((?:[0-9a-f]{2} {1,2}){1,16}) *\|`)

// leaks returns what in text looks like a secret: a key (as is, base64 as a Secret's
// data travels in JSON, or inside a hex dump) or a 40-hex-digit string.
func leaks(text string) []string {
	var dumped []byte
	for _, m := range hexDumpRow.FindAllStringSubmatch(text, -1) {
		b, err := hex.DecodeString(strings.ReplaceAll(m[1], " ", ""))
		if err == nil {
			dumped = append(dumped, b...)
		}
	}
	var out []string
	for _, in := range []string{text, string(dumped)} {
		for _, k := range []string{morsim.DefaultAdminSecret, morsim.DefaultResellerSecret, refusedKey} {
			for _, form := range []string{k, base64.StdEncoding.EncodeToString([]byte(k))} {
				if strings.Contains(in, form) {
					out = append(out, "key "+form)
				}
			}
		}
		for _, run := range hexHash.FindAllString(in, -1) {
			if !fingerprints[run] {
				out = append(out, run)
			}
		}
	}
	return out
}

// A full scenario with every kind of failure — a refused key, MOR rejections, a MOR
// outage (5xx, dropped connections, HTML pages), TLS failures — plus a create, updates and a delete,
// with the manager logging at its most verbose: neither a key nor anything shaped like
// a hash appears in any log line, Event, resource (status included) or metric.
// (TestWrongKeyStallsThenSecretFixRecovers checks status and event texts for the key
// around one failure; this sweeps everything the operator writes or exposes.)
func TestSecretsAppearNowhere(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	g := f.g

	// the detector works: a real hash and each key form are found
	g.Expect(leaks("hash=da39a3ee5e6b4b0d3255bfef95601890afd80709")).To(HaveLen(1))
	g.Expect(leaks("YWRtaW4tc2VjcmV0 admin-secret")).To(HaveLen(2))
	// 14 bytes first: the key is split over two rows of the dump, as in a real one
	dump, _ := json.Marshal(hex.Dump([]byte("k8s secretKey\x12admin-secret\x1a")))
	g.Expect(string(dump)).NotTo(ContainSubstring("admin-secret"))
	g.Expect(leaks(string(dump))).To(ConsistOf("key admin-secret"), "a key split over a JSON-quoted hex dump")

	capturedLogs.start()
	var lines []string
	defer func() {
		if lines == nil {
			capturedLogs.stop()
		}
	}()

	s := f.server()
	f.waitReady(s)

	// a create, an update, conflines_update (its hash is the key-only one)
	lr := newLocationRule("sweep")
	f.create(lr)
	f.waitReady(lr)
	f.update(lr, func() { lr.Spec.DeviceID = ptr(int64(2)) })
	f.waitReady(lr)
	md := newMorDefaults("sweep")
	f.create(md)
	f.waitReady(md)

	// MOR rejections: an unknown tariff, then fixed
	d := newDIDRate(4)
	d.Spec.OwnerTariffID = ptr(int64(999))
	f.create(d)
	f.waitCondition(d, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonRejected)
	f.update(d, func() { d.Spec.OwnerTariffID = ptr(int64(2)) })
	f.waitReady(d)

	// a MOR outage, three ways
	for _, faults := range []morsim.Faults{{ErrorRate: 1}, {Down: true}, {NonXMLRate: 1}} {
		f.sim.SetFaults(faults)
		f.waitCondition(s, v1alpha1.ConditionSynced, metav1.ConditionFalse, v1alpha1.ReasonReconcileError)
		f.waitCondition(lr, v1alpha1.ConditionSynced, metav1.ConditionFalse, v1alpha1.ReasonReconcileError)
		f.sim.SetFaults(morsim.Faults{})
		f.waitCondition(s, v1alpha1.ConditionSynced, metav1.ConditionTrue, v1alpha1.ReasonReconcileSuccess)
		f.waitCondition(lr, v1alpha1.ConditionSynced, metav1.ConditionTrue, v1alpha1.ReasonReconcileSuccess)
	}

	// TLS: a certificate from a CA not in the bundle, and a bundle that is not PEM
	ca, err := testenv.NewCA("sweep CA")
	g.Expect(err).NotTo(HaveOccurred())
	rogue, err := testenv.NewCA("rogue CA")
	g.Expect(err).NotTo(HaveOccurred())
	cert, err := rogue.Issue([]string{"127.0.0.1"}, time.Time{}, time.Time{})
	g.Expect(err).NotTo(HaveOccurred())
	tlsURL := f.serveTLS(cert)
	f.waitCondition(f.tlsServer("tls-bad", tlsURL, ca.PEM), v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonTLSVerificationFailed)
	f.waitCondition(f.tlsServer("tls-garbled", tlsURL, []byte("garbage")), v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonInvalidCABundle)

	// a refused key, then the right one again
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mor-api-key", Namespace: f.ns}}
	f.update(secret, func() { secret.Data = map[string][]byte{"secretKey": []byte(refusedKey)} })
	f.waitCondition(s, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonAuthenticationFailed)
	f.update(lr, func() { lr.Spec.DeviceID = ptr(int64(3)) }) // a write attempted with the refused key
	f.waitCondition(lr, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonAuthenticationFailed)
	f.update(secret, func() { secret.Data = map[string][]byte{"secretKey": []byte(morsim.DefaultAdminSecret)} })
	f.waitReady(s)
	f.waitReady(lr)

	// a delete
	g.Expect(k8s.Delete(ctx, lr)).To(Succeed())
	f.gone(lr)
	g.Expect(f.rulesNamed("lt-sweep")).To(BeEmpty())

	lines = capturedLogs.stop()

	// the one 64-digit value allowed (see hexHash)
	var mds v1alpha1.MorDefaultsList
	g.Expect(k8s.List(ctx, &mds, client.InNamespace(f.ns))).To(Succeed())
	for _, md := range mds.Items {
		g.Expect(md.Status.AppliedFingerprint).To(HaveLen(64))
		fingerprints[md.Status.AppliedFingerprint] = true
	}
	defer func() { clear(fingerprints) }()

	// Everything the operator wrote or exposes, one text per item.
	var items []string
	var newEvents eventsv1.EventList
	g.Expect(k8s.List(ctx, &newEvents, client.InNamespace(f.ns))).To(Succeed())
	for _, e := range newEvents.Items {
		items = append(items, asJSON(g, e))
	}
	var coreEvents corev1.EventList // the same events as the core API shows them
	g.Expect(k8s.List(ctx, &coreEvents, client.InNamespace(f.ns))).To(Succeed())
	for _, e := range coreEvents.Items {
		items = append(items, asJSON(g, e))
	}
	nEvents := len(newEvents.Items)
	var resources int
	_, lists := kindObjects()
	for _, l := range lists {
		g.Expect(k8s.List(ctx, l, client.InNamespace(f.ns))).To(Succeed())
		items = append(items, asJSON(g, l)) // metadata, spec and status: everything
		resources += len(mustItems(g, l))
	}
	families, err := crmetrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	var series int
	for _, mf := range families {
		items = append(items, mf.String()) // names, help, every label value, values
		series += len(mf.GetMetric())
	}

	// What was gathered is the real thing: verbose logs of every failure, events of
	// every write and failure, the operator's own request metrics.
	all := strings.Join(lines, "\n") + "\n" + strings.Join(items, "\n")
	for _, want := range []string{
		"Incorrect hash", "Tariff was not found", "HTTP 500", "created in MOR", "deleted in MOR",
		"updated in MOR", "reconcile failed", "mor_requests_total", "TLS: the server's certificate",
		"holds no PEM certificate",
	} {
		g.Expect(all).To(ContainSubstring(want))
	}
	g.Expect(strings.Join(lines, "\n")).To(ContainSubstring(`"L":"LEVEL(-8)"`), "the capture records V(8) lines (client-go's request bodies)")
	g.Expect(len(lines)).To(BeNumerically(">", 100))
	g.Expect(nEvents).To(BeNumerically(">=", 5))

	for i, l := range lines {
		g.Expect(leaks(l)).To(BeEmpty(), "log line %d: %s", i, l)
	}
	for _, it := range items {
		g.Expect(leaks(it)).To(BeEmpty(), "in %s", it)
	}
	t.Logf("swept %d log lines, %d events (each as events.k8s.io and core), %d resources, %d metric families (%d series): no key, no 40-hex string",
		len(lines), nEvents, resources, len(families), series)
}

func asJSON(g Gomega, v any) string {
	b, err := json.Marshal(v)
	g.Expect(err).NotTo(HaveOccurred())
	return string(b)
}

func mustItems(g Gomega, l client.ObjectList) []any {
	b, err := json.Marshal(l)
	g.Expect(err).NotTo(HaveOccurred())
	var v struct{ Items []any }
	g.Expect(json.Unmarshal(b, &v)).To(Succeed())
	return v.Items
}
