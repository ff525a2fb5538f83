package morsim

import (
	"testing"
)

// TestVersionsGateMethods: an older MOR answers the methods it lacks as unknown, and
// reports its version.
func TestVersionsGateMethods(t *testing.T) {
	calls := []struct {
		method string
		params map[string]string
	}{
		{"location_rule_get", map[string]string{"location_rule_id": "1"}},
		{"location_rule_update", map[string]string{"location_rule_id": "1", "name": "x"}},
		{"did_rates_details_get", map[string]string{"did_id": "3"}},
	}
	for _, tc := range []struct {
		version string
		has     []bool // per call above
	}{
		{"", []bool{true, true, true}}, // X17
		{"X17.1", []bool{true, true, true}},
		{"X16", []bool{true, true, false}},
		{"X13", []bool{true, false, false}},
		{"12.0.26", []bool{true, false, false}},
	} {
		t.Run("version "+tc.version, func(t *testing.T) {
			e := newEnv(t)
			e.sim.Update(func(st *State) { st.Version = tc.version })
			want := tc.version
			if want == "" {
				want = Version
			}
			if got := fields(t, e.admin("system_version_get", nil).body, "page")["version"]; got != want {
				t.Fatalf("system_version_get = %q, want %q", got, want)
			}
			for i, c := range calls {
				r := e.admin(c.method, c.params)
				ok, text := outcome(t, r.body)
				if has := text != TextUnknownMethod; has != tc.has[i] {
					t.Errorf("%s on %q: answered (ok=%v) %q, has method = %v, want %v", c.method, tc.version, ok, text, has, tc.has[i])
				}
			}
		})
	}
}
