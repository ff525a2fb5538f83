package mor

import (
	"fmt"
	"reflect"
	"strings"
)

// tag is a spec field's `mor:"<parameter>[,unassigned=<as>]"` tag.
type tag struct {
	param string
	// unassigned says what an id MOR reads back as "" or "0" (none assigned) is in the
	// spec: "-1" (the spec's unassign), "0" (a value of its own, e.g. the "None"
	// tariff) or "omit" (the field is left unset). "" for a field without ids.
	unassigned string
}

// morTag reads f's `mor` tag; ok is false for an untagged field.
func morTag(f reflect.StructField) (t tag, ok bool) {
	v, ok := f.Tag.Lookup("mor")
	if !ok {
		return tag{}, false
	}
	param, opts, _ := strings.Cut(v, ",")
	t.param = param
	for opt := range strings.SplitSeq(opts, ",") {
		switch k, v, _ := strings.Cut(opt, "="); {
		case opt == "":
		case k == "unassigned" && (v == "-1" || v == "0" || v == "omit"):
			t.unassigned = v
		default: // a typo must not pass as a field without the convention
			panic(fmt.Sprintf("field %s: unknown mor tag option %q", f.Name, opt))
		}
	}
	return t, true
}

// jsonName is a field's JSON name.
func jsonName(f reflect.StructField) string { return strings.Split(f.Tag.Get("json"), ",")[0] }

// isName reports whether f names a MOR object (tagged `lookup`) rather than holding a
// value MOR has: its id twin carries the parameter's value.
func isName(f reflect.StructField) bool {
	_, ok := f.Tag.Lookup("lookup")
	return ok
}
