package mor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Defaults for the zero values of Config.
const (
	DefaultTimeout = 30 * time.Second
	DefaultQPS     = 5.0
	DefaultBurst   = 10
)

// secretParams are parameters whose values are as secret as the key (a new key sent by
// conflines_update): they are blanked out of error texts like the key and the hash.
var secretParams = []string{"api_secret_key"}

// maxBodyBytes bounds how much of an answer is read; a page of 100 location rules is
// about 60 KiB.
const maxBodyBytes = 8 << 20

// Client calls one MOR server's API. It is safe for concurrent use.
type Client struct {
	endpoint string // BaseURL + "/api/"
	username string
	key      string
	http     *http.Client
	limiter  *rate.Limiter
	breaker  Breaker // optional: the server's circuit breaker
	observer RequestObserver
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error // waits on the now clock
	auth     authGate
}

// New validates cfg and returns a Client for the server it names.
func New(cfg Config) (*Client, error) {
	base, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return nil, errors.New("mor: BaseURL is not a valid URL") // the text would quote it
	}
	if base.Scheme != "http" && base.Scheme != "https" {
		return nil, fmt.Errorf("mor: BaseURL scheme must be http or https, not %q", truncate(base.Scheme, 16))
	}
	if base.Host == "" {
		return nil, errors.New("mor: BaseURL has no host")
	}
	if base.RawQuery != "" || base.ForceQuery || base.Fragment != "" {
		return nil, errors.New("mor: BaseURL must not have a query string or fragment")
	}
	if cfg.Username == "" {
		return nil, errors.New("mor: Username is empty")
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("mor: Timeout is negative")
	}
	if cfg.QPS < 0 || math.IsNaN(cfg.QPS) {
		return nil, errors.New("mor: QPS is negative")
	}
	if cfg.Burst < 0 {
		return nil, errors.New("mor: Burst is negative")
	}
	qps, burst, timeout := cfg.QPS, cfg.Burst, cfg.Timeout
	if qps == 0 {
		qps = DefaultQPS
	}
	if burst == 0 {
		burst = DefaultBurst
	}
	if timeout == 0 {
		timeout = DefaultTimeout
	}

	hc := cfg.HTTPClient
	if hc == nil {
		if hc, err = newHTTPClient(cfg, timeout, burst); err != nil {
			return nil, err
		}
	}
	return &Client{
		endpoint: strings.TrimRight(base.String(), "/") + "/api/",
		username: cfg.Username,
		key:      cfg.SecretKey,
		http:     hc,
		limiter:  rate.NewLimiter(rate.Limit(qps), burst),
		breaker:  cfg.Breaker,
		observer: cfg.Observer,
		now:      time.Now,
		sleep:    sleepCtx,
		auth:     authGate{accepted: cfg.OnCredentialsAccepted},
	}, nil
}

// newHTTPClient builds the http.Client of a Config without HTTPClient: a keep-alive
// transport cloned from http.DefaultTransport with the Config's TLS settings, the
// timeout, and no redirect following (a redirected POST would lose its form and land
// on a login page; the 3xx answer itself is reported as Transient).
func newHTTPClient(cfg Config, timeout time.Duration, burst int) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = max(burst, tr.MaxIdleConnsPerHost)
	if len(cfg.CACertPEM) > 0 || cfg.InsecureSkipVerify {
		tc := &tls.Config{InsecureSkipVerify: cfg.InsecureSkipVerify} //nolint:gosec // opt-in per MorServer, off by default
		if len(cfg.CACertPEM) > 0 {
			pool, err := x509.SystemCertPool()
			if err != nil || pool == nil {
				pool = x509.NewCertPool()
			}
			if !pool.AppendCertsFromPEM(cfg.CACertPEM) {
				return nil, errors.New("mor: CACertPEM holds no PEM certificate")
			}
			tc.RootCAs = pool
		}
		tr.TLSClientConfig = tc
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}

// call performs one signed API call: takes a request from the server's budget without
// waiting, passes the authentication hold and the Breaker, POSTs params with u and hash as
// a form to <BaseURL>/api/<method>, and reads the answer. Every error is an *Error with
// Method set and no secret in it.
func (c *Client) call(ctx context.Context, method *Method, params Fields) (*envelope, error) {
	return c.callPage(ctx, method, params, false)
}

