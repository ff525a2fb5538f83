package plugin

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mor-operator/mor-operator/internal/morsim"
)

// namesSeed holds references of every kind: unique names (unicode included), names two
// objects share, a provider tariff where a rule's tariff is asked, an id no lookup
// shows, and the ids that are conventions (-1 unassigned, 0 "None").
func namesSeed() morsim.Seed {
	seed := morsim.DefaultSeed()
	r := seed.Rules
	r[11].TariffID = 10                                              // "Promo": 10 and 11
	r[12].LcrID = 5                                                  // "Twin": 5 and 6
	r[13].TariffID = 7                                               // "Standard", of purpose provider
	r[14].TariffID, r[14].LcrID = 8, 4                               // "Standard" (user), "Zürich & 東京 LCR"
	r[15].TariffID = 99                                              // no such tariff
	seed.DIDs[1].ProviderTariffID, seed.DIDs[1].OwnerTariffID = 7, 8 // both "Standard"
	return seed
}

// TestExportNames: a reference is written by name when the name resolves back to its
// id on this MOR, else by id with a comment saying why; --ids keeps ids; a lookup MOR
// refuses leaves its ids, with MOR's answer in a warning; each lookup is read once.
func TestExportNames(t *testing.T) {
	const refused = `tariffs_get: MOR answered "You are not authorized to use this functionality"; the references it would name are exported as ids`
	for _, tt := range []struct {
		name    string
		ids     bool
		deny    []string
		want    map[string][]string // document (rule id or DID) → lines it holds
		absent  []string
		warning string
	}{
		{name: "names", want: map[string][]string{
			"rule 1":  {"  tariffID: -1\n", "  lcrID: -1\n", "  didID: -1\n", "  deviceID: -1\n"},
			"rule 2":  {"  tariffName: Retail\n"},
			"rule 9":  {"  tariffName: Wholesale\n", "  lcrName: Backup\n", "  didNumber: \"37060000002\"\n", "  deviceID: 3\n"},
			"rule 11": {"# tariffID 10: 2 tariffs are named \"Promo\" on this MOR (ids 10, 11)\n", "  tariffID: 10\n"},
			"rule 12": {"# lcrID 5: 2 LCRs are named \"Twin\" on this MOR (ids 5, 6)\n", "  lcrID: 5\n"},
			"rule 13": {"# tariffID 7: MOR's tariffs_get shows 7 as a provider tariff, not a tariff\n", "  tariffID: 7\n"},
			"rule 14": {"  tariffName: Standard\n", "  lcrName: Zürich & 東京 LCR\n"},
			"rule 15": {"# tariffID 99: MOR's tariffs_get shows no tariff of id 99\n", "  tariffID: 99\n"},
			"DID 1":   {"  didNumber: \"37060000001\"\n", "  providerTariffName: Standard\n", "  ownerTariffName: Standard\n"},
			"DID 2":   {"  ownerTariffID: 0\n", "  providerTariffName: Provider A\n"},
		}, absent: []string{"didID: 1\n", "tariffID: 2\n"}},
		{name: "--ids", ids: true, want: map[string][]string{
			"rule 2":  {"  tariffID: 2\n"},
			"rule 14": {"  tariffID: 8\n", "  lcrID: 4\n"},
			"DID 1":   {"  didID: 1\n", "  providerTariffID: 7\n", "  ownerTariffID: 8\n"},
		}, absent: []string{"tariffName:", "lcrName:", "didNumber:", "# tariffID"}},
		{name: "tariffs refused", deny: []string{"tariffs_get"}, warning: refused, want: map[string][]string{
			"rule 2":  {"  tariffID: 2\n"},
			"rule 14": {"  tariffID: 8\n", "  lcrName: Zürich & 東京 LCR\n"},
			"DID 1":   {"  didNumber: \"37060000001\"\n", "  providerTariffID: 7\n", "  ownerTariffID: 8\n"},
		}, absent: []string{"tariffName:", "TariffName:"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sim, api, _ := newSim(t, namesSeed(), 1e6)
			sim.Update(func(st *morsim.State) { st.Users["admin"].Unauthorized = tt.deny })
			docs, warnings, err := Export(context.Background(), api, ExportOptions{DIDs: []int64{1, 2}, IDs: tt.ids})
			if err != nil {
				t.Fatal(err)
			}
			byWhat := map[string]string{}
			all := ""
			for _, d := range docs {
				y := string(d.YAML)
				all += y
				var what string
				if _, err := fmt.Sscanf(y[strings.Index(y, "MOR "):], "MOR rule %s", &what); err == nil {
					byWhat["rule "+what] = y
				} else if _, err := fmt.Sscanf(y[strings.Index(y, "MOR "):], "MOR DID %s", &what); err == nil {
					byWhat["DID "+strings.TrimSuffix(what, ",")] = y
				}
			}
			for what, lines := range tt.want {
				for _, l := range lines {
					if !strings.Contains(byWhat[what], l) {
						t.Errorf("%s lacks %q:\n%s", what, l, byWhat[what])
					}
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(all, s) {
					t.Errorf("the export holds %q", s)
				}
			}
			if tt.warning != "" && !slices.Contains(warnings, tt.warning) || tt.warning == "" && len(warnings) > 0 {
				t.Errorf("warnings %q, want only %q", warnings, tt.warning)
			}
			reads := map[string]int{}
			for _, r := range sim.Requests() {
				reads[r.Method]++
			}
			for _, m := range []string{"tariffs_get", "lcrs_get", "dids_get"} {
				if want := map[bool]int{false: 1}[tt.ids]; reads[m] != want {
					t.Errorf("%s read %d times, want %d", m, reads[m], want)
				}
			}
		})
	}
}
