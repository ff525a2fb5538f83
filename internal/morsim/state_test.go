package morsim

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"sigs.k8s.io/yaml"
)

func TestDefaultSeed(t *testing.T) {
	s := DefaultSeed()
	if err := validate(&s.State); err != nil {
		t.Fatal(err)
	}
	if s.Users["admin"].SecretKey != "admin-secret" || s.Users["reseller"].SecretKey != "reseller-secret" || s.Users["accountant"].Owner != "admin" {
		t.Fatalf("users %+v", s.Users)
	}
	for i := int64(1); i <= 20; i++ {
		if r := s.Rules[i]; r == nil || r.LocationID < 1 || r.LocationID > 3 {
			t.Fatalf("rule %d: %+v", i, r)
		}
	}
	purposes := map[string]int{}
	for _, tr := range s.Tariffs {
		purposes[tr.Purpose]++
	}
	if len(s.Tariffs) != 11 || len(s.DIDs) != 5 || len(s.LCRs) != 6 || len(s.Devices) != 5 || len(s.QuickForwardRules) != 2 || len(purposes) != 3 {
		t.Fatalf("reference data: %d tariffs %v, %d DIDs", len(s.Tariffs), purposes, len(s.DIDs))
	}
	for _, z := range []string{"UTC", "Atlantic Time (Canada)", "Eastern Time (US & Canada)", "London"} {
		if !strings.Contains(strings.Join(s.TimeZones, "|"), z) {
			t.Errorf("time zone %q missing", z)
		}
	}
	// Seeds are independent copies.
	s.Users["admin"].SecretKey = "changed"
	if DefaultSeed().Users["admin"].SecretKey != "admin-secret" {
		t.Fatal("DefaultSeed shares memory")
	}
}

func TestLoadSeedRoundTrip(t *testing.T) {
	b, err := yaml.Marshal(DefaultSeed())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"\nusers:", "\nquickForwardRules:", "lrType: dst", "nextRuleID: 21"} {
		if !strings.Contains("\n"+string(b), key) {
			t.Errorf("YAML lacks %q", key)
		}
	}
	path := filepath.Join(t.TempDir(), "seed.yaml")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := LoadSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, DefaultSeed()) {
		t.Fatalf("round trip differs")
	}
}

func TestLoadSeedErrors(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown field", "users: {}\ncolour: blue\n", "colour"},
		{"no admin", "users:\n  bob: {role: reseller}\n", "exactly one user of role admin"},
		{"bad role", "users:\n  admin: {role: admin}\n  x: {role: king}\n", "role \"king\""},
		{"accountant without admin owner", "users:\n  admin: {role: admin}\n  acc: {role: accountant, owner: nobody}\n", "accountant's owner"},
		{"rule in unknown location", "users:\n  admin: {role: admin}\nrules:\n  1: {locationID: 9, lrType: dst}\n", "location 9"},
		{"id differs from key", "users:\n  admin: {role: admin}\nlocations:\n  1: {id: 2, owner: admin}\n", "differs from its key"},
		{"owner missing", "users:\n  admin: {role: admin}\ntariffs:\n  1: {owner: ghost, purpose: user}\n", "ghost"},
		{"bad purpose", "users:\n  admin: {role: admin}\ntariffs:\n  1: {owner: admin, purpose: retail}\n", "retail"},
		{"unknown currency", "users:\n  admin: {role: admin}\ncurrencies: [EUR]\ntariffs:\n  1: {owner: admin, purpose: user, currency: XYZ}\n", "XYZ"},
		{"unauthorized method unknown", "users:\n  admin: {role: admin}\n  r: {role: reseller, unauthorized: [tarifs_get]}\n", "tarifs_get"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "seed.yaml")
			_ = os.WriteFile(path, []byte(tc.yaml), 0o600)
			_, err := LoadSeed(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want it to mention %q", err, tc.want)
			}
		})
	}
	// A minimal seed: ids and usernames from keys, NextRuleID above the rules.
	path := filepath.Join(t.TempDir(), "seed.yaml")
	_ = os.WriteFile(path, []byte("users:\n  root: {role: admin, secretKey: k}\nlocations:\n  7: {name: L, owner: root}\nrules:\n  40: {locationID: 7, name: r, lrType: dst, cut: '1', maxLen: 99}\n"), 0o600)
	s, err := LoadSeed(path)
	if err != nil {
		t.Fatal(err)
	}
	if s.Users["root"].Username != "root" || s.Locations[7].ID != 7 || s.Rules[40].ID != 40 || s.NextRuleID != 41 {
		t.Fatalf("%+v", s.State)
	}
	// The admin need not be called "admin".
	e := &env{t: t, sim: New(s)}
	e.ts = newServer(t, e.sim)
	wantSuccess(t, e.call("location_rule_create", "root", "k", map[string]string{"location_id": "7", "name": "n", "cut": "2"}), TextRuleCreated)
	if e.sim.Snapshot().Rules[41] == nil {
		t.Fatal("rule 41 not created")
	}
}

