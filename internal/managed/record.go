package managed

import (
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
