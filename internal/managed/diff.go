package managed

import (
	"sort"
	"strconv"

	"github.com/mor-operator/mor-operator/internal/mor"
)

// Diff returns, sorted, the parameters of desired whose value differs from observed.
// Parameters absent from desired are not managed and never compared.
func Diff(desired, observed mor.Fields) []string {
	var out []string
	for k, want := range desired {
		if !sameValue(want, observed[k]) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Only returns the subset of f named by keys.
func Only(f mor.Fields, keys []string) mor.Fields {
	out := make(mor.Fields, len(keys))
	for _, k := range keys {
		out[k] = f[k]
	}
	return out
}

// sameValue compares MOR values: numerically when both are numbers ("1" == "1.0"), and
// "-1" (unassign) equal to an unassigned id, which MOR reads back as "" or "0".
func sameValue(want, got string) bool {
	if want == got {
		return true
	}
	if want == "-1" && (got == "" || got == "0") {
		return true
	}
	w, errW := strconv.ParseFloat(want, 64)
	g, errG := strconv.ParseFloat(got, 64)
	return errW == nil && errG == nil && w == g
}
