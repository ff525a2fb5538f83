package morsim

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"

	"sigs.k8s.io/yaml"
)

// DefaultAdminSecret is the admin's API secret key in DefaultSeed.
const DefaultAdminSecret = "admin-secret"

// DefaultResellerSecret is the reseller's API secret key in DefaultSeed.
const DefaultResellerSecret = "reseller-secret"

// DefaultSeed is the reference data tests and the demo start from:
//
//   - users "admin" (key DefaultAdminSecret), "accountant" (of admin, no key of its own),
//     "reseller" (key DefaultResellerSecret); every setting off (API on, GET not
//     allowed, hash checking on, text/html answers);
//   - locations 1-3 owned by admin, location 4 owned by reseller;
//   - rules 1-20 in locations 1-3 (NextRuleID 21), none in location 4;
//   - tariffs 1-11: 1 provider, 2 user, 3 provider, 4 user_wholesale (admin's),
//     5 user (reseller's), 6 provider (admin's); for lookups by name, all admin's:
//     "Standard" twice (7 provider, 8 user: unique within each purpose group),
//     "Zürich & 東京 retail" (9 user), "Promo" twice (10 user, 11 user_wholesale:
//     ambiguous among the non-provider tariffs); each with a currency;
//   - DIDs 1-5: 1-4 admin's, 5 reseller's; DID 3 has the rate details of the contract's
//     example (provider tariff 3, reject 1, owner tariff 4, reject 1);
//   - LCRs 1-6 (3 is reseller's; 4 "Zürich & 東京 LCR"; 5 and 6 both "Twin"), devices 1-5 (5 is reseller's), quick-forward rules
//     1-2 (2 is reseller's);
//   - currencies and Rails time-zone names.
func DefaultSeed() Seed {
	st := State{
		Users: map[string]*User{
			"admin":      {Username: "admin", Role: RoleAdmin, SecretKey: DefaultAdminSecret},
			"accountant": {Username: "accountant", Role: RoleAccountant, Owner: "admin"},
			"reseller":   {Username: "reseller", Role: RoleReseller, SecretKey: DefaultResellerSecret},
		},
		Conflines: map[string]map[string]string{},
		Locations: map[int64]*Location{
			1: {ID: 1, Name: "Global", Owner: "admin"},
			2: {ID: 2, Name: "Europe", Owner: "admin"},
			3: {ID: 3, Name: "Americas", Owner: "admin"},
			4: {ID: 4, Name: "Reseller location", Owner: "reseller"},
		},
		Rules: map[int64]*Rule{},
		DIDs: map[int64]*DID{
			1: {ID: 1, Number: "37060000001", Owner: "admin", ProviderTariffID: 1, OwnerTariffID: 2},
			2: {ID: 2, Number: "37060000002", Owner: "admin", ProviderTariffID: 1, OwnerTariffID: 0},
			3: {ID: 3, Number: "37060000003", Owner: "admin", ProviderTariffID: 3, AllowCallRejectProvider: 1, OwnerTariffID: 4, AllowCallReject: 1},
			4: {ID: 4, Number: "12025550104", Owner: "admin", ProviderTariffID: 6, OwnerTariffID: 2},
			5: {ID: 5, Number: "12025550105", Owner: "reseller", ProviderTariffID: 1, OwnerTariffID: 5},
		},
		Tariffs: map[int64]*Tariff{
			1:  {ID: 1, Name: "Provider A", Purpose: PurposeProvider, Currency: "EUR", Owner: "admin"},
			2:  {ID: 2, Name: "Retail", Purpose: PurposeUser, Currency: "EUR", Owner: "admin"},
			3:  {ID: 3, Name: "Provider B", Purpose: PurposeProvider, Currency: "USD", Owner: "admin"},
			4:  {ID: 4, Name: "Wholesale", Purpose: PurposeUserWholesale, Currency: "EUR", Owner: "admin"},
			5:  {ID: 5, Name: "Reseller retail", Purpose: PurposeUser, Currency: "EUR", Owner: "reseller"},
			6:  {ID: 6, Name: "Provider C", Purpose: PurposeProvider, Currency: "USD", Owner: "admin"},
			7:  {ID: 7, Name: "Standard", Purpose: PurposeProvider, Currency: "EUR", Owner: "admin"},
			8:  {ID: 8, Name: "Standard", Purpose: PurposeUser, Currency: "EUR", Owner: "admin"},
			9:  {ID: 9, Name: "Zürich & 東京 retail", Purpose: PurposeUser, Currency: "CHF", Owner: "admin"},
			10: {ID: 10, Name: "Promo", Purpose: PurposeUser, Currency: "EUR", Owner: "admin"},
			11: {ID: 11, Name: "Promo", Purpose: PurposeUserWholesale, Currency: "EUR", Owner: "admin"},
		},
		LCRs: map[int64]*LCR{
			1: {ID: 1, Name: "Primary", Owner: "admin"},
			2: {ID: 2, Name: "Backup", Owner: "admin"},
			3: {ID: 3, Name: "Reseller LCR", Owner: "reseller"},
			4: {ID: 4, Name: "Zürich & 東京 LCR", Owner: "admin"},
			5: {ID: 5, Name: "Twin", Owner: "admin"},
			6: {ID: 6, Name: "Twin", Owner: "admin"},
		},
		Devices: map[int64]*Device{
			1: {ID: 1, Name: "SIP trunk 1", Owner: "admin"},
			2: {ID: 2, Name: "SIP trunk 2", Owner: "admin"},
			3: {ID: 3, Name: "Office PBX", Owner: "admin"},
			4: {ID: 4, Name: "Test phone", Owner: "admin"},
			5: {ID: 5, Name: "Reseller phone", Owner: "reseller"},
		},
		QuickForwardRules: map[int64]*QuickForwardRule{
			1: {ID: 1, Name: "Forward to mobile", Owner: "admin"},
			2: {ID: 2, Name: "Reseller forward", Owner: "reseller"},
		},
		Currencies: []string{"USD", "EUR", "GBP", "CAD", "AUD", "CHF", "JPY", "SEK", "NOK", "DKK", "PLN", "CZK", "RUB", "INR", "BRL", "MXN", "ZAR"},
		TimeZones: []string{
			"UTC", "International Date Line West", "Hawaii", "Alaska",
			"Pacific Time (US & Canada)", "Mountain Time (US & Canada)", "Central Time (US & Canada)",
			"Eastern Time (US & Canada)", "Atlantic Time (Canada)", "Newfoundland", "Brasilia", "Buenos Aires",
			"London", "Dublin", "Lisbon", "Berlin", "Paris", "Madrid", "Rome", "Amsterdam", "Warsaw",
			"Vilnius", "Riga", "Tallinn", "Helsinki", "Kyiv", "Athens", "Istanbul", "Moscow", "Dubai",
			"Mumbai", "Kolkata", "Bangkok", "Beijing", "Singapore", "Tokyo", "Seoul", "Sydney", "Auckland",
		},
		NextRuleID: 21,
	}
	for i := int64(1); i <= 20; i++ {
		r := &Rule{
			ID: i, LocationID: (i-1)%3 + 1, Name: fmt.Sprintf("Seed rule %d", i), Enabled: 1,
			LrType: LrTypeDst, Cut: fmt.Sprintf("00%d", 30+i), Add: "+", MinLen: 1, MaxLen: 99,
			SrcMinLen: 1, SrcMaxLen: 99,
		}
		switch {
		case i%10 == 0: // 10, 20
			r.LrType, r.Cut, r.Add, r.SrcCut, r.SrcAdd = LrTypeSrc, "", "", "8", "370"
			r.MinLen, r.MaxLen = 1, 99
		case i%7 == 0: // 7, 14
			r.LrType, r.SrcCut, r.SrcAdd = LrTypeCombined, "0", "44"
			r.ChangeCallerIDName = 1
		}
		switch i {
		case 2:
			r.TariffID = 2
		case 3:
			r.LcrID = 1
		case 4:
			r.DeviceID = 1
		case 5:
			r.DidID = 1
		case 6:
			r.Enabled = 0
		case 8:
			r.MinLen, r.MaxLen = 8, 12
		case 9:
			r.TariffID, r.LcrID, r.DeviceID, r.DidID = 4, 2, 3, 2
		}
		st.Rules[i] = r
	}
	return Seed{State: st}
}

