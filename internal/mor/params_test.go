package mor_test

import (
	"reflect"
	"slices"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/mor-operator/mor-operator/internal/mor"
)

type codec string

type nested struct {
	Limit  *int32  `json:"limit,omitempty" mor:"n_limit"`
	Codecs []codec `json:"codecs,omitempty" mor:"n_codecs"`
}

type spec struct {
	Ref     *struct{ Name string } `json:"ref,omitempty"` // untagged, no tags inside: ignored
	ID      int64                  `json:"id"`            // untagged: identity, not a parameter
	Name    *string                `json:"name,omitempty" mor:"name"`
	Enabled *bool                  `json:"enabled,omitempty" mor:"enabled"`
	Unset   *int64                 `json:"unset,omitempty" mor:"unset"`
	Inner   *nested                `json:"inner,omitempty"`
	Absent  *nested                `json:"absent,omitempty"`
}

func TestParamsOf(t *testing.T) {
	g := NewWithT(t)
	name, yes, limit := " uk ", true, int32(7)
	p := mor.ParamsOf(&spec{
		Ref: &struct{ Name string }{"x"}, ID: 9, Name: &name, Enabled: &yes,
		Inner: &nested{Limit: &limit, Codecs: []codec{"alaw", "g729"}},
	})
	g.Expect(p.Fields()).To(Equal(mor.Fields{
		"name": " uk ", "enabled": "1", "n_limit": "7", "n_codecs": "alaw,g729",
	}), "set tagged fields only, values as MOR expects them")
	g.Expect(p.SpecFields([]string{"name", "n_limit", "n_codecs"})).To(Equal(
		[]string{"spec.name", "spec.inner.limit", "spec.inner.codecs"}), "JSON paths under spec")
	g.Expect(p.Diff(mor.Fields{"name": " uk ", "enabled": "1.0", "n_limit": "7", "n_codecs": "alaw,g729"})).To(BeEmpty(),
		"flags and integers compare as numbers")
	g.Expect(p.Diff(mor.Fields{"name": "uk", "enabled": "1", "n_limit": "7", "n_codecs": "alaw, g729"})).To(
		Equal([]string{"n_codecs", "name"}), "text and comma lists compare exactly")
	g.Expect(mor.ParamsOf(&spec{Inner: &nested{Codecs: []codec{}}}).Fields()).To(Equal(mor.Fields{"n_codecs": ""}),
		"an empty list is managed (sent as empty), unlike an omitted one")
}

// ParamNames reads the same tags as ParamsOf, from the type alone: nested struct
// pointers are followed whether set or not.
func TestParamNames(t *testing.T) {
	g := NewWithT(t)
	g.Expect(mor.ParamNames(reflect.TypeFor[spec]())).To(Equal([]string{
		"name", "enabled", "unset", "n_limit", "n_codecs", "n_limit", "n_codecs"}))
}

func TestTextFields(t *testing.T) {
	type nested struct {
		Zone *string `json:"zone,omitempty" mor:"zone"`
	}
	type spec struct {
		Name   *string  `json:"name,omitempty" mor:"name"`
		Kind   *kind    `json:"kind,omitempty" mor:"kind"`
		Len    *int32   `json:"len,omitempty" mor:"len"`
		On     *bool    `json:"on,omitempty" mor:"on"`
		Codecs []string `json:"codecs,omitempty" mor:"codecs"`
		Plain  *string  `json:"plain,omitempty"`
		Inner  *nested  `json:"inner,omitempty"`
	}
	got := mor.TextFields(reflect.TypeFor[spec]())
	if want := []string{"name", "kind", "zone"}; !slices.Equal(got, want) {
		t.Errorf("TextFields = %q, want %q", got, want)
	}
}

type kind string
