package mor_test

import (
	"context"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

// simClient serves seed from a simulator over real HTTP and returns it with a client
// signing as user.
func simClient(t *testing.T, seed morsim.Seed, user, key string) (*morsim.Server, *mor.Client) {
	t.Helper()
	sim := morsim.New(seed)
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	c, err := mor.New(mor.Config{BaseURL: srv.URL + "/billing", Username: user, SecretKey: key, QPS: 1e6, Burst: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

// TestLookupNamesRoundTrip: a tariff or LCR name reads back from the lookups exactly as
// MOR stores it, and lcrs_get's s_name finds exactly that LCR.
func TestLookupNamesRoundTrip(t *testing.T) {
	sim, c := simClient(t, morsim.DefaultSeed(), "admin", morsim.DefaultAdminSecret)
	ctx := context.Background()
	for label, name := range roundTripNames {
		t.Run(label, func(t *testing.T) {
			sim.Update(func(st *morsim.State) {
				st.Tariffs[2].Name = name
				st.LCRs[2].Name = name
			})
			tariffs, err := c.ListTariffs(ctx)
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(tariffs, func(x mor.Tariff) bool { return x.ID == 2 })
			if i < 0 || tariffs[i].Name != name || tariffs[i].Purpose != mor.PurposeUser || tariffs[i].Currency != "EUR" {
				t.Fatalf("tariff 2 read as %+v, MOR holds %q", tariffs[i], name)
			}
			lcrs, err := c.ListLCRs(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if len(lcrs) != 1 || lcrs[0].ID != 2 || lcrs[0].Name != name {
				t.Fatalf("lcrs_get s_name=%q: %+v, want LCR 2 alone", name, lcrs)
			}
		})
	}
}

// TestLookupsOverSimulator: what each lookup lists for each caller, "none" as an empty
// result, MOR's refusals verbatim, and DIDs paged and searched.
func TestLookupsOverSimulator(t *testing.T) {
	ctx := context.Background()
	_, admin := simClient(t, morsim.DefaultSeed(), "admin", morsim.DefaultAdminSecret)
	tariffs, err := admin.ListTariffs(ctx)
	if err != nil || len(tariffs) != 10 {
		t.Fatalf("admin's tariffs: %d, %v", len(tariffs), err)
	}
	if lcrs, err := admin.ListLCRs(ctx, "Twin"); err != nil || len(lcrs) != 2 || lcrs[0].ID != 5 || lcrs[1].ID != 6 {
		t.Fatalf("LCRs named Twin: %+v, %v", lcrs, err)
	}
	if lcrs, err := admin.ListLCRs(ctx, "No such LCR"); err != nil || len(lcrs) != 0 {
		t.Fatalf("LCRs of a name MOR lacks: %+v, %v; want none and no error", lcrs, err)
	}
	if dids, err := admin.ListDIDs(ctx, "12025550105"); err != nil || len(dids) != 1 || dids[0].ID != 5 || dids[0].Reseller != "reseller" {
		t.Fatalf("DID 12025550105: %+v, %v", dids, err)
	}
	if dids, err := admin.ListDIDs(ctx, "999"); err != nil || len(dids) != 0 {
		t.Fatalf("DIDs of a number MOR lacks: %+v, %v; want none and no error", dids, err)
	}

	_, reseller := simClient(t, morsim.DefaultSeed(), "reseller", morsim.DefaultResellerSecret)
	if tariffs, err := reseller.ListTariffs(ctx); err != nil || len(tariffs) != 1 || tariffs[0].Name != "Reseller retail" {
		t.Fatalf("reseller's tariffs: %+v, %v", tariffs, err)
	}

	empty := morsim.DefaultSeed()
	empty.Tariffs, empty.LCRs, empty.DIDs = nil, nil, nil
	_, c := simClient(t, empty, "admin", morsim.DefaultAdminSecret)
	if l, err := c.ListTariffs(ctx); err != nil || l != nil {
		t.Errorf("no tariffs: %v, %v", l, err)
	}
	if l, err := c.ListLCRs(ctx, ""); err != nil || l != nil {
		t.Errorf("no LCRs: %v, %v", l, err)
	}
	if l, err := c.ListDIDs(ctx, ""); err != nil || l != nil {
		t.Errorf("no DIDs: %v, %v", l, err)
	}

	denied := morsim.DefaultSeed()
	denied.Users["reseller"].Unauthorized = []string{"tariffs_get"}
	_, c = simClient(t, denied, "reseller", morsim.DefaultResellerSecret)
	_, err = c.ListTariffs(ctx)
	if mor.ClassOf(err) != mor.Rejected || err.Error() != "MOR tariffs_get: You are not authorized to use this functionality" {
		t.Errorf("denied: %v, want Rejected with MOR's text", err)
	}
	_, c = simClient(t, morsim.DefaultSeed(), "nobody", morsim.DefaultAdminSecret)
	if _, err := c.ListLCRs(ctx, ""); mor.ClassOf(err) != mor.Authentication || err.Error() != "MOR lcrs_get: Access Denied" {
		t.Errorf("unknown user: %v, want Authentication with MOR's text", err)
	}

	_, c = simClient(t, morsim.ScaleSeed(morsim.Scale{DIDs: 250}), "admin", morsim.DefaultAdminSecret)
	all, err := c.ListDIDs(ctx, "")
	if err != nil || len(all) != 255 {
		t.Fatalf("all DIDs: %d, %v", len(all), err)
	}
	for i, d := range all[5:] {
		if d.ID != int64(morsim.ScaleDIDBase+1+i) {
			t.Fatalf("DID %d has id %d, want them in id order", i+5, d.ID)
		}
	}
	if some, err := c.ListDIDs(ctx, "3709000001"); err != nil || len(some) != 10 { // 10..19: a partial match
		t.Fatalf("DIDs matching 3709000001: %d, %v", len(some), err)
	}
}

// TestSameNamesDifferentIDs: two MORs can hold the same names under different ids, and
// each lists its own.
func TestSameNamesDifferentIDs(t *testing.T) {
	other := morsim.DefaultSeed()
	st := &other.State
	st.Tariffs, st.LCRs, st.DIDs = rekey(st.Tariffs, func(x *morsim.Tariff) *int64 { return &x.ID }),
		rekey(st.LCRs, func(x *morsim.LCR) *int64 { return &x.ID }),
		rekey(st.DIDs, func(x *morsim.DID) *int64 { return &x.ID })
	var refs []*int64 // keep the seed consistent
	for _, r := range st.Rules {
		refs = append(refs, &r.TariffID, &r.LcrID, &r.DidID)
	}
	for _, d := range st.DIDs {
		refs = append(refs, &d.ProviderTariffID, &d.OwnerTariffID)
	}
	for _, id := range refs {
		if *id != 0 {
			*id += 100
		}
	}
	ctx := context.Background()
	ids := func(seed morsim.Seed) (tariff, lcr, did int64) {
		_, c := simClient(t, seed, "admin", morsim.DefaultAdminSecret)
		tariffs, err := c.ListTariffs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range tariffs {
			if x.Name == "Zürich & 東京 retail" {
				tariff = x.ID
			}
		}
		lcrs, err := c.ListLCRs(ctx, "Zürich & 東京 LCR")
		if err != nil || len(lcrs) != 1 {
			t.Fatalf("%+v, %v", lcrs, err)
		}
		dids, err := c.ListDIDs(ctx, "37060000003")
		if err != nil || len(dids) != 1 {
			t.Fatalf("%+v, %v", dids, err)
		}
		return tariff, lcrs[0].ID, dids[0].ID
	}
	t1, l1, d1 := ids(morsim.DefaultSeed())
	t2, l2, d2 := ids(other)
	if t1 != 9 || l1 != 4 || d1 != 3 || t2 != 109 || l2 != 104 || d2 != 103 {
		t.Fatalf("staging %d %d %d, production %d %d %d", t1, l1, d1, t2, l2, d2)
	}
}

// rekey moves every entity of m to id + 100.
func rekey[T any](m map[int64]*T, id func(*T) *int64) map[int64]*T {
	out := make(map[int64]*T, len(m))
	for k, v := range m {
		*id(v) = k + 100
		out[k+100] = v
	}
	return out
}
