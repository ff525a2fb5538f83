package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/lookup"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// names is embedded by the External of a kind whose spec may name MOR objects (fields
// tagged `lookup`): it resolves them on its server, through the server's shared
// lookups, and binds each id to the parameter it is sent as (managed.Resolver).
type names struct {
	server *connection.Connection
	refs   []mor.Reference
	params *mor.Params
}

func namesOf(spec any, conn *connection.Connection, params *mor.Params) names {
	return names{server: conn, refs: mor.ReferencesOf(spec), params: params}
}

// Resolve resolves every name, or none: on an error status keeps the ids it had, and
// nothing is written with an id MOR may no longer have under that name.
func (n names) Resolve(ctx context.Context) (managed.Learned, error) {
	var resolved []v1alpha1.ResolvedReference
	for _, ref := range n.refs {
		kind, ok := lookup.KindOf(ref.Lookup)
		if !ok {
			return managed.Learned{}, fmt.Errorf("%s: unknown lookup %q", ref.Field, ref.Lookup)
		}
		id, err := n.server.Lookups.Resolve(ctx, kind, ref.Name)
		if err != nil {
			return managed.Learned{}, n.unresolved(ref, err)
		}
		if ref.Param != "" {
			n.params.Bind(ref, id)
		}
		resolved = append(resolved, v1alpha1.ResolvedReference{Field: ref.Field, Name: ref.Name, ID: id})
	}
	return managed.Learned{Resolved: resolved, ResolvedKnown: true}, nil
}

// unresolved says which field failed to resolve on which server; MOR's own errors (a
// lookup refused or failing) pass through verbatim.
func (n names) unresolved(ref mor.Reference, err error) error {
	var (
		missing   *lookup.NotFound
		ambiguous *lookup.Ambiguous
	)
	on := fmt.Sprintf("MorServer %q (%s as %s)", n.server.Server, n.server.Identity.URL, n.server.Identity.Username)
	switch {
	case errors.As(err, &missing):
		return verdict.Stalled(verdict.ReasonReferenceNotFound, "%s: %s has no %s %s %q",
			ref.Field, on, missing.Kind, missing.Kind.Naming(), ref.Name)
	case errors.As(err, &ambiguous):
		ids := make([]string, len(ambiguous.IDs))
		for i, id := range ambiguous.IDs {
			ids[i] = fmt.Sprint(id)
		}
		return verdict.Stalled(verdict.ReasonAmbiguousReference, "%s: %d %ss on %s are %s %q, ids %s; give the id instead, or make the name unique in MOR",
			ref.Field, len(ids), ambiguous.Kind, on, ambiguous.Kind.Naming(), ref.Name, strings.Join(ids, ", "))
	}
	return err
}
