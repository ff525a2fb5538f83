package morsim

import (
	"crypto/sha1" //nolint:gosec // MOR's API hash.
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// contractHashParams is the contract's table, written out independently of methods.go.
var contractHashParams = map[string][]string{
	"system_version_get":       nil,
	"conflines_update":         nil,
	"did_rates_details_get":    {"did_id"},
	"did_rates_details_update": {"did_id"},
	"location_rule_create":     {"location_id"},
	"location_rule_get":        {"location_rule_id"},
	"location_rules_get":       {"location_id"},
	"location_rule_update":     {"location_rule_id"},
	"location_rule_delete":     {"location_rule_id"},
	"tariffs_get":              {"u"},
	"lcrs_get":                 {"u"},
	"dids_get":                 nil,
}

func testHash(method string, p map[string]string, key string) string {
	h := sha1.New() //nolint:gosec // MOR's API hash.
	for _, n := range contractHashParams[method] {
		_, _ = io.WriteString(h, p[n])
	}
	_, _ = io.WriteString(h, key)
	return hex.EncodeToString(h.Sum(nil))
}

const (
	adminKey    = DefaultAdminSecret
	resellerKey = DefaultResellerSecret
)

// env is a simulator behind a real HTTP server.
type env struct {
	t   *testing.T
	sim *Server
	ts  *httptest.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	sim := New(DefaultSeed())
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	return &env{t: t, sim: sim, ts: ts}
}

type reply struct {
	status int
	header http.Header
	body   string
}

// call signs params for user with key (unless params has a hash or key is "") and
// POSTs them as a form to /billing/api/<method>.
func (e *env) call(method, user, key string, params map[string]string) reply {
	e.t.Helper()
	p := map[string]string{}
	for k, v := range params {
		p[k] = v
	}
	if user != "" {
		p["u"] = user
	}
	if _, ok := p["hash"]; !ok && key != "" {
		p["hash"] = testHash(method, p, key)
	}
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	return e.send(http.MethodPost, "/billing/api/"+method, "application/x-www-form-urlencoded", form.Encode())
}

func (e *env) admin(method string, params map[string]string) reply {
	e.t.Helper()
	return e.call(method, "admin", adminKey, params)
}

func (e *env) send(verb, path, contentType, body string) reply {
	e.t.Helper()
	req, err := http.NewRequest(verb, e.ts.URL+path, strings.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := e.ts.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", verb, path, err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return reply{status: res.StatusCode, header: res.Header, body: string(b)}
}

var reBetweenTags = regexp.MustCompile(`>\s+<`)

// compact drops the XML declaration and the indentation.
func compact(body string) string {
	body = strings.TrimSpace(body)
	if strings.HasPrefix(body, "<?xml") {
		body = body[strings.Index(body, "?>")+2:]
	}
	return reBetweenTags.ReplaceAllString(strings.TrimSpace(body), "><")
}

type xnode struct {
	XMLName xml.Name
	Text    string  `xml:",chardata"`
	Kids    []xnode `xml:",any"`
}

func parse(t *testing.T, body string) xnode {
	t.Helper()
	var n xnode
	if err := xml.Unmarshal([]byte(body), &n); err != nil {
		t.Fatalf("answer is not XML: %v\n%s", err, body)
	}
	return n
}

func (n *xnode) find(name string) *xnode {
	if n.XMLName.Local == name {
		return n
	}
	for i := range n.Kids {
		if f := n.Kids[i].find(name); f != nil {
			return f
		}
	}
	return nil
}

// outcome reads an answer as a client must: success text, or error text in any shape.
func outcome(t *testing.T, body string) (ok bool, text string) {
	t.Helper()
	n := parse(t, body)
	if s := n.find("success"); s != nil {
		return true, strings.TrimSpace(s.Text)
	}
	if e := n.find("error"); e != nil {
		if m := e.find("message"); m != nil && m != e {
			return false, strings.TrimSpace(m.Text)
		}
		return false, strings.TrimSpace(e.Text)
	}
	return true, ""
}

// wantError fails unless r is an error answer with text.
func wantError(t *testing.T, r reply, text string) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", r.status, r.body)
	}
	ok, got := outcome(t, r.body)
	if ok || got != text {
		t.Fatalf("got ok=%v %q, want error %q\n%s", ok, got, text, r.body)
	}
}

// wantSuccess fails unless r is a success answer with text.
func wantSuccess(t *testing.T, r reply, text string) {
	t.Helper()
	ok, got := outcome(t, r.body)
	if !ok || got != text {
		t.Fatalf("got ok=%v %q, want success %q\n%s", ok, got, text, r.body)
	}
}

// fields returns the leaf texts of the first element named name.
func fields(t *testing.T, body, name string) map[string]string {
	t.Helper()
	n := parse(t, body)
	el := n.find(name)
	if el == nil {
		t.Fatalf("no <%s> in\n%s", name, body)
	}
	out := map[string]string{}
	for _, k := range el.Kids {
		out[k.XMLName.Local] = k.Text
	}
	return out
}

func newServer(t *testing.T, sim *Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(sim)
	t.Cleanup(ts.Close)
	return ts
}

// postForm posts already signed params; safe to call from any goroutine.
func postForm(e *env, method string, p map[string]string) (string, error) {
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	res, err := e.ts.Client().Post(e.ts.URL+"/billing/api/"+method, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}
