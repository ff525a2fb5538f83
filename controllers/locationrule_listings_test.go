package controllers

import (
	"context"
	"fmt"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

// TestLocationRuleListingShared: a poll round of many rules costs MOR one listing per
// location (pages), not one read per rule; our own writes are written through, so
// neither a create nor an update re-lists; a listing older than the poll interval is
// read again; a possible earlier create forces a listing made after it.
func TestLocationRuleListingShared(t *testing.T) {
	g := NewWithT(t)
	r := newRig(t)
	const perLocation = 40
	r.sim.Update(func(st *morsim.State) {
		for i := int64(100); i < 100+2*perLocation; i++ {
			st.Rules[i] = &morsim.Rule{ID: i, LocationID: 1 + i%2, Name: fmt.Sprintf("hand %d", i), Enabled: 1, LrType: "dst",
				Cut: fmt.Sprintf("0%d", i), MinLen: 1, MaxLen: 99, SrcMinLen: 1, SrcMaxLen: 99}
		}
	})
	clock := time.Now()
	kind := locationRules(r).(managedKind[*v1alpha1.LocationRule])
	kind.adapter.(locationRuleAdapter).listings.now = func() time.Time { return clock }
	observeAll := func() {
		for i := int64(100); i < 100+2*perLocation; i++ {
			lr := locationRule(v1alpha1.LocationRuleSpec{LocationID: 1 + i%2, RuleID: ptrTo(i)}, nil)
			obs, err := mustConnect(t, managed.Kind[*v1alpha1.LocationRule](kind), lr).Observe(context.Background())
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(obs.Exists).To(BeTrue())
		}
	}

	before := r.mor.snapshot()
	observeAll()
	g.Expect(r.callsSince(before)).To(Equal(map[string]int{mor.LocationRulesGet.Name(): 2}), "one listing per location for 80 rules")

	// a create and an update of ours are written through: nobody re-lists
	before = r.mor.snapshot()
	lr := locationRule(v1alpha1.LocationRuleSpec{LocationID: 1, Name: ptrTo("new"), Cut: ptrTo("0044")}, nil)
	ext := mustConnect(t, managed.Kind[*v1alpha1.LocationRule](kind), lr)
	obs, err := observe(lr, ext)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(obs.Exists).To(BeFalse())
	g.Expect(create(lr, ext)).To(Succeed())
	lr.Spec.Cut = ptrTo("0045")
	ext = mustConnect(t, managed.Kind[*v1alpha1.LocationRule](kind), lr)
	obs, err = observe(lr, ext)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(obs.Diff).To(Equal([]string{"cut"}), "the created rule is in the shared listing")
	g.Expect(update(lr, ext, obs.Diff)).To(Succeed())
	obs, err = mustConnect(t, managed.Kind[*v1alpha1.LocationRule](kind), lr).Observe(context.Background())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(obs.Diff).To(BeEmpty(), "the update is in the shared listing")
	observeAll()
	g.Expect(r.callsSince(before)).To(Equal(map[string]int{mor.LocationRuleCreate.Name(): 1, mor.LocationRuleUpdate.Name(): 1}))

	// a poll interval later, each location is listed again, once
	clock = clock.Add(11 * time.Minute)
	before = r.mor.snapshot()
	observeAll()
	g.Expect(r.callsSince(before)).To(Equal(map[string]int{mor.LocationRulesGet.Name(): 2}))

	// with the create-pending record, identity is looked up in a listing made now
	before = r.mor.snapshot()
	pending := locationRule(seedRule1Spec(), nil)
	pending.Annotations = map[string]string{v1alpha1.AnnotationCreatePending: "2026-11-25T00:00:00Z"}
	obs, err = mustConnect(t, managed.Kind[*v1alpha1.LocationRule](kind), pending).Observe(context.Background())
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(obs.Exists).To(BeTrue())
	g.Expect(r.callsSince(before)).To(Equal(map[string]int{mor.LocationRulesGet.Name(): 1}))
}
