package mor

import (
	"fmt"
	"reflect"
	"strings"
)

// Reference is a spec field that names a MOR object instead of giving its id: tagged
// `lookup:"<what>"` (tariff, providerTariff, lcr or did), and `mor:"<parameter>"` when
// the id it resolves to is sent as that parameter (a DIDRate's didNumber is its key,
// not a parameter). Its id twin, the field it is the alternative to, maps the same
// parameter, or is named by the lookup tag's id option (`lookup:"did,id=didID"`).
type Reference struct {
	// Field is the spec field's path, e.g. "spec.tariffName".
	Field string
	// Param is the MOR parameter the resolved id is sent as ("" for none).
	Param string
	// Lookup is what the name names: the tag's value.
	Lookup string
	// Name is the field's value.
	Name string
}

// ReferencesOf lists the names a spec (a pointer to a struct) sets, in field order.
func ReferencesOf(spec any) []Reference {
	var refs []Reference
	v := reflect.ValueOf(spec).Elem()
	for i := range v.NumField() {
		f, fv := v.Type().Field(i), v.Field(i)
		what, ok := lookupTag(f)
		if !ok || fv.Kind() != reflect.Pointer || fv.IsNil() {
			continue
		}
		t, _ := morTag(f)
		refs = append(refs, Reference{
			Field:  "spec." + jsonName(f),
			Param:  t.param,
			Lookup: what,
			Name:   fv.Elem().String(),
		})
	}
	return refs
}

// Twin is a name field and its id twin, by JSON name (e.g. tariffName and tariffID).
type Twin struct {
	Name, ID string
	Lookup   string // what the name names (the lookup tag)
}

// UseNames replaces, in spec (a pointer to a struct), each id that has a name twin by
// the name name(twin, id) returns, when it returns one (ok): ReferencesOf then lists
// it, and it resolves back to the id. Ids below 1 are conventions (-1 unassign, 0 the
// "None" tariff), not objects: they stay.
func UseNames(spec any, name func(t Twin, id int64) (string, bool)) {
	v := reflect.ValueOf(spec).Elem()
	for _, tw := range twinsOf(v.Type()) {
		idv, namev := v.Field(tw.id), v.Field(tw.name)
		if idv.IsNil() || idv.Elem().Int() < 1 {
			continue
		}
		if n, ok := name(tw.Twin, idv.Elem().Int()); ok {
			namev.Set(reflect.ValueOf(&n))
			idv.SetZero()
		}
	}
}

type twinFields struct {
	Twin
	name, id int // field indexes
}

// twinsOf pairs the name fields of a spec type with their id twins, in field order.
func twinsOf(t reflect.Type) []twinFields {
	var out []twinFields
	for i := range t.NumField() {
		f := t.Field(i)
		what, ok := lookupTag(f)
		if !ok {
			continue
		}
		_, opts, _ := strings.Cut(f.Tag.Get("lookup"), ",")
		idName, byName := strings.CutPrefix(opts, "id=")
		param, _ := morTag(f)
		twin := -1
		for j := range t.NumField() {
			g := t.Field(j)
			gt, tagged := morTag(g)
			if byName && jsonName(g) == idName || !byName && tagged && !isName(g) && gt.param == param.param {
				twin = j
			}
		}
		if twin < 0 || t.Field(twin).Type != reflect.TypeFor[*int64]() || f.Type != reflect.TypeFor[*string]() {
			panic(fmt.Sprintf("mor: %s.%s has no *int64 id twin", t.Name(), f.Name))
		}
		out = append(out, twinFields{Twin{Name: jsonName(f), ID: jsonName(t.Field(twin)), Lookup: what}, i, twin})
	}
	return out
}

// lookupTag returns what a name field names: its lookup tag without options.
func lookupTag(f reflect.StructField) (string, bool) {
	v, ok := f.Tag.Lookup("lookup")
	what, _, _ := strings.Cut(v, ",")
	return what, ok
}
