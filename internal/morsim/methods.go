package morsim

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// method is one API method of the contract.
type method struct {
	// hashParams are the parameters whose values, in order, precede the key in the hash.
	hashParams []string
	// adminKeyOnly: the hash is checked against the admin's key whoever calls.
	adminKeyOnly bool
	// errShape wraps the method's errors (the per-method choice is assumed).
	errShape shape
	handle   func(c *call) result
}

var methods = map[string]*method{
	"system_version_get":       {errShape: shapePageStatus, handle: systemVersionGet},
	"conflines_update":         {adminKeyOnly: true, errShape: shapeMessage, handle: conflinesUpdate},
	"did_rates_details_get":    {hashParams: []string{"did_id"}, errShape: shapePage, handle: didRatesDetailsGet},
	"did_rates_details_update": {hashParams: []string{"did_id"}, errShape: shapePage, handle: didRatesDetailsUpdate},
	"location_rule_create":     {hashParams: []string{"location_id"}, errShape: shapePageStatus, handle: locationRuleCreate},
	"location_rule_get":        {hashParams: []string{"location_rule_id"}, errShape: shapePageStatus, handle: locationRuleGet},
	"location_rules_get":       {hashParams: []string{"location_id"}, errShape: shapePageStatus, handle: locationRulesGet},
	"location_rule_update":     {hashParams: []string{"location_rule_id"}, errShape: shapePageStatus, handle: locationRuleUpdate},
	"location_rule_delete":     {hashParams: []string{"location_rule_id"}, errShape: shapePageStatus, handle: locationRuleDelete},
	"tariffs_get":              {hashParams: []string{"u"}, errShape: shapePage, handle: tariffsGet},
	"lcrs_get":                 {hashParams: []string{"u"}, errShape: shapePage, handle: lcrsGet},
	"dids_get":                 {errShape: shapePage, handle: didsGet},
}

// Methods returns the names of the API methods served, sorted.
func Methods() []string { return sortedKeys(methods) }

// HashParams returns a method's hash parameters in order (nil, false for an unknown
// method).
func HashParams(method string) ([]string, bool) {
	m := methods[method]
	if m == nil {
		return nil, false
	}
	return slices.Clone(m.hashParams), true
}

// call is one authenticated request being answered, under the server's lock.
type call struct {
	st     *State
	idx    ruleIndex // rule ids per location of st, kept up to date by the methods
	caller *User
	p      map[string]string
	shape  shape
}

// result is an answer: the XML body, what to record, and whether state changed.
type result struct {
	body    string
	outcome string
	ok      bool
	wrote   bool
}

func failure(sh shape, text string, details ...string) result {
	return result{body: errorDoc(sh, text, details...), outcome: text}
}

func (c *call) fail(text string, details ...string) result {
	return failure(c.shape, text, details...)
}

func success(text string, wrote bool, extra ...*node) result {
	return result{body: successDoc(text, extra...), outcome: text, ok: true, wrote: wrote}
}

func read(body string) result {
	return result{body: body, outcome: OutcomeRead, ok: true}
}

// given returns a parameter's value and whether it was sent with a non-blank value
// (blank = absent, for every parameter but the rule's text fields).
func (c *call) given(name string) (string, bool) {
	v, ok := c.p[name]
	return v, ok && strings.TrimSpace(v) != ""
}

func (c *call) owns(owner string) bool { return owner == c.caller.Username }

func (c *call) isOwnerRole() bool {
	return c.caller.Role == RoleAdmin || c.caller.Role == RoleReseller
}

