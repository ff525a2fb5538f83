package connection

import (
	"crypto/x509"
	"encoding/pem"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// checkCABundle stalls a MorServer whose CA bundle holds no usable PEM certificate,
// naming the Secret and key: mor.New's own error cannot name them, and a bundle that is
// silently ignored would turn into a confusing "unknown authority" later.
func checkCABundle(namespace string, ref v1alpha1.SecretKeySelector, bundle []byte) error {
	rest, n := bundle, 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return verdict.Stalled(verdict.ReasonInvalidCABundle,
				"Secret %q key %q (spec.tls.caBundleSecretRef) in namespace %q: certificate %d does not parse: %v",
				ref.Name, ref.Key, namespace, n+1, err)
		}
		n++
	}
	if n == 0 {
		return verdict.Stalled(verdict.ReasonInvalidCABundle,
			"Secret %q key %q (spec.tls.caBundleSecretRef) in namespace %q holds no PEM certificate "+
				"(want one or more -----BEGIN CERTIFICATE----- blocks)", ref.Name, ref.Key, namespace)
	}
	return nil
}
