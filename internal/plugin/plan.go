package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/claim"
	"github.com/mor-operator/mor-operator/internal/lookup"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// Actions of a plan row.
const (
	ActionCreate    = "create"
	ActionUpdate    = "update"
	ActionNothing   = "nothing"
	ActionPending   = "pending"   // not observed yet, or the operator is still at work
	ActionBlocked   = "blocked"   // Stalled: a person must act first
	ActionUnmanaged = "unmanaged" // a MOR rule no resource manages: never touched
)

// Row is one line of a plan.
type Row struct {
	Namespace, Kind, Name, Action string
	Details                       []string
}

// Changes reports whether the row means the operator would write or cannot tell.
func (r Row) Changes() bool { return r.Action != ActionNothing && r.Action != ActionUnmanaged }

// Connector returns the MOR of a MorServer; it is called once per server.
type Connector func(ctx context.Context, namespace, server string) (MOR, error)

// PlanOptions scopes a plan.
type PlanOptions struct {
	Namespace string  // "" for all namespaces
	Locations []int64 // extra locations to list unmanaged rules of
	// Server, when set, is the MorServer of Namespace that Locations are read through:
	// it is reached (a signed probe) before anything else, and Locations are read as
	// export reads them, with export's messages.
	Server string
}

// Plan reads the LocationRules and DIDRates in scope and says, from their status, what
// the operator would write if every ObserveOnly resource were switched to Manage; then
// lists the rules of their locations (and opts.Locations) no resource manages.
func Plan(ctx context.Context, c client.Reader, connect Connector, opts PlanOptions) ([]Row, error) {
	p := &planner{connect: cachedConnector(connect), names: map[string]*lookup.Cache{}}
	type group struct{ namespace, server string }
	// listed holds the rules of the locations already read, by group and location.
	listed := map[group]map[int64][]mor.Fields{}
	if opts.Server != "" {
		g := group{opts.Namespace, opts.Server}
		api, err := p.connect(ctx, g.namespace, g.server)
		if err == nil {
			_, err = api.SystemVersion(ctx)
		}
		var locs []mor.Location
		if err == nil && len(opts.Locations) > 0 {
			locs, err = readLocations(ctx, api, opts.Locations)
		}
		if err != nil {
			return nil, &serverError{g.namespace, g.server, err}
		}
		listed[g] = map[int64][]mor.Fields{}
		for _, l := range locs {
			listed[g][l.ID] = l.Rules
		}
	}

	var rules v1alpha1.LocationRuleList
	var dids v1alpha1.DIDRateList
	if err := c.List(ctx, &rules, client.InNamespace(opts.Namespace)); err != nil {
		return nil, fmt.Errorf("listing LocationRules: %w", err)
	}
	if err := c.List(ctx, &dids, client.InNamespace(opts.Namespace)); err != nil {
		return nil, fmt.Errorf("listing DIDRates: %w", err)
	}

	var rows []Row
	locations := map[group]map[int64]bool{}
	managed := map[group]map[int64]bool{}
	for g, locs := range listed {
		locations[g], managed[g] = map[int64]bool{}, map[int64]bool{}
		for l := range locs {
			locations[g][l] = true
		}
	}
	owners := ownersOf(rules.Items, dids.Items)
	for i := range rules.Items {
		r := &rules.Items[i]
		g := group{r.Namespace, r.ServerName()}
		if locations[g] == nil {
			locations[g], managed[g] = map[int64]bool{}, map[int64]bool{}
		}
		locations[g][r.Spec.LocationID] = true
		if id := r.RuleID(); id != nil {
			managed[g][*id] = true
		}
		rows = append(rows, p.ruleRow(ctx, r, owners))
	}
	for i := range dids.Items {
		rows = append(rows, p.didRow(ctx, &dids.Items[i], owners))
	}
	slices.SortFunc(rows, func(a, b Row) int {
		return strings.Compare(a.Namespace+"/"+a.Kind+"/"+a.Name, b.Namespace+"/"+b.Kind+"/"+b.Name)
	})

	groups := make([]group, 0, len(locations))
	for g := range locations {
		groups = append(groups, g)
	}
	slices.SortFunc(groups, func(a, b group) int { return strings.Compare(a.namespace+"/"+a.server, b.namespace+"/"+b.server) })
	for _, g := range groups {
		locs := make([]int64, 0, len(locations[g]))
		for l := range locations[g] {
			locs = append(locs, l)
		}
		slices.Sort(locs)
		for _, l := range locs {
			found, ok := listed[g][l]
			if !ok {
				api, err := p.connect(ctx, g.namespace, g.server)
				if err == nil {
					found, err = api.ListLocationRules(ctx, l)
				}
				if err != nil {
					return nil, &serverError{g.namespace, g.server,
						&inputError{what: "location " + strconv.FormatInt(l, 10), fix: "check the spec.locationID of the LocationRules using it", err: err}}
				}
			}
			for _, f := range found {
				id, _ := strconv.ParseInt(f["id"], 10, 64)
				if id == 0 || managed[g][id] {
					continue
				}
				rows = append(rows, Row{Namespace: g.namespace, Kind: "MOR rule", Name: strconv.FormatInt(id, 10),
					Action: ActionUnmanaged, Details: []string{fmt.Sprintf("location %d, name %s (server %s)", l, strconv.Quote(f["name"]), g.server)}})
			}
		}
	}
	return rows, nil
}

