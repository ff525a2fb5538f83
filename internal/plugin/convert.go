package plugin

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// prefixPattern is the CRD's pattern for cut, add, srcCut and srcAdd.
var prefixPattern = regexp.MustCompile(`^[0-9A-Za-z+*#]*$`)

// ruleSpec turns a rule as MOR reports it into a spec that adopts it (spec.ruleID) and
// declares every field MOR reports. An unassigned id becomes -1 (unassign), so the
// operator keeps it unassigned. Values the CRD would refuse are returned as warnings;
// they are exported as MOR has them, for a person to decide.
func ruleSpec(f mor.Fields, locationID int64) (spec v1alpha1.LocationRuleSpec, warnings []string, err error) {
	id, err := strconv.ParseInt(f["id"], 10, 64)
	if err != nil || id < 1 {
		return spec, nil, fmt.Errorf("MOR reported a rule of location %d without a valid <id> (%q)", locationID, f["id"])
	}
	spec.LocationID, spec.RuleID = locationID, &id
	warn := func(format string, a ...any) {
		warnings = append(warnings, fmt.Sprintf("rule %d: ", id)+fmt.Sprintf(format, a...))
	}

	if name := f["name"]; name != "" {
		spec.Name = &name
	} else {
		warn("MOR has no name; spec.name left out")
	}
	spec.Enabled = flag(f, "enabled", warn)
	if t, ok := f["lr_type"]; ok && t != "" {
		lt := v1alpha1.LocationRuleType(t)
		spec.Type = &lt
		if t != "dst" && t != "src" && t != "combined" {
			warn("type %q is not one of dst, src, combined", t)
		}
	}
	for _, p := range []struct {
		param string
		dst   **string
	}{{"cut", &spec.Cut}, {"add", &spec.Add}, {"src_cut", &spec.SrcCut}, {"src_add", &spec.SrcAdd}} {
		v, ok := f[p.param]
		if !ok {
			continue
		}
		*p.dst = &v
		if !prefixPattern.MatchString(v) || len(v) > 60 {
			warn("%s %q does not match the CRD's pattern (digits, letters, + * #; at most 60)", p.param, v)
		}
	}
	spec.MinLen = length(f, "minlen", warn)
	spec.MaxLen = length(f, "maxlen", warn)
	spec.SrcMinLen = length(f, "src_minlen", warn)
	spec.SrcMaxLen = length(f, "src_maxlen", warn)
	spec.TariffID = ref(f, "tariff_id", warn)
	spec.LCRID = ref(f, "lcr_id", warn)
	spec.DIDID = ref(f, "did_id", warn)
	spec.DeviceID = ref(f, "device_id", warn)
	spec.ChangeCallerIDName = flag(f, "change_callerid_name", warn)
	return spec, warnings, nil
}

// didSpec turns a DID's rate details as MOR reports them into a DIDRate spec.
func didSpec(f mor.Fields, didID int64) (spec v1alpha1.DIDRateSpec, warnings []string) {
	spec.DIDID = &didID
	warn := func(format string, a ...any) {
		warnings = append(warnings, fmt.Sprintf("DID %d: ", didID)+fmt.Sprintf(format, a...))
	}
	if v := f["provider_tariff_id"]; v != "" && v != "0" {
		spec.ProviderTariffID = number(v, "provider_tariff_id", warn)
	}
	spec.AllowCallRejectProvider = flag(f, "allow_call_reject_provider", warn)
	if v, ok := f["owner_tariff_id"]; ok {
		if v == "" {
			v = "0" // the "None" tariff
		}
		spec.OwnerTariffID = number(v, "owner_tariff_id", warn)
	}
	spec.AllowCallReject = flag(f, "allow_call_reject", warn)
	return spec, warnings
}

func flag(f mor.Fields, param string, warn func(string, ...any)) *bool {
	v, ok := f[param]
	if !ok || v == "" {
		return nil
	}
	n, err := strconv.ParseFloat(v, 64)
	if err != nil || (n != 0 && n != 1) {
		warn("%s %q is not 0 or 1; left out", param, v)
		return nil
	}
	b := n == 1
	return &b
}

func length(f mor.Fields, param string, warn func(string, ...any)) *int32 {
	v, ok := f[param]
	if !ok || v == "" {
		return nil
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		warn("%s %q is not a whole number; left out", param, v)
		return nil
	}
	if n < 0 || n > 100 {
		warn("%s %d is outside the CRD's 0..100", param, n)
	}
	n32 := int32(n)
	return &n32
}

// ref reads an id a rule points at: unassigned ("" or 0) is -1.
func ref(f mor.Fields, param string, warn func(string, ...any)) *int64 {
	v, ok := f[param]
	if !ok {
		return nil
	}
	if v == "" || v == "0" {
		u := int64(-1)
		return &u
	}
	return number(v, param, warn)
}

func number(v, param string, warn func(string, ...any)) *int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		warn("%s %q is not a whole number; left out", param, v)
		return nil
	}
	return &n
}
