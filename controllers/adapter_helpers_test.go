package controllers

import (
	"context"
	"testing"

	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// mustConnect returns kind's External for obj, failing the test on a connect error.
func mustConnect[T managed.Resource](t *testing.T, kind managed.Kind[T], obj T) managed.External {
	t.Helper()
	ext, err := kind.Connect(context.Background(), obj)
	if err != nil {
		t.Fatalf("Connect: %v", err)
	}
	return ext
}

// ownAndObserve takes the loop's ownership step for obj, connected through ext, and
// then observes.
func ownAndObserve[T managed.Resource](kind managed.Kind[T], obj T, ext managed.External) (managed.Observation, error) {
	if err := kind.(managed.Owning[T]).Owns(context.Background(), obj, ext); err != nil {
		return managed.Observation{}, err
	}
	return ext.Observe(context.Background())
}

// stalledReason is the Stalled reason err's verdict gives ("" when none).
func stalledReason(err error) string {
	if err == nil {
		return ""
	}
	return verdict.Of(err).Reason
}

// calls returns the MOR calls made since before, by method.
func (r *rig) callsSince(before map[string]int) map[string]int {
	return diff(before, r.mor.snapshot())
}

// observe, create and update take an External's step on obj and record what it
// reported in obj's status, as the loop does.
func observe[T managed.Resource](obj T, ext managed.External) (managed.Observation, error) {
	obs, err := ext.Observe(context.Background())
	if err != nil {
		managed.Record(obj, obs.Learned)
		return obs, err
	}
	managed.RecordObservation(obj, obs)
	return obs, nil
}

func create[T managed.Resource](obj T, ext managed.External) error {
	learned, err := ext.(managed.Creator).Create(context.Background())
	if err == nil {
		managed.Record(obj, learned)
	}
	return err
}

func update[T managed.Resource](obj T, ext managed.External, diff []string) error {
	learned, err := ext.(managed.Updater).Update(context.Background(), diff)
	if err == nil {
		managed.Record(obj, learned)
	}
	return err
}
