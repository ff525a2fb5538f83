package morsim

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Roles of User.Role.
const (
	RoleAdmin      = "admin"
	RoleAccountant = "accountant"
	RoleReseller   = "reseller"
)

// Tariff purposes of Tariff.Purpose.
const (
	PurposeUser          = "user"
	PurposeUserWholesale = "user_wholesale"
	PurposeProvider      = "provider"
)

// Location rule types of Rule.LrType.
const (
	LrTypeDst      = "dst"
	LrTypeSrc      = "src"
	LrTypeCombined = "combined"
)

// State is everything the simulator holds. Maps of entities are keyed by id (users by
// username); in JSON and YAML the integer keys are strings.
type State struct {
	Users map[string]*User `json:"users"`
	// Conflines holds, per owner username, each conflines_update parameter's value as
	// last set (audio/video codec lists normalised: unknown names dropped). allow_api and
	// api_secret_key are recorded here too; their effects are on the owner's User
	// (Settings.APIDisabled, SecretKey).
	Conflines         map[string]map[string]string `json:"conflines"`
	Locations         map[int64]*Location          `json:"locations"`
	Rules             map[int64]*Rule              `json:"rules"`
	DIDs              map[int64]*DID               `json:"dids"`
	Tariffs           map[int64]*Tariff            `json:"tariffs"`
	LCRs              map[int64]*LCR               `json:"lcrs"`
	Devices           map[int64]*Device            `json:"devices"`
	QuickForwardRules map[int64]*QuickForwardRule  `json:"quickForwardRules"`
	Currencies        []string                     `json:"currencies"`
	TimeZones         []string                     `json:"timeZones"`
	// NextRuleID is the id location_rule_create gives next.
	NextRuleID int64 `json:"nextRuleID"`
	// Version is what system_version_get answers ("" means Version, "X17"). A method
	// newer than it answers as an unknown method, as an older MOR would (versions.go).
	Version string `json:"version,omitempty"`
}

// User is an API caller. Admin and reseller own things; an accountant acts for its
// Owner (the admin) and signs with the admin's key.
type User struct {
	Username  string        `json:"username"`
	Role      string        `json:"role"` // admin | accountant | reseller
	SecretKey string        `json:"secretKey,omitempty"`
	Owner     string        `json:"owner,omitempty"` // accountant: "admin"
	Settings  OwnerSettings `json:"settings"`
	// Unauthorized are the API methods this user's MOR permissions do not allow (an
	// accountant's or reseller's permission groups in MOR's GUI): after the pre-checks
	// they answer "You are not authorized to use this functionality".
	Unauthorized []string `json:"unauthorized,omitempty"`
}

// OwnerSettings are the per-owner API settings of MOR's GUI. For an accountant the
// owner's settings apply, not its own.
type OwnerSettings struct {
	APIDisabled          bool `json:"apiDisabled,omitempty"`
	AllowGET             bool `json:"allowGET,omitempty"`
	HashCheckingDisabled bool `json:"hashCheckingDisabled,omitempty"`
	XMLExtension         bool `json:"xmlExtension,omitempty"`
}

// Rule is a location (localization) rule. Ids 0 mean unassigned.
type Rule struct {
	ID                 int64  `json:"id"`
	LocationID         int64  `json:"locationID"`
	Name               string `json:"name"`
	Enabled            int    `json:"enabled"`
	LrType             string `json:"lrType"`
	Cut                string `json:"cut"`
	Add                string `json:"add"`
	MinLen             int    `json:"minLen"`
	MaxLen             int    `json:"maxLen"`
	SrcCut             string `json:"srcCut"`
	SrcAdd             string `json:"srcAdd"`
	SrcMinLen          int    `json:"srcMinLen"`
	SrcMaxLen          int    `json:"srcMaxLen"`
	TariffID           int64  `json:"tariffID,omitempty"`
	LcrID              int64  `json:"lcrID,omitempty"`
	DidID              int64  `json:"didID,omitempty"`
	DeviceID           int64  `json:"deviceID,omitempty"`
	ChangeCallerIDName int    `json:"changeCallerIDName"`
}

// Location groups rules; Owner is the owning user's username.
type Location struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Owner string `json:"owner"`
}

// DID is a phone number with its rate details.
type DID struct {
	ID                      int64  `json:"id"`
	Number                  string `json:"number"`
	Owner                   string `json:"owner"`
	ProviderTariffID        int64  `json:"providerTariffID"`
	AllowCallRejectProvider int    `json:"allowCallRejectProvider"`
	OwnerTariffID           int64  `json:"ownerTariffID"` // 0 = the "None" tariff
	AllowCallReject         int    `json:"allowCallReject"`
}

// Tariff is reference data; Purpose is user, user_wholesale or provider.
type Tariff struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Purpose  string `json:"purpose"`
	Currency string `json:"currency,omitempty"`
	Owner    string `json:"owner"`
}

// LCR is reference data.
type LCR struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Owner string `json:"owner"`
}

// Device is reference data.
type Device struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Owner string `json:"owner"`
}

// QuickForwardRule is reference data.
type QuickForwardRule struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Owner string `json:"owner"`
}

// Seed is the state a Server starts from and returns to on Reset. In YAML it is a State
// at the top level (the embedded struct's fields are promoted).
type Seed struct {
	State
}

