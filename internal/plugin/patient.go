package plugin

import (
	"context"
	"time"

	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// patient is a MOR that waits out the client's request budget: the client defers a
// read it has no token for (the operator comes back later), where a command, MOR's
// only caller here, had better wait for the token, within its --timeout.
type patient struct{ api MOR }

func patiently(api MOR) MOR {
	if _, ok := api.(patient); ok {
		return api
	}
	return patient{api}
}

// wait calls read until the budget lets it through.
func wait[T any](ctx context.Context, read func() (T, error)) (T, error) {
	for {
		v, err := read()
		if err == nil || verdict.Of(err).Retry != verdict.Defer {
			return v, err
		}
		t := time.NewTimer(verdict.Of(err).After)
		select {
		case <-ctx.Done():
			t.Stop()
			return v, ctx.Err()
		case <-t.C:
		}
	}
}

func (p patient) SystemVersion(ctx context.Context) (string, error) {
	return wait(ctx, func() (string, error) { return p.api.SystemVersion(ctx) })
}

func (p patient) ListLocationRules(ctx context.Context, locationID int64) ([]mor.Fields, error) {
	return wait(ctx, func() ([]mor.Fields, error) { return p.api.ListLocationRules(ctx, locationID) })
}

func (p patient) ListAllLocations(ctx context.Context) ([]mor.Location, error) {
	return wait(ctx, func() ([]mor.Location, error) { return p.api.ListAllLocations(ctx) })
}

func (p patient) GetLocationRule(ctx context.Context, ruleID int64) (mor.Fields, error) {
	return wait(ctx, func() (mor.Fields, error) { return p.api.GetLocationRule(ctx, ruleID) })
}

func (p patient) GetDIDRate(ctx context.Context, didID int64) (mor.Fields, error) {
	return wait(ctx, func() (mor.Fields, error) { return p.api.GetDIDRate(ctx, didID) })
}

func (p patient) ListTariffs(ctx context.Context) ([]mor.Tariff, error) {
	return wait(ctx, func() ([]mor.Tariff, error) { return p.api.ListTariffs(ctx) })
}

func (p patient) ListLCRs(ctx context.Context, name string) ([]mor.LCR, error) {
	return wait(ctx, func() ([]mor.LCR, error) { return p.api.ListLCRs(ctx, name) })
}

func (p patient) ListDIDs(ctx context.Context, number string) ([]mor.DID, error) {
	return wait(ctx, func() ([]mor.DID, error) { return p.api.ListDIDs(ctx, number) })
}
