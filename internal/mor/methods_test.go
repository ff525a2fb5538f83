package mor

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestSystemVersion(t *testing.T) {
	tests := []struct {
		body, want string
		class      Class
	}{
		{"<page><version>X17</version></page>", "X17", 0},
		{"<?xml version=\"1.0\"?>\n<page>\n  <version> 12.0.1 </version>\n</page>", "12.0.1", 0},
		{"<page><status><success>ok</success></status></page>", "", Transient},
		{"<status><error>Incorrect hash</error></status>", "", Authentication},
	}
	for _, tt := range tests {
		srv := newFakeMOR(t, answer(tt.body))
		got, err := newTestClient(t, srv.URL, nil).SystemVersion(context.Background())
		if got != tt.want || ClassOf(err) != tt.class {
			t.Errorf("SystemVersion on %q = %q, %v; want %q, class %v", tt.body, got, err, tt.want, tt.class)
		}
	}
}

func TestGetDIDRate(t *testing.T) {
	srv := newFakeMOR(t, answer(contractEnvelopes[6]))
	got, err := newTestClient(t, srv.URL, nil).GetDIDRate(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	want := Fields{"id": "3", "provider_tariff_id": "3", "allow_call_reject_provider": "1", "owner_tariff_id": "4", "allow_call_reject": "1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetDIDRate = %v, want %v", got, want)
	}

	srv = newFakeMOR(t, answer("<page><status><error>DID was not found</error></status></page>"))
	_, err = newTestClient(t, srv.URL, nil).GetDIDRate(context.Background(), 99)
	if !IsNotFound(err) {
		t.Errorf("err = %v, want not found", err)
	}
}

const ruleXML = `<location_rule>
      <id>19</id>
      <location_id>7</location_id>
      <name>Lithuania  mobile</name>
      <enabled>1</enabled>
      <lr_type>dst</lr_type>
      <cut>00</cut>
      <add></add>
      <minlen>1</minlen>
      <maxlen>99</maxlen>
      <src_cut/>
      <src_add/>
      <src_minlen>1</src_minlen>
      <src_maxlen>99</src_maxlen>
      <tariff_id/>
      <lcr_id>2</lcr_id>
      <did_id/>
      <device_id></device_id>
      <change_callerid_name>0</change_callerid_name>
    </location_rule>`

func TestGetLocationRule(t *testing.T) {
	srv := newFakeMOR(t, answer("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<page>\n  <status>\n    "+ruleXML+"\n  </status>\n</page>\n"))
	got, err := newTestClient(t, srv.URL, nil).GetLocationRule(context.Background(), 19)
	if err != nil {
		t.Fatal(err)
	}
	want := Fields{
		"id": "19", "location_id": "7", "name": "Lithuania  mobile", "enabled": "1", "lr_type": "dst",
		"cut": "00", "add": "", "minlen": "1", "maxlen": "99", "src_cut": "", "src_add": "",
		"src_minlen": "1", "src_maxlen": "99", "tariff_id": "", "lcr_id": "2", "did_id": "",
		"device_id": "", "change_callerid_name": "0",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("GetLocationRule =\n %v, want\n %v", got, want)
	}

	for _, text := range []string{"Location rule was not found", "Rule was not found"} {
		srv := newFakeMOR(t, answer("<page><status><error>"+text+"</error></status></page>"))
		_, err := newTestClient(t, srv.URL, nil).GetLocationRule(context.Background(), 19)
		if !IsNotFound(err) {
			t.Errorf("err = %v, want not found", err)
		}
	}
}

func TestCreateLocationRule(t *testing.T) {
	tests := []struct {
		name, body string
		want       int64
		class      Class
	}{
		{"rule_id in status", "<page><status><success>Rule created</success><rule_id>42</rule_id></status></page>", 42, 0},
		{"rule_id elsewhere", "<page><rule_id> 43 </rule_id><status><success>Rule created</success></status></page>", 43, 0},
		{"rule_id in location_rule", "<page><status><success>Rule created</success><location_rule><rule_id>44</rule_id></location_rule></status></page>", 44, 0},
		{"no rule_id", "<page><status><success>Rule created</success></status></page>", 0, Transient},
		{"bad rule_id", "<page><status><success>Rule created</success><rule_id>x</rule_id></status></page>", 0, Transient},
		{"rejected", "<page><status><error>Rule must be unique</error></status></page>", 0, Rejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeMOR(t, answer(tt.body))
			got, err := newTestClient(t, srv.URL, nil).CreateLocationRule(context.Background(), 7, Fields{"name": "n"})
			if got != tt.want || ClassOf(err) != tt.class {
				t.Errorf("CreateLocationRule = %d, %v; want %d, class %v", got, err, tt.want, tt.class)
			}
		})
	}
}

