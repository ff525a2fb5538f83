package morsim

import (
	"strings"
	"testing"
)

// idsOf returns the <id> of every element named item, in order.
func idsOf(t *testing.T, body, item string) []string {
	t.Helper()
	var ids []string
	var walk func(n *xnode)
	walk = func(n *xnode) {
		if n.XMLName.Local == item {
			if id := n.find("id"); id != nil && id != n {
				ids = append(ids, id.Text)
			}
			return
		}
		for i := range n.Kids {
			walk(&n.Kids[i])
		}
	}
	root := parse(t, body)
	walk(&root)
	return ids
}

func TestTariffsGet(t *testing.T) {
	e := newEnv(t)
	r := e.admin("tariffs_get", nil)
	if got := compact(r.body); !strings.HasPrefix(got, "<page><tariffs><tariff><id>1</id><name>Provider A</name><purpose>provider</purpose><currency>EUR</currency><last_update_date/></tariff><tariff><id>2</id>") {
		t.Fatalf("answer %s", got)
	}
	if f := fields(t, r.body, "tariffs"); len(f) != 1 { // every child is a <tariff>
		t.Fatalf("children of <tariffs>: %v", f)
	}
	if got := strings.Join(idsOf(t, r.body, "tariff"), ","); got != "1,2,3,4,6,7,8,9,10,11" {
		t.Fatalf("admin's tariffs %s", got)
	}
	if !strings.Contains(r.body, "<name>Zürich &amp; 東京 retail</name>") {
		t.Fatalf("name not escaped as XML:\n%s", r.body)
	}
	r = e.call("tariffs_get", "accountant", adminKey, nil)
	if got := strings.Join(idsOf(t, r.body, "tariff"), ","); got != "1,2,3,4,6,7,8,9,10,11" {
		t.Fatalf("the accountant sees its owner's tariffs, got %s", got)
	}
	r = e.call("tariffs_get", "reseller", resellerKey, nil)
	if got := strings.Join(idsOf(t, r.body, "tariff"), ","); got != "5" {
		t.Fatalf("reseller's tariffs %s", got)
	}
}

func TestLookupErrors(t *testing.T) {
	for _, method := range []string{"tariffs_get", "lcrs_get", "dids_get"} {
		for _, tc := range []struct {
			name  string
			setup func(st *State)
			user  string
			key   string
			hash  string
			want  string
			bare  bool
		}{
			{name: "nothing to list", setup: func(st *State) {
				st.Tariffs, st.LCRs, st.DIDs = nil, nil, nil
			}, user: "admin", key: adminKey, want: map[string]string{
				"tariffs_get": TextNoTariffs, "lcrs_get": TextNoLCRs, "dids_get": TextNoDIDs,
			}[method]},
			{name: "permissions deny it", setup: func(st *State) {
				st.Users["reseller"].Unauthorized = []string{method}
			}, user: "reseller", key: resellerKey, want: TextNotAuthorized},
			{name: "unknown user", user: "nobody", key: adminKey, want: TextAccessDenied},
			{name: "wrong key", user: "admin", key: "nope", want: TextIncorrectKey, bare: true},
		} {
			t.Run(method+"/"+tc.name, func(t *testing.T) {
				e := newEnv(t)
				if tc.setup != nil {
					e.sim.Update(tc.setup)
				}
				r := e.call(method, tc.user, tc.key, nil)
				wantError(t, r, tc.want)
				envelope := "<page><error>" + tc.want + "</error></page>"
				if tc.bare {
					envelope = "<status><error>" + tc.want + "</error></status>"
				}
				if got := compact(r.body); got != envelope {
					t.Fatalf("envelope %s, want %s", got, envelope)
				}
			})
		}
	}
}

// The lookups tariffs_get and lcrs_get hash u; dids_get hashes nothing but the key.
func TestLookupHashes(t *testing.T) {
	e := newEnv(t)
	keyOnly := testHash("system_version_get", nil, adminKey)
	withU := testHash("tariffs_get", map[string]string{"u": "admin"}, adminKey)
	for _, tc := range []struct {
		method, hash string
		ok           bool
	}{
		{"tariffs_get", withU, true},
		{"tariffs_get", keyOnly, false},
		{"lcrs_get", withU, true},
		{"lcrs_get", keyOnly, false},
		{"dids_get", keyOnly, true},
		{"dids_get", withU, false},
	} {
		r := e.call(tc.method, "admin", "", map[string]string{"hash": tc.hash})
		if ok, text := outcome(t, r.body); ok != tc.ok || (!ok && text != TextIncorrectKey) {
			t.Errorf("%s signed with u: %v: ok=%v %q", tc.method, tc.hash == withU, ok, text)
		}
	}
	// A reseller's u is its own, with its own key.
	wantSuccess(t, e.call("lcrs_get", "reseller", resellerKey, nil), "")
}

