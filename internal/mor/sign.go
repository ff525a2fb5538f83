package mor

import (
	"crypto/sha1" //nolint:gosec // MOR's API defines its request hash as SHA-1; not our choice.
	"encoding/hex"
)

// MOR method names used by this package.
const (
	methodSystemVersionGet      = "system_version_get"
	methodConflinesUpdate       = "conflines_update"
	methodDIDRatesDetailsGet    = "did_rates_details_get"
	methodDIDRatesDetailsUpdate = "did_rates_details_update"
	methodLocationRuleCreate    = "location_rule_create"
	methodLocationRuleGet       = "location_rule_get"
	methodLocationRuleUpdate    = "location_rule_update"
	methodLocationRuleDelete    = "location_rule_delete"
	methodLocationRulesGet      = "location_rules_get"
)

// hashParams is the single source of truth for signing: for every method this package
// may call, the names of its hash parameters in the order MOR concatenates their values
// (see the contract, "Authentication and the hash"). A method missing from this table is
// refused by the Client. u is a hash parameter of none of them.
var hashParams = map[string][]string{
	methodSystemVersionGet:      nil,
	methodConflinesUpdate:       nil,
	methodDIDRatesDetailsGet:    {"did_id"},
	methodDIDRatesDetailsUpdate: {"did_id"},
	methodLocationRuleCreate:    {"location_id"},
	methodLocationRuleGet:       {"location_rule_id"},
	methodLocationRuleUpdate:    {"location_rule_id"},
	methodLocationRuleDelete:    {"location_rule_id"},
	methodLocationRulesGet:      {"location_id"},
}

// Sign returns MOR's request hash for method: the lowercase hex SHA-1 of the values of
// the method's hash parameters taken from params in the method's fixed order (an absent
// parameter contributes ""), followed by key. For a method this package does not know,
// the hash covers the key only. The result is as secret as the key: never log it.
func Sign(method string, params Fields, key string) string {
	h := sha1.New() //nolint:gosec // see import
	for _, name := range hashParams[method] {
		h.Write([]byte(params[name]))
	}
	h.Write([]byte(key))
	return hex.EncodeToString(h.Sum(nil))
}

// knownMethod reports whether method has an entry in hashParams.
func knownMethod(method string) bool {
	_, ok := hashParams[method]
	return ok
}
