package morsim

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// checkIndex compares the server's rule index, if built, with one built from scratch.
func (s *Server) checkIndex() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idx == nil {
		return nil
	}
	want := buildIndex(&s.st)
	if !maps.EqualFunc(s.idx, want, slices.Equal[[]int64]) {
		return fmt.Errorf("rule index %v, rules say %v", s.idx, want)
	}
	return nil
}

// bruteListing is location_rules_get's page computed the slow, obvious way from a
// snapshot: every rule of the listed locations ordered by location id then rule id,
// positions from..from+limit (limit < 0: all).
func bruteListing(st *State, locs []int64, from, limit int) map[string][]int64 {
	out := map[string][]int64{}
	i := 0
	for _, l := range locs {
		key := fmt.Sprint(l)
		out[key] = nil
		for _, id := range sortedKeys(st.Rules) {
			if st.Rules[id].LocationID != l {
				continue
			}
			if i >= from && (limit < 0 || i < from+limit) {
				out[key] = append(out[key], id)
			}
			i++
		}
	}
	return out
}

// Every way the rules change keeps the index equal to a rebuilt one, and every page of
// location_rules_get equal to the brute-force listing.
func TestIndexFollowsChanges(t *testing.T) {
	e := newEnv(t)
	handEdit := func(id int64, form url.Values) int {
		t.Helper()
		res, err := http.Post(e.ts.URL+handEditPrefix+fmt.Sprint(id), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		_ = res.Body.Close()
		return res.StatusCode
	}
	for _, step := range []struct {
		name string
		do   func()
	}{
		{"seed", func() {}},
		{"create", func() {
			wantSuccess(t, e.admin("location_rule_create", map[string]string{"location_id": "3", "name": "n", "cut": "0077"}), TextRuleCreated)
		}},
		{"create in an empty location", func() {
			e.sim.Update(func(st *State) { st.Locations[77] = &Location{ID: 77, Name: "new", Owner: "admin"} })
			wantSuccess(t, e.admin("location_rule_create", map[string]string{"location_id": "77", "name": "n", "cut": "1"}), TextRuleCreated)
		}},
		{"create refused as a duplicate", func() {
			wantError(t, e.admin("location_rule_create", map[string]string{"location_id": "77", "name": "again", "cut": "1"}), TextRuleMustBeUnique)
		}},
		{"update (same location)", func() {
			wantSuccess(t, e.admin("location_rule_update", map[string]string{"location_rule_id": "3", "cut": "0078"}), TextRuleUpdated)
		}},
		{"update refused as a duplicate", func() {
			wantError(t, e.admin("location_rule_update", map[string]string{"location_rule_id": "6", "cut": "0078"}), TextRuleMustBeUnique)
		}},
		{"delete", func() {
			wantSuccess(t, e.admin("location_rule_delete", map[string]string{"location_rule_id": "6"}), TextRuleDeleted)
		}},
		{"delete the only rule of a location", func() {
			wantSuccess(t, e.admin("location_rule_delete", map[string]string{"location_rule_id": "22"}), TextRuleDeleted)
		}},
		{"Update moves a rule to another location", func() { e.sim.Update(func(st *State) { st.Rules[1].LocationID = 3 }) }},
		{"Update adds and removes rules", func() {
			e.sim.Update(func(st *State) {
				delete(st.Rules, 9)
				st.Rules[500] = &Rule{ID: 500, LocationID: 2, Name: "by hand", Enabled: 1, LrType: LrTypeDst, Cut: "5", MinLen: 1, MaxLen: 99, SrcMinLen: 1, SrcMaxLen: 99}
			})
		}},
		{"create after Update (index rebuilt)", func() {
			wantSuccess(t, e.admin("location_rule_create", map[string]string{"location_id": "2", "name": "n", "cut": "0079"}), TextRuleCreated)
		}},
		{"hand edit", func() {
			if code := handEdit(500, url.Values{"cut": {"55"}}); code != http.StatusOK {
				t.Fatalf("hand edit: %d", code)
			}
		}},
		{"hand edit refused as a duplicate (sees a rule created after the index was built)", func() {
			if code := handEdit(500, url.Values{"cut": {"0079"}, "add": {""}}); code != http.StatusUnprocessableEntity {
				t.Fatalf("hand edit of a duplicate: %d", code)
			}
		}},
		{"reset", e.sim.Reset},
		{"create after reset", func() {
			wantSuccess(t, e.admin("location_rule_create", map[string]string{"location_id": "1", "name": "n", "cut": "0080"}), TextRuleCreated)
		}},
	} {
		step.do()
		if err := e.sim.checkIndex(); err != nil {
			t.Fatalf("after %s: %v", step.name, err)
		}
		st := e.sim.Snapshot()
		var allLocs []int64 // the admin's
		for _, id := range sortedKeys(st.Locations) {
			if st.Locations[id].Owner == "admin" {
				allLocs = append(allLocs, id)
			}
		}
		for _, page := range []struct{ from, limit int }{{0, -1}, {0, 1}, {1, 2}, {2, 5}, {5, 100}, {100, 1}} {
			p := map[string]string{"all": "1", "from": fmt.Sprint(page.from)}
			if page.limit >= 0 {
				p["max_results"] = fmt.Sprint(page.limit)
			}
			_, got := listed(t, e.admin("location_rules_get", p).body)
			if want := bruteListing(&st, allLocs, page.from, page.limit); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("after %s: all, from %d, max %d: listed %v, want %v", step.name, page.from, page.limit, got, want)
			}
			for _, l := range allLocs {
				p["location_id"] = fmt.Sprint(l)
				_, got := listed(t, e.admin("location_rules_get", p).body)
				if want := bruteListing(&st, []int64{l}, page.from, page.limit); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("after %s: location %d, from %d, max %d: listed %v, want %v", step.name, l, page.from, page.limit, got, want)
				}
			}
		}
	}
}

