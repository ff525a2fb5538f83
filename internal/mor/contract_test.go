package mor_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

// contractRow is one row of docs/mor-api.md's "Methods and their hash parameters" table.
var contractRow = regexp.MustCompile("^\\| `([a-z_]+)` \\| ([^|]+) \\|")

// documentedHashParams reads the method table from docs/mor-api.md.
func documentedHashParams(t *testing.T) map[string][]string {
	t.Helper()
	b, err := os.ReadFile("../../docs/mor-api.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(b), "### Methods and their hash parameters")
	if !ok {
		t.Fatal(`docs/mor-api.md has no "### Methods and their hash parameters" table`)
	}
	out := map[string][]string{}
	for _, line := range strings.Split(table, "\n") {
		m := contractRow.FindStringSubmatch(line)
		if m == nil {
			if len(out) > 0 && !strings.HasPrefix(line, "|") {
				break // the table ended
			}
			continue
		}
		var params []string
		for _, p := range regexp.MustCompile("`([a-z_]+)`").FindAllStringSubmatch(m[2], -1) {
			params = append(params, p[1])
		}
		out[m[1]] = params
	}
	return out
}

// TestContract: the documented contract, the client's signing table and the
// simulator's own table name the same methods with the same hash parameters, in order.
func TestContract(t *testing.T) {
	doc := documentedHashParams(t)
	if len(doc) == 0 {
		t.Fatal("no methods read from docs/mor-api.md")
	}
	client, sim := map[string][]string{}, map[string][]string{}
	for _, m := range mor.Methods() {
		client[m.Name()] = m.HashParams()
	}
	for _, m := range morsim.Methods() {
		sim[m], _ = morsim.HashParams(m)
	}
	for _, side := range []struct {
		name  string
		table map[string][]string
	}{{"the client (internal/mor)", client}, {"the simulator (internal/morsim)", sim}} {
		for method, want := range doc {
			got, ok := side.table[method]
			if !ok {
				t.Errorf("%s: docs/mor-api.md lists %s, %s does not know it", method, method, side.name)
				continue
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: docs/mor-api.md hashes %q, %s hashes %q", method, want, side.name, got)
			}
		}
		for method := range side.table {
			if _, ok := doc[method]; !ok {
				t.Errorf("%s: %s knows it, docs/mor-api.md does not list it", method, side.name)
			}
		}
	}
}

// TestMethodVersions: the client's method table and the simulator's own table agree on
// the MOR version that introduced each method.
func TestMethodVersions(t *testing.T) {
	for _, m := range mor.Methods() {
		if got := morsim.SinceX(m.Name()); got != m.SinceX() {
			t.Errorf("%s: the client says from X%d, the simulator from X%d (0: every version)", m, m.SinceX(), got)
		}
	}
}
