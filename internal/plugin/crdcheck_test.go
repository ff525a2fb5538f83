package plugin

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

// TestExportWarnsOfCRDRefusals: a value MOR holds that the LocationRule CRD refuses (its
// OpenAPI schema or a CEL rule) is exported as MOR has it, with one warning per
// violation in the API server's words; an empty name is left out instead.
func TestExportWarnsOfCRDRefusals(t *testing.T) {
	for _, tt := range []struct {
		name string
		edit func(r *morsim.Rule)
		want []string
	}{
		{"valid", func(r *morsim.Rule) {}, nil},
		{"pattern", func(r *morsim.Rule) { r.Cut = "00-37" }, []string{
			`rule 3: spec.cut: Invalid value: "00-37": spec.cut in body should match '^[0-9A-Za-z+*#]*$'`}},
		{"length 61", func(r *morsim.Rule) { r.SrcAdd = strings.Repeat("9", 61) }, []string{
			`rule 3: spec.srcAdd: Too long: may not be more than 60 bytes`}},
		{"minlen 101", func(r *morsim.Rule) { r.MinLen, r.MaxLen = 101, 100 }, []string{
			`rule 3: spec.minLen: Invalid value: 101: spec.minLen in body should be less than or equal to 100`,
			`rule 3: spec.minLen: Invalid value: spec.minLen must be less than or equal to spec.maxLen`}},
		{"unknown type", func(r *morsim.Rule) { r.LrType = "both" }, []string{
			`rule 3: spec.type: Unsupported value: "both": supported values: "dst", "src", "combined"`}},
		{"minLen above maxLen (CEL)", func(r *morsim.Rule) { r.SrcMinLen, r.SrcMaxLen = 12, 11 }, []string{
			`rule 3: spec.srcMinLen: Invalid value: spec.srcMinLen must be less than or equal to spec.srcMaxLen`}},
		{"empty name", func(r *morsim.Rule) { r.Name = "" }, []string{
			`rule 3: MOR has no name; spec.name left out`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			seed := handSeed(1) // rule 3 in location 1
			tt.edit(seed.Rules[3])
			sim, api, _ := newSim(t, seed, 1e6)
			docs, warnings, err := Export(context.Background(), api, ExportOptions{Locations: []int64{1}, IDs: true})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(warnings, tt.want) {
				t.Errorf("warnings:\n%s\nwant:\n%s", strings.Join(warnings, "\n"), strings.Join(tt.want, "\n"))
			}
			if len(docs) != 1 {
				t.Fatalf("%d documents, want the rule's", len(docs))
			}
			var lr v1alpha1.LocationRule
			mustDecode(t, docs[0].YAML, &lr)
			want := sim.Snapshot().Rules[3]
			if want.Name == "" {
				if lr.Spec.Name != nil {
					t.Errorf("spec.name %q exported, want it left out", *lr.Spec.Name)
				}
				lr.Spec.Name = &want.Name
			}
			checkRule(t, &lr, want)
		})
	}
}