func TestWriteMethods(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name  string
		body  string
		call  func(*Client) error
		class Class
	}{
		{"conflines ok", "<page><status><success>Conflines successfully updated</success></status></page>",
			func(c *Client) error { return c.UpdateConflines(ctx, Fields{"default_user_postpaid": "1"}) }, 0},
		{"conflines rejected (two spaces)", "<page><status><error>default_user_recording_forced_enabled  must be 0 or 1</error></status></page>",
			func(c *Client) error {
				return c.UpdateConflines(ctx, Fields{"default_user_recording_forced_enabled": "2"})
			}, Rejected},
		{"did update ok", "<page><status><success>DID details successfully updated</success></status></page>",
			func(c *Client) error { return c.UpdateDIDRate(ctx, 3, Fields{"owner_tariff_id": "4"}) }, 0},
		{"did update access denied", "<page><status><error>Access Denied</error></status></page>",
			func(c *Client) error { return c.UpdateDIDRate(ctx, 3, Fields{"owner_tariff_id": "4"}) }, Authentication},
		{"rule update ok", "<page><status><success>Rule updated</success></status></page>",
			func(c *Client) error { return c.UpdateLocationRule(ctx, 19, Fields{"cut": "0"}) }, 0},
		{"rule delete ok", "<page><status><success>Rule deleted</success></status></page>",
			func(c *Client) error { return c.DeleteLocationRule(ctx, 19) }, 0},
		{"rule delete refused", "<page><status><error>Rule was not deleted</error></status></page>",
			func(c *Client) error { return c.DeleteLocationRule(ctx, 19) }, Rejected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeMOR(t, answer(tt.body))
			if err := tt.call(newTestClient(t, srv.URL, nil)); ClassOf(err) != tt.class {
				t.Errorf("err = %v, want class %v", err, tt.class)
			}
		})
	}
}

// pagedRules serves location_rules_get from n rules of location 7 (and two of location
// 8, which a server answering "all" would include), honouring from and max_results
// unless ignorePaging.
func pagedRules(n int, ignorePaging bool) func(http.ResponseWriter, request) {
	return func(w http.ResponseWriter, r request) {
		from, _ := strconv.Atoi(r.form.Get("from"))
		size, _ := strconv.Atoi(r.form.Get("max_results"))
		if ignorePaging {
			from, size = 0, 100
		}
		var b strings.Builder
		b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<page>\n<status>\n<location><id>7</id><name>Global</name>\n")
		for i := from; i < n && i < from+size; i++ {
			fmt.Fprintf(&b, "<location_rule><id>%d</id><location_id>7</location_id><name>r%d</name><cut/></location_rule>\n", 1000+i, i)
		}
		b.WriteString("</location>\n<location><id>8</id><name>Other</name><location_rule><id>1</id></location_rule><location_rule><id>2</id></location_rule></location>\n</status>\n</page>\n")
		_, _ = w.Write([]byte(b.String()))
	}
}

func TestListLocationRulesPaging(t *testing.T) {
	tests := []struct {
		name      string
		rules     int
		wantFroms []string
	}{
		{"empty location", 0, []string{"0"}},
		{"one short page", 42, []string{"0"}},
		{"exactly one full page", 100, []string{"0", "100"}},
		{"two and a half pages", 250, []string{"0", "100", "200"}},
		{"exactly two pages", 200, []string{"0", "100", "200"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeMOR(t, pagedRules(tt.rules, false))
			got, err := newTestClient(t, srv.URL, nil).ListLocationRules(context.Background(), 7)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.rules {
				t.Fatalf("%d rules, want %d", len(got), tt.rules)
			}
			for i, r := range got {
				if r["id"] != strconv.Itoa(1000+i) || r["location_id"] != "7" || r["name"] != "r"+strconv.Itoa(i) || r["cut"] != "" {
					t.Fatalf("rule %d = %v", i, r)
				}
			}
			var froms []string
			for _, r := range srv.seen() {
				if r.method() != LocationRulesGet.Name() || r.form.Get("location_id") != "7" || r.form.Get("max_results") != "100" {
					t.Errorf("request %s %v", r.method(), r.form)
				}
				if r.form.Get("hash") != Sign(LocationRulesGet, Fields{"location_id": "7"}, testKey) {
					t.Errorf("bad hash on page from %s", r.form.Get("from"))
				}
				froms = append(froms, r.form.Get("from"))
			}
			if !reflect.DeepEqual(froms, tt.wantFroms) {
				t.Errorf("pages from %v, want %v", froms, tt.wantFroms)
			}
		})
	}
}

func TestListLocationRulesErrors(t *testing.T) {
	// A server that ignores paging must not make the client loop forever.
	srv := newFakeMOR(t, pagedRules(300, true))
	if _, err := newTestClient(t, srv.URL, nil).ListLocationRules(context.Background(), 7); ClassOf(err) != Transient {
		t.Errorf("err = %v, want Transient", err)
	}
	if n := len(srv.seen()); n != 2 {
		t.Errorf("%d requests, want 2", n)
	}

	srv = newFakeMOR(t, answer("<page><status><error>Location was not found</error></status></page>"))
	_, err := newTestClient(t, srv.URL, nil).ListLocationRules(context.Background(), 7)
	if ClassOf(err) != Rejected || IsNotFound(err) {
		t.Errorf("err = %v, want Rejected and not IsNotFound (the location, not a rule, is missing)", err)
	}

	// Rules without a <location> wrapper are read too.
	srv = newFakeMOR(t, answer("<page><status>"+ruleXML+"</status></page>"))
	got, err := newTestClient(t, srv.URL, nil).ListLocationRules(context.Background(), 7)
	if err != nil || len(got) != 1 || got[0]["id"] != "19" {
		t.Errorf("got %v, %v", got, err)
	}
}
