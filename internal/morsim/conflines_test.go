package morsim

import (
	"testing"
)

func TestConflinesRules(t *testing.T) {
	type tc struct {
		param, value string
		err          string // "" = accepted
		stored       string // when accepted and different from value
	}
	cases := []tc{
		{"default_user_password_length", "6", "", ""},
		{"default_user_password_length", "30", "", ""},
		{"default_user_password_length", "5", TextPasswordLength, ""},
		{"default_user_password_length", "31", TextPasswordLength, ""},
		{"default_user_password_length", "8.0", TextPasswordLength, ""},
		{"default_user_password_length", "abc", TextPasswordLength, ""},
		{"default_user_credit", "-1", "", ""},
		{"default_user_credit", "0", "", ""},
		{"default_user_credit", "12.5", "", ""},
		{"default_user_credit", "-2", TextUserCredit, ""},
		{"default_user_credit", "-0.5", TextUserCredit, ""},
		{"default_user_credit", "lots", TextUserCredit, ""},
		{"default_user_balance", "-10.25", "", ""},
		{"default_user_balance", "3", "", ""},
		{"default_user_balance", "3,5", TextUserBalance, ""},
		{"default_user_balance", "NaN", TextUserBalance, ""},
		{"default_user_postpaid", "1", "", ""},
		{"default_user_postpaid", "0", "", ""},
		{"default_user_postpaid", "2", TextUserPostpaid, ""},
		{"default_user_allow_loss_calls", "1", "", ""},
		{"default_user_allow_loss_calls", "yes", TextUserAllowLossCalls, ""},
		{"default_user_call_limit", "0", "", ""},
		{"default_user_call_limit", "-1", TextUserCallLimit, ""},
		{"default_user_call_limit", "1.5", TextUserCallLimit, ""},
		{"default_user_time_zone", "Atlantic Time (Canada)", "", ""},
		{"default_user_time_zone", "UTC", "", ""},
		{"default_user_time_zone", "atlantic time (canada)", TextUserTimeZone, ""},
		{"default_user_time_zone", "Europe/Vilnius", TextUserTimeZone, ""},
		{"default_user_currency", "EUR", "", ""},
		{"default_user_currency", "eur", TextUserCurrency, ""},
		{"default_user_currency", "XXX", TextUserCurrency, ""},
		{"default_user_quickforwards_rule_id", "0", "", ""},
		{"default_user_quickforwards_rule_id", "1", "", ""},
		{"default_user_quickforwards_rule_id", "2", TextUserQuickForwards, ""}, // reseller's
		{"default_user_quickforwards_rule_id", "9", TextUserQuickForwards, ""},
		{"default_user_recording_enabled", "1", "", ""},
		{"default_user_recording_enabled", "on", TextUserRecording, ""},
		{"default_user_recording_forced_enabled", "0", "", ""},
		{"default_user_recording_forced_enabled", "2", TextUserRecordingForced, ""},
		{"default_user_tariff_id", "2", "", ""},             // user
		{"default_user_tariff_id", "4", "", ""},             // user_wholesale
		{"default_user_tariff_id", "1", TextUserTariff, ""}, // provider
		{"default_user_tariff_id", "5", TextUserTariff, ""}, // reseller's
		{"default_user_tariff_id", "77", TextUserTariff, ""},
		{"default_device_call_limit", "10", "", ""},
		{"default_device_call_limit", "-3", TextDeviceCallLimit, ""},
		{"default_device_canreinvite", "update,nonat", "", ""},
		{"default_device_canreinvite", "nonat", "", ""},
		{"default_device_canreinvite", "maybe", TextDeviceCanReinvite, ""},
		{"default_device_canreinvite", "YES", TextDeviceCanReinvite, ""},
		{"default_device_nat", "force_rport", "", ""},
		{"default_device_nat", "comedia", "", ""},
		{"default_device_nat", "route", TextDeviceNat, ""},
		{"default_device_qualify", "no", "", ""},
		{"default_device_qualify", "1000", "", ""},
		{"default_device_qualify", "999", TextDeviceQualify, ""},
		{"default_device_qualify", "yes", TextDeviceQualify, ""},
		{"default_device_grace_time", "0", "", ""},
		{"default_device_grace_time", "x", TextDeviceGraceTime, ""},
		{"default_device_audio_codecs", "g729,alaw,opus,ulaw", "", "g729,alaw,ulaw"},
		{"default_device_audio_codecs", "opus", "", ""},
		{"default_device_audio_codecs", " GSM , alaw,gsm", "", "gsm,alaw"},
		{"default_device_video_codecs", "h264,vp8,h263p", "", "h264,h263p"},
		{"default_device_location_id", "2", "", ""},
		{"default_device_location_id", "4", TextDeviceLocation, ""}, // reseller's
		{"default_device_location_id", "40", TextDeviceLocation, ""},
		{"allow_api", "1", "", ""},
		{"allow_api", "true", TextAllowAPI, ""},
		{"api_secret_key", "abcde", TextAPISecretKeyTooShort, ""},
	}
	for _, c := range cases {
		t.Run(c.param+"="+c.value, func(t *testing.T) {
			e := newEnv(t)
			r := e.admin("conflines_update", map[string]string{c.param: c.value})
			got := e.sim.Snapshot().Conflines["admin"]
			if c.err != "" {
				wantError(t, r, c.err)
				if _, set := got[c.param]; set {
					t.Fatalf("%s written despite the error", c.param)
				}
				return
			}
			wantSuccess(t, r, TextConflinesUpdated)
			want := c.value
			if c.stored != "" || c.param == "default_device_audio_codecs" && c.value == "opus" {
				want = c.stored
			}
			if v, set := got[c.param]; !set || v != want {
				t.Fatalf("stored %q (set %v), want %q", v, set, want)
			}
		})
	}
}

