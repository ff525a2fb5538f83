package controllers_test

import (
	"crypto/tls"
	"io"
	"log"
	"net/http/httptest"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/testenv"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// serveTLS serves the fixture's simulator over HTTPS with cert and returns the base URL
// (https://127.0.0.1:port/billing).
func (f *fixture) serveTLS(cert tls.Certificate) string {
	srv := httptest.NewUnstartedServer(f.sim)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are the point
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	f.t.Cleanup(srv.Close)
	return srv.URL + "/billing"
}

// tlsServer creates a MorServer name at url trusting the CA bundle in Secret
// name+"-ca", key ca.crt (bundle may be nil: no caBundleSecretRef).
func (f *fixture) tlsServer(name, url string, bundle []byte) *v1alpha1.MorServer {
	s := &v1alpha1.MorServer{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.MorServerSpec{
			URL:          url,
			Username:     "admin",
			SecretKeyRef: v1alpha1.SecretKeySelector{Name: "mor-api-key", Key: "secretKey"},
		},
	}
	if bundle != nil {
		f.create(&corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: name + "-ca"},
			Data:       map[string][]byte{"ca.crt": bundle},
		})
		s.Spec.TLS = &v1alpha1.TLSConfig{CABundleSecretRef: &v1alpha1.SecretKeySelector{Name: name + "-ca", Key: "ca.crt"}}
	}
	f.create(s)
	return s
}

// A MOR behind HTTPS with a private CA: the CA bundle in a Secret makes the MorServer
// Ready and its LocationRules converge. A wrong CA, a certificate for another host and a
// bundle that is not PEM each stall the MorServer with a message naming the cause, and
// fixing the bundle's Secret recovers the server through the Secret watch.
func TestMorServerTLS(t *testing.T) {
	f := newFixture(t)
	ca, err := testenv.NewCA("mor private CA")
	f.g.Expect(err).NotTo(HaveOccurred())
	other, err := testenv.NewCA("somebody else's CA")
	f.g.Expect(err).NotTo(HaveOccurred())
	issue := func(ca *testenv.CA, hosts ...string) tls.Certificate {
		c, err := ca.Issue(hosts, time.Time{}, time.Time{})
		f.g.Expect(err).NotTo(HaveOccurred())
		return c
	}
	goodURL := f.serveTLS(issue(ca, "127.0.0.1"))

	// trusted: Ready, and a LocationRule through it converges
	good := f.tlsServer("tls", goodURL, ca.PEM)
	f.waitReady(good)
	f.g.Expect(good.Status.Version).NotTo(BeEmpty())
	lr := newLocationRule("over-tls")
	lr.Spec.ServerRef = &v1alpha1.ServerReference{Name: "tls"}
	f.create(lr)
	f.waitReady(lr)
	f.g.Expect(f.rulesNamed("lt-over-tls")).To(HaveLen(1))

	tests := []struct {
		name   string
		url    string
		bundle []byte
		reason string
		msg    string
	}{
		{"wrong-ca", f.serveTLS(issue(other, "127.0.0.1")), ca.PEM, verdict.ReasonTLSVerificationFailed,
			`TLS: the server's certificate (issued by "CN=somebody else's CA,O=mor-operator tests") is signed by an ` +
				`authority neither in spec.tls.caBundleSecretRef nor in the system's trust store`},
		{"no-bundle", goodURL, nil, verdict.ReasonTLSVerificationFailed,
			`TLS: the server's certificate (issued by "CN=mor private CA,O=mor-operator tests") is signed by an ` +
				`authority neither in spec.tls.caBundleSecretRef nor in the system's trust store`},
		{"other-host", f.serveTLS(issue(ca, "mor.example.test")), ca.PEM, verdict.ReasonTLSVerificationFailed,
			"TLS: the server's certificate is valid for mor.example.test, not 127.0.0.1 (the host of spec.url)"},
		{"not-pem", goodURL, []byte("this is not a certificate"), verdict.ReasonInvalidCABundle,
			`Secret "not-pem-ca" key "ca.crt" (spec.tls.caBundleSecretRef) in namespace "` + f.ns +
				`" holds no PEM certificate (want one or more -----BEGIN CERTIFICATE----- blocks)`},
	}
	servers := map[string]*v1alpha1.MorServer{}
	for _, tt := range tests {
		servers[tt.name] = f.tlsServer(tt.name, tt.url, tt.bundle)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			s := servers[tt.name]
			stalled := f.waitCondition(s, v1alpha1.ConditionStalled, metav1.ConditionTrue, tt.reason)
			g.Expect(stalled.Message).To(Equal(tt.msg))
			ready := f.condition(s, v1alpha1.ConditionReady)()
			g.Expect(ready).NotTo(BeNil())
			g.Expect(ready.Status).To(Equal(metav1.ConditionFalse))
		})
	}

	// Fixing the malformed bundle recovers the server through the Secret watch (the
	// poll interval would too, later).
	caSecret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "not-pem-ca", Namespace: f.ns}}
	f.update(caSecret, func() { caSecret.Data = map[string][]byte{"ca.crt": ca.PEM} })
	f.waitReady(servers["not-pem"])
	f.g.Expect(f.condition(servers["not-pem"], v1alpha1.ConditionStalled)()).To(BeNil())

	// and the wrong-CA server trusts the other CA once its bundle holds it (bundles may
	// hold several certificates)
	wrongCA := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "wrong-ca-ca", Namespace: f.ns}}
	f.update(wrongCA, func() { wrongCA.Data = map[string][]byte{"ca.crt": append(append([]byte{}, ca.PEM...), other.PEM...)} })
	f.waitReady(servers["wrong-ca"])
}
