package mor

import "testing"

func TestSupports(t *testing.T) {
	for _, tc := range []struct {
		version, method string
		ok              bool
		needed          string
	}{
		{"X17", "did_rates_details_get", true, "X17"},
		{"X17.1.3", "did_rates_details_update", true, "X17"},
		{"MOR X16", "did_rates_details_get", false, "X17"},
		{"x14", "location_rule_update", true, "X14"},
		{"X13", "location_rule_update", false, "X14"},
		{"12.0.26", "location_rule_update", false, "X14"},
		{"X2", "location_rule_get", true, ""}, // not listed: every version has it
		{"", "did_rates_details_get", true, ""},
		{"unknown build", "did_rates_details_get", true, ""}, // unrecognised: let MOR answer
	} {
		ok, needed := Supports(tc.version, tc.method)
		if ok != tc.ok || needed != tc.needed {
			t.Errorf("Supports(%q, %s) = %v, %q; want %v, %q", tc.version, tc.method, ok, needed, tc.ok, tc.needed)
		}
	}
}