func TestSnapshotUpdateReset(t *testing.T) {
	e := newEnv(t)
	snap := e.sim.Snapshot()
	snap.Rules[1].Name = "mutated copy"
	snap.Users["admin"].SecretKey = "x"
	snap.Conflines["admin"] = map[string]string{"a": "b"}
	if st := e.sim.Snapshot(); st.Rules[1].Name != "Seed rule 1" || st.Users["admin"].SecretKey != adminKey || len(st.Conflines) != 0 {
		t.Fatal("Snapshot shares memory")
	}
	// Drift behind the client's back.
	e.sim.Update(func(st *State) {
		st.Rules[1].Cut = "999"
		delete(st.Rules, 2)
	})
	if f := fields(t, e.admin("location_rule_get", map[string]string{"location_rule_id": "1"}).body, "location_rule"); f["cut"] != "999" {
		t.Fatalf("drift not visible: %v", f)
	}
	wantError(t, e.admin("location_rule_get", map[string]string{"location_rule_id": "2"}), TextLocationRuleNotFound)
	// A nil map set by Update is repaired.
	e.sim.Update(func(st *State) { st.Conflines = nil })
	wantSuccess(t, e.admin("conflines_update", map[string]string{"default_user_currency": "EUR"}), TextConflinesUpdated)

	e.sim.SetAdminSecret("rotated")
	wantError(t, e.admin("system_version_get", nil), TextIncorrectKey)
	if compact(e.call("system_version_get", "admin", "rotated", nil).body) != "<page><version>X17</version></page>" {
		t.Fatal("SetAdminSecret not effective")
	}
	e.sim.Reset()
	st := e.sim.Snapshot()
	if !reflect.DeepEqual(st, DefaultSeed().State) {
		t.Fatal("Reset did not restore the seed")
	}
	if len(e.sim.Requests()) != 0 {
		t.Fatal("Reset kept requests")
	}
}

func TestStateFileSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	sim := New(DefaultSeed())
	if err := sim.SetStateFile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("state file not created: %v", err)
	}
	e := &env{t: t, sim: sim}
	e.ts = newServer(t, sim)
	wantSuccess(t, e.admin("location_rule_create", map[string]string{"location_id": "2", "name": "persisted", "cut": "00"}), TextRuleCreated)
	wantSuccess(t, e.admin("conflines_update", map[string]string{"default_user_currency": "EUR", "api_secret_key": "new-key-1"}), TextConflinesUpdated)
	wantSuccess(t, e.call("did_rates_details_update", "admin", "new-key-1", map[string]string{"did_id": "1", "owner_tariff_id": "0"}), TextDIDUpdated)
	// A failed write changes nothing on disk.
	before, _ := os.ReadFile(path)
	wantError(t, e.call("location_rule_create", "admin", "new-key-1", map[string]string{"location_id": "2", "name": "persisted", "cut": "00"}), TextRuleMustBeUnique)
	after, _ := os.ReadFile(path)
	if string(before) != string(after) {
		t.Fatal("state file rewritten on a failed write")
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", fi.Mode(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left: %v", entries)
	}

	// Restart: a new server from the same seed, same state file.
	sim2 := New(DefaultSeed())
	if err := sim2.SetStateFile(path); err != nil {
		t.Fatal(err)
	}
	st := sim2.Snapshot()
	if r := st.Rules[21]; r == nil || r.Name != "persisted" || st.NextRuleID != 22 {
		t.Fatalf("rule not restored: %+v next %d", r, st.NextRuleID)
	}
	if st.Conflines["admin"]["default_user_currency"] != "EUR" || st.Users["admin"].SecretKey != "new-key-1" || st.DIDs[1].OwnerTariffID != 0 {
		t.Fatalf("state not restored: %+v", st.Conflines)
	}
	e2 := &env{t: t, sim: sim2}
	e2.ts = newServer(t, sim2)
	wantSuccess(t, e2.call("location_rule_create", "admin", "new-key-1", map[string]string{"location_id": "2", "name": "next", "cut": "01"}), TextRuleCreated)
	if sim2.Snapshot().Rules[22] == nil {
		t.Fatal("ids not continued")
	}
	// Reset persists the seed.
	sim2.Reset()
	sim3 := New(DefaultSeed())
	_ = sim3.SetStateFile(path)
	if len(sim3.Snapshot().Rules) != 20 {
		t.Fatal("Reset not persisted")
	}
	// A broken state file is an error, an empty one is ignored.
	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte("{not json"), 0o600)
	if err := New(DefaultSeed()).SetStateFile(bad); err == nil {
		t.Fatal("broken state file accepted")
	}
	empty := filepath.Join(dir, "empty.json")
	_ = os.WriteFile(empty, nil, 0o600)
	if err := New(DefaultSeed()).SetStateFile(empty); err != nil {
		t.Fatal(err)
	}
	if err := New(DefaultSeed()).SetStateFile(filepath.Join(dir, "no", "such", "dir", "s.json")); err == nil {
		t.Fatal("unwritable state file accepted")
	}
}

func TestConcurrentRequests(t *testing.T) {
	e := newEnv(t)
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan string, workers*each*2)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				p := map[string]string{"u": "admin", "location_id": fmt.Sprint(w%3 + 1), "name": "c", "cut": fmt.Sprintf("9%d-%d", w, i)}
				p["hash"] = testHash("location_rule_create", p, adminKey)
				r, err := postForm(e, "location_rule_create", p)
				if err != nil || !strings.Contains(r, "Rule created") {
					errs <- fmt.Sprintf("create: %v %s", err, r)
				}
				g := map[string]string{"u": "admin", "location_rule_id": fmt.Sprint(i%20 + 1)}
				g["hash"] = testHash("location_rule_get", g, adminKey)
				if r, err := postForm(e, "location_rule_get", g); err != nil || !strings.Contains(r, "<location_rule>") {
					errs <- fmt.Sprintf("get: %v %s", err, r)
				}
				_ = e.sim.Snapshot()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for msg := range errs {
		t.Error(msg)
	}
	st := e.sim.Snapshot()
	if len(st.Rules) != 20+workers*each || st.NextRuleID != 21+workers*each {
		t.Fatalf("%d rules, next %d", len(st.Rules), st.NextRuleID)
	}
	if n := len(e.sim.Requests()); n != 2*workers*each {
		t.Fatalf("%d requests recorded", n)
	}
}
