package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/claim"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// +kubebuilder:rbac:groups=mor.operator.dev,resources=mordefaults,verbs=get;list;watch
// +kubebuilder:rbac:groups=mor.operator.dev,resources=mordefaults/status,verbs=patch

// morDefaultsAPI is what a MorDefaults asks of MOR.
type morDefaultsAPI interface {
	UpdateConflines(ctx context.Context, params mor.Fields) error
}

// morDefaultsKind: a MorDefaults applies MOR's Default User/Device settings. MOR cannot
// read them back, so it applies when the fingerprint of (server, parameters) changes,
// and again every re-apply interval. It is never created or deleted in MOR, only
// applied.
var morDefaultsKind = &descriptor[*v1alpha1.MorDefaults]{
	name:       "MorDefaults",
	newObj:     func() *v1alpha1.MorDefaults { return &v1alpha1.MorDefaults{} },
	newList:    func() client.ObjectList { return &v1alpha1.MorDefaultsList{} },
	usesServer: true,
	claims:     claim.MorDefaults,
	adapter: func(opts Options) adapter[*v1alpha1.MorDefaults] {
		return morDefaultsAdapter{reapplyInterval: opts.DefaultsReapplyInterval, minInterval: opts.MinPollInterval}
	},
}

type morDefaultsAdapter struct {
	reapplyInterval time.Duration
	// minInterval floors spec.reapplyInterval (the manager's --min-poll-interval), so one
	// MorDefaults cannot send conflines_update every few milliseconds.
	minInterval time.Duration
}

func (a morDefaultsAdapter) connect(_ context.Context, d *v1alpha1.MorDefaults, conn *connection.Connection) managed.External {
	interval := a.reapplyInterval
	if d.Spec.ReapplyInterval != nil && d.Spec.ReapplyInterval.Duration > 0 {
		interval = max(d.Spec.ReapplyInterval.Duration, a.minInterval)
	}
	return &morDefaultsExternal{onServer: onServer{conn}, defaults: d, api: conn.Client, params: mor.ParamsOf(&d.Spec), interval: interval}
}

type morDefaultsExternal struct {
	onServer
	defaults       *v1alpha1.MorDefaults
	api            morDefaultsAPI
	params         *mor.Params
	interval       time.Duration
	fingerprintNow string        // of what Observe saw; reported once applied
	due            time.Duration // until the next re-apply, when not yet due
	reapplying     bool          // the write Observe asked for is a periodic re-apply
}

func (e *morDefaultsExternal) Observe(ctx context.Context) (managed.Observation, error) {
	fp := e.fingerprint()
	e.fingerprintNow = fp
	st := &e.defaults.Status
	if st.AppliedFingerprint == fp && st.LastAppliedTime != nil {
		if e.due = time.Until(st.LastAppliedTime.Add(e.interval)); e.due > 0 {
			return managed.Observation{Exists: true}, nil
		}
		e.reapplying = true
		return managed.Observation{Exists: true, Diff: e.allParams()}, nil
	}
	return managed.Observation{Exists: true, Diff: e.allParams()}, nil
}

// Update sends every managed parameter: MOR's current values cannot be read. It reports
// the fingerprint of what it applied.
func (e *morDefaultsExternal) Update(ctx context.Context, _ []string) (managed.Learned, error) {
	if err := e.api.UpdateConflines(ctx, e.params.Fields()); err != nil {
		return managed.Learned{}, err
	}
	return managed.Learned{Applied: e.fingerprintNow}, nil
}

// NextObservation brings the next reconcile forward to when the re-apply falls due.
func (e *morDefaultsExternal) NextObservation() time.Duration { return e.due }

// Reapplying reports whether the write Observe asked for is the periodic re-apply rather
// than a change.
func (e *morDefaultsExternal) Reapplying() bool { return e.reapplying }

func (e *morDefaultsExternal) allParams() []string {
	keys := make([]string, 0, len(e.params.Fields()))
	for k := range e.params.Fields() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fingerprint is the SHA-256 of the target server and the canonical parameter set,
// never the key.
func (e *morDefaultsExternal) fingerprint() string {
	h := sha256.New()
	for _, s := range []string{string(e.conn.UID), e.conn.Identity.URL, e.conn.Identity.Username} {
		h.Write([]byte(s + "\n"))
	}
	for _, k := range e.allParams() {
		h.Write([]byte(k + "=" + e.params.Fields()[k] + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil))
}