type planner struct {
	connect Connector
	names   map[string]*lookup.Cache // by namespace/server
}

func cachedConnector(c Connector) Connector {
	cache := map[string]MOR{}
	return func(ctx context.Context, namespace, server string) (MOR, error) {
		k := namespace + "/" + server
		if m, ok := cache[k]; ok {
			return m, nil
		}
		m, err := c(ctx, namespace, server)
		if err != nil {
			return nil, err
		}
		m = patiently(m)
		cache[k] = m
		return m, nil
	}
}

// statusAction is what a resource's conditions say, before drift details.
func statusAction(generation int64, st v1alpha1.ResourceStatus) (action, detail string) {
	if s := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionStalled); s != nil && s.Status == metav1.ConditionTrue {
		return ActionBlocked, s.Reason + ": " + s.Message
	}
	ready := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReady)
	switch {
	case ready == nil || st.ObservedGeneration < generation || ready.ObservedGeneration < generation:
		return ActionPending, "not observed by the operator yet"
	case ready.Status == metav1.ConditionTrue:
		return ActionNothing, ""
	case ready.Reason == v1alpha1.ReasonNotFound:
		return ActionCreate, ""
	case ready.Reason == v1alpha1.ReasonDrifted:
		return ActionUpdate, ""
	}
	return ActionPending, ready.Reason + ": " + ready.Message
}

func (p *planner) ruleRow(ctx context.Context, r *v1alpha1.LocationRule, owners owners) Row {
	row := Row{Namespace: r.Namespace, Kind: "LocationRule", Name: r.Name}
	var detail string
	row.Action, detail = statusAction(r.Generation, r.Status.ResourceStatus)
	clash := owners.conflict("LocationRule", r, claim.LocationRule(r))
	switch {
	case row.Action != ActionBlocked && clash != "":
		row.Action, detail = ActionBlocked, clash
	case row.Action == ActionCreate && r.Spec.RuleID != nil:
		row.Action, detail = ActionBlocked, fmt.Sprintf("adopted rule %d is not in MOR; an adopted rule is not re-created", *r.Spec.RuleID)
	case row.Action == ActionCreate:
		detail = "new rule in location " + strconv.FormatInt(r.Spec.LocationID, 10)
	case row.Action == ActionUpdate:
		id := r.Status.RuleID
		if id == nil {
			id = r.Spec.RuleID
		}
		row.Details = p.driftDetails(r.Status.Drift, r.Status.DriftedFields, r.Spec, func() (any, error) {
			if id == nil {
				return nil, fmt.Errorf("no rule id in status")
			}
			api, err := p.connect(ctx, r.Namespace, v1alpha1.ServerName(r.Spec.ServerRef))
			if err != nil {
				return nil, err
			}
			f, err := api.GetLocationRule(ctx, *id)
			if err != nil {
				return nil, err
			}
			spec, _, err := ruleSpec(f, r.Spec.LocationID)
			return spec, err
		})
	}
	if detail != "" {
		row.Details = append(row.Details, detail)
	}
	p.resolveNames(ctx, &row, r.ServerName(), &r.Spec, r.Status.Resolved)
	return row
}

