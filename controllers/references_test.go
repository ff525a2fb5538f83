package controllers

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/lookup"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// lookups is a MOR whose lookups answer from fixed lists, or fail.
type lookups struct {
	tariffs []mor.Tariff
	err     error
}

func (l lookups) ListTariffs(context.Context) ([]mor.Tariff, error) { return l.tariffs, l.err }
func (l lookups) ListLCRs(context.Context, string) ([]mor.LCR, error) {
	return []mor.LCR{{ID: 1, Name: "Primary"}}, l.err
}
func (l lookups) ListDIDs(context.Context, string) ([]mor.DID, error) { return nil, l.err }

// A name resolves to exactly one id or to nothing: a failing lookup, a missing or a
// shared name binds no id (so nothing stale or empty can be sent) and leaves status
// as it was.
func TestNamesResolveOrBindNothing(t *testing.T) {
	retail := []mor.Tariff{{ID: 2, Name: "Retail", Purpose: mor.PurposeUser}, {ID: 3, Name: "Twice"}, {ID: 4, Name: "Twice"}}
	for _, tc := range []struct {
		name   string
		mor    lookups
		tariff string
		reason string // "" for a transient error, passed through
		bound  string // tariff_id sent, "" for none
	}{
		{name: "resolved", mor: lookups{tariffs: retail}, tariff: "Retail", bound: "2"},
		{name: "missing", mor: lookups{tariffs: retail}, tariff: "retail", reason: verdict.ReasonReferenceNotFound},
		{name: "shared", mor: lookups{tariffs: retail}, tariff: "Twice", reason: verdict.ReasonAmbiguousReference},
		{name: "lookup failed", mor: lookups{err: errors.New("connection reset")}, tariff: "Retail"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec := v1alpha1.LocationRuleSpec{TariffName: ptrTo(tc.tariff), LCRName: ptrTo("Primary")}
			params := mor.ParamsOf(&spec)
			conn := &connection.Connection{Server: "default", Lookups: lookup.New(tc.mor, time.Minute)}
			learned, err := namesOf(&spec, conn, params).Resolve(context.Background())
			if got := params.Fields()["tariff_id"]; got != tc.bound {
				t.Errorf("tariff_id sent %q, want %q", got, tc.bound)
			}
			if tc.bound != "" {
				if err != nil || !learned.ResolvedKnown || len(learned.Resolved) != 2 {
					t.Fatalf("Resolve: %+v, %v", learned, err)
				}
				return
			}
			if err == nil || learned.ResolvedKnown {
				t.Fatalf("Resolve: %+v, %v; want an error and status left alone", learned, err)
			}
			if got := verdict.Of(err).Reason; got != tc.reason {
				t.Errorf("verdict %q (%v), want %q", got, err, tc.reason)
			}
		})
	}
}
