package mor

import (
	"slices"
	"strings"
)

// Method is one MOR API method the client may call, with every fact the operator keeps
// about it. Callers name a method by its variable below, never by string: a misspelt
// method does not compile, and adding one is one row of the table.
type Method struct {
	name string
	// hashParams are the parameters whose values MOR concatenates, in this order, before
	// the key (see the contract, "Authentication and the hash"). u, the username, is one
	// for the lookups tariffs_get and lcrs_get only.
	hashParams []string
	// sinceX is the MOR X version that introduced the method, from Kolmisoft's wiki
	// pages; 0 for a method older than every X version.
	sinceX int
	// notFound are MOR's error texts that mean the object the call names does not
	// exist. They are per method: "DID was not found" from location_rule_update means
	// the rule's did_id points nowhere, not that the rule is gone.
	notFound []string
	// none are MOR's error texts that mean a listing has nothing in it: tariffs_get
	// answers "No Tariffs found" where another method would answer an empty list. The
	// client reads them as an empty listing, never as an error.
	none []string
}

// The methods of the contract (docs/mor-api.md).
var (
	SystemVersionGet      = define(Method{name: "system_version_get"})
	ConflinesUpdate       = define(Method{name: "conflines_update"})
	DIDRatesDetailsGet    = define(Method{name: "did_rates_details_get", hashParams: []string{"did_id"}, sinceX: 17, notFound: didNotFound})
	DIDRatesDetailsUpdate = define(Method{name: "did_rates_details_update", hashParams: []string{"did_id"}, sinceX: 17, notFound: didNotFound})
	LocationRuleCreate    = define(Method{name: "location_rule_create", hashParams: []string{"location_id"}})
	LocationRuleGet       = define(Method{name: "location_rule_get", hashParams: []string{"location_rule_id"}, notFound: ruleNotFound})
	LocationRuleUpdate    = define(Method{name: "location_rule_update", hashParams: []string{"location_rule_id"}, sinceX: 14, notFound: ruleNotFound})
	LocationRuleDelete    = define(Method{name: "location_rule_delete", hashParams: []string{"location_rule_id"}, notFound: ruleNotFound})
	LocationRulesGet      = define(Method{name: "location_rules_get", hashParams: []string{"location_id"}})
	TariffsGet            = define(Method{name: "tariffs_get", hashParams: []string{"u"}, none: []string{"No Tariffs found"}})
	LCRsGet               = define(Method{name: "lcrs_get", hashParams: []string{"u"}, none: []string{"No LCRs found"}})
	DIDsGet               = define(Method{name: "dids_get", none: []string{"No DIDs found"}}) // none: assumed, by analogy
)

var (
	didNotFound  = []string{"DID was not found"}
	ruleNotFound = []string{"Location rule was not found", "Rule was not found"}
)

// methods holds every defined Method (define appends; package initialisation is
// single-threaded).
var methods []*Method

func define(m Method) *Method {
	p := &m
	methods = append(methods, p)
	return p
}

// Methods returns every method of the contract, sorted by name.
func Methods() []*Method {
	out := slices.Clone(methods)
	slices.SortFunc(out, func(a, b *Method) int { return strings.Compare(a.name, b.name) })
	return out
}

// Name is the method's name in MOR's API ("location_rule_update"): the path it is
// posted to, and the label metrics and tests see.
func (m *Method) Name() string {
	if m == nil {
		return ""
	}
	return m.name
}

func (m *Method) String() string { return m.Name() }

// HashParams returns the names of the method's hash parameters in MOR's order.
func (m *Method) HashParams() []string { return slices.Clone(m.hashParams) }

// SinceX is the MOR X version that introduced the method (0: every version has it).
func (m *Method) SinceX() int { return m.sinceX }

// saysNone reports whether e is MOR's way of answering an empty listing for m.
func (m *Method) saysNone(e *Error) bool {
	if e == nil || e.Class != Rejected {
		return false
	}
	for _, t := range m.none {
		if strings.EqualFold(e.Text, t) {
			return true
		}
	}
	return false
}
