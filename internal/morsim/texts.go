package morsim

// Every text the simulator answers, in one place. Texts quoted by the MOR API contract
// (docs/mor-api.md) are copied verbatim; texts the contract does not give are
// marked "(assumed)" and may be changed here without touching the handlers.

// Pre-checks, answered with the bare <status><error>TEXT</error></status> envelope.
const (
	TextAPIDisabled  = "API Requests are disabled"
	TextGETDisabled  = "GET Requests are disabled"
	TextNoSecretKey  = "API must have Secret Key"
	TextIncorrectKey = "Incorrect hash"
)

// Common to methods.
const (
	TextAccessDenied = "Access Denied"
	// TextUnknownMethod answers /api/<name> for a name outside the contract (assumed).
	TextUnknownMethod = "Unknown API method"
	// TextBadBody answers a body that cannot be parsed (malformed JSON, a JSON value that
	// is an array or object, an unreadable form) (assumed).
	TextBadBody = "Invalid request parameters"
)

// system_version_get.
const (
	// Version is what system_version_get answers in <version>.
	Version = "X17"
)

// conflines_update.
const (
	TextConflinesUpdated = "Conflines successfully updated"

	TextPasswordLength     = "default_user_password_length must be between 6 and 30"
	TextUserCredit         = "default_user_credit must be positive number or -1 for infinity"
	TextUserBalance        = "default_user_balance must be number"
	TextUserPostpaid       = "default_user_postpaid must be 0 or 1"
	TextUserAllowLossCalls = "default_user_allow_loss_calls must be 0 or 1"
	// TextUserCallLimit is assumed: the real server names the wrong field here.
	TextUserCallLimit        = "default_user_call_limit must be positive integer"
	TextUserTimeZone         = "default_user_time_zone name was not correct"
	TextUserCurrency         = "default_user_currency name was not correct"
	TextUserQuickForwards    = "default_user_quickforwards_rule_id was not found"
	TextUserRecording        = "default_user_recording_enabled must be 0 or 1"
	TextUserRecordingForced  = "default_user_recording_forced_enabled  must be 0 or 1" // two spaces: real server text
	TextUserTariff           = "default_user_tariff_id was not found"
	TextDeviceCallLimit      = "default_device_call_limit must be positive integer"
	TextDeviceCanReinvite    = "default_device_canreinvite can only be one of the following: 'yes', 'no', 'nonat', 'update', 'update,nonat'"
	TextDeviceNat            = "default_device_nat can only be one of the following: 'yes', 'no', 'force_rport', 'comedia'"
	TextDeviceQualify        = "default_device_qualify can only be 'no' or >= 1000 integer"
	TextDeviceGraceTime      = "default_device_grace_time must be positive integer"
	TextDeviceLocation       = "default_device_location_id was not found"
	TextAllowAPI             = "allow_api must be 0 or 1"
	TextAPISecretKeyTooShort = "api_secret_key length must be higher than 5"
)

// did_rates_details_get / did_rates_details_update.
const (
	TextDIDUpdated     = "DID details successfully updated"
	TextDIDNotFound    = "DID was not found"
	TextTariffNotFound = "Tariff was not found" // contract: assumed for an unknown tariff id
	// The two 0/1 flags of did_rates_details_update (assumed).
	TextAllowCallRejectProvider = "allow_call_reject_provider must be 0 or 1"
	TextAllowCallReject         = "allow_call_reject must be 0 or 1"
)

// location_rule_create / _get / _update / _delete, location_rules_get.
const (
	TextRuleCreated          = "Rule created"
	TextRuleUpdated          = "Rule updated"
	TextRuleDeleted          = "Rule deleted"
	TextRuleNotFound         = "Rule was not found"
	TextRuleNotDeleted       = "Rule was not deleted" // in the contract; the simulator never fails a delete
	TextLocationRuleNotFound = "Location rule was not found"
	TextLocationWasNotFound  = "Location was not found"
	TextRuleMustBeUnique     = "Rule must be unique"
	TextRuleMustHaveName     = "Rule must have name"
	TextCutAndAddEmpty       = "Cut and Add cannot be empty"
	TextLocationNotFound     = "Location not found"
	TextLocationError        = "Location error"
	TextDeviceNotFound       = "Device not found"
	TextCannotAssignDevice   = "Cannot assign device"
	TextLCRNotFound          = "LCR was not found"
	TextCannotAssignLCR      = "Cannot assign lcr"
	TextCannotAssignDID      = "Cannot assign did"

	// Field validations the contract is silent about (all assumed).
	TextRuleEnabled            = "enabled must be 0 or 1"
	TextRuleChangeCallerIDName = "change_callerid_name must be 0 or 1"
	TextRuleLrType             = "lr_type can only be one of the following: 'dst', 'src', 'combined'"
	TextRuleMinLen             = "minlen must be positive integer"
	TextRuleMaxLen             = "maxlen must be positive integer"
	TextRuleSrcMinLen          = "src_minlen must be positive integer"
	TextRuleSrcMaxLen          = "src_maxlen must be positive integer"
	TextRuleMinGreaterThanMax  = "minlen must not be greater than maxlen"
	TextRuleSrcMinGreaterMax   = "src_minlen must not be greater than src_maxlen"
	TextRulesFrom              = "from must be 0 or positive integer"
	TextRulesMaxResults        = "max_results must be positive integer"
	// TextRuleUniqueDetail is the sibling <message> added after "Rule must be unique"
	// (assumed; exercises the "<error> followed by <message> siblings" envelope).
	TextRuleUniqueDetail = "Conflicts with rule %d"
)

// tariffs_get, lcrs_get, dids_get: an empty listing is an error (the wiki).
const (
	TextNoTariffs = "No Tariffs found"
	TextNoLCRs    = "No LCRs found"
	TextNoDIDs    = "No DIDs found" // assumed, by analogy: the wiki's dids_get error list is incomplete
	// TextNotAuthorized answers a user whose MOR permissions do not allow the method
	// (User.Unauthorized).
	TextNotAuthorized = "You are not authorized to use this functionality"
	TextDIDsFrom      = "from must be positive integer" // assumed: dids_get's from is 1-based
)

// Outcomes recorded for Request.Outcome that are not MOR texts (assumed).
const (
	// OutcomeRead is the outcome of a successful read (get methods, system_version_get),
	// which carry no success text.
	OutcomeRead = "ok"
	// Faults: Request.Outcome starts with this prefix.
	OutcomeFaultPrefix   = "fault: "
	OutcomeFaultDown     = OutcomeFaultPrefix + "down: connection closed without an answer"
	OutcomeFaultHTTP500  = OutcomeFaultPrefix + "HTTP 500"
	OutcomeFaultNonXML   = OutcomeFaultPrefix + "non-XML answer (HTML login page)"
	OutcomeFaultCanceled = OutcomeFaultPrefix + "request canceled during injected latency"
	OutcomeFaultTooMany  = OutcomeFaultPrefix + "HTTP 429 with Retry-After"
)