// LoadSeed reads a seed from a YAML (or JSON) file of the same structure as Seed, as
// written by `GET /_sim/state` or found in hack/morsim/seed.example.yaml. Unknown fields
// are errors. Values are taken literally (no defaults are filled in), except that ids
// and usernames left out inside an entry are taken from its map key, and NextRuleID is
// raised above the highest rule id.
func LoadSeed(path string) (Seed, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return Seed{}, err
	}
	var seed Seed
	if err := yaml.UnmarshalStrict(b, &seed); err != nil {
		return Seed{}, fmt.Errorf("seed %s: %w", path, err)
	}
	normalize(&seed.State)
	if err := validate(&seed.State); err != nil {
		return Seed{}, fmt.Errorf("seed %s: %w", path, err)
	}
	return seed, nil
}

// normalize makes every map non-nil, fills ids and usernames from map keys and raises
// NextRuleID above the highest rule id.
func normalize(st *State) {
	if st.Users == nil {
		st.Users = map[string]*User{}
	}
	if st.Conflines == nil {
		st.Conflines = map[string]map[string]string{}
	}
	st.Locations = normEntities(st.Locations, func(v *Location) *int64 { return &v.ID })
	st.Rules = normEntities(st.Rules, func(v *Rule) *int64 { return &v.ID })
	st.DIDs = normEntities(st.DIDs, func(v *DID) *int64 { return &v.ID })
	st.Tariffs = normEntities(st.Tariffs, func(v *Tariff) *int64 { return &v.ID })
	st.LCRs = normEntities(st.LCRs, func(v *LCR) *int64 { return &v.ID })
	st.Devices = normEntities(st.Devices, func(v *Device) *int64 { return &v.ID })
	st.QuickForwardRules = normEntities(st.QuickForwardRules, func(v *QuickForwardRule) *int64 { return &v.ID })
	for name, u := range st.Users {
		if u == nil {
			delete(st.Users, name)
			continue
		}
		if u.Username == "" {
			u.Username = name
		}
	}
	for id := range st.Rules {
		if id >= st.NextRuleID {
			st.NextRuleID = id + 1
		}
	}
	if st.NextRuleID < 1 {
		st.NextRuleID = 1
	}
}

