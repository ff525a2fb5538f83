package plugin

import (
	"crypto/x509"
	"errors"
	"strings"
	"testing"

	"github.com/mor-operator/mor-operator/internal/mor"
)

// A certificate MOR's client cannot verify reads as the operator's TLS message, not as
// "cannot reach MOR" with Go's raw chain; other transport faults keep the old text.
func TestMessageTLS(t *testing.T) {
	for _, tt := range []struct {
		name, want string
		err        error
	}{
		{"hostname", "TLS: the server's certificate is valid for mor.example.com, not 10.0.0.5 (the host of spec.url) (ns/default)",
			&mor.Error{Class: mor.Transient, Method: mor.SystemVersionGet,
				Err: x509.HostnameError{Certificate: &x509.Certificate{DNSNames: []string{"mor.example.com"}}, Host: "10.0.0.5"}}},
		{"network", "cannot reach MOR (ns/default): check the URL and that MOR is running: connection refused",
			&mor.Error{Class: mor.Transient, Method: mor.SystemVersionGet, Err: errors.New("connection refused")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Message(tt.err, "ns/default"); got != tt.want {
				t.Errorf("Message = %q\nwant      %q", got, tt.want)
			}
			if strings.Contains(Message(tt.err, "ns/default"), "x509:") {
				t.Error("raw x509 text in the message")
			}
		})
	}
}
