package managed

import (
	"context"

	"github.com/mor-operator/mor-operator/internal/mor"
)

// MOR is everything the reconcilers ask of a MOR server. *mor.Client implements it; unit
// tests use a fake.
type MOR interface {
	SystemVersion(ctx context.Context) (string, error)
	UpdateConflines(ctx context.Context, params mor.Fields) error
	GetDIDRate(ctx context.Context, didID int64) (mor.Fields, error)
	UpdateDIDRate(ctx context.Context, didID int64, params mor.Fields) error
	CreateLocationRule(ctx context.Context, locationID int64, params mor.Fields) (int64, error)
	GetLocationRule(ctx context.Context, ruleID int64) (mor.Fields, error)
	UpdateLocationRule(ctx context.Context, ruleID int64, params mor.Fields) error
	DeleteLocationRule(ctx context.Context, ruleID int64) error
	ListLocationRules(ctx context.Context, locationID int64) ([]mor.Fields, error)
}
