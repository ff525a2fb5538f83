package morsim

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestHashVectors(t *testing.T) {
	for _, tc := range []struct {
		method string
		params map[string]string
		want   string
	}{
		{"location_rule_update", map[string]string{"location_rule_id": "19", "name": "ignored"}, "e6814e1e8cef14c16793818fa94715e62de66044"},
		{"did_rates_details_update", map[string]string{"did_id": "3", "u": "admin"}, "7f544a3f166563efce4dc5da5425cdd0d7a41634"},
		{"conflines_update", map[string]string{"default_user_currency": "EUR"}, "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4"},
		{"tariffs_get", map[string]string{"u": "admin"}, "69590c5075137e4e42658c15f8f73d982e76b056"},
		{"lcrs_get", map[string]string{"u": "admin", "s_name": "ignored"}, "69590c5075137e4e42658c15f8f73d982e76b056"}, // sha1("admin" + "secret")
		{"dids_get", map[string]string{"u": "admin", "search_did_number": "370", "from": "1"}, "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4"},
	} {
		if got := Sign(tc.method, tc.params, "secret"); got != tc.want {
			t.Errorf("Sign(%s) = %s, want %s", tc.method, got, tc.want)
		}
		if got := testHash(tc.method, tc.params, "secret"); got != tc.want {
			t.Errorf("testHash(%s) = %s, want %s", tc.method, got, tc.want)
		}
	}
	for m, want := range contractHashParams {
		got, ok := HashParams(m)
		if !ok || strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("HashParams(%s) = %v, %v; want %v", m, got, ok, want)
		}
	}
	if len(Methods()) != len(contractHashParams) {
		t.Errorf("Methods() = %v", Methods())
	}
}

const bare = "bare"

