package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Annotations understood on every kind.
const (
	// AnnotationPaused set to "true" stops all MOR calls for the resource.
	AnnotationPaused = "mor.operator.dev/paused"
	// AnnotationPollInterval overrides the manager's --poll-interval for one resource
	// (a Go duration, e.g. "2m").
	AnnotationPollInterval = "mor.operator.dev/poll-interval"
	// AnnotationCreatePending is set by the operator, before it asks MOR to create
	// something, to a token naming that attempt (the resource's UID and the time). The
	// status write that records the outcome also records the token
	// (status.completedCreate), which spends the record without a write of its own.
	// Only a resource carrying a live record (its own UID, not yet completed) may
	// claim, by identity, a MOR object whose id it lost; an identical object without it
	// was made by someone else.
	AnnotationCreatePending = "mor.operator.dev/create-pending"
)

// Condition types.
const (
	// ConditionReady is True when MOR matches the current spec.
	ConditionReady = "Ready"
	// ConditionSynced says whether the last attempt to talk to MOR succeeded.
	ConditionSynced = "Synced"
	// ConditionStalled is present and True only when progress needs a person.
	ConditionStalled = "Stalled"
)

// Condition reasons the reconcile loop writes. Ready: Available, or False with Creating,
// Updating, Deleting, Unavailable, Paused, Drifted (ObserveOnly), NotFound (ObserveOnly,
// absent in MOR), or a wait reason (WaitingForServer, package verdict). Synced:
// ReconcileSuccess, ReconcileError, ReconcilePaused, or the wait reason. Stalled reasons
// say what a person must fix; they come with the error (package verdict).
const (
	ReasonAvailable   = "Available"
	ReasonCreating    = "Creating"
	ReasonUpdating    = "Updating"
	ReasonDeleting    = "Deleting"
	ReasonUnavailable = "Unavailable"
	ReasonPaused      = "Paused"
	ReasonDrifted     = "Drifted"
	ReasonNotFound    = "NotFound"

	ReasonReconcileSuccess = "ReconcileSuccess"
	ReasonReconcileError   = "ReconcileError"
	ReasonReconcilePaused  = "ReconcilePaused"
)

// DefaultServerName is the MorServer used when spec.serverRef is omitted.
const DefaultServerName = "default"

// ServerReference names a MorServer in the same namespace.
type ServerReference struct {
	// name is the name of a MorServer in the same namespace, up to 253 characters.
	// Cross-namespace references are not allowed: a namespace is a tenant boundary.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`
}

// ManagementPolicy says whether the operator may write to MOR.
// +kubebuilder:validation:Enum=Manage;ObserveOnly
type ManagementPolicy string

const (
	// ManagementPolicyManage makes MOR match the spec (the behaviour when omitted).
	ManagementPolicyManage ManagementPolicy = "Manage"
	// ManagementPolicyObserveOnly reads MOR and reports drift in status, never writes.
	ManagementPolicyObserveOnly ManagementPolicy = "ObserveOnly"
)

// ResourceStatus is the status every kind shares.
type ResourceStatus struct {
	// observedGeneration is the metadata.generation the operator last reached a verdict
	// on: MOR brought in line with it, or a Stalled condition that needs a person.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// conditions are Ready, Synced and, when a person must act, Stalled.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// lastCorrection is the last time the operator brought MOR back in line with an
	// unchanged spec (drift made behind its back), with each field's values. Written
	// only when a correction happens, so a quiet steady state writes nothing.
	// +optional
	LastCorrection *Correction `json:"lastCorrection,omitempty"`

	// completedCreate is the create-pending record (annotation
	// mor.operator.dev/create-pending) of the last create whose outcome this status
	// holds: a record equal to it is spent. At most 128 characters.
	// +kubebuilder:validation:MaxLength=128
	// +optional
	CompletedCreate string `json:"completedCreate,omitempty"`
}

// Correction is one write that undid drift in MOR.
type Correction struct {
	// time is when the correcting write was made.
	// +required
	Time metav1.Time `json:"time"`
	// fields are the fields corrected: desired is what MOR now holds, observed what it
	// held before.
	// +listType=map
	// +listMapKey=field
	// +optional
	Fields []FieldDrift `json:"fields,omitempty"`
}

// FieldDrift is one spec field MOR differs in: the value the spec declares and the one
// MOR holds, both in MOR's form (flags 1/0, "" when MOR has none). Never a secret: no
// kind has a secret spec field.
type FieldDrift struct {
	// field is the spec field's path, as in driftedFields, e.g. "spec.tariffID".
	// +required
	Field string `json:"field"`
	// desired is the spec's value.
	// +optional
	Desired string `json:"desired,omitempty"`
	// observed is MOR's value.
	// +optional
	Observed string `json:"observed,omitempty"`
}

// ResolvedReference is a name in the spec and the MOR id it stands for on the
// resource's server.
type ResolvedReference struct {
	// field is the spec field holding the name, e.g. "spec.tariffName".
	// +required
	Field string `json:"field"`
	// name is the name (for a DID, the number) the field holds.
	// +required
	Name string `json:"name"`
	// id is the MOR id the name resolved to.
	// +required
	ID int64 `json:"id"`
}

// ResolvedID returns the id refs hold for field, if any.
func ResolvedID(refs []ResolvedReference, field string) *int64 {
	for _, r := range refs {
		if r.Field == field {
			return &r.ID
		}
	}
	return nil
}

// ServerName returns the referenced MorServer's name, "default" when omitted.
func ServerName(ref *ServerReference) string {
	if ref == nil || ref.Name == "" {
		return DefaultServerName
	}
	return ref.Name
}

// IsObserveOnly reports whether a management policy forbids writes.
func IsObserveOnly(p *ManagementPolicy) bool {
	return p != nil && *p == ManagementPolicyObserveOnly
}
