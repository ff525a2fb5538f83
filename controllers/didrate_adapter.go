package controllers

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/claim"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// +kubebuilder:rbac:groups=mor.operator.dev,resources=didrates,verbs=get;list;watch
// +kubebuilder:rbac:groups=mor.operator.dev,resources=didrates/status,verbs=patch

// didRateAPI is what a DIDRate asks of MOR.
type didRateAPI interface {
	GetDIDRate(ctx context.Context, didID int64) (mor.Fields, error)
	UpdateDIDRate(ctx context.Context, didID int64, params mor.Fields) error
}

// didRateKind: a DIDRate keeps one DID's rate details equal to the spec. A DID always
// exists in MOR: the operator neither creates nor deletes it.
var didRateKind = &descriptor[*v1alpha1.DIDRate]{
	name:       "DIDRate",
	newObj:     func() *v1alpha1.DIDRate { return &v1alpha1.DIDRate{} },
	newList:    func() client.ObjectList { return &v1alpha1.DIDRateList{} },
	usesServer: true,
	claims:     claim.DIDRate,
	adapter:    func(Options) adapter[*v1alpha1.DIDRate] { return didRateAdapter{} },
}

type didRateAdapter struct{}

func (didRateAdapter) connect(_ context.Context, d *v1alpha1.DIDRate, conn *connection.Connection) managed.External {
	params := mor.ParamsOf(&d.Spec)
	return &didRateExternal{onServer: onServer{conn}, names: namesOf(&d.Spec, conn, params), did: d, api: conn.Client, params: params}
}

type didRateExternal struct {
	onServer
	names  // the loop resolves them first, so d.DID() is known when Observe runs
	did    *v1alpha1.DIDRate
	api    didRateAPI
	params *mor.Params
}

func (e *didRateExternal) Observe(ctx context.Context) (managed.Observation, error) {
	if err := requireMethod(e.conn, mor.DIDRatesDetailsGet); err != nil {
		return managed.Observation{}, err
	}
	got, err := e.api.GetDIDRate(ctx, *e.did.DID())
	if err != nil {
		return managed.Observation{}, err
	}
	diff := e.params.Diff(got)
	return managed.Observation{Exists: true, Diff: diff, Drift: fieldDrift(e.params, got, diff)}, nil
}

func (e *didRateExternal) Update(ctx context.Context, diff []string) (managed.Learned, error) {
	if err := requireMethod(e.conn, mor.DIDRatesDetailsUpdate); err != nil {
		return managed.Learned{}, err
	}
	return managed.Learned{}, e.api.UpdateDIDRate(ctx, *e.did.DID(), mor.Only(e.params.Fields(), diff))
}
