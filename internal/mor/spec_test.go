package mor_test

import (
	"testing"

	. "github.com/onsi/gomega"
	"k8s.io/utils/ptr"

	"github.com/mor-operator/mor-operator/internal/mor"
)

type ids struct {
	Tariff   *int64  `json:"tariff,omitempty" mor:"tariff_id,unassigned=-1"`
	Provider *int64  `json:"provider,omitempty" mor:"provider_tariff_id,unassigned=omit"`
	Owner    *int64  `json:"owner,omitempty" mor:"owner_tariff_id,unassigned=0"`
	Name     *string `json:"tariffName,omitempty" mor:"tariff_id" lookup:"tariff"`
	Plain    *int64  `json:"plain,omitempty" mor:"plain"`
}

// SpecOf reads back what ParamsOf sends: each unassigned convention, names left alone.
func TestSpecOf(t *testing.T) {
	for _, tt := range []struct {
		name   string
		fields mor.Fields
		want   ids
	}{
		{"ids", mor.Fields{"tariff_id": "7", "provider_tariff_id": "3", "owner_tariff_id": "4", "plain": "9"},
			ids{Tariff: ptr.To[int64](7), Provider: ptr.To[int64](3), Owner: ptr.To[int64](4), Plain: ptr.To[int64](9)}},
		{"unassigned as 0", mor.Fields{"tariff_id": "0", "provider_tariff_id": "0", "owner_tariff_id": "0", "plain": "0"},
			ids{Tariff: ptr.To[int64](-1), Owner: ptr.To[int64](0), Plain: ptr.To[int64](0)}},
		{"unassigned as empty", mor.Fields{"tariff_id": "", "provider_tariff_id": "", "owner_tariff_id": "", "plain": ""},
			ids{Tariff: ptr.To[int64](-1), Owner: ptr.To[int64](0)}},
		{"not reported", mor.Fields{}, ids{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			var got ids
			g.Expect(mor.SpecOf(tt.fields, &got)).To(BeEmpty())
			g.Expect(got).To(Equal(tt.want))
		})
	}
}

// SpecOf then ParamsOf gives MOR's values back: text exactly, numbers and flags as MOR
// reads them, nested struct pointers and comma lists included.
func TestSpecOfRoundTrip(t *testing.T) {
	g := NewWithT(t)
	in := mor.Fields{"name": " uk ", "enabled": "1", "unset": "12", "n_limit": "7", "n_codecs": "alaw,g729"}
	var s spec
	g.Expect(mor.SpecOf(in, &s)).To(BeEmpty())
	g.Expect(mor.ParamsOf(&s).Fields()).To(Equal(in))

	var empty spec
	g.Expect(mor.SpecOf(mor.Fields{"n_codecs": ""}, &empty)).To(BeEmpty())
	g.Expect(empty.Inner.Codecs).To(BeEmpty())
	g.Expect(mor.ParamsOf(&empty).Fields()).To(Equal(mor.Fields{"n_codecs": ""}), "an empty list stays managed")
}

// A value the field cannot hold is left out and named with its parameter.
func TestSpecOfRefuses(t *testing.T) {
	g := NewWithT(t)
	var s struct {
		Enabled *bool   `json:"enabled,omitempty" mor:"enabled"`
		Unset   *int64  `json:"unset,omitempty" mor:"unset"`
		Inner   *nested `json:"inner,omitempty"`
	}
	errs := mor.SpecOf(mor.Fields{"enabled": "2", "unset": "x", "n_limit": "9999999999"}, &s)
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	g.Expect(msgs).To(Equal([]string{`enabled "2" is not 0 or 1`, `unset "x" is not a whole number`, `n_limit "9999999999" is not a whole number`}))
	g.Expect(s.Enabled).To(BeNil())
	g.Expect(s.Unset).To(BeNil())
	g.Expect(s.Inner).To(BeNil())
}
