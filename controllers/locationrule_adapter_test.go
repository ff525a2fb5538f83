package controllers

import (
	"context"
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// The default seed's rule 1: location 1, "Seed rule 1", dst, cut 0031, add +, minlen 1,
// maxlen 99, enabled, nothing assigned. Rule 2 is in location 2 with tariff 2; rule 3
// in location 3 with LCR 1.

func seedRule1Spec() v1alpha1.LocationRuleSpec {
	return v1alpha1.LocationRuleSpec{LocationID: 1, Name: ptrTo("Seed rule 1"), Cut: ptrTo("0031"), Add: ptrTo("+")}
}

func locationRule(spec v1alpha1.LocationRuleSpec, statusID *int64) *v1alpha1.LocationRule {
	return &v1alpha1.LocationRule{
		ObjectMeta: metav1.ObjectMeta{Name: "rule", Namespace: rigNS},
		Spec:       spec,
		Status:     v1alpha1.LocationRuleStatus{RuleID: statusID},
	}
}

// ruleRig is a rig with MOR changed by sim, and rule 1's spec changed by mutate.
func ruleRig(t *testing.T, sim func(*morsim.State), mutate func(*v1alpha1.LocationRuleSpec)) (*rig, v1alpha1.LocationRuleSpec) {
	r := newRig(t)
	if sim != nil {
		r.sim.Update(sim)
	}
	spec := seedRule1Spec()
	if mutate != nil {
		mutate(&spec)
	}
	return r, spec
}

// withPending gives lr the create-pending record when pending.
func withPending(lr *v1alpha1.LocationRule, pending bool) {
	if pending {
		lr.Annotations = map[string]string{v1alpha1.AnnotationCreatePending: "2026-11-25T00:00:00Z"}
	}
}

func ptrTo[T any](v T) *T { return &v }

// renderedAs is a MOR that renders the rules it returns otherwise than the simulator
// (unassigned ids as "0", numbers as decimals): the comparison rules must hold for both.
type renderedAs struct {
	locationRuleAPI
	edit func(mor.Fields)
}

func (m *renderedAs) GetLocationRule(ctx context.Context, id int64) (mor.Fields, error) {
	f, err := m.locationRuleAPI.GetLocationRule(ctx, id)
	if err == nil {
		m.edit(f)
	}
	return f, err
}

func (m *renderedAs) ListLocationRules(ctx context.Context, location int64) ([]mor.Fields, error) {
	rules, err := m.locationRuleAPI.ListLocationRules(ctx, location)
	for _, f := range rules {
		m.edit(f)
	}
	return rules, err
}

func decimalLengths(f mor.Fields) { f["minlen"], f["maxlen"] = f["minlen"]+".0", f["maxlen"]+".0" }

func TestLocationRuleAdapterObserve(t *testing.T) {
	for _, tc := range []struct {
		name     string
		spec     func(*v1alpha1.LocationRuleSpec)
		statusID *int64
		pending  bool // the resource carries the create-pending record
		sim      func(*morsim.State)
		answer   func(mor.Fields) // how MOR renders each rule it returns, when not as the simulator does
		exists   bool
		diff     []string
		ruleID   *int64 // status.ruleID afterwards
		stalled  string
		calls    map[string]int
		drift    []v1alpha1.FieldDrift // status.drift (ObserveOnly)
	}{
		{name: "id lost after our create: claimed by identity with MOR's create defaults, no create",
			pending: true, exists: true, ruleID: ptrTo(int64(1)), calls: map[string]int{mor.LocationRulesGet.Name(): 1}},
		{name: "identical hand-made rule: never taken over",
			stalled: verdict.ReasonAlreadyExists, calls: map[string]int{mor.LocationRulesGet.Name(): 1}},
		{name: "identity differs in a default (minlen 2): absent, to be created",
			spec:  func(s *v1alpha1.LocationRuleSpec) { s.MinLen = ptrTo(int32(2)) },
			calls: map[string]int{mor.LocationRulesGet.Name(): 1}},
		{name: "by status id: found in the location's shared listing, in sync",
			statusID: ptrTo(int64(1)), exists: true, ruleID: ptrTo(int64(1)), calls: map[string]int{mor.LocationRulesGet.Name(): 1}},
		{name: "unassign (-1) equals MOR's empty id",
			spec:     func(s *v1alpha1.LocationRuleSpec) { s.TariffID, s.DeviceID = ptrTo(int64(-1)), ptrTo(int64(-1)) },
			statusID: ptrTo(int64(1)), exists: true, ruleID: ptrTo(int64(1)), calls: map[string]int{mor.LocationRulesGet.Name(): 1}},
		{name: "unassign (-1) equals MOR's 0",
			spec:     func(s *v1alpha1.LocationRuleSpec) { s.TariffID, s.LCRID = ptrTo(int64(-1)), ptrTo(int64(-1)) },
			answer:   func(f mor.Fields) { f["tariff_id"], f["lcr_id"] = "0", "0" },
			statusID: ptrTo(int64(1)), exists: true, ruleID: ptrTo(int64(1)), calls: map[string]int{mor.LocationRulesGet.Name(): 1}},
		{name: "dial prefixes compare as text: 031 is not 0031",
			spec: func(s *v1alpha1.LocationRuleSpec) {
				s.Cut, s.MinLen, s.Enabled = ptrTo("031"), ptrTo(int32(1)), ptrTo(true)
			},
			statusID: ptrTo(int64(1)), exists: true, diff: []string{"cut"}, ruleID: ptrTo(int64(1)),
			calls: map[string]int{mor.LocationRulesGet.Name(): 1}},
		{name: "dial prefixes compare as text: 00 is not 0",
			sim:      func(st *morsim.State) { st.Rules[1].Cut = "0" },
			spec:     func(s *v1alpha1.LocationRuleSpec) { s.Cut = ptrTo("00") },
			statusID: ptrTo(int64(1)), exists: true, diff: []string{"cut"}, ruleID: ptrTo(int64(1)),
			calls: map[string]int{mor.LocationRulesGet.Name(): 1}},
		{name: "numbers compare as numbers: minlen 10 is MOR's 10.0",
			sim:      func(st *morsim.State) { st.Rules[1].MinLen = 10 },
			spec:     func(s *v1alpha1.LocationRuleSpec) { s.MinLen, s.Enabled = ptrTo(int32(10)), ptrTo(true) },
			answer:   decimalLengths,
			statusID: ptrTo(int64(1)), exists: true, ruleID: ptrTo(int64(1)), calls: map[string]int{mor.LocationRulesGet.Name(): 1}},
		{name: "id lost, lengths read back as 1.0 and 99.0: still our rule by identity",
			spec:    func(s *v1alpha1.LocationRuleSpec) { s.MinLen, s.MaxLen = ptrTo(int32(1)), ptrTo(int32(99)) },
			pending: true, answer: decimalLengths, exists: true, ruleID: ptrTo(int64(1)), calls: map[string]int{mor.LocationRulesGet.Name(): 1}},
		{name: "id lost, lengths left to MOR's defaults and read back as 1.0 and 99.0: still ours",
			pending: true, answer: decimalLengths, exists: true, ruleID: ptrTo(int64(1)), calls: map[string]int{mor.LocationRulesGet.Name(): 1}},
		{name: "adopted by spec.ruleID",
			spec:   func(s *v1alpha1.LocationRuleSpec) { s.RuleID = ptrTo(int64(1)); s.Name = ptrTo("renamed") },
			exists: true, diff: []string{"name"}, ruleID: ptrTo(int64(1)), calls: map[string]int{mor.LocationRulesGet.Name(): 1}},
		{name: "adopted rule gone: never re-created",
			spec:    func(s *v1alpha1.LocationRuleSpec) { s.RuleID = ptrTo(int64(999)) },
			stalled: verdict.ReasonAdoptedRuleGone, calls: map[string]int{mor.LocationRulesGet.Name(): 1, mor.LocationRuleGet.Name(): 1}},
		{name: "adopted rule of another location",
			spec:    func(s *v1alpha1.LocationRuleSpec) { s.RuleID = ptrTo(int64(2)) },
			stalled: verdict.ReasonConflict, ruleID: ptrTo(int64(2)), calls: map[string]int{mor.LocationRulesGet.Name(): 1, mor.LocationRuleGet.Name(): 1}},
		{name: "deleted behind our back: status id cleared, to be re-created",
			statusID: ptrTo(int64(1)), sim: func(st *morsim.State) { delete(st.Rules, 1) },
			calls: map[string]int{mor.LocationRuleGet.Name(): 1, mor.LocationRulesGet.Name(): 1}},
		{name: "ObserveOnly drift in status with both values",
			spec: func(s *v1alpha1.LocationRuleSpec) {
				s.ManagementPolicy = ptrTo(v1alpha1.ManagementPolicyObserveOnly)
				s.TariffID = ptrTo(int64(4))
			},
			statusID: ptrTo(int64(1)), exists: true, diff: []string{"tariff_id"}, ruleID: ptrTo(int64(1)),
			calls: map[string]int{mor.LocationRulesGet.Name(): 1},
			drift: []v1alpha1.FieldDrift{{Field: "spec.tariffID", Desired: "4", Observed: ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r, spec := ruleRig(t, tc.sim, tc.spec)
			lr := locationRule(spec, tc.statusID)
			withPending(lr, tc.pending)
			before := r.mor.snapshot()

			ext := mustConnect(t, locationRules(r), lr)
			if tc.answer != nil {
				e := ext.(*locationRuleExternal)
				e.api = &renderedAs{locationRuleAPI: e.api, edit: tc.answer}
			}
			obs, err := observe(lr, ext)

			g.Expect(stalledReason(err)).To(Equal(tc.stalled), "error: %v", err)
			if tc.stalled == "" {
				g.Expect(err).NotTo(HaveOccurred())
			}
			g.Expect(obs.Exists).To(Equal(tc.exists))
			g.Expect(obs.Diff).To(Equal(tc.diff))
			g.Expect(lr.Status.RuleID).To(Equal(tc.ruleID))
			g.Expect(lr.Status.Drift).To(Equal(tc.drift))
			g.Expect(r.callsSince(before)).To(Equal(tc.calls), "MOR calls")
		})
	}
}

func TestLocationRuleAdapterCreateAndUpdate(t *testing.T) {
	g := NewWithT(t)
	r := newRig(t)
	spec := v1alpha1.LocationRuleSpec{LocationID: 2, Name: ptrTo("new"), Cut: ptrTo("00370"), Add: ptrTo("+370"), TariffID: ptrTo(int64(2))}
	lr := locationRule(spec, nil)
	ext := mustConnect(t, locationRules(r), lr)

	before := r.mor.snapshot()
	g.Expect(create(lr, ext)).To(Succeed())
	g.Expect(r.callsSince(before)).To(Equal(map[string]int{mor.LocationRuleCreate.Name(): 1}), "MOR calls")
	g.Expect(lr.Status.RuleID).NotTo(BeNil())
	id := *lr.Status.RuleID
	created := r.sim.Snapshot().Rules[id]
	g.Expect(created).NotTo(BeNil())
	g.Expect([]any{created.LocationID, created.Name, created.Cut, created.Add, created.TariffID}).To(
		Equal([]any{int64(2), "new", "00370", "+370", int64(2)}))

	// drift one field behind our back: the update sends exactly that field
	r.sim.Update(func(st *morsim.State) { st.Rules[id].Add = "00" })
	obs, err := observe(lr, ext)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(obs.Diff).To(Equal([]string{"add"}))
	g.Expect(obs.Drift).To(Equal([]v1alpha1.FieldDrift{{Field: "spec.add", Desired: "+370", Observed: "00"}}))
	r.sim.ResetRequests()
	g.Expect(update(lr, ext, obs.Diff)).To(Succeed())
	reqs := r.sim.Requests()
	g.Expect(reqs).To(HaveLen(1))
	g.Expect(reqs[0].Method).To(Equal(mor.LocationRuleUpdate.Name()))
	g.Expect(reqs[0].Params).To(HaveKeyWithValue("add", "+370"))
	g.Expect(reqs[0].Params).NotTo(HaveKey("cut"), "only the drifted field")
	g.Expect(r.sim.Snapshot().Rules[id].Add).To(Equal("+370"))
}

func TestLocationRuleAdapterDelete(t *testing.T) {
	for _, tc := range []struct {
		name     string
		spec     func(*v1alpha1.LocationRuleSpec)
		statusID *int64
		pending  bool
		sim      func(*morsim.State)
		gone     []int64 // rules no longer in MOR
		kept     []int64
		calls    map[string]int
		nothing  string // what Delete says happened instead, "" when it deleted a rule
	}{
		{name: "by status id", statusID: ptrTo(int64(1)), gone: []int64{1},
			calls: map[string]int{mor.LocationRuleDelete.Name(): 1}},
		{name: "already gone is success", statusID: ptrTo(int64(1)), sim: func(st *morsim.State) { delete(st.Rules, 1) }, gone: []int64{1},
			calls: map[string]int{mor.LocationRuleDelete.Name(): 1}, nothing: "rule 1 was already gone"},
		{name: "id lost after our create: found by identity, then deleted", pending: true, gone: []int64{1},
			calls: map[string]int{mor.LocationRulesGet.Name(): 1, mor.LocationRuleDelete.Name(): 1}},
		{name: "create record, but the create left nothing", pending: true, sim: func(st *morsim.State) { delete(st.Rules, 1) }, gone: []int64{1},
			calls:   map[string]int{mor.LocationRulesGet.Name(): 1},
			nothing: "it was never created (the last create attempt left no rule in MOR)"},
		{name: "no id, no create record: the identical hand-made rule is left alone", kept: []int64{1},
			calls: map[string]int{}, nothing: "it was never created"},
		{name: "adopted rule that belongs to another location is left alone",
			spec: func(s *v1alpha1.LocationRuleSpec) { s.RuleID = ptrTo(int64(2)) }, kept: []int64{2},
			calls: map[string]int{mor.LocationRuleGet.Name(): 1}, nothing: "rule 2 belongs to location 2, not to spec.locationID 1: left alone"},
		{name: "adopted rule already gone", spec: func(s *v1alpha1.LocationRuleSpec) { s.RuleID = ptrTo(int64(4)) },
			sim: func(st *morsim.State) { delete(st.Rules, 4) }, gone: []int64{4},
			calls: map[string]int{mor.LocationRuleGet.Name(): 1}, nothing: "adopted rule 4 was already gone"},
		{name: "adopted rule of this location", spec: func(s *v1alpha1.LocationRuleSpec) { s.RuleID = ptrTo(int64(4)) }, gone: []int64{4},
			calls: map[string]int{mor.LocationRuleGet.Name(): 1, mor.LocationRuleDelete.Name(): 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			r, spec := ruleRig(t, tc.sim, tc.spec)
			lr := locationRule(spec, tc.statusID)
			withPending(lr, tc.pending)
			ext := mustConnect(t, locationRules(r), lr)
			before := r.mor.snapshot()
			seeded := len(r.sim.Snapshot().Rules)
			err := ext.(managed.Deleter).Delete(context.Background())
			if tc.nothing == "" {
				g.Expect(err).NotTo(HaveOccurred())
			} else {
				var nothing *managed.NothingToDelete
				g.Expect(errors.As(err, &nothing)).To(BeTrue(), "%v", err)
				g.Expect(nothing.Why).To(Equal(tc.nothing))
			}
			g.Expect(r.callsSince(before)).To(Equal(tc.calls), "MOR calls")
			rules := r.sim.Snapshot().Rules
			for _, id := range tc.gone {
				g.Expect(rules).NotTo(HaveKey(id))
			}
			for _, id := range tc.kept {
				g.Expect(rules).To(HaveKey(id))
			}
			deleted := 0
			if tc.nothing == "" {
				deleted = 1
			}
			g.Expect(len(rules)).To(Equal(seeded-deleted), "nothing else deleted")
		})
	}
}
