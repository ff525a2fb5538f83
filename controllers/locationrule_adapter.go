package controllers

import (
	"context"
	"fmt"
	"maps"
	"strconv"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/claim"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// +kubebuilder:rbac:groups=mor.operator.dev,resources=locationrules,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=mor.operator.dev,resources=locationrules/status,verbs=patch
// +kubebuilder:rbac:groups=mor.operator.dev,resources=locationrules/finalizers,verbs=update

// locationRuleFinalizer is held while the rule may exist in MOR.
const locationRuleFinalizer = "mor.operator.dev/location-rule"

// locationRuleAPI is what a LocationRule asks of MOR.
type locationRuleAPI interface {
	GetLocationRule(ctx context.Context, ruleID int64) (mor.Fields, error)
	ListLocationRules(ctx context.Context, locationID int64) ([]mor.Fields, error)
	CreateLocationRule(ctx context.Context, locationID int64, params mor.Fields) (int64, error)
	UpdateLocationRule(ctx context.Context, ruleID int64, params mor.Fields) error
	DeleteLocationRule(ctx context.Context, ruleID int64) error
}

// locationRuleKind: a LocationRule creates, keeps equal and deletes one localization
// rule.
var locationRuleKind = &descriptor[*v1alpha1.LocationRule]{
	name:       "LocationRule",
	newObj:     func() *v1alpha1.LocationRule { return &v1alpha1.LocationRule{} },
	newList:    func() client.ObjectList { return &v1alpha1.LocationRuleList{} },
	usesServer: true,
	claims:     claim.LocationRule,
	finalizer:  locationRuleFinalizer,
	adapter: func(opts Options) adapter[*v1alpha1.LocationRule] {
		return locationRuleAdapter{listings: newRuleListings(opts.PollInterval)}
	},
}

type locationRuleAdapter struct{ listings *ruleListings }

func (a locationRuleAdapter) connect(_ context.Context, r *v1alpha1.LocationRule, conn *connection.Connection) managed.External {
	params := mor.ParamsOf(&r.Spec)
	return &locationRuleExternal{onServer: onServer{conn}, names: namesOf(&r.Spec, conn, params), rule: r, api: conn.Client, params: params, listings: a.listings}
}

type locationRuleExternal struct {
	onServer
	names
	listings *ruleListings
	rule     *v1alpha1.LocationRule
	api      locationRuleAPI
	params   *mor.Params
}

func (e *locationRuleExternal) Observe(ctx context.Context) (managed.Observation, error) {
	got, learned, err := e.find(ctx)
	if err != nil || got == nil {
		return managed.Observation{Learned: learned}, err
	}
	if loc := got["location_id"]; loc != "" && loc != strconv.FormatInt(e.rule.Spec.LocationID, 10) {
		return managed.Observation{Learned: learned}, verdict.Stalled(verdict.ReasonConflict,
			"rule %s belongs to location %s, not to spec.locationID %d", got["id"], loc, e.rule.Spec.LocationID)
	}
	diff := e.params.Diff(got)
	return managed.Observation{Exists: true, Diff: diff, Drift: fieldDrift(e.params, got, diff), Learned: learned}, nil
}

// find returns the managed rule, or nil when MOR has none, from the location's shared
// listing: by id when one is known (a rule missing from the listing is read by id, to
// tell a rule gone from one in another location), else by identity. It reports the id
// it finds, or that the recorded one names no rule any more.
func (e *locationRuleExternal) find(ctx context.Context) (mor.Fields, managed.Learned, error) {
	var learned managed.Learned
	if id := e.rule.RuleID(); id != nil {
		rules, err := e.listings.rules(ctx, e.api, e.rule.Spec.LocationID, e.listings.freshFor)
		if err != nil {
			return nil, learned, err
		}
		if got, ok := rules[strconv.FormatInt(*id, 10)]; ok {
			return got.fields(), foundID(*id), nil
		}
		got, err := e.api.GetLocationRule(ctx, *id)
		switch {
		case err == nil:
			return got, foundID(*id), nil
		case !mor.IsNotFound(err):
			return nil, learned, err
		case e.rule.Spec.RuleID != nil:
			return nil, learned, verdict.Stalled(verdict.ReasonAdoptedRuleGone,
				"adopted rule %d no longer exists in MOR; an adopted rule is not re-created", *id)
		}
		learned = managed.Learned{IDKnown: true} // deleted behind our back: look again, then re-create
	}
	// After a create that may have happened (the record), only a listing made since is
	// good enough: an older one could miss our rule and lead to a second.
	maxAge := e.listings.freshFor
	if managed.CreatePending(e.rule) {
		maxAge = 0
	}
	rules, err := e.listings.rules(ctx, e.api, e.rule.Spec.LocationID, maxAge)
	if err != nil {
		return nil, learned, err
	}
	// The oldest (lowest id) of identical rules is the one; one pass, no sort: a
	// location's listing grows with N.
	var found listedRule
	oldest := int64(-1)
	for _, r := range rules {
		if !e.sameIdentity(r) {
			continue
		}
		if id, err := strconv.ParseInt(r.get("id"), 10, 64); err == nil && (oldest < 0 || id < oldest) {
			found, oldest = r, id
		}
	}
	if oldest < 0 {
		return nil, learned, nil
	}
	if !managed.CreatePending(e.rule) { // not ours: someone made it, maybe years ago
		return nil, learned, verdict.Stalled(verdict.ReasonAlreadyExists,
			"MOR rule %d in location %d has this rule's identity (name, type, cut, add, lengths) but was not created by this resource; "+
				"to manage it, set spec.ruleID: %d (with deletionPolicy: Orphan to leave it in MOR when the resource goes)",
			oldest, e.rule.Spec.LocationID, oldest)
	}
	return found.fields(), foundID(oldest), nil
}

// foundID reports the id of the rule found.
func foundID(id int64) managed.Learned { return managed.Learned{ID: &id, IDKnown: true} }

func (e *locationRuleExternal) sameIdentity(r listedRule) bool {
	want := e.params.Fields()
	for _, f := range claim.RuleIdentity {
		v, ok := want[f.Param]
		if !ok {
			v = f.CreateDefault
		}
		if !sameIdentityValue(f.Numeric, v, r.get(f.Param)) {
			return false
		}
	}
	return true
}

// sameIdentityValue compares one identity field: lengths as numbers (MOR may read "1"
// back as "1.0" even when the spec left the default), text exactly.
func sameIdentityValue(numeric bool, want, got string) bool {
	if want == got {
		return true
	}
	if !numeric {
		return false
	}
	w, errW := strconv.ParseFloat(want, 64)
	g, errG := strconv.ParseFloat(got, 64)
	return errW == nil && errG == nil && w == g
}

func (e *locationRuleExternal) Create(ctx context.Context) (managed.Learned, error) {
	id, err := e.api.CreateLocationRule(ctx, e.rule.Spec.LocationID, e.params.Fields())
	if err != nil {
		return managed.Learned{}, err
	}
	created := mor.Fields{"id": strconv.FormatInt(id, 10), "location_id": strconv.FormatInt(e.rule.Spec.LocationID, 10)}
	for _, f := range claim.RuleIdentity { // MOR's create defaults, for identity searches
		created[f.Param] = f.CreateDefault
	}
	maps.Copy(created, e.params.Fields())
	e.listings.wrote(e.api, e.rule.Spec.LocationID, created["id"], created)
	return foundID(id), nil
}

// Update changes the rule whose id the loop recorded from Observe.
func (e *locationRuleExternal) Update(ctx context.Context, diff []string) (managed.Learned, error) {
	if err := requireMethod(e.conn, mor.LocationRuleUpdate); err != nil {
		return managed.Learned{}, err
	}
	sent := mor.Only(e.params.Fields(), diff)
	if err := e.api.UpdateLocationRule(ctx, *e.rule.Status.RuleID, sent); err != nil {
		return managed.Learned{}, err
	}
	e.listings.wrote(e.api, e.rule.Spec.LocationID, strconv.FormatInt(*e.rule.Status.RuleID, 10), sent)
	return managed.Learned{}, nil
}

// Delete removes the rule (deletionPolicy Orphan never gets here). When there is no
// rule of ours to remove — never created, already gone, or an adopted rule that turned
// out to belong to another location (never ours) — it says so with
// *managed.NothingToDelete.
func (e *locationRuleExternal) Delete(ctx context.Context) error {
	id := e.rule.RuleID()
	if id == nil {
		if !managed.CreatePending(e.rule) {
			return &managed.NothingToDelete{Why: "it was never created"}
		}
		got, found, err := e.find(ctx) // the id may have been lost before it reached status
		if err != nil {
			return err
		}
		if got == nil {
			return &managed.NothingToDelete{Why: "it was never created (the last create attempt left no rule in MOR)"}
		}
		id = found.ID
	} else if adopted := e.rule.Spec.RuleID; adopted != nil {
		got, err := e.api.GetLocationRule(ctx, *adopted)
		if mor.IsNotFound(err) {
			return &managed.NothingToDelete{Why: fmt.Sprintf("adopted rule %d was already gone", *adopted)}
		}
		if err != nil {
			return err
		}
		if loc := got["location_id"]; loc != strconv.FormatInt(e.rule.Spec.LocationID, 10) {
			return &managed.NothingToDelete{Why: fmt.Sprintf("rule %d belongs to location %s, not to spec.locationID %d: left alone", *adopted, loc, e.rule.Spec.LocationID)}
		}
	}
	err := e.api.DeleteLocationRule(ctx, *id)
	if err != nil && !mor.IsNotFound(err) {
		return err
	}
	e.listings.wrote(e.api, e.rule.Spec.LocationID, strconv.FormatInt(*id, 10), nil)
	if err != nil {
		return &managed.NothingToDelete{Why: fmt.Sprintf("rule %d was already gone", *id)}
	}
	return nil
}