func (p *planner) didRow(ctx context.Context, d *v1alpha1.DIDRate, owners owners) Row {
	row := Row{Namespace: d.Namespace, Kind: "DIDRate", Name: d.Name}
	var detail string
	row.Action, detail = statusAction(d.Generation, d.Status.ResourceStatus)
	if clash := owners.conflict("DIDRate", d, claim.DIDRate(d)); row.Action != ActionBlocked && clash != "" {
		row.Action, detail = ActionBlocked, clash
	}
	switch row.Action {
	case ActionCreate:
		row.Action, detail = ActionBlocked, fmt.Sprintf("DID %s is not in MOR; DIDs are not created", didOf(d))
	case ActionUpdate:
		id := d.DID()
		if id == nil {
			break // its number has not resolved yet: status says why
		}
		row.Details = p.driftDetails(d.Status.Drift, d.Status.DriftedFields, d.Spec, func() (any, error) {
			api, err := p.connect(ctx, d.Namespace, v1alpha1.ServerName(d.Spec.ServerRef))
			if err != nil {
				return nil, err
			}
			f, err := api.GetDIDRate(ctx, *id)
			if err != nil {
				return nil, err
			}
			spec, _ := didSpec(f, *id)
			return spec, nil
		})
	}
	if detail != "" {
		row.Details = append(row.Details, detail)
	}
	p.resolveNames(ctx, &row, d.ServerName(), &d.Spec, d.Status.Resolved)
	return row
}

// driftDetails renders "field: MOR value → desired value" lines: from status.drift, or,
// when only status.driftedFields is there, with MOR's values read now (observed).
func (p *planner) driftDetails(drift []v1alpha1.FieldDrift, fields []string, spec any, observed func() (any, error)) []string {
	var out []string
	if len(drift) > 0 {
		for _, d := range drift {
			f := fieldName(d.Field)
			out = append(out, fmt.Sprintf("%s: %s → %s", f, statusValue(f, d.Observed), statusValue(f, d.Desired)))
		}
		return out
	}
	want := specValues(spec)
	got, err := observed()
	if err != nil {
		for _, f := range fields {
			out = append(out, fmt.Sprintf("%s: ? → %s", fieldName(f), want[fieldName(f)]))
		}
		return append(out, "MOR's values unavailable: "+oneLine(err.Error()))
	}
	have := specValues(got)
	for _, f := range fields {
		f = fieldName(f)
		out = append(out, fmt.Sprintf("%s: %s → %s", f, have[f], want[f]))
	}
	return out
}

// fieldName is a spec field's JSON name, without a "spec." prefix.
func fieldName(f string) string { return strings.TrimPrefix(f, "spec.") }

// textFields are the spec fields of the kinds a plan shows whose values are text (read
// from the spec types): shown quoted, so spaces and empty values are visible.
var textFields = func() map[string]bool {
	out := map[string]bool{}
	for _, spec := range []reflect.Type{reflect.TypeFor[v1alpha1.LocationRuleSpec](), reflect.TypeFor[v1alpha1.DIDRateSpec]()} {
		for _, f := range mor.TextFields(spec) {
			out[f] = true
		}
	}
	return out
}()

func statusValue(field, v string) string {
	if textFields[field] {
		return strconv.Quote(v)
	}
	if v == "" {
		return "(none)"
	}
	return v
}

// specValues renders each field of a spec as the plan shows it.
func specValues(spec any) map[string]string {
	b, err := json.Marshal(spec)
	if err != nil {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil
	}
	out := map[string]string{}
	for k, v := range m {
		if s, ok := v.(string); ok {
			out[k] = strconv.Quote(s)
		} else {
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out
}

// WritePlan prints rows as a table and a summary line.
func WritePlan(w io.Writer, rows []Row) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAMESPACE\tKIND\tNAME\tACTION\tDETAILS")
	counts := map[string]int{}
	for _, r := range rows {
		counts[r.Action]++
		first := ""
		if len(r.Details) > 0 {
			first = r.Details[0]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Namespace, r.Kind, r.Name, r.Action, first)
		for _, d := range r.Details[min(1, len(r.Details)):] {
			fmt.Fprintf(tw, "\t\t\t\t%s\n", d)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "\nPlan: %d to create, %d to update, %d unchanged, %d pending, %d blocked; %d MOR rules no resource manages.\n",
		counts[ActionCreate], counts[ActionUpdate], counts[ActionNothing], counts[ActionPending], counts[ActionBlocked], counts[ActionUnmanaged])
	return err
}

// didOf names a DIDRate's DID as its spec does.
func didOf(d *v1alpha1.DIDRate) string {
	if d.Spec.DIDNumber != nil {
		return fmt.Sprintf("number %q", *d.Spec.DIDNumber)
	}
	return fmt.Sprint(*d.Spec.DIDID)
}
