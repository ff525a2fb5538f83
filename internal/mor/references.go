package mor

import (
	"reflect"
)

// Reference is a spec field that names a MOR object instead of giving its id: tagged
// `lookup:"<what>"` (tariff, providerTariff, lcr or did), and `mor:"<parameter>"` when
// the id it resolves to is sent as that parameter (a DIDRate's didNumber is its key,
// not a parameter).
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
		what, ok := f.Tag.Lookup("lookup")
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