// write is call for a change: it waits briefly for its token rather than being
// deferred. A write follows the read that decided it (the loop observes first);
// deferring it would cost that read again, and a deferred create would need a fresh
// listing before it may be sent.
func (c *Client) write(ctx context.Context, method *Method, params Fields) (*envelope, error) {
	return c.callPage(ctx, method, params, true)
}

// callPage is call; borrow (a further page of a listing under way, or a write) waits
// for its token rather than being deferred.
func (c *Client) callPage(ctx context.Context, method *Method, params Fields, borrow bool) (*envelope, error) {
	if held := c.auth.held(method, c.now()); held != nil {
		return nil, held
	}
	giveBack, err := c.admit(ctx, method, borrow)
	if err != nil {
		c.auth.unsent()
		return nil, err
	}
	if c.breaker == nil {
		return c.send(ctx, method, params)
	}
	done, err := c.breaker.Admit(ctx)
	if err != nil { // nothing sent: the token and the authentication probe go back
		giveBack()
		c.auth.unsent()
		return nil, &Error{Class: Transient, Method: method, Err: err}
	}
	env, err := c.send(ctx, method, params)
	done(err)
	return env, err
}

// send signs and sends one request, and records what MOR's answer says of our key.
func (c *Client) send(ctx context.Context, method *Method, params Fields) (*envelope, error) {
	signed := make(Fields, len(params)+1) // what MOR reads, u included (a hash parameter of the lookups)
	for k, v := range params {
		signed[k] = v
	}
	signed["u"] = c.username
	hash := Sign(method, signed, c.key)
	form := make(url.Values, len(signed)+1)
	for k, v := range signed {
		form.Set(k, v)
	}
	form.Set("hash", hash)

	start := c.now()
	env, err := c.post(ctx, method, form)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) { // post returns *Error only; keep the promise regardless
			e = &Error{Class: Transient, Err: err}
		}
		e.Method = method
		secrets := []string{c.key, hash}
		for _, name := range secretParams {
			secrets = append(secrets, params[name])
		}
		// MOR's texts never quote the key or a hash; if a server ever did, they would end
		// up in a status condition, so they are blanked out there too.
		e.Err = redactError(e.Err, secrets...)
		e.Text = redactString(e.Text, secrets...)
		for i := range e.Details {
			e.Details[i] = redactString(e.Details[i], secrets...)
		}
		if wait := c.auth.record(e, c.now()); wait > 0 {
			e.RetryAfter = wait // a refused key: come back for the next probe
		}
		c.observe(method, strings.ToLower(e.Class.String()), start)
		return nil, e
	}
	c.auth.record(nil, c.now())
	c.observe(method, "success", start)
	return env, nil
}

func (c *Client) observe(method *Method, outcome string, start time.Time) {
	if c.observer != nil {
		c.observer(method.name, outcome, c.now().Sub(start))
	}
}

// post sends the form and interprets the HTTP answer.
func (c *Client) post(ctx context.Context, method *Method, form url.Values) (*envelope, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint+method.name, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, &Error{Class: Transient, Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "text/xml, application/xml, text/html;q=0.5")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &Error{Class: Transient, Err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err != nil {
		return nil, &Error{Class: Transient, Err: fmt.Errorf("reading the answer: %w", err)}
	}

	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests || code >= 500:
		e := &Error{Class: Transient, Err: fmt.Errorf("HTTP %s", httpStatus(code))}
		if code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable {
			e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), c.now())
		}
		return nil, e
	case code >= 300 && code < 400:
		where := ""
		if loc := resp.Header.Get("Location"); loc != "" {
			where = " to " + redactURL(loc)
		}
		return nil, &Error{Class: Transient, Err: fmt.Errorf("HTTP %s: redirected%s", httpStatus(code), where)}
	}
	if len(body) > maxBodyBytes {
		return nil, &Error{Class: Transient, Err: fmt.Errorf("answer larger than %d bytes", maxBodyBytes)}
	}
	env, err := parseResponse(body)
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Class == Transient && resp.StatusCode != http.StatusOK {
			e.Err = fmt.Errorf("HTTP %s: %w", httpStatus(resp.StatusCode), e.Err)
		}
		if method.saysNone(e) {
			return &envelope{root: &node{name: "page"}}, nil
		}
		return nil, err
	}
	return env, nil
}

// httpStatus is "503 Service Unavailable".
func httpStatus(code int) string {
	if t := http.StatusText(code); t != "" {
		return strconv.Itoa(code) + " " + t
	}
	return strconv.Itoa(code)
}
