package plugin

import (
	"context"
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
	var ids []int64
	if err == nil {
		ids, err = lookups.ResolveAll(ctx, refs, fmt.Sprintf("MorServer %q", server))
	}
	if err != nil {
		if row.Action == ActionBlocked {
			return // status already says what stops it
		}
		switch v := verdict.Of(err); v.Reason {
		case verdict.ReasonReferenceNotFound, verdict.ReasonAmbiguousReference:
			row.Action, row.Details = ActionBlocked, []string{v.Reason + ": " + v.Message}
		default:
			row.Details = append(row.Details, "names unresolved: "+oneLine(err.Error()))
		}
		return
	}
	shown := make([]string, len(refs))
	for i, ref := range refs {
		field, id := fieldName(ref.Field), ids[i]
		if was := v1alpha1.ResolvedID(resolved, ref.Field); was != nil && *was != id {
			if row.Action == ActionNothing {
				row.Action = ActionUpdate
			}
			shown[i] = fmt.Sprintf("%s %q: id %d → %d (the operator follows the name)", field, ref.Name, *was, id)
			continue
		}
		shown[i] = fmt.Sprintf("%s %q (id %d)", field, ref.Name, id)
	}
	row.Details = append(row.Details, strings.Join(shown, ", "))
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
