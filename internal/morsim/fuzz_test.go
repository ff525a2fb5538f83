package morsim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// fuzzContentTypes are the body encodings a request may claim (ct picks one).
var fuzzContentTypes = []string{
	"application/x-www-form-urlencoded", "application/json", "multipart/form-data; boundary=b",
	"", "text/plain", "application/x-www-form-urlencoded; charset=utf-8",
}

// FuzzServeAPI drives the simulator's request handling: parameter parsing (query, form,
// multipart, JSON), the pre-checks and hash, and every method. The request is signed
// as the admin over the parameters the simulator itself will read, unless noHash turns
// hash checking off, so fuzzed values reach the methods rather than stop at "Incorrect
// hash". The seed corpus is testdata/fuzz/FuzzServeAPI.
//
// Every API answer must be HTTP 200 with a well-formed XML document of a MOR envelope,
// one request must be logged without its hash, the key must not be echoed, and the
// state must stay valid, with rules unique by the contract's key, and the rule index
// must match the rules.
func FuzzServeAPI(f *testing.F) {
	f.Fuzz(func(t *testing.T, method string, get bool, ct byte, query string, body []byte, noHash bool) {
		sim := New(DefaultSeed())
		if noHash {
			sim.Update(func(st *State) {
				st.Users["admin"].Settings.HashCheckingDisabled = true
				st.Users["admin"].Settings.AllowGET = true
			})
		}
		verb := http.MethodPost
		if get {
			verb = http.MethodGet
		}
		path := "/billing/api/" + method
		contentType := fuzzContentTypes[int(ct)%len(fuzzContentTypes)]
		newReq := func(q string) *http.Request {
			r := httptest.NewRequest(verb, "/", bytes.NewReader(body))
			r.URL = &url.URL{Path: path, RawQuery: q}
			if contentType != "" {
				r.Header.Set("Content-Type", contentType)
			}
			return r
		}
		// Sign over what the simulator will read; u and hash go last in the query, so
		// they count only when neither the query nor the body sets them.
		p, perr := readParams(newReq(query))
		_, hasU := p["u"]
		_, hasHash := p["hash"]
		signed := perr == nil && !hasU && !hasHash
		q := query
		if signed {
			if q != "" {
				q += "&"
			}
			p["u"] = "admin" // a hash parameter of the lookups
			q += url.Values{"u": {"admin"}, "hash": {Sign(method, p, DefaultAdminSecret)}}.Encode()
		}
		before := sim.Snapshot()
		w := httptest.NewRecorder()
		sim.ServeHTTP(w, newReq(q))

		res := w.Result()
		answer, _ := io.ReadAll(res.Body)
		if _, ok := apiMethod(path); !ok {
			if res.StatusCode != http.StatusNotFound {
				t.Fatalf("path %q: status %d", path, res.StatusCode)
			}
			return
		}
		if res.StatusCode != http.StatusOK {
			t.Fatalf("status %d", res.StatusCode)
		}
		if err := wellFormedEnvelope(answer); err != nil {
			t.Fatalf("answer is not a MOR envelope (%v):\n%s", err, answer)
		}
		if bytes.Contains(answer, []byte(DefaultAdminSecret)) && !bytes.Contains(body, []byte(DefaultAdminSecret)) && !strings.Contains(query, DefaultAdminSecret) {
			t.Fatalf("the key is echoed:\n%s", answer)
		}
		reqs := sim.Requests()
		if len(reqs) != 1 {
			t.Fatalf("%d requests logged", len(reqs))
		}
		if h, ok := reqs[0].Params["hash"]; ok && h != "***" {
			t.Fatalf("hash logged: %q", h)
		}
		if signed && !get && methods[method] != nil {
			if o := reqs[0].Outcome; o == TextIncorrectKey || o == TextNoSecretKey {
				t.Fatalf("signed request refused: %s", o)
			}
		}
		after := sim.Snapshot()
		if err := validate(&after); err != nil {
			t.Fatalf("state invalid after %s: %v", method, err)
		}
		if d := len(after.Rules) - len(before.Rules); d < -1 || d > 1 {
			t.Fatalf("one request changed the rule count by %d", d)
		}
		for id, r := range after.Rules {
			if dup := duplicateOf(&after, buildIndex(&after), r); dup != 0 {
				t.Fatalf("rules %d and %d are duplicates", id, dup)
			}
		}
		if err := sim.checkIndex(); err != nil {
			t.Fatalf("after %s: %v", method, err)
		}
	})
}

// wellFormedEnvelope checks that b is one well-formed XML document whose root is <page>
// or <status>.
func wellFormedEnvelope(b []byte) error {
	d := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			if root == "" {
				return errors.New("no element")
			}
			return nil
		}
		if err != nil {
			return err
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
			if root != "page" && root != "status" {
				return errors.New("root <" + root + ">")
			}
		}
	}
}
