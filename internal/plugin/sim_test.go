package plugin

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

// handNames are rule names as people type them in MOR's GUI. Names with spaces at
// their ends are seeded too: values round-trip exactly.
var handNames = []string{
	"UK mobile", "Zürich & Genève", "東京 → local", "a=b&c=d", "+44 to 0044", "Ñandú 50%",
	"Fax/Modem (old)", "emoji 📞 line", "tab\tinside", "quotes \"x\" and 'y'", "#hash: yes",
	"- dash first", "yes", "null", "123", "  leading", "trailing  ", " both ",
}

// handSeed is the default seed's reference data with n hand-made rules in locations
// 1-3 (and a few in the reseller's location 4, which admin must not see).
func handSeed(n int) morsim.Seed {
	seed := morsim.DefaultSeed()
	seed.Rules = map[int64]*morsim.Rule{}
	for i := int64(1); i <= int64(n); i++ {
		r := &morsim.Rule{
			ID: i * 3, LocationID: (i-1)%3 + 1, Name: fmt.Sprintf("%s %d", handNames[i%int64(len(handNames))], i),
			Enabled: int(i % 2), LrType: []string{"dst", "src", "combined"}[i%3],
			Cut: fmt.Sprintf("00%d", i), Add: []string{"+", "", "+44", "0#", "*9"}[i%5],
			MinLen: int(i % 10), MaxLen: 99, SrcCut: []string{"", "8"}[i%2], SrcAdd: []string{"", "370"}[(i/2)%2],
			SrcMinLen: 1, SrcMaxLen: 99, ChangeCallerIDName: int(i/3) % 2,
		}
		switch i % 4 { // unassigned ids (0) in most rules
		case 1:
			r.TariffID = 2
		case 2:
			r.LcrID, r.DeviceID, r.DidID = 1, 2, 3
		}
		if i%7 == 0 {
			r.Name = strings.TrimSpace(handNames[i%int64(len(handNames))]) // exact duplicate names across ids
		}
		seed.Rules[r.ID] = r
	}
	for i := int64(1); i <= 3; i++ {
		id := int64(n)*3 + i
		seed.Rules[id] = &morsim.Rule{ID: id, LocationID: 4, Name: "reseller's", LrType: "dst", Cut: "1", MaxLen: 99, SrcMaxLen: 99}
	}
	seed.NextRuleID = int64(n)*3 + 10
	return seed
}

// newSim serves seed in-process and returns it with a client signed with the admin's key.
func newSim(t testing.TB, seed morsim.Seed, qps float64) (*morsim.Server, *mor.Client, string) {
	t.Helper()
	sim := morsim.New(seed)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := mor.New(mor.Config{BaseURL: srv.URL + "/billing", Username: "admin", SecretKey: morsim.DefaultAdminSecret, QPS: qps, Burst: 10})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c, srv.URL + "/billing"
}

func exportString(t testing.TB, api MOR, o ExportOptions) string {
	t.Helper()
	docs, _, err := Export(context.Background(), api, o)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteStream(&b, docs); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
