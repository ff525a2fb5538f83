package mor

import (
	"sort"
	"strconv"
)

// Diff returns, sorted, the managed parameters whose value in observed differs from the
// spec. Parameters the spec leaves out are not managed and never compared.
func (p *Params) Diff(observed Fields) []string {
	var out []string
	for k, want := range p.fields {
		if !p.Same(k, want, observed[k]) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// Same compares one parameter's desired and observed values. Numbers and flags compare
// numerically ("1" == "1.0"), and "-1" (unassign) equals an unassigned id, which MOR reads
// back as "" or "0". Text — names, and dial prefixes such as "00" or "+44" that only look
// like numbers — compares exactly.
func (p *Params) Same(param, want, got string) bool {
	if want == got {
		return true
	}
	if !p.numeric[param] {
		return false
	}
	if want == "-1" && (got == "" || got == "0") {
		return true
	}
	w, errW := strconv.ParseFloat(want, 64)
	g, errG := strconv.ParseFloat(got, 64)
	return errW == nil && errG == nil && w == g
}

// Only returns the subset of f named by keys.
func Only(f Fields, keys []string) Fields {
	out := make(Fields, len(keys))
	for _, k := range keys {
		out[k] = f[k]
	}
	return out
}
