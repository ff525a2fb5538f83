package controllers

import (
	"context"
	"fmt"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// +kubebuilder:rbac:groups=mor.operator.dev,resources=didrates,verbs=get;list;watch
// +kubebuilder:rbac:groups=mor.operator.dev,resources=didrates/status,verbs=patch

// didRateAPI is what a DIDRate asks of MOR.
type didRateAPI interface {
	GetDIDRate(ctx context.Context, didID int64) (mor.Fields, error)
	UpdateDIDRate(ctx context.Context, didID int64, params mor.Fields) error
}

// didRateAdapter keeps one DID's rate details equal to the spec. A DID always exists in
// MOR: the operator neither creates nor deletes it.
type didRateAdapter struct {
	servers Servers
	client  client.Reader
}

func (didRateAdapter) Name() string           { return "DIDRate" }
func (didRateAdapter) New() *v1alpha1.DIDRate { return &v1alpha1.DIDRate{} }
func (a didRateAdapter) Connect(ctx context.Context, d *v1alpha1.DIDRate) (managed.External, error) {
	return connect(ctx, a.servers, d, func(conn *connection.Connection) managed.External {
		return &didRateExternal{did: d, conn: conn, api: conn.Client, params: mor.ParamsOf(&d.Spec), client: a.client}
	})
}

type didRateExternal struct {
	client client.Reader
	conn   *connection.Connection
	did    *v1alpha1.DIDRate
	api    didRateAPI
	params *mor.Params
}

// didRateClaims: a DIDRate writes one DID's rate details.
func didRateClaims(o client.Object) []string {
	return []string{fmt.Sprintf("DID %d", o.(*v1alpha1.DIDRate).Spec.DIDID)}
}

func (e *didRateExternal) Observe(ctx context.Context) (managed.Observation, error) {
	if err := ownership(ctx, e.client, e.conn, "DIDRate", e.did, &v1alpha1.DIDRateList{}, didRateClaims(e.did)); err != nil {
		return managed.Observation{}, err
	}
	if err := requireMethod(e.conn, mor.DIDRatesDetailsGet); err != nil {
		return managed.Observation{}, err
	}
	got, err := e.api.GetDIDRate(ctx, e.did.Spec.DIDID)
	if err != nil {
		return managed.Observation{}, err
	}
	diff := e.params.Diff(got)
	drift := fieldDrift(e.params, got, diff)
	e.did.Status.DriftedFields, e.did.Status.Drift = reportedDrift(e.did, drift)
	return managed.Observation{Exists: true, Diff: diff, Drift: drift}, nil
}

func (e *didRateExternal) Update(ctx context.Context, diff []string) error {
	if err := requireMethod(e.conn, mor.DIDRatesDetailsUpdate); err != nil {
		return err
	}
	return e.api.UpdateDIDRate(ctx, e.did.Spec.DIDID, mor.Only(e.params.Fields(), diff))
}
