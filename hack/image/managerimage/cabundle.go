package managerimage

import (
	"bytes"
	"encoding/pem"
	"fmt"
	"runtime/debug"

	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// bundleModule provides the CA bundle: Mozilla's NSS roots as the Go team publishes them,
// pinned by go.sum, so the image does not depend on the build machine's trust store.
const bundleModule = "golang.org/x/crypto/x509roots/fallback"

// caBundle is the PEM file for /etc/ssl/certs/ca-certificates.crt. Roots that NSS trusts
// only for certificates issued before a date are left out: a PEM file cannot carry that
// constraint, and trusting them without it would trust more than Mozilla does.
func caBundle() ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Mozilla NSS roots from %s %s, without the roots NSS distrusts after a date.\n",
		bundleModule, moduleVersion(bundleModule))
	n := 0
	for root := range bundle.Roots() {
		if root.Constraint != nil {
			continue
		}
		if err := pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: root.Certificate}); err != nil {
			return nil, err
		}
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("%s has no unconstrained roots", bundleModule)
	}
	return b.Bytes(), nil
}

// moduleVersion is the version of module path this program was built with.
func moduleVersion(path string) string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == path {
				return dep.Version
			}
		}
	}
	return "(unknown version)"
}
