package controllers

import (
	"context"
	"fmt"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
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
	on := fmt.Sprintf("MorServer %q (%s as %s)", n.server.Server, n.server.Identity.URL, n.server.Identity.Username)
	ids, err := n.server.Lookups.ResolveAll(ctx, n.refs, on)
	if err != nil {
		return managed.Learned{}, err
	}
	resolved := make([]v1alpha1.ResolvedReference, len(n.refs))
	for i, ref := range n.refs {
		if ref.Param != "" {
			n.params.Bind(ref, ids[i])
		}
		resolved[i] = v1alpha1.ResolvedReference{Field: ref.Field, Name: ref.Name, ID: ids[i]}
	}
	return managed.Learned{Resolved: resolved, ResolvedKnown: true}, nil
}
