package v1alpha1

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// Accessors let the shared reconciler treat all four kinds alike.

// ManagedStatus returns the status every kind shares.
func (s *MorServer) ManagedStatus() *ResourceStatus { return &s.Status.ResourceStatus }

// ServerName is the MorServer itself.
func (s *MorServer) ServerName() string { return s.Name }

// ObserveOnly is false: a MorServer is never written to.
func (s *MorServer) ObserveOnly() bool { return false }

// ManagedStatus returns the status every kind shares.
func (d *MorDefaults) ManagedStatus() *ResourceStatus { return &d.Status.ResourceStatus }

// ServerName returns the referenced MorServer's name.
func (d *MorDefaults) ServerName() string { return ServerName(d.Spec.ServerRef) }

// ObserveOnly is false: MOR has no read method for defaults, so there is nothing to observe.
func (d *MorDefaults) ObserveOnly() bool { return false }

// ManagedStatus returns the status every kind shares.
func (d *DIDRate) ManagedStatus() *ResourceStatus { return &d.Status.ResourceStatus }

// ServerName returns the referenced MorServer's name.
func (d *DIDRate) ServerName() string { return ServerName(d.Spec.ServerRef) }

// ObserveOnly reports whether writes are forbidden.
func (d *DIDRate) ObserveOnly() bool { return IsObserveOnly(d.Spec.ManagementPolicy) }

// ManagedStatus returns the status every kind shares.
func (r *LocationRule) ManagedStatus() *ResourceStatus { return &r.Status.ResourceStatus }

// ServerName returns the referenced MorServer's name.
func (r *LocationRule) ServerName() string { return ServerName(r.Spec.ServerRef) }

// ObserveOnly reports whether writes are forbidden.
func (r *LocationRule) ObserveOnly() bool { return IsObserveOnly(r.Spec.ManagementPolicy) }

// Orphans reports whether deleting the resource leaves the rule in MOR.
func (r *LocationRule) Orphans() bool {
	return r.Spec.DeletionPolicy != nil && *r.Spec.DeletionPolicy == DeletionPolicyOrphan
}

// Setters for what the shared reconciler records of each kind's own status fields.

// SetReportedVersion records the version the server's probe read.
func (s *MorServer) SetReportedVersion(v string) { s.Status.Version = v }

// SetApplied records settings written to MOR, by fingerprint, and when.
func (d *MorDefaults) SetApplied(fingerprint string, at metav1.Time) {
	d.Status.AppliedFingerprint, d.Status.LastAppliedTime = fingerprint, &at
}

// SetReportedDrift records what an ObserveOnly DIDRate found differing.
func (d *DIDRate) SetReportedDrift(fields []string, drift []FieldDrift) {
	d.Status.DriftedFields, d.Status.Drift = fields, drift
}

// SetExternalID records the MOR rule's id (nil: none).
func (r *LocationRule) SetExternalID(id *int64) { r.Status.RuleID = id }

// SetReportedDrift records what an ObserveOnly LocationRule found differing.
func (r *LocationRule) SetReportedDrift(fields []string, drift []FieldDrift) {
	r.Status.DriftedFields, r.Status.Drift = fields, drift
}

// SetResolved records what the spec's names resolved to.
func (d *DIDRate) SetResolved(refs []ResolvedReference) { d.Status.Resolved = refs }

// GetResolved returns what the spec's names last resolved to.
func (d *DIDRate) GetResolved() []ResolvedReference { return d.Status.Resolved }

// SetResolved records what the spec's names resolved to.
func (r *LocationRule) SetResolved(refs []ResolvedReference) { r.Status.Resolved = refs }

// GetResolved returns what the spec's names last resolved to.
func (r *LocationRule) GetResolved() []ResolvedReference { return r.Status.Resolved }

// DID returns the id of the DID the resource manages: spec.didID, or what
// spec.didNumber last resolved to (nil until it has).
func (d *DIDRate) DID() *int64 {
	if d.Spec.DIDID != nil {
		return d.Spec.DIDID
	}
	return ResolvedID(d.Status.Resolved, "spec.didNumber")
}

// RuleID returns the id of the MOR rule the resource manages: spec.ruleID, or the one
// it created (status.ruleID); nil until it has one.
func (r *LocationRule) RuleID() *int64 {
	if r.Spec.RuleID != nil {
		return r.Spec.RuleID
	}
	return r.Status.RuleID
}