// TestPreChecks covers each pre-check, their order, and which key signs for whom.
func TestPreChecks(t *testing.T) {
	type tc struct {
		name    string
		setup   func(st *State)
		verb    string // default POST
		method  string // default did_rates_details_get
		user    string
		key     string // "" = send no hash
		hash    string // explicit hash
		want    string // error text, or success text / "" for a read
		wantErr bool
		shape   string // "bare" = <status><error> without <page>
	}
	cases := []tc{
		{name: "admin signs with admin key", user: "admin", key: adminKey},
		{name: "accountant signs with admin key", user: "accountant", key: adminKey},
		{name: "accountant with own (empty) key is wrong", user: "accountant", key: "x", wantErr: true, want: TextIncorrectKey, shape: bare},
		{name: "wrong hash", user: "admin", key: "nope", wantErr: true, want: TextIncorrectKey, shape: bare},
		{name: "missing hash", user: "admin", wantErr: true, want: TextIncorrectKey, shape: bare},
		{name: "uppercase hash is wrong", user: "admin", hash: strings.ToUpper(testHash("did_rates_details_get", map[string]string{"did_id": "3"}, adminKey)), wantErr: true, want: TextIncorrectKey, shape: bare},
		{name: "API disabled", setup: func(st *State) { st.Users["admin"].Settings.APIDisabled = true }, user: "admin", key: adminKey, wantErr: true, want: TextAPIDisabled, shape: bare},
		{name: "API disabled before GET check and hash", setup: func(st *State) { st.Users["admin"].Settings.APIDisabled = true }, verb: "GET", user: "admin", key: "bad", wantErr: true, want: TextAPIDisabled, shape: bare},
		{name: "API disabled applies to the accountant", setup: func(st *State) { st.Users["admin"].Settings.APIDisabled = true }, user: "accountant", key: adminKey, wantErr: true, want: TextAPIDisabled, shape: bare},
		{name: "reseller's API off does not affect admin", setup: func(st *State) { st.Users["reseller"].Settings.APIDisabled = true }, user: "admin", key: adminKey},
		{name: "reseller's API off", setup: func(st *State) { st.Users["reseller"].Settings.APIDisabled = true }, method: "location_rules_get", user: "reseller", key: resellerKey, wantErr: true, want: TextAPIDisabled, shape: bare},
		{name: "GET disabled", verb: "GET", user: "admin", key: adminKey, wantErr: true, want: TextGETDisabled, shape: bare},
		{name: "GET disabled before hash", verb: "GET", user: "admin", key: "bad", wantErr: true, want: TextGETDisabled, shape: bare},
		{name: "HEAD counts as GET", verb: "HEAD", user: "admin", key: adminKey, want: "head"},
		{name: "GET allowed", setup: func(st *State) { st.Users["admin"].Settings.AllowGET = true }, verb: "GET", user: "admin", key: adminKey},
		{name: "GET allowed, hash still checked", setup: func(st *State) { st.Users["admin"].Settings.AllowGET = true }, verb: "GET", user: "admin", key: "bad", wantErr: true, want: TextIncorrectKey, shape: bare},
		{name: "no secret key", setup: func(st *State) { st.Users["admin"].SecretKey = "" }, user: "admin", key: "anything", wantErr: true, want: TextNoSecretKey, shape: bare},
		{name: "no secret key, no hash", setup: func(st *State) { st.Users["admin"].SecretKey = "" }, user: "admin", wantErr: true, want: TextNoSecretKey, shape: bare},
		{name: "no secret key: accountant", setup: func(st *State) { st.Users["admin"].SecretKey = "" }, user: "accountant", key: "x", wantErr: true, want: TextNoSecretKey, shape: bare},
		{name: "hash checking disabled: wrong hash passes", setup: func(st *State) { st.Users["admin"].Settings.HashCheckingDisabled = true }, user: "admin", key: "bad"},
		{name: "hash checking disabled: no key passes", setup: func(st *State) {
			st.Users["admin"].Settings.HashCheckingDisabled = true
			st.Users["admin"].SecretKey = ""
		}, user: "admin"},
		{name: "unknown user: Access Denied, no hash check", user: "mallory", key: "whatever", wantErr: true, want: TextAccessDenied},
		{name: "missing user: Access Denied", wantErr: true, want: TextAccessDenied},
		{name: "unknown user still meets API disabled", setup: func(st *State) { st.Users["admin"].Settings.APIDisabled = true }, user: "mallory", wantErr: true, want: TextAPIDisabled, shape: bare},
		{name: "unknown user still meets GET disabled", verb: "GET", user: "mallory", wantErr: true, want: TextGETDisabled, shape: bare},
		{name: "reseller signs with own key", method: "location_rules_get", user: "reseller", key: resellerKey},
		{name: "reseller may sign with admin key", method: "location_rules_get", user: "reseller", key: adminKey},
		{name: "reseller wrong key", method: "location_rules_get", user: "reseller", key: "bad", wantErr: true, want: TextIncorrectKey, shape: bare},
		{name: "reseller without key", setup: func(st *State) { st.Users["reseller"].SecretKey = "" }, method: "location_rules_get", user: "reseller", key: adminKey, wantErr: true, want: TextNoSecretKey, shape: bare},
		{name: "reseller's GET setting is its own", setup: func(st *State) { st.Users["reseller"].Settings.AllowGET = true }, verb: "GET", method: "location_rules_get", user: "reseller", key: resellerKey},
		{name: "reseller's hash checking off", setup: func(st *State) { st.Users["reseller"].Settings.HashCheckingDisabled = true }, method: "location_rules_get", user: "reseller", key: "bad"},
		{name: "conflines: reseller must use the admin key", method: "conflines_update", user: "reseller", key: resellerKey, wantErr: true, want: TextIncorrectKey, shape: bare},
		{name: "conflines: reseller with admin key", method: "conflines_update", user: "reseller", key: adminKey, want: TextConflinesUpdated},
		{name: "conflines: admin", method: "conflines_update", user: "admin", key: adminKey, want: TextConflinesUpdated},
		{name: "conflines: accountant is denied after the hash", method: "conflines_update", user: "accountant", key: adminKey, wantErr: true, want: TextAccessDenied},
		{name: "system_version_get", method: "system_version_get", user: "admin", key: adminKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			if c.setup != nil {
				e.sim.Update(c.setup)
			}
			method := c.method
			if method == "" {
				method = "did_rates_details_get"
			}
			p := map[string]string{"did_id": "3", "location_id": "4", "all": "1"}
			if c.user != "" {
				p["u"] = c.user
			}
			switch {
			case c.hash != "":
				p["hash"] = c.hash
			case c.key != "":
				p["hash"] = testHash(method, p, c.key)
			}
			q := url.Values{}
			for k, v := range p {
				q.Set(k, v)
			}
			verb := c.verb
			if verb == "" {
				verb = http.MethodPost
			}
			var r reply
			if verb == http.MethodPost {
				r = e.send(verb, "/billing/api/"+method, "application/x-www-form-urlencoded", q.Encode())
			} else {
				r = e.send(verb, "/billing/api/"+method+"?"+q.Encode(), "", "")
			}
			if c.want == "head" {
				if r.status != 200 || r.body != "" {
					t.Fatalf("HEAD: %d %q", r.status, r.body)
				}
				reqs := e.sim.Requests()
				if got := reqs[len(reqs)-1].Outcome; got != TextGETDisabled {
					t.Fatalf("HEAD outcome %q", got)
				}
				return
			}
			ok, text := outcome(t, r.body)
			if ok == c.wantErr || (c.want != "" && text != c.want) {
				t.Fatalf("got ok=%v %q, want err=%v %q\n%s", ok, text, c.wantErr, c.want, r.body)
			}
			isBare := strings.HasPrefix(compact(r.body), "<status>")
			if (c.shape == bare) != isBare {
				t.Fatalf("bare envelope = %v, want %v:\n%s", isBare, c.shape == bare, r.body)
			}
			if c.shape == bare && compact(r.body) != "<status><error>"+c.want+"</error></status>" {
				t.Fatalf("pre-check envelope: %s", compact(r.body))
			}
		})
	}
}

