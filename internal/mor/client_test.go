package mor

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

const (
	testUser = "admin"
	testKey  = "k3y-Th4t-Must-N0t-Leak"
)

// request is what the fake server saw of one call.
type request struct {
	httpMethod, path, rawQuery, contentType string
	form                                    url.Values
}

// method is the MOR method named by the request path.
func (r request) method() string { return r.path[strings.LastIndex(r.path, "/api/")+len("/api/"):] }

// params are the request's parameters other than u and hash, as Fields.
func (r request) params() Fields {
	f := Fields{}
	for k := range r.form {
		if k != "u" && k != "hash" {
			f[k] = r.form.Get(k)
		}
	}
	return f
}

// fakeMOR is an httptest server that records requests and answers with handle.
type fakeMOR struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
}

func newFakeMOR(t testing.TB, handle func(w http.ResponseWriter, r request)) *fakeMOR {
	t.Helper()
	f := &fakeMOR{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, hr *http.Request) {
		_ = hr.ParseForm()
		r := request{hr.Method, hr.URL.Path, hr.URL.RawQuery, hr.Header.Get("Content-Type"), hr.PostForm}
		f.mu.Lock()
		f.requests = append(f.requests, r)
		f.mu.Unlock()
		handle(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

// answer returns a handler that writes body with status 200.
func answer(body string) func(http.ResponseWriter, request) {
	return func(w http.ResponseWriter, _ request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte(body))
	}
}

func (f *fakeMOR) seen() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.requests...)
}

func newTestClient(t testing.TB, baseURL string, mod func(*Config)) *Client {
	t.Helper()
	cfg := Config{BaseURL: baseURL, Username: testUser, SecretKey: testKey, QPS: 1e6, Burst: 1e6}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"unparseable URL", Config{BaseURL: "http://a b:x/", Username: "u"}},
		{"no scheme", Config{BaseURL: "mor.example.com/billing", Username: "u"}},
		{"ftp scheme", Config{BaseURL: "ftp://mor.example.com/billing", Username: "u"}},
		{"no host", Config{BaseURL: "https:///billing", Username: "u"}},
		{"query string", Config{BaseURL: "https://mor.example.com/billing?x=1", Username: "u"}},
		{"fragment", Config{BaseURL: "https://mor.example.com/billing#x", Username: "u"}},
		{"no username", Config{BaseURL: "https://mor.example.com/billing"}},
		{"negative timeout", Config{BaseURL: "https://mor.example.com/billing", Username: "u", Timeout: -1}},
		{"negative QPS", Config{BaseURL: "https://mor.example.com/billing", Username: "u", QPS: -1}},
		{"negative burst", Config{BaseURL: "https://mor.example.com/billing", Username: "u", Burst: -1}},
		{"CA without certificate", Config{BaseURL: "https://mor.example.com/billing", Username: "u", CACertPEM: []byte("not a PEM")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil {
				t.Fatal("New succeeded, want an error")
			}
		})
	}
	// The URL may carry credentials: an error must not quote it.
	_, err := New(Config{BaseURL: "http://user:p4ss@[::1", Username: "u"})
	if err == nil || strings.Contains(err.Error(), "p4ss") {
		t.Errorf("New error %v must exist and not quote the URL", err)
	}
}

func TestNewDefaults(t *testing.T) {
	c, err := New(Config{BaseURL: "https://mor.example.com/billing/", Username: "admin", SecretKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if c.endpoint != "https://mor.example.com/billing/api/" {
		t.Errorf("endpoint = %q", c.endpoint)
	}
	if c.limiter.Limit() != rate.Limit(DefaultQPS) || c.limiter.Burst() != DefaultBurst {
		t.Errorf("limiter = %v/%d, want %v/%d", c.limiter.Limit(), c.limiter.Burst(), DefaultQPS, DefaultBurst)
	}
	if c.http.Timeout != DefaultTimeout {
		t.Errorf("timeout = %v", c.http.Timeout)
	}
	tr, ok := c.http.Transport.(*http.Transport)
	if !ok || tr.DisableKeepAlives || tr == http.DefaultTransport {
		t.Errorf("transport = %#v, want a keep-alive clone of http.DefaultTransport", c.http.Transport)
	}

	own := &http.Client{}
	c, err = New(Config{BaseURL: "http://x", Username: "u", HTTPClient: own, QPS: 2, Burst: 3, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if c.http != own || c.limiter.Limit() != 2 || c.limiter.Burst() != 3 {
		t.Error("Config.HTTPClient, QPS or Burst not used as given")
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("<page><version>X17</version></page>"))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	srv.StartTLS()
	defer srv.Close()
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})

	tests := []struct {
		name  string
		cfg   func(*Config)
		class Class
	}{
		{"unknown CA refused", func(*Config) {}, Transient},
		{"CA bundle trusted", func(c *Config) { c.CACertPEM = caPEM }, 0},
		{"skip verify", func(c *Config) { c.InsecureSkipVerify = true }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, srv.URL+"/billing", tt.cfg)
			v, err := c.SystemVersion(context.Background())
			if ClassOf(err) != tt.class {
				t.Fatalf("err = %v, want class %v", err, tt.class)
			}
			if err == nil && v != "X17" {
				t.Errorf("version = %q", v)
			}
		})
	}
}

