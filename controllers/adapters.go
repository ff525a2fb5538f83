package controllers

import (
	"context"

	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// Servers hands out the MOR client of the MorServer namespace/name, or an error with a
// verdict (package verdict) when a person must fix the server or its Secret.
// *connection.Resolver implements it.
type Servers interface {
	Resolve(ctx context.Context, namespace, name string) (*mor.Client, error)
}

// connect resolves obj's MorServer and builds the External on its client.
func connect[R managed.Resource](ctx context.Context, servers Servers, obj R,
	build func(api *mor.Client) managed.External) (managed.External, error) {
	api, err := servers.Resolve(ctx, obj.GetNamespace(), obj.ServerName())
	if err != nil {
		return nil, err
	}
	return build(api), nil
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
