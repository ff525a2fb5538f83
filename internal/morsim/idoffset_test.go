package morsim

import (
	"fmt"
	"maps"
	"slices"
	"testing"
)

// TestOffsetIDs checks that an offset seed holds the same names under other ids, and
// that every reference still points at the object of the same name.
func TestOffsetIDs(t *testing.T) {
	const offset = 1000
	before := DefaultSeed().State
	before.Conflines["admin"] = map[string]string{"default_user_tariff_id": "2", "default_user_currency": "EUR"}
	after := DefaultSeed().State
	after.Conflines["admin"] = map[string]string{"default_user_tariff_id": "2", "default_user_currency": "EUR"}
	after.OffsetIDs(offset)

	if err := validate(&after); err != nil {
		t.Fatalf("the offset seed is not valid: %v", err)
	}
	names := func(st State) map[string]string { // what each id stands for, by kind and name
		out := map[string]string{}
		for id, v := range st.Tariffs {
			out[fmt.Sprintf("tariff %d", id)] = v.Name + "/" + v.Purpose
		}
		for id, v := range st.LCRs {
			out[fmt.Sprintf("lcr %d", id)] = v.Name
		}
		for id, v := range st.DIDs {
			out[fmt.Sprintf("did %d", id)] = v.Number
		}
		return out
	}
	was, is := names(before), names(after)
	if len(was) != len(is) || len(before.Rules) != len(after.Rules) {
		t.Fatalf("%d objects before, %d after", len(was), len(is))
	}
	for key, name := range was {
		var kind string
		var id int64
		if _, err := fmt.Sscanf(key, "%s %d", &kind, &id); err != nil {
			t.Fatal(err)
		}
		if got := is[fmt.Sprintf("%s %d", kind, id+offset)]; got != name {
			t.Errorf("%s %d is %q after the offset, want %q", kind, id+offset, got, name)
		}
	}

	// Each reference names the same object as before (0, "none", stays 0).
	moved := func(was, is int64) bool { return (was == 0 && is == 0) || (was > 0 && is == was+offset) }
	for _, id := range slices.Sorted(maps.Keys(before.DIDs)) {
		b, a := before.DIDs[id], after.DIDs[id+offset]
		if !moved(b.ProviderTariffID, a.ProviderTariffID) || !moved(b.OwnerTariffID, a.OwnerTariffID) {
			t.Errorf("DID %d: tariffs %d/%d became %d/%d", id, b.ProviderTariffID, b.OwnerTariffID, a.ProviderTariffID, a.OwnerTariffID)
		}
	}
	if after.NextRuleID != before.NextRuleID+offset {
		t.Errorf("the next rule gets id %d, want %d", after.NextRuleID, before.NextRuleID+offset)
	}
	for id, b := range before.Rules {
		a := after.Rules[id+offset]
		if a == nil || a.LocationID != b.LocationID || !moved(b.TariffID, a.TariffID) || !moved(b.LcrID, a.LcrID) || !moved(b.DidID, a.DidID) || a.DeviceID != b.DeviceID {
			t.Errorf("rule %d: %+v became %+v", id, b, a)
		}
	}
	if got := after.Conflines["admin"]; got["default_user_tariff_id"] != "1002" || got["default_user_currency"] != "EUR" {
		t.Errorf("conflines %v", got)
	}
	if !maps.EqualFunc(before.Locations, after.Locations, func(a, b *Location) bool { return *a == *b }) {
		t.Error("locations changed: specs give them by id, so they must keep their ids")
	}
}
