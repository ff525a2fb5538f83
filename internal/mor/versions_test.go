package mor

import "testing"

func TestSupports(t *testing.T) {
	for _, tc := range []struct {
		version string
		method  *Method
		ok      bool
		needed  string
	}{
		{"X17", DIDRatesDetailsGet, true, "X17"},
		{"X17.1.3", DIDRatesDetailsUpdate, true, "X17"},
		{"MOR X16", DIDRatesDetailsGet, false, "X17"},
		{"x14", LocationRuleUpdate, true, "X14"},
		{"X13", LocationRuleUpdate, false, "X14"},
		{"12.0.26", LocationRuleUpdate, false, "X14"},
		{"X2", LocationRuleGet, true, ""}, // not listed: every version has it
		{"", DIDRatesDetailsGet, true, ""},
		{"unknown build", DIDRatesDetailsGet, true, ""}, // unrecognised: let MOR answer
	} {
		ok, needed := Supports(tc.version, tc.method)
		if ok != tc.ok || needed != tc.needed {
			t.Errorf("Supports(%q, %s) = %v, %q; want %v, %q", tc.version, tc.method, ok, needed, tc.ok, tc.needed)
		}
	}
}
