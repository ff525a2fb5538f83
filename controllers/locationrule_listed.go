package controllers

import (
	"reflect"
	"unique"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// listedFields are the only fields of a listed rule the adapter reads: the id, the
// location, and the spec's parameters (any listed rule may be adopted by spec.ruleID
// and diffed). A listing holds every rule of a location, hand-made ones too, so the
// rest of MOR's ~22 fields is dropped and the names are not stored per rule.
var listedFields, listedIndex = func() ([]string, map[string]int) {
	names := append([]string{"id", "location_id"}, mor.ParamNames(reflect.TypeFor[v1alpha1.LocationRuleSpec]())...)
	index := make(map[string]int, len(names))
	for i, n := range names {
		index[n] = i
	}
	return names, index
}()

// listedRule is a listed rule's values in listedFields order; "" for absent, which
// every reader treats alike (a missing map key reads as "" too).
type listedRule []string

// compactRule keeps what listedFields names. Values are interned: across thousands
// of rules most are the same few ("1", "99", "dst", "0", ids of shared tariffs).
func compactRule(f mor.Fields) listedRule {
	r := make(listedRule, len(listedFields))
	for i, n := range listedFields {
		if v := f[n]; v != "" {
			r[i] = unique.Make(v).Value()
		}
	}
	return r
}

func (r listedRule) get(name string) string {
	if i, ok := listedIndex[name]; ok && r != nil {
		return r[i]
	}
	return ""
}

// fields rebuilds the map the diff reads, for the one rule a resource matched.
func (r listedRule) fields() mor.Fields {
	f := make(mor.Fields, len(r))
	for i, v := range r {
		if v != "" {
			f[listedFields[i]] = v
		}
	}
	return f
}

// merged is r with a write of ours applied.
func (r listedRule) merged(written mor.Fields) listedRule {
	f := r.fields()
	for k, v := range written {
		f[k] = v
	}
	return compactRule(f)
}
