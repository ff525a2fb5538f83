package mor

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mor-operator/mor-operator/internal/testenv"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// A certificate that does not verify is Stalled TLSVerificationFailed with a message
// naming the cause, not a transient fault retried with backoff behind Go's raw error.
func TestTLSVerificationVerdicts(t *testing.T) {
	ca, err := testenv.NewCA("mor test CA")
	if err != nil {
		t.Fatal(err)
	}
	other, err := testenv.NewCA("some other CA")
	if err != nil {
		t.Fatal(err)
	}
	serve := func(t *testing.T, cert tls.Certificate) string {
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte("<page><version>X17</version></page>"))
		}))
		srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		srv.StartTLS()
		t.Cleanup(srv.Close)
		return srv.Listener.Addr().String() // 127.0.0.1:port
	}
	issue := func(ca *testenv.CA, notAfter time.Time, hosts ...string) tls.Certificate {
		c, err := ca.Issue(hosts, time.Time{}, notAfter)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	expired := time.Now().Add(-time.Minute)

	tests := []struct {
		name   string
		cert   tls.Certificate
		host   func(addr string) string // the URL's host:port
		caPEM  []byte
		reason string
		want   []string // substrings of the message
	}{
		{"trusted", issue(ca, time.Time{}, "127.0.0.1"), same, ca.PEM, "", nil},
		{"wrong CA", issue(other, time.Time{}, "127.0.0.1"), same, ca.PEM, verdict.ReasonTLSVerificationFailed,
			[]string{"TLS: ", "some other CA", "neither in spec.tls.caBundleSecretRef nor in the system's trust store"}},
		{"no CA bundle", issue(ca, time.Time{}, "127.0.0.1"), same, nil, verdict.ReasonTLSVerificationFailed,
			[]string{"mor test CA", "signed by an authority neither in spec.tls.caBundleSecretRef"}},
		{"host name mismatch", issue(ca, time.Time{}, "mor.example.test", "10.9.8.7"),
			func(addr string) string { return strings.Replace(addr, "127.0.0.1", "localhost", 1) }, ca.PEM,
			verdict.ReasonTLSVerificationFailed,
			[]string{"TLS: the server's certificate is valid for mor.example.test, 10.9.8.7, not localhost"}},
		{"expired", issue(ca, expired, "127.0.0.1"), same, ca.PEM, verdict.ReasonTLSVerificationFailed,
			[]string{"TLS: the server's certificate is invalid: certificate has expired"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := serve(t, tt.cert)
			c := newTestClient(t, "https://"+tt.host(addr)+"/billing", func(c *Config) { c.CACertPEM = tt.caPEM })
			_, err := c.SystemVersion(context.Background())
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("want success, got %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("want a TLS verification failure, got success")
			}
			v := verdict.Of(err)
			if v.Reason != tt.reason || v.Retry != verdict.RetryPoll {
				t.Errorf("verdict %+v, want reason %s retried at the poll interval", v, tt.reason)
			}
			for _, w := range tt.want {
				if !strings.Contains(v.Message, w) {
					t.Errorf("message %q lacks %q", v.Message, w)
				}
			}
			if strings.Contains(v.Message, "x509:") || strings.Contains(v.Message, "tls: failed") {
				t.Errorf("message %q carries Go's raw error", v.Message)
			}
		})
	}
}

func same(addr string) string { return addr }

// A plain network fault stays transient.
func TestTLSVerdictIgnoresOtherErrors(t *testing.T) {
	if _, ok := tlsVerdict(&Error{Class: Transient, Err: io.ErrUnexpectedEOF}); ok {
		t.Error("an EOF classified as a TLS verification failure")
	}
}
