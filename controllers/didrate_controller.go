package controllers

import (
	"context"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
)

// +kubebuilder:rbac:groups=mor.operator.dev,resources=didrates,verbs=get;list;watch
// +kubebuilder:rbac:groups=mor.operator.dev,resources=didrates/status,verbs=get;update;patch

// didRateKind keeps one DID's rate details equal to the spec.
type didRateKind struct{}

func (didRateKind) Name() string           { return "DIDRate" }
func (didRateKind) New() *v1alpha1.DIDRate { return &v1alpha1.DIDRate{} }
func (didRateKind) Finalizer() string      { return "" }
func (didRateKind) Connect(_ context.Context, d *v1alpha1.DIDRate, api managed.MOR) (managed.External, error) {
	return &didRateExternal{did: d, api: api, params: didRateParams(&d.Spec)}, nil
}

func didRateParams(s *v1alpha1.DIDRateSpec) *managed.Params {
	p := &managed.Params{}
	managed.Add(p, "spec.providerTariffID", "provider_tariff_id", s.ProviderTariffID)
	managed.Add(p, "spec.allowCallRejectProvider", "allow_call_reject_provider", s.AllowCallRejectProvider)
	managed.Add(p, "spec.ownerTariffID", "owner_tariff_id", s.OwnerTariffID)
	managed.Add(p, "spec.allowCallReject", "allow_call_reject", s.AllowCallReject)
	return p
}

type didRateExternal struct {
	did    *v1alpha1.DIDRate
	api    managed.MOR
	params *managed.Params
}

func (e *didRateExternal) Observe(ctx context.Context) (managed.Observation, error) {
	got, err := e.api.GetDIDRate(ctx, e.did.Spec.DIDID)
	if err != nil {
		return managed.Observation{}, err
	}
	diff := e.params.Diff(got)
	e.did.Status.DriftedFields = nil
	if e.did.ObserveOnly() && len(diff) > 0 {
		e.did.Status.DriftedFields = e.params.SpecFields(diff)
	}
	return managed.Observation{Exists: true, Diff: diff}, nil
}

func (e *didRateExternal) Update(ctx context.Context, diff []string) error {
	return e.api.UpdateDIDRate(ctx, e.did.Spec.DIDID, managed.Only(e.params.Fields(), diff))
}

// A DID always exists in MOR: the operator neither creates nor deletes it.
func (e *didRateExternal) Create(context.Context) error { return nil }
func (e *didRateExternal) Delete(context.Context) error { return nil }
