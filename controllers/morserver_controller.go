package controllers

import (
	"context"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
)

// +kubebuilder:rbac:groups=mor.operator.dev,resources=morservers,verbs=get;list;watch
// +kubebuilder:rbac:groups=mor.operator.dev,resources=morservers/status,verbs=get;update;patch

// morServerKind probes a MorServer with a signed system_version_get; it never writes.
type morServerKind struct{}

func (morServerKind) Name() string             { return "MorServer" }
func (morServerKind) New() *v1alpha1.MorServer { return &v1alpha1.MorServer{} }
func (morServerKind) Finalizer() string        { return "" }
func (morServerKind) Connect(_ context.Context, s *v1alpha1.MorServer, api managed.MOR) (managed.External, error) {
	return &morServerExternal{server: s, api: api}, nil
}

type morServerExternal struct {
	server *v1alpha1.MorServer
	api    managed.MOR
}

func (e *morServerExternal) Observe(ctx context.Context) (managed.Observation, error) {
	v, err := e.api.SystemVersion(ctx)
	if err != nil {
		return managed.Observation{}, err
	}
	e.server.Status.Version = v
	return managed.Observation{Exists: true}, nil
}

func (e *morServerExternal) Create(context.Context) error           { return nil }
func (e *morServerExternal) Update(context.Context, []string) error { return nil }
func (e *morServerExternal) Delete(context.Context) error           { return nil }