// Every typed method POSTs a signed form to <BaseURL>/api/<method>, and no secret or
// parameter travels in the URL.
func TestRequestsArePOSTedSignedForms(t *testing.T) {
	tests := []struct {
		method *Method
		call   func(*Client) error
		want   Fields
		answer string
	}{
		{SystemVersionGet, func(c *Client) error { _, err := c.SystemVersion(context.Background()); return err },
			Fields{}, "<page><version>X17</version></page>"},
		{ConflinesUpdate, func(c *Client) error {
			return c.UpdateConflines(context.Background(), Fields{"default_user_time_zone": "Atlantic Time (Canada)", "default_device_canreinvite": "update,nonat"})
		}, Fields{"default_user_time_zone": "Atlantic Time (Canada)", "default_device_canreinvite": "update,nonat"}, "<page><status><success>Conflines successfully updated</success></status></page>"},
		{DIDRatesDetailsGet, func(c *Client) error { _, err := c.GetDIDRate(context.Background(), 3); return err },
			Fields{"did_id": "3"}, contractEnvelopes[6]},
		{DIDRatesDetailsUpdate, func(c *Client) error {
			return c.UpdateDIDRate(context.Background(), 3, Fields{"owner_tariff_id": "0", "allow_call_reject": "1"})
		}, Fields{"did_id": "3", "owner_tariff_id": "0", "allow_call_reject": "1"}, "<page><status><success>DID details successfully updated</success></status></page>"},
		{LocationRuleCreate, func(c *Client) error {
			_, err := c.CreateLocationRule(context.Background(), 7, Fields{"name": "a & b", "cut": "00", "add": "+"})
			return err
		}, Fields{"location_id": "7", "name": "a & b", "cut": "00", "add": "+"}, "<page><status><success>Rule created</success><rule_id>19</rule_id></status></page>"},
		{LocationRuleGet, func(c *Client) error { _, err := c.GetLocationRule(context.Background(), 19); return err },
			Fields{"location_rule_id": "19"}, "<page><status><location_rule><id>19</id></location_rule></status></page>"},
		{LocationRuleUpdate, func(c *Client) error {
			return c.UpdateLocationRule(context.Background(), 19, Fields{"device_id": "-1"})
		}, Fields{"location_rule_id": "19", "device_id": "-1"}, "<page><status><success>Rule updated</success></status></page>"},
		{LocationRuleDelete, func(c *Client) error { return c.DeleteLocationRule(context.Background(), 19) },
			Fields{"location_rule_id": "19"}, "<page><status><success>Rule deleted</success></status></page>"},
		{LocationRulesGet, func(c *Client) error { _, err := c.ListLocationRules(context.Background(), 7); return err },
			Fields{"location_id": "7", "from": "0", "max_results": "100"}, "<page><status><location><id>7</id><name>G</name></location></status></page>"},
	}
	for _, tt := range tests {
		t.Run(tt.method.Name(), func(t *testing.T) {
			srv := newFakeMOR(t, answer(tt.answer))
			c := newTestClient(t, srv.URL+"/billing", nil)
			if err := tt.call(c); err != nil {
				t.Fatalf("call: %v", err)
			}
			reqs := srv.seen()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want 1", len(reqs))
			}
			r := reqs[0]
			if r.httpMethod != http.MethodPost || r.method() != tt.method.Name() || r.rawQuery != "" {
				t.Errorf("request %s %s?%s, want POST /billing/api/%s without query", r.httpMethod, r.path, r.rawQuery, tt.method)
			}
			if r.contentType != "application/x-www-form-urlencoded" {
				t.Errorf("Content-Type = %q", r.contentType)
			}
			if got := r.form.Get("u"); got != testUser {
				t.Errorf("u = %q", got)
			}
			if got, want := r.form.Get("hash"), Sign(tt.method, tt.want, testKey); got != want {
				t.Errorf("hash = %s, want %s", got, want)
			}
			if got := r.params(); fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("params = %v, want %v", got, tt.want)
			}
		})
	}
}