func TestParameterSources(t *testing.T) {
	e := newEnv(t)
	sig := testHash("did_rates_details_get", map[string]string{"did_id": "3"}, adminKey)
	form := "u=admin&did_id=3&hash=" + sig
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	for k, v := range map[string]string{"u": "admin", "did_id": "3", "hash": sig} {
		_ = mw.WriteField(k, v)
	}
	_ = mw.Close()
	for _, tc := range []struct {
		name, path, ct, body string
		wantErr              string
	}{
		{name: "query string on POST", path: "/billing/api/did_rates_details_get?" + form},
		{name: "form body", path: "/billing/api/did_rates_details_get", ct: "application/x-www-form-urlencoded", body: form},
		{name: "form body, /api route", path: "/api/did_rates_details_get", ct: "application/x-www-form-urlencoded", body: form},
		{name: "form body split with query", path: "/billing/api/did_rates_details_get?u=admin", ct: "application/x-www-form-urlencoded", body: "did_id=3&hash=" + sig},
		{name: "body wins over query", path: "/billing/api/did_rates_details_get?did_id=4", ct: "application/x-www-form-urlencoded", body: form},
		{name: "JSON strings", path: "/billing/api/did_rates_details_get", ct: "application/json", body: `{"u":"admin","did_id":"3","hash":"` + sig + `"}`},
		{name: "JSON number", path: "/billing/api/did_rates_details_get", ct: "application/json; charset=utf-8", body: `{"u":"admin","did_id":3,"hash":"` + sig + `"}`},
		{name: "JSON without content type", path: "/billing/api/did_rates_details_get", body: ` {"u":"admin","did_id":3,"hash":"` + sig + `"}`},
		{name: "multipart", path: "/billing/api/did_rates_details_get", ct: mw.FormDataContentType(), body: mp.String()},
		{name: "JSON array value", path: "/billing/api/did_rates_details_get", ct: "application/json", body: `{"u":"admin","did_id":[3]}`, wantErr: TextBadBody},
		{name: "JSON malformed", path: "/billing/api/did_rates_details_get", ct: "application/json", body: `{"u":"admin"`, wantErr: TextBadBody},
		{name: "unknown method", path: "/billing/api/users_get", ct: "application/x-www-form-urlencoded", body: form, wantErr: TextUnknownMethod},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.send(http.MethodPost, tc.path, tc.ct, tc.body)
			if tc.wantErr != "" {
				wantError(t, r, tc.wantErr)
				return
			}
			if got := fields(t, r.body, "did")["id"]; got != "3" {
				t.Fatalf("did id %q\n%s", got, r.body)
			}
		})
	}
	if r := e.send(http.MethodGet, "/billing/api/", "", ""); r.status != http.StatusNotFound {
		t.Errorf("/billing/api/: %d", r.status)
	}
	if r := e.send(http.MethodGet, "/elsewhere", "", ""); r.status != http.StatusNotFound {
		t.Errorf("/elsewhere: %d", r.status)
	}
}

