package plugin

import (
	"fmt"
	"strconv"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// ruleSpec turns a rule as MOR reports it into a spec that adopts it (spec.ruleID) and
// declares every field MOR reports, through the spec's `mor` tags (mor.SpecOf): an
// unassigned id becomes -1 (unassign), so the operator keeps it unassigned. Warnings
// name what is left out: a value that does not convert, an empty name. Values the CRD
// would refuse are kept, for a person to decide; Export warns of them (refusals).
func ruleSpec(f mor.Fields, locationID int64) (spec v1alpha1.LocationRuleSpec, warnings []string, err error) {
	id, err := strconv.ParseInt(f["id"], 10, 64)
	if err != nil || id < 1 {
		return spec, nil, fmt.Errorf("MOR reported a rule of location %d without a valid <id> (%q)", locationID, f["id"])
	}
	spec.LocationID, spec.RuleID = locationID, &id
	warn := func(format string, a ...any) {
		warnings = append(warnings, fmt.Sprintf("rule %d: ", id)+fmt.Sprintf(format, a...))
	}
	errs := mor.SpecOf(f, &spec)
	if spec.Name == nil || *spec.Name == "" {
		spec.Name = nil
		warn("MOR has no name; spec.name left out")
	}
	for _, e := range errs {
		warn("%v; left out", e)
	}
	if spec.Type != nil && *spec.Type == "" {
		spec.Type = nil // no type: MOR's default (dst) applies
	}
	return spec, warnings, nil
}

// didSpec turns a DID's rate details as MOR reports them into a DIDRate spec, through
// the spec's `mor` tags (mor.SpecOf).
func didSpec(f mor.Fields, didID int64) (spec v1alpha1.DIDRateSpec, warnings []string) {
	spec.DIDID = &didID
	for _, e := range mor.SpecOf(f, &spec) {
		warnings = append(warnings, fmt.Sprintf("DID %d: %v; left out", didID, e))
	}
	return spec, warnings
}
