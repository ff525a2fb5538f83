package controllers

import (
	"context"
	"fmt"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// Connections hands out the connection to the MorServer namespace/name (its client, identity,
// UID and version, read once), or an error with a verdict (package verdict) when a
// person must fix the server or its Secret. *connection.Resolver implements it.
type Connections interface {
	Resolve(ctx context.Context, namespace, name string) (*connection.Connection, error)
}

// fieldDrift gives each differing parameter with its spec path and both values.
func fieldDrift(params *mor.Params, observed mor.Fields, diff []string) []v1alpha1.FieldDrift {
	if len(diff) == 0 {
		return nil
	}
	paths := params.SpecFields(diff)
	out := make([]v1alpha1.FieldDrift, len(diff))
	for i, p := range diff {
		desired := params.Fields()[p]
		if name := params.NameOf(p); name != "" { // the name and what it stands for
			desired = fmt.Sprintf("%s (%s)", desired, name)
		}
		out[i] = v1alpha1.FieldDrift{Field: paths[i], Desired: desired, Observed: observed[p]}
	}
	return out
}

// requireMethod stalls, without calling it, a resource whose MOR lacks method: the
// version is the one the MorServer's probe recorded (unknown until then: MOR answers).
func requireMethod(conn *connection.Connection, method *mor.Method) error {
	if ok, needed := mor.Supports(conn.Version, method); !ok {
		return verdict.Stalled(verdict.ReasonUnsupportedByServer,
			"MorServer %q reports MOR %s, which lacks %s: it needs MOR %s or later", conn.Server, conn.Version, method, needed)
	}
	return nil
}