// Request is one API request as the simulator received it.
type Request struct {
	Method string            `json:"method"` // MOR method, e.g. "location_rule_get"
	Verb   string            `json:"verb"`   // HTTP method
	Params map[string]string `json:"params"` // the "hash" value is masked as "***"
	// Outcome is the success text, the error text, OutcomeRead for a successful read, or
	// "fault: ..." for an injected fault.
	Outcome string `json:"outcome"`
	OK      bool   `json:"ok"`
}

// Faults are injected into API requests (not into /_sim/ endpoints), checked in this
// order: Down, Latency, ErrorRate, NonXMLRate.
//
// In JSON, latency is written as a Go duration string ("250ms"); a number is also
// accepted on input and read as nanoseconds.
type Faults struct {
	Latency    time.Duration `json:"latency"`
	ErrorRate  float64       `json:"errorRate"`  // fraction answered HTTP 500 with an HTML body
	NonXMLRate float64       `json:"nonXMLRate"` // fraction answered 200 with an HTML login page
	Down       bool          `json:"down"`       // hijack and close the connection without answering
	// TooManyRate is the fraction answered HTTP 429 with Retry-After: RetryAfterSeconds.
	TooManyRate       float64 `json:"tooManyRate"`
	RetryAfterSeconds int     `json:"retryAfterSeconds"`
	// LostAnswerRate is the fraction of writes applied and then not answered (the
	// connection closes): the caller cannot know that MOR did it.
	LostAnswerRate float64 `json:"lostAnswerRate"`
}

type faultsJSON struct {
	Latency           json.RawMessage `json:"latency,omitempty"`
	ErrorRate         float64         `json:"errorRate"`
	NonXMLRate        float64         `json:"nonXMLRate"`
	Down              bool            `json:"down"`
	TooManyRate       float64         `json:"tooManyRate"`
	RetryAfterSeconds int             `json:"retryAfterSeconds"`
	LostAnswerRate    float64         `json:"lostAnswerRate"`
}

// MarshalJSON writes Latency as a Go duration string.
func (f Faults) MarshalJSON() ([]byte, error) {
	lat, _ := json.Marshal(f.Latency.String())
	return json.Marshal(faultsJSON{Latency: lat, ErrorRate: f.ErrorRate, NonXMLRate: f.NonXMLRate, Down: f.Down,
		TooManyRate: f.TooManyRate, RetryAfterSeconds: f.RetryAfterSeconds, LostAnswerRate: f.LostAnswerRate})
}

// UnmarshalJSON reads Latency from a Go duration string or a number of nanoseconds.
func (f *Faults) UnmarshalJSON(b []byte) error {
	var j faultsJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	out := Faults{ErrorRate: j.ErrorRate, NonXMLRate: j.NonXMLRate, Down: j.Down,
		TooManyRate: j.TooManyRate, RetryAfterSeconds: j.RetryAfterSeconds, LostAnswerRate: j.LostAnswerRate}
	if len(j.Latency) > 0 && string(j.Latency) != "null" {
		var s string
		var n int64
		switch {
		case json.Unmarshal(j.Latency, &s) == nil:
			d, err := time.ParseDuration(s)
			if err != nil {
				return fmt.Errorf("latency: %w", err)
			}
			out.Latency = d
		case json.Unmarshal(j.Latency, &n) == nil:
			out.Latency = time.Duration(n)
		default:
			return fmt.Errorf("latency: want a duration string or nanoseconds, got %s", j.Latency)
		}
	}
	if out.Latency < 0 || out.RetryAfterSeconds < 0 {
		return fmt.Errorf("faults out of range: latency and retryAfterSeconds must be >= 0")
	}
	for _, r := range []float64{out.ErrorRate, out.NonXMLRate, out.TooManyRate, out.LostAnswerRate} {
		if r < 0 || r > 1 {
			return fmt.Errorf("faults out of range: rates must be within [0, 1]")
		}
	}
	*f = out
	return nil
}

// DeepCopy returns a copy sharing nothing with st.
func (st *State) DeepCopy() State {
	out := State{
		Users:             make(map[string]*User, len(st.Users)),
		Conflines:         make(map[string]map[string]string, len(st.Conflines)),
		Locations:         copyEntities(st.Locations),
		Rules:             copyEntities(st.Rules),
		DIDs:              copyEntities(st.DIDs),
		Tariffs:           copyEntities(st.Tariffs),
		LCRs:              copyEntities(st.LCRs),
		Devices:           copyEntities(st.Devices),
		QuickForwardRules: copyEntities(st.QuickForwardRules),
		Currencies:        append([]string(nil), st.Currencies...),
		Version:           st.Version,
		TimeZones:         append([]string(nil), st.TimeZones...),
		NextRuleID:        st.NextRuleID,
	}
	for k, u := range st.Users {
		if u != nil {
			c := *u
			c.Unauthorized = slices.Clone(u.Unauthorized)
			out.Users[k] = &c
		}
	}
	for k, m := range st.Conflines {
		out.Conflines[k] = maps.Clone(m)
	}
	return out
}

func copyEntities[T any](m map[int64]*T) map[int64]*T {
	out := make(map[int64]*T, len(m))
	for k, v := range m {
		if v != nil {
			c := *v
			out[k] = &c
		}
	}
	return out
}