var (
	reUint   = regexp.MustCompile(`^[0-9]+$`)
	reInt    = regexp.MustCompile(`^-?[0-9]+$`)
	reNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`) // plain decimal (assumed)
)

// parseUint parses a non-negative decimal integer.
func parseUint(v string) (int, bool) {
	if !reUint.MatchString(v) {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

func parseInt(v string) (int, bool) {
	if !reInt.MatchString(v) {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil
}

// parseID parses an id; anything else is 0, which no entity has.
func parseID(v string) int64 {
	if !reUint.MatchString(v) {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func zeroOne(v string) bool { return v == "0" || v == "1" }

// ---- system_version_get -------------------------------------------------------------

func systemVersionGet(c *call) result {
	return read(document(el("page", leaf("version", versionOf(c.st)))))
}

// ---- conflines_update ---------------------------------------------------------------

var (
	audioCodecs = []string{"alaw", "ulaw", "g723", "g726", "g729", "gsm", "ilbc", "lpc10", "speex", "slin"}
	videoCodecs = []string{"h261", "h263", "h263p", "h264"} // contract: assumed list
)

// codecList keeps the known names of a comma list, in order, once each (names are
// trimmed and lower-cased, assumed); unknown names are dropped.
func codecList(v string, known []string) string {
	var out []string
	for _, name := range strings.Split(v, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		if slices.Contains(known, name) && !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return strings.Join(out, ",")
}

type confline struct {
	name  string
	text  string                                 // error text
	check func(c *call, v string) (string, bool) // normalised value, valid
}

func valid(f func(v string) bool) func(c *call, v string) (string, bool) {
	return func(_ *call, v string) (string, bool) { return v, f(v) }
}

func oneOf(vals ...string) func(c *call, v string) (string, bool) {
	return valid(func(v string) bool { return slices.Contains(vals, v) })
}

func uintValid(v string) bool { _, ok := parseUint(v); return ok }

// conflines are validated in this order; the first failure is answered.
var conflines = []confline{
	{"default_user_password_length", TextPasswordLength, valid(func(v string) bool {
		n, ok := parseInt(v)
		return ok && n >= 6 && n <= 30
	})},
	{"default_user_credit", TextUserCredit, valid(func(v string) bool {
		f, err := strconv.ParseFloat(v, 64)
		return reNumber.MatchString(v) && err == nil && (f == -1 || f >= 0)
	})},
	{"default_user_balance", TextUserBalance, valid(reNumber.MatchString)},
	{"default_user_postpaid", TextUserPostpaid, valid(zeroOne)},
	{"default_user_allow_loss_calls", TextUserAllowLossCalls, valid(zeroOne)},
	{"default_user_call_limit", TextUserCallLimit, valid(uintValid)},
	{"default_user_time_zone", TextUserTimeZone, func(c *call, v string) (string, bool) {
		return v, slices.Contains(c.st.TimeZones, v)
	}},
	{"default_user_currency", TextUserCurrency, func(c *call, v string) (string, bool) {
		return v, slices.Contains(c.st.Currencies, v) // exact, case-sensitive (assumed)
	}},
	{"default_user_quickforwards_rule_id", TextUserQuickForwards, func(c *call, v string) (string, bool) {
		if v == "0" {
			return v, true
		}
		q := c.st.QuickForwardRules[parseID(v)]
		return v, q != nil && c.owns(q.Owner) // the caller's own rules only (assumed)
	}},
	{"default_user_recording_enabled", TextUserRecording, valid(zeroOne)},
	{"default_user_recording_forced_enabled", TextUserRecordingForced, valid(zeroOne)},
	{"default_user_tariff_id", TextUserTariff, func(c *call, v string) (string, bool) {
		t := c.st.Tariffs[parseID(v)]
		return v, t != nil && c.owns(t.Owner) && // the caller's own tariffs only (assumed)
			(t.Purpose == PurposeUser || t.Purpose == PurposeUserWholesale)
	}},
	{"default_device_call_limit", TextDeviceCallLimit, valid(uintValid)},
	{"default_device_canreinvite", TextDeviceCanReinvite, oneOf("yes", "no", "nonat", "update", "update,nonat")},
	{"default_device_nat", TextDeviceNat, oneOf("yes", "no", "force_rport", "comedia")},
	{"default_device_qualify", TextDeviceQualify, valid(func(v string) bool {
		n, ok := parseUint(v)
		return v == "no" || (ok && n >= 1000)
	})},
	{"default_device_grace_time", TextDeviceGraceTime, valid(uintValid)},
	{"default_device_audio_codecs", "", func(_ *call, v string) (string, bool) {
		return codecList(v, audioCodecs), true
	}},
	{"default_device_video_codecs", "", func(_ *call, v string) (string, bool) {
		return codecList(v, videoCodecs), true
	}},
	{"default_device_location_id", TextDeviceLocation, func(c *call, v string) (string, bool) {
		l := c.st.Locations[parseID(v)]
		return v, l != nil && c.owns(l.Owner) // the caller's own locations only (assumed)
	}},
	{"allow_api", TextAllowAPI, valid(zeroOne)},
	{"api_secret_key", TextAPISecretKeyTooShort, valid(func(v string) bool {
		return utf8.RuneCountInString(v) >= 6
	})},
}

func conflinesUpdate(c *call) result {
	if !c.isOwnerRole() {
		return c.fail(TextAccessDenied)
	}
	type change struct{ name, value string }
	var changes []change
	for _, cl := range conflines {
		v, ok := c.given(cl.name)
		if !ok {
			continue // blank: leave unchanged
		}
		nv, ok := cl.check(c, v)
		if !ok {
			return c.fail(cl.text)
		}
		changes = append(changes, change{cl.name, nv})
	}
	owner := c.caller.Username
	if len(changes) > 0 && c.st.Conflines[owner] == nil {
		c.st.Conflines[owner] = map[string]string{}
	}
	for _, ch := range changes {
		c.st.Conflines[owner][ch.name] = ch.value
		switch ch.name {
		case "allow_api":
			c.caller.Settings.APIDisabled = ch.value == "0"
		case "api_secret_key":
			c.caller.SecretKey = ch.value
		}
	}
	return success(TextConflinesUpdated, len(changes) > 0)
}

// ---- did_rates_details_get / _update ------------------------------------------------

func (c *call) isAdminOrAccountant() bool {
	return c.caller.Role == RoleAdmin || c.caller.Role == RoleAccountant
}

func didRatesDetailsGet(c *call) result {
	if !c.isAdminOrAccountant() {
		return c.fail(TextAccessDenied)
	}
	d := c.st.DIDs[parseID(c.p["did_id"])]
	if d == nil {
		return c.fail(TextDIDNotFound)
	}
	return read(statusDoc(el("did",
		leafInt("id", d.ID),
		leafInt("provider_tariff_id", d.ProviderTariffID),
		leafInt("allow_call_reject_provider", d.AllowCallRejectProvider),
		leafInt("owner_tariff_id", d.OwnerTariffID),
		leafInt("allow_call_reject", d.AllowCallReject),
	)))
}

func didRatesDetailsUpdate(c *call) result {
	if !c.isAdminOrAccountant() {
		return c.fail(TextAccessDenied)
	}
	d := c.st.DIDs[parseID(c.p["did_id"])]
	if d == nil {
		return c.fail(TextDIDNotFound)
	}
	next := *d
	if v, ok := c.given("provider_tariff_id"); ok {
		id := parseID(v)
		if c.st.Tariffs[id] == nil {
			return c.fail(TextTariffNotFound)
		}
		next.ProviderTariffID = id
	}
	if v, ok := c.given("allow_call_reject_provider"); ok {
		if !zeroOne(v) {
			return c.fail(TextAllowCallRejectProvider)
		}
		next.AllowCallRejectProvider, _ = strconv.Atoi(v)
	}
	if v, ok := c.given("owner_tariff_id"); ok {
		id := parseID(v)
		if v != "0" && c.st.Tariffs[id] == nil {
			return c.fail(TextTariffNotFound)
		}
		next.OwnerTariffID = id
	}
	if v, ok := c.given("allow_call_reject"); ok {
		if !zeroOne(v) {
			return c.fail(TextAllowCallReject)
		}
		next.AllowCallReject, _ = strconv.Atoi(v)
	}
	wrote := next != *d
	*d = next
	return success(TextDIDUpdated, wrote)
}

// ---- location rules -----------------------------------------------------------------

func ruleNode(r *Rule) *node {
	return el("location_rule",
		leafInt("id", r.ID),
		leafInt("location_id", r.LocationID),
		leaf("name", r.Name),
		leafInt("enabled", r.Enabled),
		leaf("lr_type", r.LrType),
		leaf("cut", r.Cut),
		leaf("add", r.Add),
		leafInt("minlen", r.MinLen),
		leafInt("maxlen", r.MaxLen),
		leaf("src_cut", r.SrcCut),
		leaf("src_add", r.SrcAdd),
		leafInt("src_minlen", r.SrcMinLen),
		leafInt("src_maxlen", r.SrcMaxLen),
		leafID("tariff_id", r.TariffID),
		leafID("lcr_id", r.LcrID),
		leafID("did_id", r.DidID),
		leafID("device_id", r.DeviceID),
		leafInt("change_callerid_name", r.ChangeCallerIDName),
	)
}

// applyRule sets the rule fields sent in the request and validates the result, in this
// order (assumed): field formats (lr_type, enabled, minlen, maxlen, src_minlen,
// src_maxlen, change_callerid_name), name, cut/add, minlen <= maxlen, device, lcr,
// did, tariff, uniqueness. Text fields (name, cut, add, src_cut, src_add) change when
// sent, even empty; other fields sent blank are left unchanged (assumed). An id of -1
// unassigns; 0 or any id that does not exist is "not found" (assumed).
// It returns the error text ("" when valid) and any detail messages.
func (c *call) applyRule(r *Rule) (string, []string) {
	if t := c.applyRuleFields(r); t != "" {
		return t, nil
	}
	switch {
	case strings.TrimSpace(r.Name) == "":
		return TextRuleMustHaveName, nil
	case r.LrType != LrTypeSrc && r.Cut == "" && r.Add == "":
		return TextCutAndAddEmpty, nil
	case r.MinLen > r.MaxLen:
		return TextRuleMinGreaterThanMax, nil
	case r.SrcMinLen > r.SrcMaxLen:
		return TextRuleSrcMinGreaterMax, nil
	}
	if t := c.applyRuleRefs(r); t != "" {
		return t, nil
	}
	if dup := duplicateOf(c.st, c.idx, r); dup != 0 {
		return TextRuleMustBeUnique, []string{fmt.Sprintf(TextRuleUniqueDetail, dup)}
	}
	return "", nil
}

// applyRuleFields sets the sent fields that are not references, checking their format.
func (c *call) applyRuleFields(r *Rule) string {
	for _, f := range []struct {
		name string
		dst  *string
	}{{"name", &r.Name}, {"cut", &r.Cut}, {"add", &r.Add}, {"src_cut", &r.SrcCut}, {"src_add", &r.SrcAdd}} {
		if v, ok := c.p[f.name]; ok {
			*f.dst = v
		}
	}
	if v, ok := c.given("lr_type"); ok {
		if v != LrTypeDst && v != LrTypeSrc && v != LrTypeCombined {
			return TextRuleLrType
		}
		r.LrType = v
	}
	for _, f := range []struct {
		name, text string
		dst        *int
		flag       bool // 0 or 1
	}{
		{"enabled", TextRuleEnabled, &r.Enabled, true},
		{"minlen", TextRuleMinLen, &r.MinLen, false},
		{"maxlen", TextRuleMaxLen, &r.MaxLen, false},
		{"src_minlen", TextRuleSrcMinLen, &r.SrcMinLen, false},
		{"src_maxlen", TextRuleSrcMaxLen, &r.SrcMaxLen, false},
		{"change_callerid_name", TextRuleChangeCallerIDName, &r.ChangeCallerIDName, true},
	} {
		if v, ok := c.given(f.name); ok {
			n, ok := parseUint(v)
			if !ok || (f.flag && !zeroOne(v)) {
				return f.text
			}
			*f.dst = n
		}
	}
	return ""
}

// applyRuleRefs sets the sent ids: -1 unassigns; otherwise the entity must exist and
// belong to the caller. Another owner's tariff is "not found" too (assumed: the
// contract has no "Cannot assign tariff").
func (c *call) applyRuleRefs(r *Rule) string {
	st := c.st
	for _, ref := range []struct {
		name             string
		dst              *int64
		lookup           func(id int64) (string, bool)
		notFound, cannot string
	}{
		{"device_id", &r.DeviceID, func(id int64) (string, bool) {
			if d := st.Devices[id]; d != nil {
				return d.Owner, true
			}
			return "", false
		}, TextDeviceNotFound, TextCannotAssignDevice},
		{"lcr_id", &r.LcrID, func(id int64) (string, bool) {
			if l := st.LCRs[id]; l != nil {
				return l.Owner, true
			}
			return "", false
		}, TextLCRNotFound, TextCannotAssignLCR},
		{"did_id", &r.DidID, func(id int64) (string, bool) {
			if d := st.DIDs[id]; d != nil {
				return d.Owner, true
			}
			return "", false
		}, TextDIDNotFound, TextCannotAssignDID},
		{"tariff_id", &r.TariffID, func(id int64) (string, bool) {
			if t := st.Tariffs[id]; t != nil {
				return t.Owner, true
			}
			return "", false
		}, TextTariffNotFound, TextTariffNotFound},
	} {
		v, ok := c.given(ref.name)
		if !ok {
			continue
		}
		if v == "-1" {
			*ref.dst = 0
			continue
		}
		id := parseID(v)
		o, exists := ref.lookup(id)
		switch {
		case !exists:
			return ref.notFound
		case !c.owns(o):
			return ref.cannot
		}
		*ref.dst = id
	}
	return ""
}

// duplicateOf returns the lowest id of another rule with r's location, type, cut, add,
// minlen and maxlen (the contract's uniqueness key), or 0. It scans r's location only
// (idx indexes st).
func duplicateOf(st *State, idx ruleIndex, r *Rule) int64 {
	for _, id := range idx[r.LocationID] { // in id order: the first match is the lowest
		o := st.Rules[id]
		if id != r.ID && o.LrType == r.LrType &&
			o.Cut == r.Cut && o.Add == r.Add && o.MinLen == r.MinLen && o.MaxLen == r.MaxLen {
			return id
		}
	}
	return 0
}

// ownRule returns the rule of the request's location_rule_id if the caller owns its
// location; otherwise the rule (or nil) and false.
func (c *call) ownRule() (*Rule, bool) {
	r := c.st.Rules[parseID(c.p["location_rule_id"])]
	if r == nil {
		return nil, false
	}
	l := c.st.Locations[r.LocationID]
	return r, l != nil && c.owns(l.Owner)
}

func locationRuleCreate(c *call) result {
	if !c.isOwnerRole() {
		return c.fail(TextAccessDenied)
	}
	l := c.st.Locations[parseID(c.p["location_id"])]
	if l == nil {
		return c.fail(TextLocationNotFound)
	}
	if !c.owns(l.Owner) {
		return c.fail(TextLocationError)
	}
	r := Rule{
		LocationID: l.ID, Enabled: 1, LrType: LrTypeDst, MinLen: 1, MaxLen: 99, SrcMinLen: 1, SrcMaxLen: 99,
	}
	if text, details := c.applyRule(&r); text != "" {
		return c.fail(text, details...)
	}
	r.ID = c.st.NextRuleID
	c.st.NextRuleID++
	c.st.Rules[r.ID] = &r
	c.idx.add(r.LocationID, r.ID)
	return success(TextRuleCreated, true, leafInt("rule_id", r.ID))
}

func locationRuleGet(c *call) result {
	if !c.isOwnerRole() {
		return c.fail(TextAccessDenied)
	}
	r, own := c.ownRule()
	if !own {
		return c.fail(TextLocationRuleNotFound)
	}
	return read(statusDoc(ruleNode(r)))
}

func locationRuleUpdate(c *call) result {
	if !c.isOwnerRole() {
		return c.fail(TextAccessDenied)
	}
	r, own := c.ownRule()
	switch {
	case r == nil:
		return c.fail(TextRuleNotFound)
	case !own:
		return c.fail(TextLocationError)
	}
	next := *r // location_id is not changed by an update
	if text, details := c.applyRule(&next); text != "" {
		return c.fail(text, details...)
	}
	wrote := next != *r
	*r = next
	return success(TextRuleUpdated, wrote)
}

func locationRuleDelete(c *call) result {
	if !c.isOwnerRole() {
		return c.fail(TextAccessDenied)
	}
	r, own := c.ownRule()
	if !own {
		return c.fail(TextRuleNotFound)
	}
	delete(c.st.Rules, r.ID)
	c.idx.remove(r.LocationID, r.ID)
	return success(TextRuleDeleted, true)
}

// locationRulesGet lists the rules of one location (location_id) or of all the
// caller's locations (all = anything but blank, "0" or "false"; location_id wins when
// both are sent). from (0-based offset, default 0) and max_results (default: no limit)
// page through the rules ordered by location id then rule id (assumed); each listed
// location appears once with its rules of the page (possibly none). The cost grows with
// the page and the number of listed locations, not with the server's rules.
func locationRulesGet(c *call) result {
	if !c.isOwnerRole() {
		return c.fail(TextAccessDenied)
	}
	var locs []*Location
	if v, ok := c.given("location_id"); ok {
		l := c.st.Locations[parseID(v)]
		if l == nil || !c.owns(l.Owner) {
			return c.fail(TextLocationWasNotFound)
		}
		locs = []*Location{l}
	} else if v, ok := c.given("all"); ok && v != "0" && v != "false" {
		for _, id := range sortedKeys(c.st.Locations) {
			if l := c.st.Locations[id]; c.owns(l.Owner) {
				locs = append(locs, l)
			}
		}
	} else {
		return c.fail(TextLocationWasNotFound)
	}
	from, limit, bad := c.paging(0, TextRulesFrom)
	if bad != "" {
		return c.fail(bad)
	}
	var kids []*node
	i := 0 // position of the location's first rule in the whole listing
	for _, l := range locs {
		ln := el("location", leafInt("id", l.ID), leaf("name", l.Name))
		ids := c.idx[l.ID]
		lo, hi := min(max(from-i, 0), len(ids)), len(ids)
		if limit >= 0 {
			hi = max(min(hi, from+limit-i), lo)
		}
		for _, id := range ids[lo:hi] {
			ln.kids = append(ln.kids, ruleNode(c.st.Rules[id]))
		}
		i += len(ids)
		kids = append(kids, ln)
	}
	return read(statusDoc(kids...))
}

// paging reads a listing's from (at least first, default first; fromText when it is
// not) and max_results (at least 1, default -1: all). bad is MOR's text for the first
// malformed one, or "".
func (c *call) paging(first int, fromText string) (from, limit int, bad string) {
	from, limit = first, -1
	if v, ok := c.given("from"); ok {
		n, ok := parseUint(v)
		if !ok || n < first {
			return 0, 0, fromText
		}
		from = n
	}
	if v, ok := c.given("max_results"); ok {
		n, ok := parseUint(v)
		if !ok || n < 1 {
			return 0, 0, TextRulesMaxResults
		}
		limit = n
	}
	return from, limit, ""
}
