package mor

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/mor-operator/mor-operator/internal/verdict"
)

// tlsVerdict recognises a failed verification of the server's certificate. It is not
// transient: the same certificate fails the same way at every retry until a person
// fixes the CA bundle, the URL or the server's certificate, so it is Stalled
// TLSVerificationFailed with a message naming the cause instead of Go's raw
// "tls: failed to verify certificate: x509: ..." chain.
func tlsVerdict(err error) (verdict.Verdict, bool) {
	msg, ok := tlsMessage(err)
	if !ok {
		return verdict.Verdict{}, false
	}
	return verdict.Verdict{Reason: verdict.ReasonTLSVerificationFailed, Message: msg, Retry: verdict.RetryPoll}, true
}

// tlsMessage is the text of a certificate verification failure in err, if any.
func tlsMessage(err error) (string, bool) {
	var unknown x509.UnknownAuthorityError
	var unknownPtr *x509.UnknownAuthorityError
	var host x509.HostnameError
	var hostPtr *x509.HostnameError
	var invalid x509.CertificateInvalidError
	var invalidPtr *x509.CertificateInvalidError
	var verify *tls.CertificateVerificationError
	switch {
	case errors.As(err, &unknown):
		return unknownAuthority(unknown.Cert), true
	case errors.As(err, &unknownPtr):
		return unknownAuthority(unknownPtr.Cert), true
	case errors.As(err, &host):
		return hostMismatch(host), true
	case errors.As(err, &hostPtr):
		return hostMismatch(*hostPtr), true
	case errors.As(err, &invalid):
		return invalidCert(invalid), true
	case errors.As(err, &invalidPtr):
		return invalidCert(*invalidPtr), true
	case errors.As(err, &verify):
		return "TLS: the server's certificate failed verification: " + strings.TrimPrefix(verify.Err.Error(), "x509: "), true
	}
	return "", false
}

func unknownAuthority(cert *x509.Certificate) string {
	issuer := ""
	if cert != nil {
		issuer = fmt.Sprintf(" (issued by %q)", cert.Issuer.String())
	}
	return "TLS: the server's certificate" + issuer + " is signed by an authority neither in " +
		"spec.tls.caBundleSecretRef nor in the system's trust store"
}

func hostMismatch(e x509.HostnameError) string {
	if e.Certificate == nil {
		return "TLS: the server's certificate is not valid for " + e.Host
	}
	var names []string
	names = append(names, e.Certificate.DNSNames...)
	for _, ip := range e.Certificate.IPAddresses {
		names = append(names, ip.String())
	}
	if len(names) == 0 {
		return fmt.Sprintf("TLS: the server's certificate names no host (no subject alternative names), "+
			"so it is not valid for %s, the host of spec.url", e.Host)
	}
	return fmt.Sprintf("TLS: the server's certificate is valid for %s, not %s (the host of spec.url)",
		strings.Join(names, ", "), e.Host)
}

func invalidCert(e x509.CertificateInvalidError) string {
	return "TLS: the server's certificate is invalid: " + strings.TrimPrefix(e.Error(), "x509: ")
}