func TestConflinesEnvelopes(t *testing.T) {
	e := newEnv(t)
	r := e.admin("conflines_update", map[string]string{"default_user_currency": "USD"})
	if got := compact(r.body); got != "<page><status><success>Conflines successfully updated</success></status></page>" {
		t.Fatalf("success: %s", got)
	}
	r = e.admin("conflines_update", map[string]string{"default_user_recording_forced_enabled": "x"})
	if got := compact(r.body); got != "<page><status><error><message>default_user_recording_forced_enabled  must be 0 or 1</message></error></status></page>" {
		t.Fatalf("error: %s", got)
	}
}

func TestConflinesValidatesAllBeforeWriting(t *testing.T) {
	e := newEnv(t)
	// Valid first parameter, invalid later ones: the first failure (table order) wins
	// and nothing is written.
	r := e.admin("conflines_update", map[string]string{
		"default_user_currency":  "GBP",
		"default_device_nat":     "bad",
		"default_user_postpaid":  "7",
		"default_user_time_zone": "London",
	})
	wantError(t, r, TextUserPostpaid)
	if c := e.sim.Snapshot().Conflines["admin"]; len(c) != 0 {
		t.Fatalf("written: %v", c)
	}
	// A blank value leaves a setting unchanged.
	wantSuccess(t, e.admin("conflines_update", map[string]string{"default_user_currency": "GBP"}), TextConflinesUpdated)
	wantSuccess(t, e.admin("conflines_update", map[string]string{"default_user_currency": "", "default_user_time_zone": " ", "default_user_postpaid": "1"}), TextConflinesUpdated)
	c := e.sim.Snapshot().Conflines["admin"]
	if c["default_user_currency"] != "GBP" || c["default_user_postpaid"] != "1" {
		t.Fatalf("conflines %v", c)
	}
	if _, set := c["default_user_time_zone"]; set {
		t.Fatalf("blank time zone written")
	}
	// Unknown parameters are ignored.
	wantSuccess(t, e.admin("conflines_update", map[string]string{"no_such_setting": "1"}), TextConflinesUpdated)
}

func TestConflinesPerOwner(t *testing.T) {
	e := newEnv(t)
	wantSuccess(t, e.call("conflines_update", "reseller", adminKey, map[string]string{"default_user_tariff_id": "5", "default_device_location_id": "4"}), TextConflinesUpdated)
	st := e.sim.Snapshot()
	if st.Conflines["reseller"]["default_user_tariff_id"] != "5" || len(st.Conflines["admin"]) != 0 {
		t.Fatalf("conflines %v", st.Conflines)
	}
	wantError(t, e.call("conflines_update", "reseller", adminKey, map[string]string{"default_user_tariff_id": "2"}), TextUserTariff)
	wantError(t, e.call("conflines_update", "accountant", adminKey, map[string]string{"default_user_currency": "EUR"}), TextAccessDenied)
	wantError(t, e.call("conflines_update", "nobody", "", map[string]string{"default_user_currency": "EUR"}), TextAccessDenied)
}

func TestConflinesAPISecretKeyRotates(t *testing.T) {
	e := newEnv(t)
	wantSuccess(t, e.admin("conflines_update", map[string]string{"api_secret_key": "brand-new"}), TextConflinesUpdated)
	wantError(t, e.admin("system_version_get", nil), TextIncorrectKey)
	r := e.call("system_version_get", "admin", "brand-new", nil)
	if compact(r.body) != "<page><version>X17</version></page>" {
		t.Fatalf("new key: %s", r.body)
	}
	// The reseller rotates its own key (its conflines_update is signed with the admin's).
	wantSuccess(t, e.call("conflines_update", "reseller", "brand-new", map[string]string{"api_secret_key": "reseller-2"}), TextConflinesUpdated)
	st := e.sim.Snapshot()
	if st.Users["reseller"].SecretKey != "reseller-2" || st.Users["admin"].SecretKey != "brand-new" {
		t.Fatalf("keys: admin %q reseller %q", st.Users["admin"].SecretKey, st.Users["reseller"].SecretKey)
	}
	wantError(t, e.call("location_rules_get", "reseller", resellerKey, map[string]string{"all": "1"}), TextIncorrectKey)
}

func TestConflinesAllowAPIZeroLocksOut(t *testing.T) {
	e := newEnv(t)
	wantSuccess(t, e.call("conflines_update", "reseller", adminKey, map[string]string{"allow_api": "0"}), TextConflinesUpdated)
	wantError(t, e.call("location_rules_get", "reseller", resellerKey, map[string]string{"all": "1"}), TextAPIDisabled)
	wantError(t, e.call("conflines_update", "reseller", adminKey, map[string]string{"allow_api": "1"}), TextAPIDisabled)
	// The admin is unaffected.
	wantSuccess(t, e.admin("conflines_update", map[string]string{"allow_api": "0"}), TextConflinesUpdated)
	wantError(t, e.admin("system_version_get", nil), TextAPIDisabled)
	if !e.sim.Snapshot().Users["admin"].Settings.APIDisabled {
		t.Fatal("admin APIDisabled not set")
	}
}