func normEntities[T any](m map[int64]*T, id func(*T) *int64) map[int64]*T {
	if m == nil {
		return map[int64]*T{}
	}
	for k, v := range m {
		if v == nil {
			delete(m, k)
			continue
		}
		if p := id(v); *p == 0 {
			*p = k
		}
	}
	return m
}

// validate checks the references a seed must keep consistent.
func validate(st *State) error {
	var errs []error
	admins := 0
	for _, name := range sortedKeys(st.Users) {
		u := st.Users[name]
		if u.Username != name {
			errs = append(errs, fmt.Errorf("users[%s]: username %q differs from its key", name, u.Username))
		}
		for _, m := range u.Unauthorized {
			if methods[m] == nil {
				errs = append(errs, fmt.Errorf("users[%s]: unauthorized method %q is not an API method", name, m))
			}
		}
		switch u.Role {
		case RoleAdmin:
			admins++
		case RoleReseller:
		case RoleAccountant:
			if o := st.Users[u.Owner]; o == nil || o.Role != RoleAdmin {
				errs = append(errs, fmt.Errorf("users[%s]: an accountant's owner must be the admin, got %q", name, u.Owner))
			}
		default:
			errs = append(errs, fmt.Errorf("users[%s]: role %q is not admin, accountant or reseller", name, u.Role))
		}
	}
	if admins != 1 {
		errs = append(errs, fmt.Errorf("want exactly one user of role admin, got %d", admins))
	}
	owner := func(what string, id int64, o string) {
		if u := st.Users[o]; u == nil || u.Role == RoleAccountant {
			errs = append(errs, fmt.Errorf("%s[%d]: owner %q is not an admin or reseller user", what, id, o))
		}
	}
	checkIDs(&errs, "locations", st.Locations, func(v *Location) int64 { return v.ID })
	checkIDs(&errs, "rules", st.Rules, func(v *Rule) int64 { return v.ID })
	checkIDs(&errs, "dids", st.DIDs, func(v *DID) int64 { return v.ID })
	checkIDs(&errs, "tariffs", st.Tariffs, func(v *Tariff) int64 { return v.ID })
	checkIDs(&errs, "lcrs", st.LCRs, func(v *LCR) int64 { return v.ID })
	checkIDs(&errs, "devices", st.Devices, func(v *Device) int64 { return v.ID })
	checkIDs(&errs, "quickForwardRules", st.QuickForwardRules, func(v *QuickForwardRule) int64 { return v.ID })
	for _, id := range sortedKeys(st.Locations) {
		owner("locations", id, st.Locations[id].Owner)
	}
	for _, id := range sortedKeys(st.DIDs) {
		owner("dids", id, st.DIDs[id].Owner)
	}
	for _, id := range sortedKeys(st.Tariffs) {
		t := st.Tariffs[id]
		owner("tariffs", id, t.Owner)
		if !slices.Contains([]string{PurposeUser, PurposeUserWholesale, PurposeProvider}, t.Purpose) {
			errs = append(errs, fmt.Errorf("tariffs[%d]: purpose %q is not user, user_wholesale or provider", id, t.Purpose))
		}
		if t.Currency != "" && !slices.Contains(st.Currencies, t.Currency) {
			errs = append(errs, fmt.Errorf("tariffs[%d]: currency %q is not one of currencies", id, t.Currency))
		}
	}
	for _, id := range sortedKeys(st.LCRs) {
		owner("lcrs", id, st.LCRs[id].Owner)
	}
	for _, id := range sortedKeys(st.Devices) {
		owner("devices", id, st.Devices[id].Owner)
	}
	for _, id := range sortedKeys(st.QuickForwardRules) {
		owner("quickForwardRules", id, st.QuickForwardRules[id].Owner)
	}
	for _, id := range sortedKeys(st.Rules) {
		r := st.Rules[id]
		if st.Locations[r.LocationID] == nil {
			errs = append(errs, fmt.Errorf("rules[%d]: location %d does not exist", id, r.LocationID))
		}
		if !slices.Contains([]string{LrTypeDst, LrTypeSrc, LrTypeCombined}, r.LrType) {
			errs = append(errs, fmt.Errorf("rules[%d]: lrType %q is not dst, src or combined", id, r.LrType))
		}
	}
	return errors.Join(errs...)
}

func checkIDs[T any](errs *[]error, what string, m map[int64]*T, id func(*T) int64) {
	for _, k := range sortedKeys(m) {
		if got := id(m[k]); got != k || k <= 0 {
			*errs = append(*errs, fmt.Errorf("%s[%d]: id %d differs from its key or is not positive", what, k, got))
		}
	}
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	return slices.Sorted(maps.Keys(m))
}
