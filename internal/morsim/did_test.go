package morsim

import (
	"testing"
)

func TestDIDRatesDetailsGet(t *testing.T) {
	e := newEnv(t)
	r := e.admin("did_rates_details_get", map[string]string{"did_id": "3"})
	const want = "<page><status><did><id>3</id><provider_tariff_id>3</provider_tariff_id><allow_call_reject_provider>1</allow_call_reject_provider><owner_tariff_id>4</owner_tariff_id><allow_call_reject>1</allow_call_reject></did></status></page>"
	if got := compact(r.body); got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	// The accountant may read; the None tariff reads as 0.
	r = e.call("did_rates_details_get", "accountant", adminKey, map[string]string{"did_id": "2"})
	if f := fields(t, r.body, "did"); f["owner_tariff_id"] != "0" || f["id"] != "2" {
		t.Fatalf("did 2: %v", f)
	}
	for _, tc := range []struct {
		name, user, key, didID, want string
	}{
		{"unknown DID", "admin", adminKey, "99", TextDIDNotFound},
		{"DID by number is not an id", "admin", adminKey, "37060000003", TextDIDNotFound},
		{"missing did_id", "admin", adminKey, "", TextDIDNotFound},
		{"reseller denied", "reseller", resellerKey, "5", TextAccessDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call("did_rates_details_get", tc.user, tc.key, map[string]string{"did_id": tc.didID})
			wantError(t, r, tc.want)
			if got := compact(r.body); got != "<page><error>"+tc.want+"</error></page>" {
				t.Fatalf("envelope %s", got)
			}
		})
	}
}

func TestDIDRatesDetailsUpdate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		user   string
		params map[string]string
		err    string
		want   DID // expected DID 3 afterwards (seed: 3, 1, 4, 1)
	}{
		{name: "all four", params: map[string]string{"provider_tariff_id": "1", "allow_call_reject_provider": "0", "owner_tariff_id": "2", "allow_call_reject": "0"},
			want: DID{ProviderTariffID: 1, AllowCallRejectProvider: 0, OwnerTariffID: 2, AllowCallReject: 0}},
		{name: "only one changes", params: map[string]string{"allow_call_reject": "0"},
			want: DID{ProviderTariffID: 3, AllowCallRejectProvider: 1, OwnerTariffID: 4, AllowCallReject: 0}},
		{name: "owner tariff None", params: map[string]string{"owner_tariff_id": "0"},
			want: DID{ProviderTariffID: 3, AllowCallRejectProvider: 1, OwnerTariffID: 0, AllowCallReject: 1}},
		{name: "blank is unchanged", params: map[string]string{"provider_tariff_id": "", "owner_tariff_id": "2"},
			want: DID{ProviderTariffID: 3, AllowCallRejectProvider: 1, OwnerTariffID: 2, AllowCallReject: 1}},
		{name: "nothing sent", params: map[string]string{},
			want: DID{ProviderTariffID: 3, AllowCallRejectProvider: 1, OwnerTariffID: 4, AllowCallReject: 1}},
		{name: "accountant may update", user: "accountant", params: map[string]string{"provider_tariff_id": "6"},
			want: DID{ProviderTariffID: 6, AllowCallRejectProvider: 1, OwnerTariffID: 4, AllowCallReject: 1}},
		{name: "unknown provider tariff", params: map[string]string{"provider_tariff_id": "42"}, err: TextTariffNotFound},
		{name: "provider tariff 0", params: map[string]string{"provider_tariff_id": "0"}, err: TextTariffNotFound},
		{name: "unknown owner tariff", params: map[string]string{"owner_tariff_id": "42"}, err: TextTariffNotFound},
		{name: "owner tariff not a number", params: map[string]string{"owner_tariff_id": "x"}, err: TextTariffNotFound},
		{name: "bad reject provider", params: map[string]string{"allow_call_reject_provider": "2"}, err: TextAllowCallRejectProvider},
		{name: "bad reject", params: map[string]string{"allow_call_reject": "yes"}, err: TextAllowCallReject},
		{name: "nothing written on a later error", params: map[string]string{"provider_tariff_id": "1", "allow_call_reject": "9"}, err: TextAllowCallReject},
		{name: "reseller denied", user: "reseller", params: map[string]string{"allow_call_reject": "0"}, err: TextAccessDenied},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			user, key := "admin", adminKey
			switch tc.user {
			case "accountant":
				user = "accountant"
			case "reseller":
				user, key = "reseller", resellerKey
			}
			p := map[string]string{"did_id": "3"}
			for k, v := range tc.params {
				p[k] = v
			}
			r := e.call("did_rates_details_update", user, key, p)
			got := *e.sim.Snapshot().DIDs[3]
			if tc.err != "" {
				wantError(t, r, tc.err)
				if seed := *DefaultSeed().DIDs[3]; got != seed {
					t.Fatalf("DID changed: %+v", got)
				}
				return
			}
			wantSuccess(t, r, TextDIDUpdated)
			if compact(r.body) != "<page><status><success>DID details successfully updated</success></status></page>" {
				t.Fatalf("envelope %s", r.body)
			}
			tc.want.ID, tc.want.Number, tc.want.Owner = 3, got.Number, got.Owner
			if got != tc.want {
				t.Fatalf("DID %+v, want %+v", got, tc.want)
			}
		})
	}
	e := newEnv(t)
	wantError(t, e.admin("did_rates_details_update", map[string]string{"did_id": "8", "allow_call_reject": "0"}), TextDIDNotFound)
}
