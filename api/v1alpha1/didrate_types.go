package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DIDRateSpec declares the rate details of one DID.
// +kubebuilder:validation:XValidation:rule="has(self.didID) != has(self.didNumber)",message="exactly one of spec.didID and spec.didNumber must be set"
// +kubebuilder:validation:XValidation:rule="has(self.didID) == has(oldSelf.didID) && has(self.didNumber) == has(oldSelf.didNumber)",message="spec.didID and spec.didNumber are immutable: the DID a DIDRate manages is chosen when it is created",fieldPath=".didNumber"
// +kubebuilder:validation:XValidation:rule="!(has(self.providerTariffID) && has(self.providerTariffName))",message="spec.providerTariffID and spec.providerTariffName cannot both be set: name the tariff one way",fieldPath=".providerTariffName"
// +kubebuilder:validation:XValidation:rule="!(has(self.ownerTariffID) && has(self.ownerTariffName))",message="spec.ownerTariffID and spec.ownerTariffName cannot both be set: name the tariff one way",fieldPath=".ownerTariffName"
type DIDRateSpec struct {
	// serverRef names the MorServer; "default" when omitted.
	// +kubebuilder:default={name: default}
	// +optional
	ServerRef *ServerReference `json:"serverRef,omitempty"`
	// didID is MOR's numeric DID id (not the phone number), at least 1. Immutable; the
	// alternative to didNumber.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.didID is immutable"
	// +optional
	DIDID *int64 `json:"didID,omitempty"`
	// didNumber is the DID's number, resolved to its id on the server through MOR's
	// dids_get: 1 to 255 characters. Immutable; the alternative to didID.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.didNumber is immutable"
	// +optional
	DIDNumber *string `json:"didNumber,omitempty" lookup:"did,id=didID"`
	// providerTariffID is the id (at least 1) of the tariff the DID's provider bills by
	// (provider_tariff_id).
	// +kubebuilder:validation:Minimum=1
	// +optional
	ProviderTariffID *int64 `json:"providerTariffID,omitempty" mor:"provider_tariff_id,unassigned=omit"`
	// providerTariffName names the tariff the DID's provider bills by, a tariff of
	// purpose provider as MOR names it (1 to 255 characters), resolved through tariffs_get:
	// the alternative to providerTariffID.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	ProviderTariffName *string `json:"providerTariffName,omitempty" mor:"provider_tariff_id" lookup:"providerTariff"`
	// allowCallRejectProvider: true rejects calls, false applies the provider tariff
	// (allow_call_reject_provider).
	// +optional
	AllowCallRejectProvider *bool `json:"allowCallRejectProvider,omitempty" mor:"allow_call_reject_provider"`
	// ownerTariffID is the id of the DID owner's tariff, or 0 for the "None" tariff
	// (owner_tariff_id).
	// +kubebuilder:validation:Minimum=0
	// +optional
	OwnerTariffID *int64 `json:"ownerTariffID,omitempty" mor:"owner_tariff_id,unassigned=0"`
	// ownerTariffName names the DID owner's tariff as MOR names it (a tariff not of
	// purpose provider), resolved through tariffs_get: the alternative to ownerTariffID,
	// which alone can say "None" (0). 1 to 255 characters.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	OwnerTariffName *string `json:"ownerTariffName,omitempty" mor:"owner_tariff_id" lookup:"tariff"`
	// allowCallReject is the owner-side counterpart of allowCallRejectProvider, set
	// beside ownerTariffID: true or false (allow_call_reject).
	// +optional
	AllowCallReject *bool `json:"allowCallReject,omitempty" mor:"allow_call_reject"`
	// managementPolicy: Manage (the default) makes MOR match the spec; ObserveOnly reads
	// MOR and reports drift in status, and never writes.
	// +kubebuilder:default=Manage
	// +optional
	ManagementPolicy *ManagementPolicy `json:"managementPolicy,omitempty"`
}

// DIDRateStatus reports whether the DID's rate details match.
type DIDRateStatus struct {
	ResourceStatus `json:",inline"`
	// resolved lists the ids the spec's names (didNumber, providerTariffName,
	// ownerTariffName) stand for on this DID's server, as last resolved.
	// +listType=map
	// +listMapKey=field
	// +optional
	Resolved []ResolvedReference `json:"resolved,omitempty"`
	// driftedFields lists the spec fields MOR differs in while ObserveOnly.
	// +listType=set
	// +optional
	DriftedFields []string `json:"driftedFields,omitempty"`
	// drift lists each spec field MOR differs in while ObserveOnly, with both values.
	// +listType=map
	// +listMapKey=field
	// +optional
	Drift []FieldDrift `json:"drift,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=mor,shortName=didrate
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.spec.managementPolicy`
// +kubebuilder:printcolumn:name="DID",type=integer,JSONPath=`.spec.didID`
// +kubebuilder:printcolumn:name="DID Number",type=string,JSONPath=`.spec.didNumber`
// +kubebuilder:printcolumn:name="Server",type=string,JSONPath=`.spec.serverRef.name`,priority=1
// +kubebuilder:printcolumn:name="DID ID",type=integer,JSONPath=`.status.resolved[?(@.field=="spec.didNumber")].id`,priority=1
// +kubebuilder:printcolumn:name="Provider Tariff ID",type=integer,JSONPath=`.status.resolved[?(@.field=="spec.providerTariffName")].id`,priority=1
// +kubebuilder:printcolumn:name="Owner Tariff ID",type=integer,JSONPath=`.status.resolved[?(@.field=="spec.ownerTariffName")].id`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// DIDRate is the rate details of one MOR DID.
type DIDRate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec DIDRateSpec `json:"spec"`
	// +optional
	Status DIDRateStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// DIDRateList contains a list of DIDRate.
type DIDRateList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []DIDRate `json:"items"`
}
