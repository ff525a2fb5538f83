package mor_test

import (
	"fmt"
	"testing"

	. "github.com/onsi/gomega"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
)

func TestDiffNumbers(t *testing.T) {
	for _, tc := range []struct {
		want int64
		got  string
		same bool
	}{
		{1, "1", true},
		{1, "1.0", true},
		{10, "1e1", true},
		{2, "3", false},
		{1, "", false},
		{0, "", false}, // 0 is a value; only -1 means "unassigned"
		{-1, "", true},
		{-1, "0", true},
		{-1, "-1", true},
		{-1, "5", false},
	} {
		t.Run(fmt.Sprintf("%d_vs_%q", tc.want, tc.got), func(t *testing.T) {
			p := &mor.Params{}
			mor.Add(p, "spec.p", "p", &tc.want)
			got := p.Diff(mor.Fields{"p": tc.got})
			if tc.same {
				NewWithT(t).Expect(got).To(BeEmpty())
			} else {
				NewWithT(t).Expect(got).To(Equal([]string{"p"}))
			}
		})
	}
}

func TestDiffFlags(t *testing.T) {
	g := NewWithT(t)
	yes := true
	p := &mor.Params{}
	mor.Add(p, "spec.enabled", "enabled", &yes)
	g.Expect(p.Diff(mor.Fields{"enabled": "1"})).To(BeEmpty())
	g.Expect(p.Diff(mor.Fields{"enabled": "0"})).To(Equal([]string{"enabled"}))
}

func TestDiffOnlyManagedKeysSorted(t *testing.T) {
	g := NewWithT(t)
	tariff, cut, add, name := int64(3), "44", "", "uk"
	p := &mor.Params{}
	mor.Add(p, "spec.tariffID", "tariff_id", &tariff)
	mor.Add(p, "spec.cut", "cut", &cut)
	mor.Add(p, "spec.add", "add", &add)
	mor.Add(p, "spec.name", "name", &name)
	observed := mor.Fields{
		"tariff_id": "3.0", // numerically equal
		"cut":       "44",
		"add":       "44",  // differs
		"name":      "UK",  // differs
		"lcr_id":    "9",   // unmanaged: ignored whatever its value
		"enabled":   "0",   // unmanaged
		"id":        "123", // identifiers never compared
	}
	g.Expect(p.Diff(observed)).To(Equal([]string{"add", "name"}))

	// a managed key MOR does not return at all reads as "" (unassigned)
	did, device := int64(-1), int64(4)
	q := &mor.Params{}
	mor.Add(q, "spec.didID", "did_id", &did)
	mor.Add(q, "spec.deviceID", "device_id", &device)
	g.Expect(q.Diff(mor.Fields{})).To(Equal([]string{"device_id"}))

	g.Expect((&mor.Params{}).Diff(observed)).To(BeEmpty(), "nothing managed: nothing differs")
	a, b, c := "2", "1", "3"
	r := &mor.Params{}
	mor.Add(r, "spec.b", "b", &b)
	mor.Add(r, "spec.a", "a", &a)
	mor.Add(r, "spec.c", "c", &c)
	g.Expect(r.Diff(nil)).To(Equal([]string{"a", "b", "c"}), "sorted")
}

func TestOnly(t *testing.T) {
	g := NewWithT(t)
	f := mor.Fields{"a": "1", "b": "2", "c": "3"}
	g.Expect(mor.Only(f, []string{"c", "a"})).To(Equal(mor.Fields{"a": "1", "c": "3"}))
	g.Expect(mor.Only(f, nil)).To(BeEmpty())
}

func TestParams(t *testing.T) {
	g := NewWithT(t)
	var (
		yes        = true
		no         = false
		i32        = int32(7)
		i64        = int64(-1)
		empty      = ""
		name       = "London"
		typ        = v1alpha1.LocationRuleType("src")
		policy     = v1alpha1.ManagementPolicyObserveOnly
		unsetBool  *bool
		unsetInt   *int64
		unsetNamed *v1alpha1.LocationRuleType
	)
	p := &mor.Params{}
	mor.Add(p, "spec.enabled", "enabled", &yes)
	mor.Add(p, "spec.changeCallerIDName", "change_callerid_name", &no)
	mor.Add(p, "spec.minLen", "minlen", &i32)
	mor.Add(p, "spec.didID", "did_id", &i64)
	mor.Add(p, "spec.add", "add", &empty)
	mor.Add(p, "spec.name", "name", &name)
	mor.Add(p, "spec.type", "lr_type", &typ)
	mor.Add(p, "spec.managementPolicy", "policy", &policy)
	mor.Add(p, "spec.srcCut", "src_cut", unsetNamed)
	mor.Add(p, "spec.allowCallReject", "allow_call_reject", unsetBool)
	mor.Add(p, "spec.tariffID", "tariff_id", unsetInt)

	g.Expect(p.Fields()).To(Equal(mor.Fields{
		"enabled":              "1",
		"change_callerid_name": "0",
		"minlen":               "7",
		"did_id":               "-1",
		"add":                  "", // set to "" is managed, unlike unset
		"name":                 "London",
		"lr_type":              "src",
		"policy":               "ObserveOnly",
	}), "nil fields are not managed: neither sent nor compared")

	g.Expect(p.SpecFields([]string{"lr_type", "minlen", "add", "not_a_param"})).
		To(Equal([]string{"spec.type", "spec.minLen", "spec.add", "not_a_param"}), "order kept, unknown passed through")
	g.Expect(p.SpecFields(nil)).To(BeEmpty())
}

func TestParamsEmpty(t *testing.T) {
	g := NewWithT(t)
	p := &mor.Params{}
	var unset *string
	mor.Add(p, "spec.name", "name", unset)
	g.Expect(p.Fields()).To(BeEmpty())
	g.Expect(p.Diff(mor.Fields{"name": "x"})).To(BeEmpty())
	g.Expect(p.SpecFields([]string{"name"})).To(Equal([]string{"name"}))
}

// TestDiffDialPrefixesCompareAsText: cut, add, src_cut and src_add are dial prefixes,
// text that only looks like a number. "00" (the international prefix) and "0" are
// different rules, as are "+44" and "44" or "0044" and "44"; a numeric comparison would
// hide that drift (and make a LocationRule's identity match the wrong rule).
func TestDiffDialPrefixesCompareAsText(t *testing.T) {
	for _, tc := range []struct{ param, want, got string }{
		{"cut", "00", "0"},
		{"cut", "0044", "44"},
		{"add", "+44", "44"},
		{"src_cut", "1e1", "10"},
		{"src_add", "0", ""},
	} {
		t.Run(tc.param+"="+tc.want+"_vs_"+tc.got, func(t *testing.T) {
			p := &mor.Params{}
			mor.Add(p, "spec."+tc.param, tc.param, &tc.want)
			NewWithT(t).Expect(p.Diff(mor.Fields{tc.param: tc.got})).To(Equal([]string{tc.param}))
		})
	}
}
