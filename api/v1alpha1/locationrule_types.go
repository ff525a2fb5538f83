package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DeletionPolicy says what happens in MOR when the resource is deleted.
// +kubebuilder:validation:Enum=Delete;Orphan
type DeletionPolicy string

const (
	// DeletionPolicyDelete deletes the rule in MOR (the behaviour when omitted).
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyOrphan leaves the rule in MOR.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// LocationRuleType is MOR's lr_type.
// +kubebuilder:validation:Enum=dst;src;combined
type LocationRuleType string

// LocationRuleSpec declares one localization rule of one MOR location.
// +kubebuilder:validation:XValidation:rule="has(self.ruleID) || has(self.name)",message="spec.name is required unless spec.ruleID adopts an existing rule",fieldPath=".name"
// +kubebuilder:validation:XValidation:rule="!has(self.minLen) || !has(self.maxLen) || self.minLen <= self.maxLen",message="spec.minLen must be less than or equal to spec.maxLen",fieldPath=".minLen"
// +kubebuilder:validation:XValidation:rule="!has(self.srcMinLen) || !has(self.srcMaxLen) || self.srcMinLen <= self.srcMaxLen",message="spec.srcMinLen must be less than or equal to spec.srcMaxLen",fieldPath=".srcMinLen"
// +kubebuilder:validation:XValidation:rule="has(self.ruleID) || (has(self.type) && self.type == 'src') || (has(self.cut) && size(self.cut) > 0) || (has(self.add) && size(self.add) > 0)",message="spec.cut and spec.add cannot both be empty",fieldPath=".cut"
// +kubebuilder:validation:XValidation:rule="has(self.ruleID) == has(oldSelf.ruleID) && (!has(self.ruleID) || self.ruleID == oldSelf.ruleID)",message="spec.ruleID is immutable: it can only be set when the resource is created",fieldPath=".ruleID"
// +kubebuilder:validation:XValidation:rule="(has(self.serverRef) ? self.serverRef.name : 'default') == (has(oldSelf.serverRef) ? oldSelf.serverRef.name : 'default')",message="spec.serverRef is immutable",fieldPath=".serverRef"
// +kubebuilder:validation:XValidation:rule="!(has(self.tariffID) && has(self.tariffName))",message="spec.tariffID and spec.tariffName cannot both be set: name the tariff one way",fieldPath=".tariffName"
// +kubebuilder:validation:XValidation:rule="!(has(self.lcrID) && has(self.lcrName))",message="spec.lcrID and spec.lcrName cannot both be set: name the LCR one way",fieldPath=".lcrName"
// +kubebuilder:validation:XValidation:rule="!(has(self.didID) && has(self.didNumber))",message="spec.didID and spec.didNumber cannot both be set: name the DID one way",fieldPath=".didNumber"
type LocationRuleSpec struct {
	// serverRef names the MorServer; "default" when omitted. Immutable.
	// +kubebuilder:default={name: default}
	// +optional
	ServerRef *ServerReference `json:"serverRef,omitempty"`
	// locationID is the id of the MOR location the rule belongs to, at least 1. Immutable.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="spec.locationID is immutable"
	// +required
	LocationID int64 `json:"locationID"`
	// ruleID adopts the existing MOR rule of this id (at least 1) instead of creating
	// one. It can only be set when the resource is created.
	// +kubebuilder:validation:Minimum=1
	// +optional
	RuleID *int64 `json:"ruleID,omitempty"`
	// name is the rule's name in MOR (name), required to create a rule: 1 to 255
	// characters, at least one of them not a space, as MOR refuses a blank name. It is
	// kept exactly, spaces at the ends included. Control characters other than tab and
	// line feed are refused, as MOR's XML answers cannot carry them back.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:Pattern=`\S`
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x08\\\\x0B-\\\\x1F\\\\x7F\\\\x{FFFE}\\\\x{FFFF}]')",message="must not contain control characters other than tab and line feed: MOR's XML answers cannot carry them back"
	// +optional
	Name *string `json:"name,omitempty" mor:"name"`
	// enabled says whether MOR applies the rule: true on, false off (enabled; MOR's
	// default true).
	// +optional
	Enabled *bool `json:"enabled,omitempty" mor:"enabled"`
	// type is the kind of rule (lr_type; MOR's default dst): dst rewrites the
	// destination number, src the source number, combined both.
	// +optional
	Type *LocationRuleType `json:"type,omitempty" mor:"lr_type"`
	// cut is the prefix the rule cuts from the destination number (cut): up to 60 characters, each a digit, an ASCII letter, +, * or #; may be empty.
	// cut and add may not both be empty unless type is src.
	// +kubebuilder:validation:MaxLength=60
	// +kubebuilder:validation:Pattern=`^[0-9A-Za-z+*#]*$`
	// +optional
	Cut *string `json:"cut,omitempty" mor:"cut"`
	// add is the prefix the rule adds to the destination number (add): up to 60 characters, each a digit, an ASCII letter, +, * or #; may be empty.
	// +kubebuilder:validation:MaxLength=60
	// +kubebuilder:validation:Pattern=`^[0-9A-Za-z+*#]*$`
	// +optional
	Add *string `json:"add,omitempty" mor:"add"`
	// minLen is the shortest destination number the rule applies to, in digits, from 0
	// to 100 and at most maxLen (minlen; MOR's default 1).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	MinLen *int32 `json:"minLen,omitempty" mor:"minlen"`
	// maxLen is the longest destination number the rule applies to, in digits, from 0
	// to 100 and at least minLen (maxlen; MOR's default 99).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	MaxLen *int32 `json:"maxLen,omitempty" mor:"maxlen"`
	// srcCut is the prefix the rule cuts from the source number (src_cut): up to 60 characters, each a digit, an ASCII letter, +, * or #; may be empty.
	// +kubebuilder:validation:MaxLength=60
	// +kubebuilder:validation:Pattern=`^[0-9A-Za-z+*#]*$`
	// +optional
	SrcCut *string `json:"srcCut,omitempty" mor:"src_cut"`
	// srcAdd is the prefix the rule adds to the source number (src_add): up to 60 characters, each a digit, an ASCII letter, +, * or #; may be empty.
	// +kubebuilder:validation:MaxLength=60
	// +kubebuilder:validation:Pattern=`^[0-9A-Za-z+*#]*$`
	// +optional
	SrcAdd *string `json:"srcAdd,omitempty" mor:"src_add"`
	// srcMinLen is the shortest source number the rule applies to, in digits, from 0 to
	// 100 and at most srcMaxLen (src_minlen; MOR's default 1).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	SrcMinLen *int32 `json:"srcMinLen,omitempty" mor:"src_minlen"`
	// srcMaxLen is the longest source number the rule applies to, in digits, from 0 to
	// 100 and at least srcMinLen (src_maxlen; MOR's default 99).
	// +kubebuilder:validation:Minimum=0
	// +kubebuilder:validation:Maximum=100
	// +optional
	SrcMaxLen *int32 `json:"srcMaxLen,omitempty" mor:"src_maxlen"`
	// tariffID is the tariff the rule changes the call to, a tariff id of at least 1, or
	// -1 to unassign it (tariff_id).
	// +kubebuilder:validation:XValidation:rule="self == -1 || self >= 1",message="spec.tariffID must be -1 (unassign) or a tariff id >= 1"
	// +optional
	TariffID *int64 `json:"tariffID,omitempty" mor:"tariff_id,unassigned=-1"`
	// lcrID is the LCR the rule changes the call to, an LCR id of at least 1, or -1 to
	// unassign it (lcr_id).
	// +kubebuilder:validation:XValidation:rule="self == -1 || self >= 1",message="spec.lcrID must be -1 (unassign) or an LCR id >= 1"
	// +optional
	LCRID *int64 `json:"lcrID,omitempty" mor:"lcr_id,unassigned=-1"`
	// didID is the DID the rule routes the call to, a DID id of at least 1, or -1 to
	// unassign it (did_id).
	// +kubebuilder:validation:XValidation:rule="self == -1 || self >= 1",message="spec.didID must be -1 (unassign) or a DID id >= 1"
	// +optional
	DIDID *int64 `json:"didID,omitempty" mor:"did_id,unassigned=-1"`
	// tariffName names the tariff the rule changes the call to, as MOR names it (exactly:
	// case and spaces count), resolved to its id on the rule's server through MOR's
	// tariffs_get: the alternative to tariffID, which cannot be set with it. 1 to 255 characters.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	TariffName *string `json:"tariffName,omitempty" mor:"tariff_id" lookup:"tariff"`
	// lcrName names the LCR the rule changes the call to, as MOR names it, resolved to its
	// id on the rule's server through MOR's lcrs_get: the alternative to lcrID, which
	// cannot be set with it. 1 to 255 characters.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	LCRName *string `json:"lcrName,omitempty" mor:"lcr_id" lookup:"lcr"`
	// didNumber is the number of the DID the rule routes the call to, resolved to its id
	// on the rule's server through MOR's dids_get: the alternative to didID, which
	// cannot be set with it. 1 to 255 characters.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +optional
	DIDNumber *string `json:"didNumber,omitempty" mor:"did_id" lookup:"did"`
	// deviceID is the device the rule makes the call's owner, a device id of at least 1,
	// or -1 to unassign it (device_id).
	// +kubebuilder:validation:XValidation:rule="self == -1 || self >= 1",message="spec.deviceID must be -1 (unassign) or a device id >= 1"
	// +optional
	DeviceID *int64 `json:"deviceID,omitempty" mor:"device_id,unassigned=-1"`
	// changeCallerIDName turns MOR's "change callerid name" option of the rule on (true)
	// or off (false) (change_callerid_name; MOR's default false).
	// +optional
	ChangeCallerIDName *bool `json:"changeCallerIDName,omitempty" mor:"change_callerid_name"`
	// deletionPolicy: Delete (when omitted) removes the rule from MOR when this resource
	// is deleted; Orphan leaves it.
	// +optional
	DeletionPolicy *DeletionPolicy `json:"deletionPolicy,omitempty"`
	// managementPolicy: Manage (the default) makes MOR match the spec; ObserveOnly reads
	// MOR and reports drift in status, and never writes.
	// +kubebuilder:default=Manage
	// +optional
	ManagementPolicy *ManagementPolicy `json:"managementPolicy,omitempty"`
}

