package mor

import (
	"reflect"
	"strconv"
)

// Params maps the spec fields a resource sets to MOR parameters. Unset (nil) fields are
// left out: the operator does not manage them.
type Params struct {
	fields  Fields
	spec    map[string]string // MOR parameter → spec field path, for status and events
	numeric map[string]bool   // parameters compared as numbers (ints and flags)
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
	if p.fields == nil {
		p.fields, p.spec, p.numeric = Fields{}, map[string]string{}, map[string]bool{}
	}
	p.fields[param] = format(*v)
	p.spec[param] = field
	p.numeric[param] = reflect.ValueOf(*v).Kind() != reflect.String
}

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
func format[V Value](v V) string {
	rv := reflect.ValueOf(v)
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
