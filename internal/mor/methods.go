package mor

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strconv"
)

// listPageSize is how many rules ListLocationRules asks for per location_rules_get call.
const listPageSize = 100

// maxListPages bounds the pages ListLocationRules reads (100 000 rules), in case a
// server ignores paging and keeps answering full pages of new-looking rules.
const maxListPages = 1000

// SystemVersion calls system_version_get and returns the text of <version>: a cheap
// "am I connected and authorised" probe.
func (c *Client) SystemVersion(ctx context.Context) (string, error) {
	env, err := c.call(ctx, SystemVersionGet, nil)
	if err != nil {
		return "", err
	}
	v := env.root.find("version")
	if v == nil {
		return "", malformed(SystemVersionGet, "no <version> element")
	}
	return v.value(), nil
}

// UpdateConflines calls conflines_update with params (the default_user_* and
// default_device_* settings to change).
func (c *Client) UpdateConflines(ctx context.Context, params Fields) error {
	_, err := c.write(ctx, ConflinesUpdate, params)
	return err
}

// GetDIDRate calls did_rates_details_get and returns the children of <did> by name
// (id, provider_tariff_id, allow_call_reject_provider, owner_tariff_id,
// allow_call_reject).
func (c *Client) GetDIDRate(ctx context.Context, didID int64) (Fields, error) {
	env, err := c.call(ctx, DIDRatesDetailsGet, with(nil, "did_id", didID))
	if err != nil {
		return nil, err
	}
	did := env.root.find("did")
	if did == nil {
		return nil, malformed(DIDRatesDetailsGet, "no <did> element")
	}
	return did.fields(), nil
}

// UpdateDIDRate calls did_rates_details_update for didID with params.
func (c *Client) UpdateDIDRate(ctx context.Context, didID int64, params Fields) error {
	_, err := c.write(ctx, DIDRatesDetailsUpdate, with(params, "did_id", didID))
	return err
}

// CreateLocationRule calls location_rule_create in locationID with params and returns
// the new rule's id (the <rule_id> element, wherever it is in the answer).
func (c *Client) CreateLocationRule(ctx context.Context, locationID int64, params Fields) (int64, error) {
	env, err := c.write(ctx, LocationRuleCreate, with(params, "location_id", locationID))
	if err != nil {
		return 0, err
	}
	n := env.root.find("rule_id")
	if n == nil {
		return 0, malformed(LocationRuleCreate, "rule created but the answer has no <rule_id>")
	}
	id, err := strconv.ParseInt(n.value(), 10, 64)
	if err != nil || id <= 0 {
		return 0, malformed(LocationRuleCreate, fmt.Sprintf("rule created but <rule_id> is %q", truncate(n.value(), 32)))
	}
	return id, nil
}

// GetLocationRule calls location_rule_get and returns the children of <location_rule>
// by name; an unassigned id (an empty element) reads as "".
func (c *Client) GetLocationRule(ctx context.Context, ruleID int64) (Fields, error) {
	env, err := c.call(ctx, LocationRuleGet, with(nil, "location_rule_id", ruleID))
	if err != nil {
		return nil, err
	}
	rule := env.root.find("location_rule")
	if rule == nil {
		return nil, malformed(LocationRuleGet, "no <location_rule> element")
	}
	return rule.fields(), nil
}

// UpdateLocationRule calls location_rule_update for ruleID with params (only the
// parameters sent change).
func (c *Client) UpdateLocationRule(ctx context.Context, ruleID int64, params Fields) error {
	_, err := c.write(ctx, LocationRuleUpdate, with(params, "location_rule_id", ruleID))
	return err
}

// DeleteLocationRule calls location_rule_delete for ruleID.
func (c *Client) DeleteLocationRule(ctx context.Context, ruleID int64) error {
	_, err := c.write(ctx, LocationRuleDelete, with(nil, "location_rule_id", ruleID))
	return err
}

// ListLocationRules returns every rule of locationID (each as the children of its
// <location_rule> by name), reading location_rules_get page by page (from = offset,
// max_results = 100) until a page holds fewer than 100 rules.
func (c *Client) ListLocationRules(ctx context.Context, locationID int64) ([]Fields, error) {
	loc := strconv.FormatInt(locationID, 10)
	var rules []Fields
	seen := map[string]bool{}
	err := c.listPages(ctx, LocationRulesGet, 0, with(nil, "location_id", locationID), "rules", func(env *envelope) (got, fresh int, err error) {
		for _, n := range rulesOf(env.root, loc) {
			got++
			f := n.fields()
			if id := f["id"]; id != "" {
				if seen[id] {
					continue
				}
				seen[id] = true
			}
			fresh++
			rules = append(rules, f)
		}
		return got, fresh, nil
	})
	if err != nil {
		return nil, err
	}
	return rules, nil
}

// listPages calls method page by page (max_results = listPageSize, from = first +
// page × listPageSize, with params) until a page holds fewer than listPageSize items.
// readPage takes one page and says how many items it held and how many were new. Pages
// after the first borrow from the budget, as a listing under way must finish; a full
// page of only known items (a server ignoring from), or more than maxListPages pages,
// makes the answer malformed. what names the items in that message.
func (c *Client) listPages(ctx context.Context, method *Method, first int, params Fields, what string,
	readPage func(*envelope) (got, fresh int, err error)) error {
	for page := 0; ; page++ {
		if page == maxListPages {
			return malformed(method, fmt.Sprintf("more than %d pages", maxListPages))
		}
		p := maps.Clone(params)
		if p == nil {
			p = Fields{}
		}
		p["from"] = strconv.Itoa(first + page*listPageSize)
		p["max_results"] = strconv.Itoa(listPageSize)
		env, err := c.callPage(ctx, method, p, page > 0)
		if err != nil {
			return err
		}
		got, fresh, err := readPage(env)
		if err != nil {
			return err
		}
		if got < listPageSize {
			return nil
		}
		if fresh == 0 {
			return malformed(method, "paging does not advance: a full page repeated known "+what)
		}
	}
}

// rulesOf returns the <location_rule> elements of the location whose id is loc: those in
// a <location> with that <id> (or with no <id>), or every one when the answer has no
// <location> element at all.
func rulesOf(root *node, loc string) []*node {
	locations := root.findAll("location", nil)
	if len(locations) == 0 {
		return root.findAll("location_rule", nil)
	}
	var out []*node
	for _, l := range locations {
		if id := l.child("id"); id != nil && id.value() != loc {
			continue
		}
		for _, c := range l.children {
			if c.name == "location_rule" {
				out = append(out, c)
			}
		}
	}
	return out
}

// with returns a copy of params with name set to id; the caller's map is not changed.
func with(params Fields, name string, id int64) Fields {
	out := make(Fields, len(params)+1)
	for k, v := range params {
		out[k] = v
	}
	out[name] = strconv.FormatInt(id, 10)
	return out
}

// malformed is the error for a success answer that lacks what the method returns: a
// server or proxy fault, so Transient.
func malformed(method *Method, what string) *Error {
	return &Error{Class: Transient, Method: method, Err: errors.New("unexpected answer: " + what)}
}