// LocationRuleStatus reports the MOR rule this resource manages.
type LocationRuleStatus struct {
	ResourceStatus `json:",inline"`
	// ruleID is the MOR id of the managed rule.
	// +optional
	RuleID *int64 `json:"ruleID,omitempty"`
	// resolved lists the ids the spec's names (tariffName, lcrName, didNumber) stand for
	// on this rule's server, as last resolved.
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
// +kubebuilder:resource:categories=mor
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Policy",type=string,JSONPath=`.spec.managementPolicy`
// +kubebuilder:printcolumn:name="Rule ID",type=integer,JSONPath=`.status.ruleID`
// +kubebuilder:printcolumn:name="Location",type=integer,JSONPath=`.spec.locationID`,priority=1
// +kubebuilder:printcolumn:name="Server",type=string,JSONPath=`.spec.serverRef.name`,priority=1
// +kubebuilder:printcolumn:name="Tariff ID",type=integer,JSONPath=`.status.resolved[?(@.field=="spec.tariffName")].id`,priority=1
// +kubebuilder:printcolumn:name="LCR ID",type=integer,JSONPath=`.status.resolved[?(@.field=="spec.lcrName")].id`,priority=1
// +kubebuilder:printcolumn:name="DID ID",type=integer,JSONPath=`.status.resolved[?(@.field=="spec.didNumber")].id`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// LocationRule is one localization rule of one MOR location.
type LocationRule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec LocationRuleSpec `json:"spec"`
	// +optional
	Status LocationRuleStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// LocationRuleList contains a list of LocationRule.
type LocationRuleList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []LocationRule `json:"items"`
}
