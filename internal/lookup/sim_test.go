package lookup_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/mor-operator/mor-operator/internal/lookup"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

var _ lookup.Lister = (*mor.Client)(nil)

// TestResolveOverSimulator: the default seed's names resolve through the real client
// and simulator, at one MOR read per lookup for all of them.
func TestResolveOverSimulator(t *testing.T) {
	sim := morsim.New(morsim.DefaultSeed())
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c, err := mor.New(mor.Config{BaseURL: srv.URL + "/billing", Username: "admin", SecretKey: morsim.DefaultAdminSecret, QPS: 1e6, Burst: 1e6})
	if err != nil {
		t.Fatal(err)
	}
	cache := lookup.New(c, time.Hour)
	ctx := context.Background()
	for _, tt := range []struct {
		kind lookup.Kind
		name string
		want int64
		err  error
	}{
		{lookup.ProviderTariff, "Standard", 7, nil},
		{lookup.Tariff, "Standard", 8, nil},
		{lookup.Tariff, "Zürich & 東京 retail", 9, nil},
		{lookup.Tariff, "Promo", 0, &lookup.Ambiguous{Kind: lookup.Tariff, Name: "Promo", IDs: []int64{10, 11}}},
		{lookup.Tariff, "Reseller retail", 0, &lookup.NotFound{Kind: lookup.Tariff, Name: "Reseller retail"}}, // the reseller's
		{lookup.LCR, "Zürich & 東京 LCR", 4, nil},
		{lookup.LCR, "Twin", 0, &lookup.Ambiguous{Kind: lookup.LCR, Name: "Twin", IDs: []int64{5, 6}}},
		{lookup.DID, "37060000003", 3, nil},
		{lookup.DID, "3706000000", 0, &lookup.NotFound{Kind: lookup.DID, Name: "3706000000"}},
	} {
		got, err := cache.Resolve(ctx, tt.kind, tt.name)
		if got != tt.want || !reflect.DeepEqual(err, tt.err) {
			t.Errorf("Resolve(%v, %q) = %d, %v; want %d, %v", tt.kind, tt.name, got, err, tt.want, tt.err)
		}
	}
	if got := sim.Counters().Methods; len(got) != 3 || got["tariffs_get"].Total != 1 || got["lcrs_get"].Total != 1 || got["dids_get"].Total != 1 {
		t.Errorf("MOR reads %+v, want one of each lookup", got)
	}

	// MOR's refusal comes back as MOR's error, verbatim.
	sim.Update(func(st *morsim.State) { st.Users["admin"].Unauthorized = []string{"lcrs_get"} })
	cache = lookup.New(c, time.Hour)
	_, err = cache.Resolve(ctx, lookup.LCR, "Primary")
	var e *mor.Error
	if !errors.As(err, &e) || e.Text != "You are not authorized to use this functionality" || e.Class != mor.Rejected {
		t.Errorf("err = %v, want MOR's refusal", err)
	}
}