// A concrete vector through the wire: location_rule_update of rule 19 with key "secret".
func TestRequestHashVectorOnTheWire(t *testing.T) {
	srv := newFakeMOR(t, answer("<page><status><success>Rule updated</success></status></page>"))
	c := newTestClient(t, srv.URL, func(c *Config) { c.SecretKey = "secret" })
	if err := c.UpdateLocationRule(context.Background(), 19, Fields{"name": "x"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.seen()[0].form.Get("hash"); got != "e6814e1e8cef14c16793818fa94715e62de66044" {
		t.Errorf("hash = %s", got)
	}
}

func TestCallerParamsNotModified(t *testing.T) {
	srv := newFakeMOR(t, answer("<page><status><success>Rule updated</success></status></page>"))
	c := newTestClient(t, srv.URL, nil)
	p := Fields{"name": "x"}
	if err := c.UpdateLocationRule(context.Background(), 19, p); err != nil {
		t.Fatal(err)
	}
	if len(p) != 1 {
		t.Errorf("caller's params changed: %v", p)
	}
}

type errorCase struct {
	name       string
	handler    func(http.ResponseWriter, request)
	cfg        func(*Config)
	class      Class
	text       string
	retryAfter time.Duration
	block      bool // hold the request until the client gives up
}

func errorCases(t *testing.T) []errorCase {
	httpDate := time.Now().Add(time.Hour - time.Minute).UTC().Format(http.TimeFormat)
	status := func(code int, header, value, body string) func(http.ResponseWriter, request) {
		return func(w http.ResponseWriter, _ request) {
			if header != "" {
				w.Header().Set(header, value)
			}
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body))
		}
	}
	return []errorCase{
		{name: "500", handler: status(500, "", "", "<html>oops</html>"), class: Transient},
		{name: "502 with MOR-looking body", handler: status(502, "", "", "<page><error>Access Denied</error></page>"), class: Transient},
		{name: "503 Retry-After seconds", handler: status(503, "Retry-After", "30", ""), class: Transient, retryAfter: 30 * time.Second},
		{name: "429 Retry-After seconds", handler: status(429, "Retry-After", "7", ""), class: Transient, retryAfter: 7 * time.Second},
		{name: "429 Retry-After HTTP-date", handler: status(429, "Retry-After", httpDate, ""), class: Transient, retryAfter: -1},
		{name: "429 without Retry-After", handler: status(429, "", "", ""), class: Transient},
		{name: "HTML login page", handler: answer("<!DOCTYPE html><html><body><form>Login</form></body></html>"), class: Transient},
		{name: "404 HTML", handler: status(404, "", "", "<html><body>Not Found</body></html>"), class: Transient},
		{name: "redirect to login with secrets in query", handler: status(302, "Location", "https://u:pw@mor.example.com/login?hash="+Sign(SystemVersionGet, nil, testKey)+"&key="+testKey, ""), class: Transient},
		{name: "empty body", handler: answer(""), class: Transient},
		{name: "connection refused", cfg: func(c *Config) { c.BaseURL = closedServerURL(t) }, class: Transient},
		{name: "timeout", cfg: func(c *Config) { c.Timeout = 50 * time.Millisecond }, block: true, class: Transient},
		{name: "incorrect hash", handler: answer("<status><error>Incorrect hash</error></status>"), class: Authentication, text: "Incorrect hash", retryAfter: firstAuthRetry},
		{name: "access denied", handler: answer("<page><error>Access Denied</error></page>"), class: Authentication, text: "Access Denied", retryAfter: firstAuthRetry},
		{name: "API disabled", handler: answer("<status><error>API Requests are disabled</error></status>"), class: Authentication, text: "API Requests are disabled", retryAfter: firstAuthRetry},
		{name: "GET disabled", handler: answer("<status><error>GET Requests are disabled</error></status>"), class: Authentication, text: "GET Requests are disabled", retryAfter: firstAuthRetry},
		{name: "no secret key", handler: answer("<status><error>API must have Secret Key</error></status>"), class: Authentication, text: "API must have Secret Key", retryAfter: firstAuthRetry},
		{name: "rejected", handler: answer("<page><status><error>Tariff was not found</error></status></page>"), class: Rejected, text: "Tariff was not found"},
		{name: "rejected with message", handler: answer("<page><status><error><message>Rule must be unique</message></error></status></page>"), class: Rejected, text: "Rule must be unique"},
		{name: "hostile server echoing the secrets", handler: answer("<page><error>bad " + testKey + " " + Sign(SystemVersionGet, nil, testKey) + "</error><message>" + testKey + "</message></page>"), class: Rejected, text: "bad [REDACTED] [REDACTED]"},
	}
}

