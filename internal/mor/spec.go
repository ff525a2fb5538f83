package mor

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// SpecOf is ParamsOf backwards: it sets each field of spec (a pointer to a struct) tagged
// `mor` from MOR's value of its parameter, so that ParamsOf(spec) then sends what MOR
// has. A parameter fields lacks leaves its field unset; untagged struct pointers are
// filled the same way when one of their fields is set. Text is taken exactly, empty
// included; a number or flag MOR reads back as "" is left unset, and an id MOR reads
// back as "" or "0" (none assigned) becomes what the field's unassigned option says.
// Names (fields tagged `lookup`) are left alone: MOR reports ids. A value a field cannot
// hold leaves it unset and is returned as a *ValueError.
func SpecOf(fields Fields, spec any) []error {
	var errs []error
	readInto(fields, reflect.ValueOf(spec).Elem(), &errs)
	return errs
}

// ValueError: MOR holds a value of Param that its spec field cannot hold.
type ValueError struct {
	Param, Value string
	Want         string // what the field holds, e.g. "0 or 1"
}

func (e *ValueError) Error() string { return fmt.Sprintf("%s %q is not %s", e.Param, e.Value, e.Want) }

// readInto fills v's fields and reports whether it set any.
func readInto(fields Fields, v reflect.Value, errs *[]error) (set bool) {
	for i := range v.NumField() {
		f, fv := v.Type().Field(i), v.Field(i)
		t, tagged := morTag(f)
		switch {
		case isName(f):
		case tagged:
			raw, ok := fields[t.param]
			if !ok {
				continue
			}
			if err := read(fv, t, raw); err != nil {
				*errs = append(*errs, err)
			}
			set = set || !fv.IsNil()
		case fv.Kind() == reflect.Pointer && fv.Type().Elem().Kind() == reflect.Struct:
			inner := reflect.New(fv.Type().Elem())
			if readInto(fields, inner.Elem(), errs) {
				fv.Set(inner)
				set = true
			}
		}
	}
	return set
}

// read sets fv (a pointer, or a slice for MOR's comma lists) from raw, leaving it nil
// when MOR's value means unset.
func read(fv reflect.Value, t tag, raw string) error {
	if fv.Kind() == reflect.Slice {
		parts := strings.Split(raw, ",")
		if raw == "" {
			parts = nil // ParamsOf sends an empty list as ""
		}
		s := reflect.MakeSlice(fv.Type(), len(parts), len(parts))
		for i, p := range parts {
			s.Index(i).SetString(p)
		}
		fv.Set(s)
		return nil
	}
	v := reflect.New(fv.Type().Elem())
	e := v.Elem()
	switch e.Kind() {
	case reflect.String:
		e.SetString(raw)
	case reflect.Bool:
		if raw == "" {
			return nil
		}
		n, err := strconv.ParseFloat(raw, 64)
		if err != nil || (n != 0 && n != 1) {
			return &ValueError{Param: t.param, Value: raw, Want: "0 or 1"}
		}
		e.SetBool(n == 1)
	case reflect.Int32, reflect.Int64:
		if t.unassigned != "" && (raw == "" || raw == "0") {
			if t.unassigned == "omit" {
				return nil
			}
			raw = t.unassigned
		}
		if raw == "" {
			return nil
		}
		n, err := strconv.ParseInt(raw, 10, e.Type().Bits())
		if err != nil {
			return &ValueError{Param: t.param, Value: raw, Want: "a whole number"}
		}
		e.SetInt(n)
	default:
		panic(fmt.Sprintf("mor: parameter %s: a spec field of kind %s", t.param, e.Kind()))
	}
	fv.Set(v)
	return nil
}