func TestContentTypes(t *testing.T) {
	e := newEnv(t)
	for _, m := range []string{"system_version_get", "did_rates_details_get"} {
		r := e.admin(m, map[string]string{"did_id": "3"})
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s: content type %q", m, ct)
		}
		if cd := r.header.Get("Content-Disposition"); cd != "attachment; filename=mor_api_response.html" {
			t.Errorf("%s: content disposition %q", m, cd)
		}
	}
	// Errors, pre-check errors included, are HTTP 200 XML too.
	r := e.call("did_rates_details_get", "admin", "bad", map[string]string{"did_id": "3"})
	if r.status != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/html") {
		t.Errorf("pre-check error: %d %q", r.status, r.header.Get("Content-Type"))
	}
	e.sim.Update(func(st *State) { st.Users["admin"].Settings.XMLExtension = true })
	for _, key := range []string{adminKey, "bad"} {
		r := e.call("system_version_get", "accountant", key, nil)
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/xml") {
			t.Errorf("XML extension: content type %q", ct)
		}
		if cd := r.header.Get("Content-Disposition"); cd != "" {
			t.Errorf("XML extension: content disposition %q", cd)
		}
	}
	// The reseller's setting is its own.
	r = e.call("location_rules_get", "reseller", resellerKey, map[string]string{"location_id": "4"})
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("reseller: content type %q", ct)
	}
}

func TestSystemVersionGet(t *testing.T) {
	e := newEnv(t)
	r := e.admin("system_version_get", nil)
	if got := compact(r.body); got != "<page><version>X17</version></page>" {
		t.Fatalf("got %s", got)
	}
	if !strings.HasPrefix(r.body, `<?xml version="1.0" encoding="UTF-8"?>`) {
		t.Fatalf("no XML declaration: %s", r.body)
	}
	wantError(t, e.call("system_version_get", "nobody", "", nil), TextAccessDenied)
	if got := compact(e.call("system_version_get", "nobody", "", nil).body); got != "<page><status><error>Access Denied</error></status></page>" {
		t.Fatalf("got %s", got)
	}
}

func TestRequestsRecorded(t *testing.T) {
	e := newEnv(t)
	e.admin("did_rates_details_get", map[string]string{"did_id": "3"})
	e.admin("did_rates_details_update", map[string]string{"did_id": "99"})
	e.admin("did_rates_details_update", map[string]string{"did_id": "3", "allow_call_reject": "0"})
	reqs := e.sim.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d requests", len(reqs))
	}
	want := []Request{
		{Method: "did_rates_details_get", Verb: "POST", Outcome: OutcomeRead, OK: true},
		{Method: "did_rates_details_update", Verb: "POST", Outcome: TextDIDNotFound, OK: false},
		{Method: "did_rates_details_update", Verb: "POST", Outcome: TextDIDUpdated, OK: true},
	}
	for i, w := range want {
		g := reqs[i]
		if g.Method != w.Method || g.Verb != w.Verb || g.Outcome != w.Outcome || g.OK != w.OK {
			t.Errorf("request %d = %+v, want %+v", i, g, w)
		}
		if g.Params["hash"] != "***" || g.Params["u"] != "admin" {
			t.Errorf("request %d params %v", i, g.Params)
		}
	}
	e.sim.ResetRequests()
	if n := len(e.sim.Requests()); n != 0 {
		t.Fatalf("%d requests after ResetRequests", n)
	}
}

func TestEscaping(t *testing.T) {
	e := newEnv(t)
	name := "it's \"quoted\" <b>&\x01\r\nend"
	wantSuccess(t, e.admin("location_rule_create", map[string]string{"location_id": "1", "name": name, "cut": "5"}), TextRuleCreated)
	r := e.admin("location_rule_get", map[string]string{"location_rule_id": "21"})
	if !strings.Contains(r.body, "<name>it's \"quoted\" &lt;b&gt;&amp;\uFFFD&#xD;\nend</name>") {
		t.Fatalf("escaping: %s", r.body)
	}
	if got := fields(t, r.body, "location_rule")["name"]; got != "it's \"quoted\" <b>&\uFFFD\r\nend" {
		t.Fatalf("parsed name %q", got)
	}
}
