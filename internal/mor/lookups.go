package mor

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// The lookups list the objects our specs refer to by id, so that a name can be resolved
// to the id it has on one server. Ids, names, purposes and numbers are what the operator
// reads; the other fields are MOR's text as sent, not interpreted.

// TariffPurpose is what a tariff is for (tariffs_get's <purpose>). Values beyond the
// four below are kept as MOR sends them.
type TariffPurpose string

const (
	// PurposeProvider: what a provider bills by, e.g. a DID's provider tariff.
	PurposeProvider TariffPurpose = "provider"
	// PurposeUser: retail.
	PurposeUser TariffPurpose = "user"
	// PurposeUserWholesale: wholesale.
	PurposeUserWholesale TariffPurpose = "user_wholesale"
	// PurposeUserByProvider: a provider's tariff plus a delta (DeltaValue, DeltaPercent).
	PurposeUserByProvider TariffPurpose = "user_by_provider"
)

// Tariff is one tariff as tariffs_get lists it.
type Tariff struct {
	ID       int64
	Name     string // exactly as MOR stores it
	Purpose  TariffPurpose
	Currency string
	// LastUpdateDate is "" (never updated) or e.g. "2022-06-13 14:50:06 +0300".
	LastUpdateDate string
	// DeltaValue and DeltaPercent are set for purpose user_by_provider only.
	DeltaValue, DeltaPercent string
}

// LCR is one least-cost-routing plan as lcrs_get lists it.
type LCR struct {
	ID                        int64
	Name                      string // exactly as MOR stores it
	Order                     string // price, priority, percent or quality
	FirstProviderPercentLimit string
	FailoverProviderID        string // "" when none
	NoFailover                string // 1 or 0
	MinimalRateMarginPercent  string
	QualityRoutingID          string // "-1" when none
	AllowLossCalls            string // 1 or 0
}

// DID is one phone number as dids_get lists it.
type DID struct {
	ID                    int64  // the record id, what other methods take as did_id
	Number                string // the <did> element
	Status                string // free, reserved, active, closed or terminated
	Provider              string
	Language              string
	Reseller              string
	Owner                 string
	Device                string
	DialPlan              string
	SimultaneousCallLimit string
	ToneZone              string
}

// ListTariffs calls tariffs_get: every tariff the caller may use. MOR's answer for
// none, the error "No Tariffs found", is an empty result.
func (c *Client) ListTariffs(ctx context.Context) ([]Tariff, error) {
	env, err := c.call(ctx, TariffsGet, nil)
	if err != nil {
		return nil, err
	}
	var out []Tariff
	for _, n := range env.root.findAll("tariff", nil) {
		f := n.fields()
		id, err := lookupID(TariffsGet, f)
		if err != nil {
			return nil, err
		}
		out = append(out, Tariff{
			ID: id, Name: f["name"], Purpose: TariffPurpose(trimmed(n, "purpose")),
			Currency: trimmed(n, "currency"), LastUpdateDate: trimmed(n, "last_update_date"),
			DeltaValue: trimmed(n, "delta_value"), DeltaPercent: trimmed(n, "delta_percent"),
		})
	}
	return out, nil
}

// ListLCRs calls lcrs_get: every LCR the caller may use, or with a name (s_name) those
// of exactly that name. The client keeps only exact matches itself, whatever MOR's
// matching. MOR's answer for none, "No LCRs found", is an empty result.
func (c *Client) ListLCRs(ctx context.Context, name string) ([]LCR, error) {
	var params Fields
	if name != "" {
		params = Fields{"s_name": name}
	}
	env, err := c.call(ctx, LCRsGet, params)
	if err != nil {
		return nil, err
	}
	var out []LCR
	for _, n := range env.root.findAll("lcr", nil) {
		f := n.fields()
		id, err := lookupID(LCRsGet, f)
		if err != nil {
			return nil, err
		}
		if name != "" && f["name"] != name {
			continue
		}
		out = append(out, LCR{
			ID: id, Name: f["name"], Order: trimmed(n, "order"),
			FirstProviderPercentLimit: trimmed(n, "first_provider_percent_limit"),
			FailoverProviderID:        trimmed(n, "failover_provider_id"),
			NoFailover:                trimmed(n, "no_failover"),
			MinimalRateMarginPercent:  trimmed(n, "minimal_rate_margin_percent"),
			QualityRoutingID:          trimmed(n, "quality_routing_id"),
			AllowLossCalls:            trimmed(n, "allow_loss_calls"),
		})
	}
	return out, nil
}

// ListDIDs calls dids_get for the DIDs whose number matches number (search_did_number;
// "" lists every DID), page by page: from is 1-based there (the wiki), so pages start
// at 1, 101, 201… with max_results 100, until a page holds fewer than 100. MOR matches
// the number partially: a caller after one number compares DID.Number itself.
func (c *Client) ListDIDs(ctx context.Context, number string) ([]DID, error) {
	var out []DID
	seen := map[int64]bool{}
	params := Fields{}
	if number != "" {
		params["search_did_number"] = number
	}
	err := c.listPages(ctx, DIDsGet, 1, params, "DIDs", func(env *envelope) (got, fresh int, err error) {
		for _, n := range env.root.findAll("did", nil) {
			got++ // findAll does not descend into a match: each DID's own <did> is its number
			id, err := lookupID(DIDsGet, n.fields())
			if err != nil {
				return got, fresh, err
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			fresh++
			out = append(out, DID{
				ID: id, Number: trimmed(n, "did"), Status: trimmed(n, "status"),
				Provider: trimmed(n, "provider"), Language: trimmed(n, "language"),
				Reseller: trimmed(n, "reseller"), Owner: trimmed(n, "owner"),
				Device: trimmed(n, "device"), DialPlan: trimmed(n, "dial_plan"),
				SimultaneousCallLimit: trimmed(n, "simultaneous_call_limit"),
				ToneZone:              trimmed(n, "tone_zone"),
			})
		}
		return got, fresh, nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// lookupID reads a listed object's <id>: a positive integer, or the answer is malformed.
func lookupID(method *Method, f Fields) (int64, error) {
	v, ok := f["id"]
	if !ok {
		return 0, malformed(method, "an object has no <id>")
	}
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || id <= 0 {
		return 0, malformed(method, fmt.Sprintf("<id> is %q", truncate(v, 32)))
	}
	return id, nil
}

// trimmed is the text of n's child called name, trimmed; "" when absent.
func trimmed(n *node, name string) string {
	if c := n.child(name); c != nil {
		return c.value()
	}
	return ""
}
