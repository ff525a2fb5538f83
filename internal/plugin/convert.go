package plugin

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// prefixPattern is the CRD's pattern for cut, add, srcCut and srcAdd.
var prefixPattern = regexp.MustCompile(`^[0-9A-Za-z+*#]*$`)

// ruleSpec turns a rule as MOR reports it into a spec that adopts it (spec.ruleID) and
// declares every field MOR reports, through the spec's `mor` tags (mor.SpecOf): an
// unassigned id becomes -1 (unassign), so the operator keeps it unassigned. Values the
// CRD would refuse are returned as warnings; they are exported as MOR has them, for a
// person to decide.
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
	if t := spec.Type; t != nil {
		switch *t {
		case "":
			spec.Type = nil
		case "dst", "src", "combined":
		default:
			warn("type %q is not one of dst, src, combined", *t)
		}
	}
	for _, p := range []struct {
		param string
		v     *string
	}{{"cut", spec.Cut}, {"add", spec.Add}, {"src_cut", spec.SrcCut}, {"src_add", spec.SrcAdd}} {
		if p.v != nil && (!prefixPattern.MatchString(*p.v) || len(*p.v) > 60) {
			warn("%s %q does not match the CRD's pattern (digits, letters, + * #; at most 60)", p.param, *p.v)
		}
	}
	for _, p := range []struct {
		param string
		n     *int32
	}{{"minlen", spec.MinLen}, {"maxlen", spec.MaxLen}, {"src_minlen", spec.SrcMinLen}, {"src_maxlen", spec.SrcMaxLen}} {
		if p.n != nil && (*p.n < 0 || *p.n > 100) {
			warn("%s %d is outside the CRD's 0..100", p.param, *p.n)
		}
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