// closedServerURL is the URL of a server that no longer listens: connection refused.
func closedServerURL(t *testing.T) string {
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL
	srv.Close()
	return "http://user:p4ssw0rd@" + strings.TrimPrefix(u, "http://") + "/billing"
}

// Each error class is produced, with the method, the MOR text and Retry-After, and
// neither the key, the hash nor URL credentials appear in the error.
func TestErrorClassesAndRedaction(t *testing.T) {
	hash := Sign(SystemVersionGet, nil, testKey)
	for _, tt := range errorCases(t) {
		t.Run(tt.name, func(t *testing.T) {
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = r.ParseForm() // a read body lets the server notice the client hanging up
				if tt.block {
					select {
					case <-r.Context().Done():
					case <-release:
					}
					return
				}
				tt.handler(w, request{form: r.PostForm})
			}))
			defer srv.Close()
			defer close(release)
			c := newTestClient(t, srv.URL+"/billing", tt.cfg)
			var outcomes []string
			c.observer = func(method, outcome string, _ time.Duration) {
				outcomes = append(outcomes, method+"="+outcome)
			}

			_, err := c.SystemVersion(context.Background())
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v (%T), want *Error", err, err)
			}
			t.Logf("%v", e)
			if e.Class != tt.class || e.Method != SystemVersionGet || e.Text != tt.text {
				t.Errorf("got class %v method %q text %q, want %v %q %q", e.Class, e.Method, e.Text, tt.class, "system_version_get", tt.text)
			}
			switch {
			case tt.retryAfter < 0: // an HTTP-date about an hour ahead
				if e.RetryAfter < 58*time.Minute || e.RetryAfter > time.Hour {
					t.Errorf("RetryAfter = %v, want about 59m", e.RetryAfter)
				}
			case e.RetryAfter != tt.retryAfter:
				t.Errorf("RetryAfter = %v, want %v", e.RetryAfter, tt.retryAfter)
			}
			msg := e.Error() + " " + fmt.Sprintf("%+v %v", *e, e.Unwrap())
			for _, secret := range []string{testKey, hash, "p4ssw0rd", ":pw@"} {
				if strings.Contains(msg, secret) {
					t.Errorf("error leaks %q: %s", secret, msg)
				}
			}
			for _, d := range e.Details {
				if strings.Contains(d, testKey) {
					t.Errorf("details leak the key: %q", e.Details)
				}
			}
			want := "system_version_get=" + strings.ToLower(tt.class.String())
			if len(outcomes) != 1 || outcomes[0] != want {
				t.Errorf("observer saw %v, want [%s]", outcomes, want)
			}
			if tt.block && !strings.Contains(e.Error(), "Timeout") && !strings.Contains(e.Error(), "deadline") {
				t.Errorf("timeout error = %v", e)
			}
		})
	}
}

func TestObserverOnSuccess(t *testing.T) {
	srv := newFakeMOR(t, answer("<page><version>X17</version></page>"))
	var got []string
	c := newTestClient(t, srv.URL, func(c *Config) {
		c.Observer = func(method, outcome string, elapsed time.Duration) {
			if elapsed < 0 {
				t.Errorf("negative elapsed %v", elapsed)
			}
			got = append(got, method+"="+outcome)
		}
	})
	if _, err := c.SystemVersion(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "system_version_get=success" {
		t.Errorf("observer saw %v", got)
	}
}

// A Client is used from many goroutines at once (run with -race).
func TestConcurrentUse(t *testing.T) {
	srv := newFakeMOR(t, answer("<page><status><success>Rule updated</success></status></page>"))
	c := newTestClient(t, srv.URL, nil)
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if err := c.UpdateLocationRule(context.Background(), int64(i), Fields{"name": "x"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := len(srv.seen()); n != 20 {
		t.Errorf("%d requests, want 20", n)
	}
}

func BenchmarkClientCall(b *testing.B) {
	body := []byte("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<page>\n  <status>\n    <success>Rule updated</success>\n  </status>\n</page>\n")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write(body)
	}))
	defer srv.Close()
	c := newTestClient(b, srv.URL+"/billing", nil)
	params := Fields{"name": "Rule", "cut": "00", "add": "370", "minlen": "1", "maxlen": "99"}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := c.UpdateLocationRule(ctx, 19, params); err != nil {
			b.Fatal(err)
		}
	}
}
