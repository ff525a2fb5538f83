package managed

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
)

// The status fields a kind has beyond ResourceStatus, each set here only: what an
// External learned goes to the resource through these.
type (
	externalIDHolder interface{ SetExternalID(id *int64) }
	versionHolder    interface{ SetReportedVersion(version string) }
	appliedHolder    interface {
		SetApplied(fingerprint string, at metav1.Time)
	}
	driftHolder interface {
		SetReportedDrift(fields []string, drift []v1alpha1.FieldDrift)
	}
	resolvedHolder interface {
		GetResolved() []v1alpha1.ResolvedReference
		SetResolved(refs []v1alpha1.ResolvedReference)
	}
)

// Record writes into obj's status what an External learned.
func Record(obj Resource, l Learned) {
	if h, ok := any(obj).(externalIDHolder); ok && l.IDKnown {
		h.SetExternalID(l.ID)
	}
	if h, ok := any(obj).(versionHolder); ok && l.Version != "" {
		h.SetReportedVersion(l.Version)
	}
	if h, ok := any(obj).(appliedHolder); ok && l.Applied != "" {
		h.SetApplied(l.Applied, metav1.Now())
	}
	if h, ok := any(obj).(resolvedHolder); ok && l.ResolvedKnown {
		h.SetResolved(l.Resolved)
	}
}

// RecordObservation records a successful Observe: what it learned and, for a thing
// that exists, the drift an ObserveOnly resource reports in status.drift (a managed
// resource corrects it instead, and reports none).
func RecordObservation(obj Resource, obs Observation) {
	Record(obj, obs.Learned)
	if h, ok := any(obj).(driftHolder); ok && obs.Exists {
		h.SetReportedDrift(reportedDrift(obj, obs.Drift))
	}
}

func reportedDrift(obj Resource, drift []v1alpha1.FieldDrift) (fields []string, values []v1alpha1.FieldDrift) {
	if !obj.ObserveOnly() || len(drift) == 0 {
		return nil, nil
	}
	for _, d := range drift {
		fields = append(fields, d.Field)
	}
	return fields, drift
}

// movedReferences describes each name of obj's spec that learned says now stands for
// another id than status recorded, e.g. `spec.tariffName "Gold" now names 9 (was 7)`.
func movedReferences(obj Resource, learned Learned) []string {
	h, ok := any(obj).(resolvedHolder)
	if !ok || !learned.ResolvedKnown {
		return nil
	}
	var moved []string
	for _, now := range learned.Resolved {
		was := v1alpha1.ResolvedID(h.GetResolved(), now.Field)
		if was != nil && *was != now.ID {
			moved = append(moved, fmt.Sprintf("%s %q now names %d (was %d)", now.Field, now.Name, now.ID, *was))
		}
	}
	return moved
}
