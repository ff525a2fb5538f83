package controllers

import (
	"context"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/managed"
)

// +kubebuilder:rbac:groups=mor.operator.dev,resources=morservers,verbs=get;list;watch
// +kubebuilder:rbac:groups=mor.operator.dev,resources=morservers/status,verbs=patch

// morServerAPI is what a MorServer asks of MOR.
type morServerAPI interface {
	SystemVersion(ctx context.Context) (string, error)
}

// morServerAdapter probes a MorServer with a signed system_version_get; it only
// observes, never writes.
type morServerAdapter struct{ servers Servers }

func (morServerAdapter) Name() string             { return "MorServer" }
func (morServerAdapter) New() *v1alpha1.MorServer { return &v1alpha1.MorServer{} }
func (a morServerAdapter) Connect(ctx context.Context, s *v1alpha1.MorServer) (managed.External, error) {
	return connect(ctx, a.servers, s, func(conn *connection.Connection) managed.External {
		return &morServerExternal{server: s, api: conn.Client}
	})
}

type morServerExternal struct {
	server *v1alpha1.MorServer
	api    morServerAPI
}

func (e *morServerExternal) Observe(ctx context.Context) (managed.Observation, error) {
	v, err := e.api.SystemVersion(ctx)
	if err != nil {
		return managed.Observation{}, err
	}
	e.server.Status.Version = v
	return managed.Observation{Exists: true}, nil
}
