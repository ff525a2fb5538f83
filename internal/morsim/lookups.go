package morsim

import "strings"

// The lookups answer <page><LIST><ITEM>…</ITEM>…</LIST></page>, their errors
// <page><error>T</error></page>, and an empty listing is an error (the wiki). Admin and
// reseller see their own tariffs and LCRs, an accountant its owner's (assumed). Fields
// the simulator does not model are answered with fixed values (assumed): a tariff's
// last_update_date is empty; an LCR orders by price with no failover, no limits and no
// quality routing; a DID is active, and its provider, language, owner, device, dial
// plan, call limit and tone zone are empty.

// lister is whose tariffs and LCRs the caller sees.
func (c *call) lister() string {
	if c.caller.Role == RoleAccountant {
		return c.caller.Owner
	}
	return c.caller.Username
}

// tariffsGet lists the caller's tariffs by id.
func tariffsGet(c *call) result {
	var kids []*node
	for _, id := range sortedKeys(c.st.Tariffs) {
		t := c.st.Tariffs[id]
		if t.Owner != c.lister() {
			continue
		}
		kids = append(kids, el("tariff",
			leafInt("id", t.ID),
			leaf("name", t.Name),
			leaf("purpose", t.Purpose),
			leaf("currency", t.Currency),
			emptyEl("last_update_date"),
		))
	}
	if len(kids) == 0 {
		return c.fail(TextNoTariffs)
	}
	return read(document(el("page", el("tariffs", kids...))))
}

// lcrsGet lists the caller's LCRs by id, only those named exactly s_name when it is
// sent (not blank).
func lcrsGet(c *call) result {
	name, byName := c.given("s_name")
	var kids []*node
	for _, id := range sortedKeys(c.st.LCRs) {
		l := c.st.LCRs[id]
		if l.Owner != c.lister() || (byName && l.Name != name) {
			continue
		}
		kids = append(kids, el("lcr",
			leafInt("id", l.ID),
			leaf("name", l.Name),
			leaf("order", "price"),
			leaf("first_provider_percent_limit", "0"),
			emptyEl("failover_provider_id"),
			leaf("no_failover", "0"),
			leaf("minimal_rate_margin_percent", "0"),
			leaf("quality_routing_id", "-1"),
			leaf("allow_loss_calls", "0"),
		))
	}
	if len(kids) == 0 {
		return c.fail(TextNoLCRs)
	}
	return read(document(el("page", el("lcrs", kids...))))
}

// didsGet lists DIDs by id: every DID for admin and accountant, a reseller's own for a
// reseller (assumed); those whose number contains search_did_number when it is sent
// (the wiki: a partial match). from is the 1-based first record (default 1),
// max_results the page size (default: all). Other search_* parameters are ignored
// (assumed; the operator sends none).
func didsGet(c *call) result {
	from, limit, bad := c.paging(1, TextDIDsFrom)
	if bad != "" {
		return c.fail(bad)
	}
	number, search := c.given("search_did_number")
	var match []*DID
	for _, id := range sortedKeys(c.st.DIDs) {
		d := c.st.DIDs[id]
		if (c.caller.Role == RoleReseller && !c.owns(d.Owner)) || (search && !strings.Contains(d.Number, number)) {
			continue
		}
		match = append(match, d)
	}
	lo, hi := min(from-1, len(match)), len(match)
	if limit >= 0 {
		hi = min(hi, lo+limit)
	}
	if lo == hi {
		return c.fail(TextNoDIDs)
	}
	kids := make([]*node, 0, hi-lo)
	for _, d := range match[lo:hi] {
		reseller := ""
		if u := c.st.Users[d.Owner]; u != nil && u.Role == RoleReseller {
			reseller = u.Username
		}
		kids = append(kids, el("did",
			leaf("did", d.Number),
			emptyEl("provider"),
			emptyEl("language"),
			leaf("status", "active"),
			leaf("reseller", reseller),
			emptyEl("owner"),
			emptyEl("device"),
			emptyEl("dial_plan"),
			emptyEl("simultaneous_call_limit"),
			emptyEl("tone_zone"),
			leafInt("id", d.ID),
		))
	}
	return read(document(el("page", el("dids", kids...))))
}
