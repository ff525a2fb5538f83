package mor

import (
	"reflect"
	"strconv"
	"strings"
)

// Params maps the spec fields a resource sets to MOR parameters. Unset (nil) fields are
// left out: the operator does not manage them.
type Params struct {
	fields  Fields
	spec    map[string]string // MOR parameter → spec field path, for status and events
	numeric map[string]bool   // parameters compared as numbers (ints and flags)
	names   map[string]string // MOR parameter → the name its id was resolved from
}

// Value is a type a spec field can have.
type Value interface {
	~string | ~int32 | ~int64 | ~bool
}

// Add records field (its path in spec) as MOR parameter param when v is set.
func Add[V Value](p *Params, field, param string, v *V) {
	if v == nil {
		return
	}
	p.set(field, param, format(*v), reflect.ValueOf(*v).Kind() != reflect.String)
}

func (p *Params) set(field, param, value string, numeric bool) {
	if p.fields == nil {
		p.fields, p.spec, p.numeric, p.names = Fields{}, map[string]string{}, map[string]bool{}, map[string]string{}
	}
	p.fields[param] = value
	p.spec[param] = field
	p.numeric[param] = numeric
}

// ParamsOf maps a spec (a pointer to a struct) to MOR parameters: each set field tagged
// `mor:"<parameter>"` — a pointer to a string, integer or bool, or a list of strings
// sent as MOR's comma list — named in status by its JSON path under "spec". Untagged
// struct pointers (e.g. spec.user) are walked the same way. The mapping thus lives on
// the API type, beside the field and its validation.
func ParamsOf(spec any) *Params {
	p := &Params{}
	p.walk(reflect.ValueOf(spec).Elem(), "spec")
	return p
}

// ParamNames lists the MOR parameters a spec type maps (its `mor` tags, nested struct
// pointers included), in field order: what ParamsOf can send for it.
func ParamNames(spec reflect.Type) []string {
	var names []string
	for i := range spec.NumField() {
		f := spec.Field(i)
		if isName(f) {
			continue // a name: its id twin maps the parameter
		}
		if t, tagged := morTag(f); tagged {
			names = append(names, t.param)
		} else if f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Struct {
			names = append(names, ParamNames(f.Type.Elem())...)
		}
	}
	return names
}

// TextFields lists the JSON names of a spec type's tagged fields whose values are text
// (strings and string types, as opposed to numbers, flags and lists), nested struct
// pointers included: the values ParamsOf sends, and Same compares, exactly.
func TextFields(spec reflect.Type) []string {
	var names []string
	for i := range spec.NumField() {
		f := spec.Field(i)
		t := f.Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if isName(f) {
			continue // a name is resolved, not sent
		}
		if _, tagged := morTag(f); tagged && t.Kind() == reflect.String {
			names = append(names, jsonName(f))
		} else if !tagged && t.Kind() == reflect.Struct {
			names = append(names, TextFields(t)...)
		}
	}
	return names
}

func (p *Params) walk(v reflect.Value, path string) {
	for i := range v.NumField() {
		f, fv := v.Type().Field(i), v.Field(i)
		field := path + "." + jsonName(f)
		t, tagged := morTag(f)
		param := t.param
		switch {
		case fv.Kind() == reflect.Pointer && fv.IsNil(), fv.Kind() == reflect.Slice && fv.IsNil():
		case isName(f): // a name: sent once Bind gives its id
		case tagged && fv.Kind() == reflect.Slice:
			parts := make([]string, fv.Len())
			for j := range parts {
				parts[j] = fv.Index(j).String()
			}
			p.set(field, param, strings.Join(parts, ","), false)
		case tagged && fv.Kind() == reflect.Pointer:
			e := fv.Elem()
			p.set(field, param, formatValue(e), e.Kind() != reflect.String)
		case fv.Kind() == reflect.Pointer && fv.Elem().Kind() == reflect.Struct:
			p.walk(fv.Elem(), field)
		}
	}
}

// Bind sends id as the parameter ref names, for ref's spec field: what the name
// resolved to.
func (p *Params) Bind(ref Reference, id int64) {
	p.set(ref.Field, ref.Param, strconv.FormatInt(id, 10), true)
	p.names[ref.Param] = ref.Name
}

// NameOf returns the name param's id was resolved from ("" when the spec gave the id).
func (p *Params) NameOf(param string) string { return p.names[param] }

// Fields returns the MOR parameters to send.
func (p *Params) Fields() Fields { return p.fields }

// SpecFields translates MOR parameter names to spec field paths.
func (p *Params) SpecFields(params []string) []string {
	out := make([]string, 0, len(params))
	for _, k := range params {
		if f, ok := p.spec[k]; ok {
			out = append(out, f)
		} else {
			out = append(out, k)
		}
	}
	return out
}

// format renders a value as MOR expects it; reflection covers named types such as
// v1alpha1.LocationRuleType.
func format[V Value](v V) string { return formatValue(reflect.ValueOf(v)) }

func formatValue(rv reflect.Value) string {
	switch rv.Kind() {
	case reflect.Bool:
		if rv.Bool() {
			return "1"
		}
		return "0"
	case reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10)
	default:
		return rv.String()
	}
}
