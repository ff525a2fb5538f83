package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultUser holds MOR's Default User settings (conflines_update default_user_*).
// Every field is optional: an omitted field is not managed.
type DefaultUser struct {
	// passwordLength is the length of the passwords MOR generates for new users, 6 to 30
	// characters (default_user_password_length).
	// +kubebuilder:validation:Minimum=6
	// +kubebuilder:validation:Maximum=30
	// +optional
	PasswordLength *int32 `json:"passwordLength,omitempty" mor:"default_user_password_length"`
	// credit is the credit limit of new users: "-1" for unlimited, or a number of at
	// least 0 with an optional decimal part, e.g. "100" or "12.50" (default_user_credit).
	// +kubebuilder:validation:Pattern=`^(-1|[0-9]+(\.[0-9]+)?)$`
	// +optional
	Credit *string `json:"credit,omitempty" mor:"default_user_credit"`
	// balance is the starting balance of new users: a number with an optional minus
	// sign and decimal part, e.g. "0" or "-5.25" (default_user_balance).
	// +kubebuilder:validation:Pattern=`^-?[0-9]+(\.[0-9]+)?$`
	// +optional
	Balance *string `json:"balance,omitempty" mor:"default_user_balance"`
	// postpaid: true for postpaid users, false for prepaid (default_user_postpaid).
	// +optional
	Postpaid *bool `json:"postpaid,omitempty" mor:"default_user_postpaid"`
	// allowLossCalls says whether new users may make calls that cost more than they are
	// billed (default_user_allow_loss_calls).
	// +optional
	AllowLossCalls *bool `json:"allowLossCalls,omitempty" mor:"default_user_allow_loss_calls"`
	// callLimit is how many calls a new user may have at once, 0 for no limit
	// (default_user_call_limit).
	// +kubebuilder:validation:Minimum=0
	// +optional
	CallLimit *int32 `json:"callLimit,omitempty" mor:"default_user_call_limit"`
	// timeZone is the time zone of new users: MOR's exact, case-sensitive zone name, 1 to
	// 100 characters without control characters, e.g. "UTC" or "Atlantic Time (Canada)"
	// (default_user_time_zone).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:XValidation:rule="!self.matches('[\\\\x00-\\\\x1F\\\\x7F]')",message="must not contain control characters"
	// +optional
	TimeZone *string `json:"timeZone,omitempty" mor:"default_user_time_zone"`
	// currency is the currency of new users: a code of 3 capital letters known to MOR,
	// e.g. "USD" (default_user_currency).
	// +kubebuilder:validation:Pattern=`^[A-Z]{3}$`
	// +optional
	Currency *string `json:"currency,omitempty" mor:"default_user_currency"`
	// quickForwardsRuleID is the quick forwards rule of new users, or 0 for none
	// (default_user_quickforwards_rule_id).
	// +kubebuilder:validation:Minimum=0
	// +optional
	QuickForwardsRuleID *int64 `json:"quickForwardsRuleID,omitempty" mor:"default_user_quickforwards_rule_id"`
	// recordingEnabled says whether call recording is on for new users
	// (default_user_recording_enabled).
	// +optional
	RecordingEnabled *bool `json:"recordingEnabled,omitempty" mor:"default_user_recording_enabled"`
	// recordingForcedEnabled says whether call recording is forced on for new users
	// (default_user_recording_forced_enabled).
	// +optional
	RecordingForcedEnabled *bool `json:"recordingForcedEnabled,omitempty" mor:"default_user_recording_forced_enabled"`
	// tariffID is the tariff of new users: the id (at least 1) of a tariff with purpose
	// user or user_wholesale (default_user_tariff_id).
	// +kubebuilder:validation:Minimum=1
	// +optional
	TariffID *int64 `json:"tariffID,omitempty" mor:"default_user_tariff_id"`
}

// AudioCodec is a codec MOR knows for devices.
// +kubebuilder:validation:Enum=alaw;ulaw;g723;g726;g729;gsm;ilbc;lpc10;speex;slin
type AudioCodec string

// VideoCodec is a video codec MOR knows for devices.
// +kubebuilder:validation:Enum=h261;h263;h263p;h264
type VideoCodec string

