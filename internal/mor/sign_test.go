package mor

import "testing"

func TestSign(t *testing.T) {
	const (
		sha1Of19secret = "e6814e1e8cef14c16793818fa94715e62de66044" // contract vector
		sha1Of3secret  = "7f544a3f166563efce4dc5da5425cdd0d7a41634" // contract vector
		sha1OfSecret   = "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4" // contract vector
		sha1Of7secret  = "c1b046000bef3cde3ab96dc8f51d516878a29432"
	)
	tests := []struct {
		name   string
		method string
		params Fields
		key    string
		want   string
	}{
		{"contract: location_rule_update id 19", "location_rule_update", Fields{"location_rule_id": "19"}, "secret", sha1Of19secret},
		{"contract: did_rates_details_update did 3", "did_rates_details_update", Fields{"did_id": "3"}, "secret", sha1Of3secret},
		{"contract: conflines_update key only", "conflines_update", nil, "secret", sha1OfSecret},
		{"conflines_update ignores its parameters", "conflines_update", Fields{"default_user_credit": "-1", "allow_api": "1"}, "secret", sha1OfSecret},
		{"system_version_get key only", "system_version_get", Fields{"u": "admin"}, "secret", sha1OfSecret},
		{"did_rates_details_get", "did_rates_details_get", Fields{"did_id": "7"}, "secret", sha1Of7secret},
		{"did_rates_details_update ignores other params", "did_rates_details_update", Fields{"did_id": "3", "owner_tariff_id": "4", "u": "admin"}, "secret", sha1Of3secret},
		{"location_rule_create signs location_id", "location_rule_create", Fields{"location_id": "7", "name": "x", "location_rule_id": "19"}, "secret", sha1Of7secret},
		{"location_rule_get", "location_rule_get", Fields{"location_rule_id": "19"}, "secret", sha1Of19secret},
		{"location_rule_delete", "location_rule_delete", Fields{"location_rule_id": "19", "location_id": "7"}, "secret", sha1Of19secret},
		{"location_rules_get signs location_id only", "location_rules_get", Fields{"location_id": "7", "from": "100", "max_results": "100"}, "secret", sha1Of7secret},
		{"absent hash parameter contributes empty", "location_rule_update", nil, "secret", sha1OfSecret},
		{"empty hash parameter contributes empty", "location_rule_update", Fields{"location_rule_id": ""}, "secret", sha1OfSecret},
		{"unknown method signs the key only", "no_such_method", Fields{"id": "1"}, "secret", sha1OfSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Sign(tt.method, tt.params, tt.key); got != tt.want {
				t.Errorf("Sign(%q, %v, %q) = %s, want %s", tt.method, tt.params, tt.key, got, tt.want)
			}
		})
	}
}

// Every method the client calls must have an entry in the one signing table.
func TestHashParamsCoverEveryMethod(t *testing.T) {
	for _, m := range []string{
		methodSystemVersionGet, methodConflinesUpdate, methodDIDRatesDetailsGet,
		methodDIDRatesDetailsUpdate, methodLocationRuleCreate, methodLocationRuleGet,
		methodLocationRuleUpdate, methodLocationRuleDelete, methodLocationRulesGet,
	} {
		if !knownMethod(m) {
			t.Errorf("hashParams has no entry for %s", m)
		}
	}
	if len(hashParams) != 9 {
		t.Errorf("hashParams has %d methods, want the 9 of the contract", len(hashParams))
	}
}
