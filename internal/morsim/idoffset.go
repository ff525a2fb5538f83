package morsim

import "strconv"

// OffsetIDs adds offset to the id of every tariff, LCR, DID and rule (and to the id the
// next rule gets), and to every reference to one (a rule's tariff, LCR and DID, a DID's
// provider and owner tariffs, a default_user_tariff_id confline); names and numbers
// stay. Two simulators, one of them offset, then hold the same names under different
// ids, as a staging and a production MOR do. Locations and devices keep their ids:
// specs give those by id only.
func (st *State) OffsetIDs(offset int64) {
	if offset == 0 {
		return
	}
	st.Tariffs = offsetKeys(st.Tariffs, offset, func(t *Tariff) *int64 { return &t.ID })
	st.LCRs = offsetKeys(st.LCRs, offset, func(l *LCR) *int64 { return &l.ID })
	st.DIDs = offsetKeys(st.DIDs, offset, func(d *DID) *int64 { return &d.ID })
	st.Rules = offsetKeys(st.Rules, offset, func(r *Rule) *int64 { return &r.ID })
	st.NextRuleID += offset
	for _, d := range st.DIDs {
		offsetRef(&d.ProviderTariffID, offset)
		offsetRef(&d.OwnerTariffID, offset)
	}
	for _, r := range st.Rules {
		offsetRef(&r.TariffID, offset)
		offsetRef(&r.LcrID, offset)
		offsetRef(&r.DidID, offset)
	}
	for _, settings := range st.Conflines {
		if id := parseID(settings["default_user_tariff_id"]); id > 0 {
			settings["default_user_tariff_id"] = strconv.FormatInt(id+offset, 10)
		}
	}
}

func offsetKeys[T any](m map[int64]*T, offset int64, id func(*T) *int64) map[int64]*T {
	out := make(map[int64]*T, len(m))
	for _, v := range m {
		p := id(v)
		*p += offset
		out[*p] = v
	}
	return out
}

// offsetRef moves a reference; 0 (unassigned, or a DID owner's "None" tariff) stays.
func offsetRef(id *int64, offset int64) {
	if *id > 0 {
		*id += offset
	}
}