func TestScaleSeed(t *testing.T) {
	for _, sc := range []Scale{{}, {Locations: 3, RulesPerLocation: 4, DIDs: 2}, {Locations: 1, DIDs: 5}, {Locations: 20, RulesPerLocation: 150}} {
		seed := ScaleSeed(sc)
		st := &seed.State
		normalize(st)
		if err := validate(st); err != nil {
			t.Fatalf("%+v: %v", sc, err)
		}
		base := DefaultSeed()
		idx := buildIndex(st)
		for i := 1; i <= sc.Locations; i++ {
			if n := len(idx[int64(ScaleLocationBase+i)]); n != sc.RulesPerLocation {
				t.Errorf("%+v: location %d holds %d rules", sc, ScaleLocationBase+i, n)
			}
		}
		for i := 1; i <= sc.DIDs; i++ {
			if st.DIDs[int64(ScaleDIDBase+i)] == nil {
				t.Errorf("%+v: no DID %d", sc, ScaleDIDBase+i)
			}
		}
		numbers := map[string]int64{} // a DID must resolve by its number
		for id, d := range st.DIDs {
			if other, dup := numbers[d.Number]; dup {
				t.Errorf("%+v: DIDs %d and %d share the number %s", sc, id, other, d.Number)
			}
			numbers[d.Number] = id
		}
		if want := len(base.Rules) + sc.Locations*sc.RulesPerLocation; len(st.Rules) != want || st.NextRuleID != int64(want+1) ||
			len(st.DIDs) != len(base.DIDs)+sc.DIDs || len(st.Locations) != len(base.Locations)+sc.Locations {
			t.Fatalf("%+v: %d rules (next id %d), %d DIDs, %d locations", sc, len(st.Rules), st.NextRuleID, len(st.DIDs), len(st.Locations))
		}
		for _, r := range st.Rules {
			if dup := duplicateOf(st, idx, r); dup != 0 {
				t.Fatalf("%+v: rule %d duplicates %d", sc, r.ID, dup)
			}
		}
	}
}