// DefaultDevice holds MOR's Default Device settings (conflines_update default_device_*).
// Every field is optional: an omitted field is not managed.
type DefaultDevice struct {
	// callLimit is how many calls a new device may have at once, 0 for no limit
	// (default_device_call_limit).
	// +kubebuilder:validation:Minimum=0
	// +optional
	CallLimit *int32 `json:"callLimit,omitempty" mor:"default_device_call_limit"`
	// canReinvite is the SIP canreinvite setting of new devices: yes, no, nonat, update
	// or "update,nonat" (default_device_canreinvite).
	// +kubebuilder:validation:Enum=yes;no;nonat;update;"update,nonat"
	// +optional
	CanReinvite *string `json:"canReinvite,omitempty" mor:"default_device_canreinvite"`
	// nat is the NAT setting of new devices (default_device_nat): yes, no, never, route,
	// force_rport or comedia, the values Kolmisoft's conflines_update page documents. A
	// MOR that refuses one (some versions know only yes, no, force_rport and comedia)
	// answers with its error text, shown verbatim in status.
	// +kubebuilder:validation:Enum=yes;no;never;route;force_rport;comedia
	// +optional
	NAT *string `json:"nat,omitempty" mor:"default_device_nat"`
	// qualify is the SIP qualify setting of new devices: "no", or a whole number of
	// milliseconds of at least 1000, e.g. "2000" (default_device_qualify).
	// +kubebuilder:validation:Pattern=`^(no|[1-9][0-9]{3,})$`
	// +optional
	Qualify *string `json:"qualify,omitempty" mor:"default_device_qualify"`
	// graceTime is the grace time of new devices, in seconds, at least 0
	// (default_device_grace_time).
	// +kubebuilder:validation:Minimum=0
	// +optional
	GraceTime *int32 `json:"graceTime,omitempty" mor:"default_device_grace_time"`
	// audioCodecs are the audio codecs of new devices, at most 10, in priority order;
	// codecs not named are turned off (default_device_audio_codecs).
	// +kubebuilder:validation:MaxItems=10
	// +listType=atomic
	// +optional
	AudioCodecs []AudioCodec `json:"audioCodecs,omitempty" mor:"default_device_audio_codecs"`
	// videoCodecs are the video codecs of new devices, at most 4, in priority order
	// (default_device_video_codecs).
	// +kubebuilder:validation:MaxItems=4
	// +listType=atomic
	// +optional
	VideoCodecs []VideoCodec `json:"videoCodecs,omitempty" mor:"default_device_video_codecs"`
	// locationID is the location of new devices: the id (at least 1) of an existing
	// location (default_device_location_id).
	// +kubebuilder:validation:Minimum=1
	// +optional
	LocationID *int64 `json:"locationID,omitempty" mor:"default_device_location_id"`
}

// MorDefaultsSpec declares MOR's Default User and Default Device settings. There is no
// field for allow_api (turning the API off would lock the operator out) nor for
// api_secret_key.
type MorDefaultsSpec struct {
	// serverRef names the MorServer; "default" when omitted. At most one MorDefaults
	// may target a server.
	// +kubebuilder:default={name: default}
	// +optional
	ServerRef *ServerReference `json:"serverRef,omitempty"`
	// user holds the Default User settings.
	// +optional
	User *DefaultUser `json:"user,omitempty"`
	// device holds the Default Device settings.
	// +optional
	Device *DefaultDevice `json:"device,omitempty"`
	// reapplyInterval: MOR has no read method for these settings, so drift cannot be
	// seen; they are applied again this often (default: the manager's
	// --defaults-reapply-interval, 1h), at most 720h (30 days) and at least the manager's
	// --min-poll-interval (30s).
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) <= duration('720h')",message="reapplyInterval must be at most 720h (30 days)"
	// +optional
	ReapplyInterval *metav1.Duration `json:"reapplyInterval,omitempty"`
}

// MorDefaultsStatus records what was last applied.
type MorDefaultsStatus struct {
	ResourceStatus `json:",inline"`
	// appliedFingerprint is the SHA-256 of the server and the parameters last applied
	// (never the key).
	// +optional
	AppliedFingerprint string `json:"appliedFingerprint,omitempty"`
	// lastAppliedTime is when conflines_update last succeeded; it moves only on writes.
	// +optional
	LastAppliedTime *metav1.Time `json:"lastAppliedTime,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=mor
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Server",type=string,JSONPath=`.spec.serverRef.name`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// MorDefaults is MOR's Default User and Default Device settings of one server.
type MorDefaults struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +kubebuilder:default={}
	// +optional
	Spec MorDefaultsSpec `json:"spec,omitempty"`
	// +optional
	Status MorDefaultsStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// MorDefaultsList contains a list of MorDefaults.
type MorDefaultsList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MorDefaults `json:"items"`
}
