package connection_test

import (
	"context"
	"encoding/pem"
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/scheme"
	"github.com/mor-operator/mor-operator/internal/testenv"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// A CA bundle that holds no usable certificate stalls the server with a message naming
// the Secret and key (mor.New's own error cannot name them).
func TestResolverCABundle(t *testing.T) {
	ca, err := testenv.NewCA("bundle test CA")
	if err != nil {
		t.Fatal(err)
	}
	garbled := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte("not DER")})
	keyOnly := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("x")})
	for _, tc := range []struct {
		name    string
		bundle  string
		message string // "" for success
	}{
		{"one certificate", string(ca.PEM), ""},
		{"certificate after a key block", string(keyOnly) + string(ca.PEM), ""},
		{"not PEM", "hello, I am a CA", `Secret "ca" key "ca.crt" (spec.tls.caBundleSecretRef) in namespace "ns" holds no PEM certificate (want one or more -----BEGIN CERTIFICATE----- blocks)`},
		{"PEM without a certificate", string(keyOnly), `Secret "ca" key "ca.crt" (spec.tls.caBundleSecretRef) in namespace "ns" holds no PEM certificate (want one or more -----BEGIN CERTIFICATE----- blocks)`},
		{"a certificate that does not parse", string(ca.PEM) + string(garbled), `Secret "ca" key "ca.crt" (spec.tls.caBundleSecretRef) in namespace "ns": certificate 2 does not parse`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			s := server("https://mor.example", false)
			s.Spec.TLS = &v1alpha1.TLSConfig{CABundleSecretRef: &v1alpha1.SecretKeySelector{Name: "ca", Key: "ca.crt"}}
			caSecret := secret(map[string][]byte{"ca.crt": []byte(tc.bundle)})
			caSecret.Name = "ca"
			c := fake.NewClientBuilder().WithScheme(scheme.New()).
				WithObjects(s, secret(map[string][]byte{"secretKey": []byte("k")}), caSecret).Build()
			r := &connection.Resolver{Servers: c, Secrets: c, SecretMeta: c}
			api, err := r.Resolve(context.Background(), "ns", "default")
			if tc.message == "" {
				g.Expect(err).NotTo(HaveOccurred())
				g.Expect(api).NotTo(BeNil())
				return
			}
			var stalled *verdict.StalledError
			g.Expect(errors.As(err, &stalled)).To(BeTrue(), "%v", err)
			g.Expect(stalled.Reason).To(Equal(verdict.ReasonInvalidCABundle))
			g.Expect(stalled.Message).To(HavePrefix(tc.message))
		})
	}
}
