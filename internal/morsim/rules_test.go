package morsim

import (
	"fmt"
	"strings"
	"testing"
)

func merge(base map[string]string, more map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range base {
		out[k] = v
	}
	for k, v := range more {
		if v == "<absent>" {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

func TestLocationRuleCreateDefaults(t *testing.T) {
	e := newEnv(t)
	r := e.admin("location_rule_create", map[string]string{"location_id": "1", "name": "Lithuania", "cut": "00370"})
	if got := compact(r.body); got != "<page><status><success>Rule created</success><rule_id>21</rule_id></status></page>" {
		t.Fatalf("create: %s", got)
	}
	r = e.admin("location_rule_get", map[string]string{"location_rule_id": "21"})
	const want = "<page><status><location_rule><id>21</id><location_id>1</location_id><name>Lithuania</name>" +
		"<enabled>1</enabled><lr_type>dst</lr_type><cut>00370</cut><add></add><minlen>1</minlen><maxlen>99</maxlen>" +
		"<src_cut></src_cut><src_add></src_add><src_minlen>1</src_minlen><src_maxlen>99</src_maxlen>" +
		"<tariff_id/><lcr_id/><did_id/><device_id/><change_callerid_name>0</change_callerid_name></location_rule></status></page>"
	if got := compact(r.body); got != want {
		t.Fatalf("get:\n got %s\nwant %s", got, want)
	}
	want21 := Rule{ID: 21, LocationID: 1, Name: "Lithuania", Enabled: 1, LrType: "dst", Cut: "00370", MinLen: 1, MaxLen: 99, SrcMinLen: 1, SrcMaxLen: 99}
	st := e.sim.Snapshot()
	if got := *st.Rules[21]; got != want21 {
		t.Fatalf("state %+v", got)
	}
	if st.NextRuleID != 22 {
		t.Fatalf("NextRuleID %d", st.NextRuleID)
	}
	// Every field, and ids assigned.
	r = e.admin("location_rule_create", map[string]string{
		"location_id": "2", "name": "All <fields> & more", "enabled": "0", "lr_type": "combined", "cut": "8", "add": "370",
		"minlen": "9", "maxlen": "9", "src_cut": "00", "src_add": "+", "src_minlen": "3", "src_maxlen": "15",
		"tariff_id": "2", "lcr_id": "1", "did_id": "4", "device_id": "2", "change_callerid_name": "1",
	})
	wantSuccess(t, r, TextRuleCreated)
	got := *e.sim.Snapshot().Rules[22]
	want22 := Rule{ID: 22, LocationID: 2, Name: "All <fields> & more", Enabled: 0, LrType: "combined", Cut: "8", Add: "370",
		MinLen: 9, MaxLen: 9, SrcCut: "00", SrcAdd: "+", SrcMinLen: 3, SrcMaxLen: 15, TariffID: 2, LcrID: 1, DidID: 4, DeviceID: 2, ChangeCallerIDName: 1}
	if got != want22 {
		t.Fatalf("state %+v\nwant  %+v", got, want22)
	}
	f := fields(t, e.admin("location_rule_get", map[string]string{"location_rule_id": "22"}).body, "location_rule")
	if f["name"] != "All <fields> & more" || f["tariff_id"] != "2" || f["device_id"] != "2" || f["lr_type"] != "combined" {
		t.Fatalf("get fields %v", f)
	}
}

func TestLocationRuleCreateErrors(t *testing.T) {
	base := map[string]string{"location_id": "1", "name": "r", "cut": "555"}
	for _, tc := range []struct {
		name   string
		user   string
		params map[string]string
		err    string // "" = created
		detail string // sibling <message>
	}{
		{name: "ok", params: nil},
		{name: "no name", params: map[string]string{"name": "<absent>"}, err: TextRuleMustHaveName},
		{name: "blank name", params: map[string]string{"name": "  "}, err: TextRuleMustHaveName},
		{name: "cut and add empty", params: map[string]string{"cut": ""}, err: TextCutAndAddEmpty},
		{name: "cut and add absent", params: map[string]string{"cut": "<absent>"}, err: TextCutAndAddEmpty},
		{name: "combined, cut and add empty", params: map[string]string{"cut": "", "lr_type": "combined", "src_cut": "1"}, err: TextCutAndAddEmpty},
		{name: "src rule may have empty cut and add", params: map[string]string{"location_id": "3", "cut": "", "lr_type": "src", "src_cut": "1"}},
		// The contract's uniqueness key has no src fields: src rules of one location with
		// the same lengths collide (seed rule 10 is a src rule of location 1).
		{name: "src rules collide", params: map[string]string{"cut": "", "lr_type": "src", "src_cut": "1"}, err: TextRuleMustBeUnique, detail: "Conflicts with rule 10"},
		{name: "add only", params: map[string]string{"cut": "", "add": "370"}},
		{name: "unknown location", params: map[string]string{"location_id": "99"}, err: TextLocationNotFound},
		{name: "no location", params: map[string]string{"location_id": "<absent>"}, err: TextLocationNotFound},
		{name: "another owner's location", params: map[string]string{"location_id": "4"}, err: TextLocationError},
		{name: "reseller on admin location", user: "reseller", err: TextLocationError},
		{name: "reseller on own location with own refs", user: "reseller", params: map[string]string{"location_id": "4", "device_id": "5", "lcr_id": "3", "did_id": "5", "tariff_id": "5"}},
		{name: "reseller: admin's device", user: "reseller", params: map[string]string{"location_id": "4", "device_id": "1"}, err: TextCannotAssignDevice},
		{name: "accountant denied", user: "accountant", err: TextAccessDenied},
		{name: "unknown user denied", user: "nobody", err: TextAccessDenied},
		{name: "device not found", params: map[string]string{"device_id": "99"}, err: TextDeviceNotFound},
		{name: "device 0 not found", params: map[string]string{"device_id": "0"}, err: TextDeviceNotFound},
		{name: "device not assignable", params: map[string]string{"device_id": "5"}, err: TextCannotAssignDevice},
		{name: "lcr not found", params: map[string]string{"lcr_id": "9"}, err: TextLCRNotFound},
		{name: "lcr not assignable", params: map[string]string{"lcr_id": "3"}, err: TextCannotAssignLCR},
		{name: "did not found", params: map[string]string{"did_id": "9"}, err: TextDIDNotFound},
		{name: "did not assignable", params: map[string]string{"did_id": "5"}, err: TextCannotAssignDID},
		{name: "tariff not found", params: map[string]string{"tariff_id": "99"}, err: TextTariffNotFound},
		{name: "another owner's tariff", params: map[string]string{"tariff_id": "5"}, err: TextTariffNotFound},
		{name: "device checked before lcr", params: map[string]string{"device_id": "99", "lcr_id": "99"}, err: TextDeviceNotFound},
		{name: "-1 leaves unassigned", params: map[string]string{"device_id": "-1", "lcr_id": "-1", "did_id": "-1", "tariff_id": "-1"}},
		{name: "enabled", params: map[string]string{"enabled": "2"}, err: TextRuleEnabled},
		{name: "lr_type", params: map[string]string{"lr_type": "both"}, err: TextRuleLrType},
		{name: "minlen", params: map[string]string{"minlen": "-1"}, err: TextRuleMinLen},
		{name: "maxlen", params: map[string]string{"maxlen": "x"}, err: TextRuleMaxLen},
		{name: "src_minlen", params: map[string]string{"src_minlen": "1.5"}, err: TextRuleSrcMinLen},
		{name: "src_maxlen", params: map[string]string{"src_maxlen": "many"}, err: TextRuleSrcMaxLen},
		{name: "change_callerid_name", params: map[string]string{"change_callerid_name": "2"}, err: TextRuleChangeCallerIDName},
		{name: "minlen > maxlen", params: map[string]string{"minlen": "10", "maxlen": "5"}, err: TextRuleMinGreaterThanMax},
		{name: "src_minlen > src_maxlen", params: map[string]string{"src_minlen": "10", "src_maxlen": "5"}, err: TextRuleSrcMinGreaterMax},
		{name: "format checked before name", params: map[string]string{"name": "", "enabled": "x"}, err: TextRuleEnabled},
		{name: "duplicate of seed rule 1", params: map[string]string{"cut": "0031", "add": "+"}, err: TextRuleMustBeUnique, detail: "Conflicts with rule 1"},
		{name: "same cut/add, other lengths", params: map[string]string{"cut": "0031", "add": "+", "minlen": "2"}},
		{name: "same cut/add, other type", params: map[string]string{"cut": "0031", "add": "+", "lr_type": "combined"}},
		{name: "same cut/add, other location", params: map[string]string{"cut": "0031", "add": "+", "location_id": "2"}},
		{name: "same cut/add, other name still duplicate", params: map[string]string{"cut": "0031", "add": "+", "name": "other"}, err: TextRuleMustBeUnique, detail: "Conflicts with rule 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			user, key := "admin", adminKey
			switch tc.user {
			case "reseller":
				user, key = "reseller", resellerKey
			case "":
			default:
				user = tc.user
			}
			r := e.call("location_rule_create", user, key, merge(base, tc.params))
			st := e.sim.Snapshot()
			if tc.err == "" {
				wantSuccess(t, r, TextRuleCreated)
				if st.Rules[21] == nil || fields(t, r.body, "status")["rule_id"] != "21" {
					t.Fatalf("rule 21 not created: %s", r.body)
				}
				return
			}
			wantError(t, r, tc.err)
			if len(st.Rules) != 20 || st.NextRuleID != 21 {
				t.Fatalf("state changed: %d rules, next %d", len(st.Rules), st.NextRuleID)
			}
			wantBody := "<page><status><error>" + tc.err + "</error></status></page>"
			if tc.detail != "" {
				wantBody = "<page><status><error>" + tc.err + "</error><message>" + tc.detail + "</message></status></page>"
			}
			if got := compact(r.body); got != wantBody {
				t.Fatalf("envelope %s", got)
			}
		})
	}
}

func TestLocationRuleUpdate(t *testing.T) {
	seed := DefaultSeed()
	rule9 := *seed.Rules[9] // tariff 4, lcr 2, device 3, did 2, location 3
	for _, tc := range []struct {
		name   string
		user   string
		params map[string]string
		err    string
		want   func(r *Rule) // change expected on rule 9
	}{
		{name: "only name changes", params: map[string]string{"name": "renamed"}, want: func(r *Rule) { r.Name = "renamed" }},
		{name: "nothing sent", params: nil, want: func(*Rule) {}},
		{name: "empty cut is a change", params: map[string]string{"cut": ""}, want: func(r *Rule) { r.Cut = "" }},
		{name: "cut and add both emptied", params: map[string]string{"cut": "", "add": ""}, err: TextCutAndAddEmpty},
		{name: "switch to src with empty cut and add", params: map[string]string{"cut": "", "add": "", "lr_type": "src"}, want: func(r *Rule) { r.Cut, r.Add, r.LrType = "", "", "src" }},
		{name: "empty name", params: map[string]string{"name": ""}, err: TextRuleMustHaveName},
		{name: "-1 unassigns device only", params: map[string]string{"device_id": "-1"}, want: func(r *Rule) { r.DeviceID = 0 }},
		{name: "-1 unassigns all", params: map[string]string{"device_id": "-1", "lcr_id": "-1", "did_id": "-1", "tariff_id": "-1"},
			want: func(r *Rule) { r.DeviceID, r.LcrID, r.DidID, r.TariffID = 0, 0, 0, 0 }},
		{name: "reassign", params: map[string]string{"device_id": "4", "tariff_id": "2"}, want: func(r *Rule) { r.DeviceID, r.TariffID = 4, 2 }},
		{name: "blank id unchanged", params: map[string]string{"device_id": "", "enabled": "0"}, want: func(r *Rule) { r.Enabled = 0 }},
		{name: "lengths", params: map[string]string{"minlen": "5", "maxlen": "7", "src_minlen": "0", "src_maxlen": "20"},
			want: func(r *Rule) { r.MinLen, r.MaxLen, r.SrcMinLen, r.SrcMaxLen = 5, 7, 0, 20 }},
		{name: "minlen raised within maxlen", params: map[string]string{"minlen": "50"}, want: func(r *Rule) { r.MinLen = 50 }},
		{name: "maxlen below minlen", params: map[string]string{"minlen": "50", "maxlen": "40"}, err: TextRuleMinGreaterThanMax},
		{name: "location_id is ignored", params: map[string]string{"location_id": "1"}, want: func(*Rule) {}},
		{name: "unchanged duplicate of itself", params: map[string]string{"cut": rule9.Cut, "add": rule9.Add}, want: func(*Rule) {}},
		{name: "duplicate of rule 3", params: map[string]string{"cut": "0033"}, err: TextRuleMustBeUnique},
		{name: "bad device", params: map[string]string{"device_id": "5"}, err: TextCannotAssignDevice},
		{name: "bad lr_type", params: map[string]string{"lr_type": "x"}, err: TextRuleLrType},
		{name: "reseller on admin rule", user: "reseller", params: map[string]string{"name": "x"}, err: TextLocationError},
		{name: "accountant denied", user: "accountant", params: map[string]string{"name": "x"}, err: TextAccessDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			user, key := "admin", adminKey
			switch tc.user {
			case "reseller":
				user, key = "reseller", resellerKey
			case "accountant":
				user = "accountant"
			}
			r := e.call("location_rule_update", user, key, merge(map[string]string{"location_rule_id": "9"}, tc.params))
			got := *e.sim.Snapshot().Rules[9]
			if tc.err != "" {
				wantError(t, r, tc.err)
				if got != rule9 {
					t.Fatalf("rule changed: %+v", got)
				}
				return
			}
			wantSuccess(t, r, TextRuleUpdated)
			want := rule9
			tc.want(&want)
			if got != want {
				t.Fatalf("rule %+v\nwant %+v", got, want)
			}
		})
	}
	e := newEnv(t)
	wantError(t, e.admin("location_rule_update", map[string]string{"location_rule_id": "404", "name": "x"}), TextRuleNotFound)
	wantError(t, e.admin("location_rule_update", map[string]string{"name": "x"}), TextRuleNotFound)
	// Unassigned ids read back as empty elements.
	wantSuccess(t, e.admin("location_rule_update", map[string]string{"location_rule_id": "9", "tariff_id": "-1"}), TextRuleUpdated)
	body := compact(e.admin("location_rule_get", map[string]string{"location_rule_id": "9"}).body)
	if !strings.Contains(body, "<tariff_id/><lcr_id>2</lcr_id><did_id>2</did_id><device_id>3</device_id>") {
		t.Fatalf("get after unassign: %s", body)
	}
	// A reseller updates its own rule.
	r := e.call("location_rule_create", "reseller", resellerKey, map[string]string{"location_id": "4", "name": "r", "add": "1"})
	id := fields(t, r.body, "status")["rule_id"]
	wantSuccess(t, e.call("location_rule_update", "reseller", resellerKey, map[string]string{"location_rule_id": id, "device_id": "5"}), TextRuleUpdated)
	wantError(t, e.admin("location_rule_update", map[string]string{"location_rule_id": id, "name": "mine"}), TextLocationError)
}

func TestLocationRuleGetAndDelete(t *testing.T) {
	e := newEnv(t)
	f := fields(t, e.admin("location_rule_get", map[string]string{"location_rule_id": "9"}).body, "location_rule")
	want := map[string]string{"id": "9", "location_id": "3", "name": "Seed rule 9", "enabled": "1", "lr_type": "dst", "cut": "0039", "add": "+",
		"minlen": "1", "maxlen": "99", "src_cut": "", "src_add": "", "src_minlen": "1", "src_maxlen": "99",
		"tariff_id": "4", "lcr_id": "2", "did_id": "2", "device_id": "3", "change_callerid_name": "0"}
	if fmt.Sprint(f) != fmt.Sprint(want) {
		t.Fatalf("get rule 9:\n got %v\nwant %v", f, want)
	}
	for _, tc := range []struct {
		method, user, key, id, want string
	}{
		{"location_rule_get", "admin", adminKey, "404", TextLocationRuleNotFound},
		{"location_rule_get", "admin", adminKey, "", TextLocationRuleNotFound},
		{"location_rule_get", "reseller", resellerKey, "1", TextLocationRuleNotFound},
		{"location_rule_get", "accountant", adminKey, "1", TextAccessDenied},
		{"location_rule_delete", "admin", adminKey, "404", TextRuleNotFound},
		{"location_rule_delete", "reseller", resellerKey, "1", TextRuleNotFound},
		{"location_rule_delete", "accountant", adminKey, "1", TextAccessDenied},
	} {
		wantError(t, e.call(tc.method, tc.user, tc.key, map[string]string{"location_rule_id": tc.id}), tc.want)
	}
	r := e.admin("location_rule_delete", map[string]string{"location_rule_id": "1"})
	if got := compact(r.body); got != "<page><status><success>Rule deleted</success></status></page>" {
		t.Fatalf("delete: %s", got)
	}
	if e.sim.Snapshot().Rules[1] != nil {
		t.Fatal("rule 1 still held")
	}
	wantError(t, e.admin("location_rule_get", map[string]string{"location_rule_id": "1"}), TextLocationRuleNotFound)
	wantError(t, e.admin("location_rule_delete", map[string]string{"location_rule_id": "1"}), TextRuleNotFound)
	// A deleted rule no longer blocks its duplicate.
	wantSuccess(t, e.admin("location_rule_create", map[string]string{"location_id": "1", "name": "again", "cut": "0031", "add": "+"}), TextRuleCreated)
}

// listed returns location id → rule ids from a location_rules_get answer.
func listed(t *testing.T, body string) (order []string, rules map[string][]string) {
	t.Helper()
	n := parse(t, body)
	st := n.find("status")
	rules = map[string][]string{}
	for _, l := range st.Kids {
		if l.XMLName.Local != "location" {
			t.Fatalf("unexpected <%s> in status", l.XMLName.Local)
		}
		var id string
		for _, k := range l.Kids {
			switch k.XMLName.Local {
			case "id":
				id = k.Text
				order = append(order, id)
				rules[id] = []string{}
			case "location_rule":
				rules[id] = append(rules[id], k.find("id").Text)
			}
		}
	}
	return order, rules
}

func TestLocationRulesGet(t *testing.T) {
	e := newEnv(t)
	loc1 := []string{"1", "4", "7", "10", "13", "16", "19"}
	loc2 := []string{"2", "5", "8", "11", "14", "17", "20"}
	loc3 := []string{"3", "6", "9", "12", "15", "18"}
	for _, tc := range []struct {
		name, user string
		params     map[string]string
		err        string
		order      []string
		rules      map[string][]string
	}{
		{name: "one location", params: map[string]string{"location_id": "1"}, order: []string{"1"}, rules: map[string][]string{"1": loc1}},
		{name: "all", params: map[string]string{"all": "1"}, order: []string{"1", "2", "3"}, rules: map[string][]string{"1": loc1, "2": loc2, "3": loc3}},
		{name: "location_id wins over all", params: map[string]string{"all": "1", "location_id": "3"}, order: []string{"3"}, rules: map[string][]string{"3": loc3}},
		{name: "page in one location", params: map[string]string{"location_id": "1", "from": "2", "max_results": "3"}, order: []string{"1"}, rules: map[string][]string{"1": {"7", "10", "13"}}},
		{name: "page past the end", params: map[string]string{"location_id": "1", "from": "7"}, order: []string{"1"}, rules: map[string][]string{"1": {}}},
		{name: "page across locations", params: map[string]string{"all": "1", "from": "5", "max_results": "4"}, order: []string{"1", "2", "3"},
			rules: map[string][]string{"1": {"16", "19"}, "2": {"2", "5"}, "3": {}}},
		{name: "max_results only", params: map[string]string{"location_id": "2", "max_results": "1"}, order: []string{"2"}, rules: map[string][]string{"2": {"2"}}},
		{name: "reseller all", user: "reseller", params: map[string]string{"all": "1"}, order: []string{"4"}, rules: map[string][]string{"4": {}}},
		{name: "reseller own location", user: "reseller", params: map[string]string{"location_id": "4"}, order: []string{"4"}, rules: map[string][]string{"4": {}}},
		{name: "reseller on admin location", user: "reseller", params: map[string]string{"location_id": "1"}, err: TextLocationWasNotFound},
		{name: "admin on reseller location", params: map[string]string{"location_id": "4"}, err: TextLocationWasNotFound},
		{name: "unknown location", params: map[string]string{"location_id": "99"}, err: TextLocationWasNotFound},
		{name: "neither", params: map[string]string{}, err: TextLocationWasNotFound},
		{name: "all=0", params: map[string]string{"all": "0"}, err: TextLocationWasNotFound},
		{name: "bad from", params: map[string]string{"location_id": "1", "from": "-1"}, err: TextRulesFrom},
		{name: "bad max_results", params: map[string]string{"location_id": "1", "max_results": "0"}, err: TextRulesMaxResults},
		{name: "accountant", user: "accountant", params: map[string]string{"all": "1"}, err: TextAccessDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			user, key := "admin", adminKey
			switch tc.user {
			case "reseller":
				user, key = "reseller", resellerKey
			case "accountant":
				user = "accountant"
			}
			r := e.call("location_rules_get", user, key, tc.params)
			if tc.err != "" {
				wantError(t, r, tc.err)
				return
			}
			order, rules := listed(t, r.body)
			if fmt.Sprint(order) != fmt.Sprint(tc.order) || fmt.Sprint(rules) != fmt.Sprint(tc.rules) {
				t.Fatalf("got %v %v\nwant %v %v", order, rules, tc.order, tc.rules)
			}
		})
	}
	body := compact(e.admin("location_rules_get", map[string]string{"location_id": "2", "max_results": "1"}).body)
	if !strings.HasPrefix(body, "<page><status><location><id>2</id><name>Europe</name><location_rule><id>2</id><location_id>2</location_id>") {
		t.Fatalf("shape: %s", body)
	}
}
