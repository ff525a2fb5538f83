// Package plugin is the logic of the kubectl-mor plugin: export MOR's configuration as
// manifests and plan what the operator would write. cmd/kubectl-mor only wires flags.
package plugin

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"k8s.io/utils/ptr"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/claim"
	"github.com/mor-operator/mor-operator/internal/lookup"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// MOR is what the plugin reads from MOR; *mor.Client implements it.
type MOR interface {
	lookup.Lister // names for ids
	SystemVersion(ctx context.Context) (string, error)
	ListLocationRules(ctx context.Context, locationID int64) ([]mor.Fields, error)
	ListAllLocations(ctx context.Context) ([]mor.Location, error)
	GetLocationRule(ctx context.Context, ruleID int64) (mor.Fields, error)
	GetDIDRate(ctx context.Context, didID int64) (mor.Fields, error)
}

// ExportOptions says what to export and how the manifests look.
type ExportOptions struct {
	Locations []int64 // nil: every location the MOR user owns
	DIDs      []int64
	// Namespace is written into metadata.namespace when not empty.
	Namespace string
	// Server is the MorServer the resources reference; "default" is left out.
	Server     string
	NamePrefix string
	// ManagementPolicy and DeletionPolicy default to ObserveOnly and Orphan.
	ManagementPolicy v1alpha1.ManagementPolicy
	DeletionPolicy   v1alpha1.DeletionPolicy
	// Managed holds rule ids a LocationRule already manages; with SkipManaged those
	// rules are left out (--unmanaged).
	Managed     map[int64]bool
	SkipManaged bool
	// Owners names, by claim (claim.Rule, claim.DID), the Manage resource that writes a
	// MOR object: one owned by a resource other than the one exported for it is left
	// out, with a warning, as a second resource writing it would be Stalled with reason
	// Conflict.
	Owners map[string]string
	// Defaults adds the MorDefaults skeleton.
	Defaults bool
	// IDs keeps ids where a name would do (--ids): by default a reference is written
	// by name (tariffName, lcrName, didNumber, ...) when the name resolves back to the
	// id on this MOR.
	IDs bool
}

// Export reads MOR and returns the documents, in a stable order: the MorDefaults
// skeleton, DIDRates by DID id, LocationRules by location id then rule id. Warnings name
// what is left out, each value MOR holds that the resource's CRD refuses (in the API
// server's words; the value is exported as MOR has it, for a person to decide), and
// lookups MOR refused.
func Export(ctx context.Context, api MOR, o ExportOptions) (docs []Document, warnings []string, err error) {
	if o.ManagementPolicy == "" {
		o.ManagementPolicy = v1alpha1.ManagementPolicyObserveOnly
	}
	if o.DeletionPolicy == "" {
		o.DeletionPolicy = v1alpha1.DeletionPolicyOrphan
	}
	api = patiently(api)
	if _, err := api.SystemVersion(ctx); err != nil {
		return nil, nil, err
	}
	if o.Defaults {
		docs = append(docs, defaultsDoc(o))
	}
	names := newNamer(api)
	named := func(spec any) ([]string, error) {
		if o.IDs {
			return nil, nil
		}
		return names.name(ctx, spec)
	}
	// add appends a resource, warning (as what) of each value its CRD refuses.
	add := func(what string, m manifest, about string, notes []string) error {
		refused, err := refusals(ctx, m)
		if err != nil {
			return err
		}
		for _, r := range refused {
			warnings = append(warnings, what+": "+r)
		}
		docs = append(docs, newDoc(m, about, notes...))
		return nil
	}
	for _, id := range sortedUnique(o.DIDs) {
		name := didName(o.NamePrefix, id)
		if owner, ok := o.Owners[claim.DID(id)]; ok && owner != name {
			warnings = append(warnings, fmt.Sprintf("DID %d: left out: DIDRate %q already manages it (a second resource writing it would be Stalled with reason Conflict)", id, owner))
			continue
		}
		f, err := api.GetDIDRate(ctx, id)
		if err != nil {
			return nil, nil, &inputError{what: fmt.Sprintf("DID %d", id), fix: "check --dids", err: err}
		}
		spec, w := didSpec(f, id)
		warnings = append(warnings, w...)
		notes, err := named(&spec)
		if err != nil {
			return nil, nil, err
		}
		spec.ServerRef = serverRef(o.Server)
		spec.ManagementPolicy = &o.ManagementPolicy
		what := fmt.Sprintf("DID %d", id)
		if err := add(what, newManifest("DIDRate", name, o.Namespace, spec), "rate details of MOR "+what, notes); err != nil {
			return nil, nil, err
		}
	}

	locs, err := readLocations(ctx, api, o.Locations)
	if err != nil {
		return nil, nil, err
	}
	type rule struct {
		loc, id  int64
		name     string
		spec     v1alpha1.LocationRuleSpec
		warnings []string // of its conversion
	}
	var rules []rule
	for _, l := range locs {
		for _, f := range l.Rules {
			spec, w, err := ruleSpec(f, l.ID)
			if err != nil {
				return nil, nil, err
			}
			id := *spec.RuleID
			if o.SkipManaged && o.Managed[id] {
				continue
			}
			name := ruleName(o.NamePrefix, l.ID, id, ptr.Deref(spec.Name, ""))
			if owner, ok := o.Owners[claim.Rule(id)]; ok && owner != name {
				warnings = append(warnings, fmt.Sprintf("rule %d: left out: LocationRule %q already manages it (a second resource adopting it would be Stalled with reason Conflict)", id, owner))
				continue
			}
			rules = append(rules, rule{l.ID, id, name, spec, w})
		}
	}
	slices.SortFunc(rules, func(a, b rule) int {
		if a.loc != b.loc {
			return int(a.loc - b.loc)
		}
		return int(a.id - b.id)
	})
	for _, r := range rules {
		notes, err := named(&r.spec)
		if err != nil {
			return nil, nil, err
		}
		r.spec.ServerRef = serverRef(o.Server)
		r.spec.ManagementPolicy = &o.ManagementPolicy
		r.spec.DeletionPolicy = &o.DeletionPolicy
		warnings = append(warnings, r.warnings...)
		m := newManifest("LocationRule", r.name, o.Namespace, r.spec)
		if err := add(fmt.Sprintf("rule %d", r.id), m, fmt.Sprintf("MOR rule %d of location %d", r.id, r.loc), notes); err != nil {
			return nil, nil, err
		}
	}
	return docs, append(warnings, names.warnings...), nil
}

// readLocations reads the chosen locations one by one (location_rules_get per id), or
// every location at once (location_rules_get all=1) when none are chosen.
func readLocations(ctx context.Context, api MOR, ids []int64) ([]mor.Location, error) {
	if ids == nil {
		return api.ListAllLocations(ctx)
	}
	var out []mor.Location
	for _, id := range sortedUnique(ids) {
		rules, err := api.ListLocationRules(ctx, id)
		if err != nil {
			return nil, &inputError{what: "location " + strconv.FormatInt(id, 10), fix: "check --locations", err: err}
		}
		out = append(out, mor.Location{ID: id, Rules: rules})
	}
	return out, nil
}

func serverRef(name string) *v1alpha1.ServerReference {
	if name == "" || name == v1alpha1.DefaultServerName {
		return nil
	}
	return &v1alpha1.ServerReference{Name: name}
}

func sortedUnique(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
