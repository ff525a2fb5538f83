package controllers

import (
	"context"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
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

// observeOnly is what reportedDrift needs of a resource.
type observeOnly interface{ ObserveOnly() bool }

// fieldDrift gives each differing parameter with its spec path and both values.
func fieldDrift(params *mor.Params, observed mor.Fields, diff []string) []v1alpha1.FieldDrift {
	if len(diff) == 0 {
		return nil
	}
	paths := params.SpecFields(diff)
	out := make([]v1alpha1.FieldDrift, len(diff))
	for i, p := range diff {
		out[i] = v1alpha1.FieldDrift{Field: paths[i], Desired: params.Fields()[p], Observed: observed[p]}
	}
	return out
}

// reportedDrift is what an ObserveOnly resource shows in status.driftedFields and
// status.drift; nil for a managed resource, which corrects the drift instead.
func reportedDrift(obj observeOnly, drift []v1alpha1.FieldDrift) (fields []string, values []v1alpha1.FieldDrift) {
	if !obj.ObserveOnly() || len(drift) == 0 {
		return nil, nil
	}
	for _, d := range drift {
		fields = append(fields, d.Field)
	}
	return fields, drift
}

// requireMethod stalls, without calling it, a resource whose MOR lacks method: the
// version is the one the MorServer's probe recorded (unknown until then: MOR answers).
func requireMethod(ctx context.Context, c client.Reader, obj managed.Resource, method *mor.Method) error {
	var server v1alpha1.MorServer
	if err := c.Get(ctx, types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.ServerName()}, &server); err != nil {
		return nil // connecting reports a missing server
	}
	if ok, needed := mor.Supports(server.Status.Version, method); !ok {
		return verdict.Stalled(verdict.ReasonUnsupportedByServer,
			"MorServer %q reports MOR %s, which lacks %s: it needs MOR %s or later", server.Name, server.Status.Version, method, needed)
	}
	return nil
}