func TestLCRsGet(t *testing.T) {
	e := newEnv(t)
	r := e.admin("lcrs_get", nil)
	const first = "<page><lcrs><lcr><id>1</id><name>Primary</name><order>price</order><first_provider_percent_limit>0</first_provider_percent_limit><failover_provider_id/><no_failover>0</no_failover><minimal_rate_margin_percent>0</minimal_rate_margin_percent><quality_routing_id>-1</quality_routing_id><allow_loss_calls>0</allow_loss_calls></lcr>"
	if got := compact(r.body); !strings.HasPrefix(got, first) {
		t.Fatalf("answer %s", got)
	}
	if got := strings.Join(idsOf(t, r.body, "lcr"), ","); got != "1,2,4,5,6" {
		t.Fatalf("admin's LCRs %s", got)
	}
	for _, tc := range []struct{ sName, want string }{
		{"Twin", "5,6"},
		{"Zürich & 東京 LCR", "4"},
		{"   ", "1,2,4,5,6"}, // blank: not a filter
	} {
		r := e.admin("lcrs_get", map[string]string{"s_name": tc.sName})
		if got := strings.Join(idsOf(t, r.body, "lcr"), ","); got != tc.want {
			t.Errorf("s_name %q: %s, want %s", tc.sName, got, tc.want)
		}
	}
	for _, sName := range []string{"twin", "Twin ", "Tw", "Reseller LCR"} { // exact, and the caller's own
		wantError(t, e.admin("lcrs_get", map[string]string{"s_name": sName}), TextNoLCRs)
	}
}

func TestDIDsGet(t *testing.T) {
	e := newEnv(t)
	r := e.admin("dids_get", nil)
	const first = "<page><dids><did><did>37060000001</did><provider/><language/><status>active</status><reseller></reseller><owner/><device/><dial_plan/><simultaneous_call_limit/><tone_zone/><id>1</id></did>"
	if got := compact(r.body); !strings.HasPrefix(got, first) {
		t.Fatalf("answer %s", got)
	}
	for _, tc := range []struct {
		name   string
		user   string
		params map[string]string
		want   string // ids, or an error text
	}{
		{"all", "admin", nil, "1,2,3,4,5"},
		{"the accountant sees all", "accountant", nil, "1,2,3,4,5"},
		{"a reseller its own", "reseller", nil, "5"},
		{"partial number", "admin", map[string]string{"search_did_number": "3706000000"}, "1,2,3"},
		{"whole number", "admin", map[string]string{"search_did_number": "12025550105"}, "5"},
		{"no such number", "admin", map[string]string{"search_did_number": "999"}, TextNoDIDs},
		{"first page", "admin", map[string]string{"from": "1", "max_results": "2"}, "1,2"},
		{"second page", "admin", map[string]string{"from": "3", "max_results": "2"}, "3,4"},
		{"last page", "admin", map[string]string{"from": "5", "max_results": "2"}, "5"},
		{"past the end", "admin", map[string]string{"from": "6", "max_results": "2"}, TextNoDIDs},
		{"paged search", "admin", map[string]string{"search_did_number": "370", "from": "2", "max_results": "1"}, "2"},
		{"from is 1-based", "admin", map[string]string{"from": "0"}, TextDIDsFrom},
		{"from not a number", "admin", map[string]string{"from": "x"}, TextDIDsFrom},
		{"max_results 0", "admin", map[string]string{"max_results": "0"}, TextRulesMaxResults},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := adminKey
			if tc.user == "reseller" {
				key = resellerKey
			}
			r := e.call("dids_get", tc.user, key, tc.params)
			if ok, text := outcome(t, r.body); !ok {
				if text != tc.want {
					t.Fatalf("error %q, want %s", text, tc.want)
				}
				return
			}
			if got := strings.Join(idsOf(t, r.body, "did"), ","); got != tc.want {
				t.Fatalf("ids %s, want %s", got, tc.want)
			}
		})
	}
	r = e.admin("dids_get", map[string]string{"search_did_number": "12025550105"})
	if f := fields(t, r.body, "did"); f["reseller"] != "reseller" || f["did"] != "12025550105" {
		t.Fatalf("DID 5: %v", f)
	}
}
