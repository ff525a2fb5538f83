package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/lookup"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// resolveNames resolves the names of spec (fields tagged `lookup`) on the resource's
// server, as the operator would now, and tells row: each name with its id; a name
// that moved to another id since the operator resolved it (resolved) is an update; a
// name that does not resolve blocks the row, with the operator's reason.
func (p *planner) resolveNames(ctx context.Context, row *Row, server string, spec any, resolved []v1alpha1.ResolvedReference) {
	refs := mor.ReferencesOf(spec)
	if len(refs) == 0 {
		return
	}
	lookups, err := p.lookups(ctx, row.Namespace, server)
	var shown []string
	var at string // the field that failed to resolve
	for _, ref := range refs {
		if err != nil {
			break
		}
		at = ref.Field
		kind, _ := lookup.KindOf(ref.Lookup)
		var id int64
		if id, err = lookups.Resolve(ctx, kind, ref.Name); err != nil {
			break
		}
		field := fieldName(ref.Field)
		if was := v1alpha1.ResolvedID(resolved, ref.Field); was != nil && *was != id {
			if row.Action == ActionNothing {
				row.Action = ActionUpdate
			}
			shown = append(shown, fmt.Sprintf("%s %q: id %d → %d (the operator follows the name)", field, ref.Name, *was, id))
			continue
		}
		shown = append(shown, fmt.Sprintf("%s %q (id %d)", field, ref.Name, id))
	}
	if err == nil {
		row.Details = append(row.Details, strings.Join(shown, ", "))
		return
	}
	if row.Action == ActionBlocked {
		return // status already says what stops it
	}
	var (
		missing   *lookup.NotFound
		ambiguous *lookup.Ambiguous
	)
	on := fmt.Sprintf("MorServer %q", server)
	switch {
	case errors.As(err, &missing):
		row.Action, row.Details = ActionBlocked, []string{fmt.Sprintf("%s: %s: %s has no %s %s %q",
			verdict.ReasonReferenceNotFound, at, on, missing.Kind, missing.Kind.Naming(), missing.Name)}
	case errors.As(err, &ambiguous):
		ids := make([]string, len(ambiguous.IDs))
		for i, id := range ambiguous.IDs {
			ids[i] = fmt.Sprint(id)
		}
		row.Action, row.Details = ActionBlocked, []string{fmt.Sprintf("%s: %s: %d %ss on %s are %s %q, ids %s; give the id instead, or make the name unique in MOR",
			verdict.ReasonAmbiguousReference, at, len(ids), ambiguous.Kind, on, ambiguous.Kind.Naming(), ambiguous.Name, strings.Join(ids, ", "))}
	default:
		row.Details = append(row.Details, "names unresolved: "+oneLine(err.Error()))
	}
}

// lookups returns the lookups of one MorServer, each read at most once per plan.
func (p *planner) lookups(ctx context.Context, namespace, server string) (*lookup.Cache, error) {
	k := namespace + "/" + server
	if c, ok := p.names[k]; ok {
		return c, nil
	}
	api, err := p.connect(ctx, namespace, server)
	if err != nil {
		return nil, err
	}
	c := lookup.New(api, exportLifetime)
	p.names[k] = c
	return c, nil
}
