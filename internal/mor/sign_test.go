package mor

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/mor-operator/mor-operator/internal/morsim"
)

func TestSign(t *testing.T) {
	const (
		sha1Of19secret    = "e6814e1e8cef14c16793818fa94715e62de66044" // contract vector
		sha1Of3secret     = "7f544a3f166563efce4dc5da5425cdd0d7a41634" // contract vector
		sha1OfSecret      = "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4" // contract vector
		sha1Of7secret     = "c1b046000bef3cde3ab96dc8f51d516878a29432"
		sha1OfAdminSecret = "69590c5075137e4e42658c15f8f73d982e76b056" // sha1("admin" + "secret")
	)
	tests := []struct {
		name   string
		method *Method
		params Fields
		key    string
		want   string
	}{
		{"contract: location_rule_update id 19", LocationRuleUpdate, Fields{"location_rule_id": "19"}, "secret", sha1Of19secret},
		{"contract: did_rates_details_update did 3", DIDRatesDetailsUpdate, Fields{"did_id": "3"}, "secret", sha1Of3secret},
		{"contract: conflines_update key only", ConflinesUpdate, nil, "secret", sha1OfSecret},
		{"conflines_update ignores its parameters", ConflinesUpdate, Fields{"default_user_credit": "-1", "allow_api": "1"}, "secret", sha1OfSecret},
		{"system_version_get key only", SystemVersionGet, Fields{"u": "admin"}, "secret", sha1OfSecret},
		{"did_rates_details_get", DIDRatesDetailsGet, Fields{"did_id": "7"}, "secret", sha1Of7secret},
		{"did_rates_details_update ignores other params", DIDRatesDetailsUpdate, Fields{"did_id": "3", "owner_tariff_id": "4", "u": "admin"}, "secret", sha1Of3secret},
		{"location_rule_create signs location_id", LocationRuleCreate, Fields{"location_id": "7", "name": "x", "location_rule_id": "19"}, "secret", sha1Of7secret},
		{"location_rule_get", LocationRuleGet, Fields{"location_rule_id": "19"}, "secret", sha1Of19secret},
		{"location_rule_delete", LocationRuleDelete, Fields{"location_rule_id": "19", "location_id": "7"}, "secret", sha1Of19secret},
		{"location_rules_get signs location_id only", LocationRulesGet, Fields{"location_id": "7", "from": "100", "max_results": "100"}, "secret", sha1Of7secret},
		{"tariffs_get signs u", TariffsGet, Fields{"u": "admin"}, "secret", sha1OfAdminSecret},
		{"lcrs_get signs u, not s_name", LCRsGet, Fields{"u": "admin", "s_name": "Twin"}, "secret", sha1OfAdminSecret},
		{"dids_get signs the key only", DIDsGet, Fields{"u": "admin", "search_did_number": "370", "from": "1", "max_results": "100"}, "secret", sha1OfSecret},
		{"absent hash parameter contributes empty", LocationRuleUpdate, nil, "secret", sha1OfSecret},
		{"empty hash parameter contributes empty", LocationRuleUpdate, Fields{"location_rule_id": ""}, "secret", sha1OfSecret},
		{"unknown method signs the key only", &Method{name: "no_such_method"}, Fields{"id": "1"}, "secret", sha1OfSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sign(tt.method, tt.params, tt.key); got != tt.want {
				t.Errorf("Sign(%s, %v, %q) = %s, want %s", tt.method, tt.params, tt.key, got, tt.want)
			}
		})
	}
}

// TestSimulatorAcceptsClientSignatures: for every method of the table and every kind
// of caller, the simulator's independent hash check accepts what the client signs (u
// included where it is a hash parameter). Whatever else MOR answers is not the point.
func TestSimulatorAcceptsClientSignatures(t *testing.T) {
	values := map[string]string{"did_id": "3", "location_id": "1", "location_rule_id": "1"}
	for _, caller := range []struct{ user, key string }{
		{"admin", morsim.DefaultAdminSecret},
		{"accountant", morsim.DefaultAdminSecret},
		{"reseller", morsim.DefaultResellerSecret},
	} {
		srv := httptest.NewServer(morsim.New(morsim.DefaultSeed()))
		t.Cleanup(srv.Close)
		c, err := New(Config{BaseURL: srv.URL + "/billing", Username: caller.user, SecretKey: caller.key, QPS: 1e6, Burst: 1e6})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range Methods() {
			if m == ConflinesUpdate && caller.user == "reseller" {
				continue // always checked against the admin's key
			}
			params := Fields{}
			for _, p := range m.hashParams {
				if p != "u" {
					params[p] = values[p]
				}
			}
			_, err := c.call(context.Background(), m, params)
			if ClassOf(err) == Authentication && err.(*Error).Text != "Access Denied" {
				t.Errorf("%s as %s: %v", m, caller.user, err)
			}
		}
	}
}
