package controllers

import (
	"context"

	"github.com/mor-operator/mor-operator/internal/mor"
)

// Servers hands out the MOR client of the MorServer namespace/name, or an error with a
// verdict (package verdict) when a person must fix the server or its Secret.
// *connection.Resolver implements it.
type Servers interface {
	Resolve(ctx context.Context, namespace, name string) (*mor.Client, error)
}

// observeOnly is what driftedFields needs of a resource.
type observeOnly interface{ ObserveOnly() bool }

// driftedFields names, as spec paths, the differing parameters an ObserveOnly resource
// reports in status; nil for a managed resource, which corrects them instead.
func driftedFields(obj observeOnly, params *mor.Params, diff []string) []string {
	if !obj.ObserveOnly() || len(diff) == 0 {
		return nil
	}
	return params.SpecFields(diff)
}
