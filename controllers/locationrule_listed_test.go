package controllers

import (
	"testing"

	. "github.com/onsi/gomega"

	"github.com/mor-operator/mor-operator/internal/mor"
)

// TestListedRule: a listed rule keeps only the fields the adapter reads, and gives
// them back as the diff expects them.
func TestListedRule(t *testing.T) {
	listed := mor.Fields{"id": "7", "location_id": "1", "name": "uk", "lr_type": "dst", "minlen": "1",
		"tariff_id": "", "created_at": "2020-01-01", "comment": "not read by the adapter"}
	for _, tc := range []struct {
		name    string
		written mor.Fields
		want    mor.Fields
	}{
		{"as listed", nil, mor.Fields{"id": "7", "location_id": "1", "name": "uk", "lr_type": "dst", "minlen": "1"}},
		{"after an update of ours", mor.Fields{"cut": "00", "minlen": "2"},
			mor.Fields{"id": "7", "location_id": "1", "name": "uk", "lr_type": "dst", "minlen": "2", "cut": "00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r := compactRule(listed)
			if tc.written != nil {
				r = r.merged(tc.written)
			}
			g.Expect(r.fields()).To(Equal(tc.want))
			g.Expect(r.get("id")).To(Equal("7"))
			g.Expect(r.get("comment")).To(BeEmpty())
		})
	}
	g := NewWithT(t)
	g.Expect(listedFields).To(ContainElements("id", "location_id", "name", "lr_type", "cut", "add", "minlen", "maxlen", "tariff_id"))
	g.Expect(listedRule(nil).get("id")).To(BeEmpty(), "a rule a write created without a listing entry")
}
