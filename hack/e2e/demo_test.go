// Package e2e runs the README's demo (hack/demo.sh) end to end: a local control plane,
// the MOR simulator and the operator, with config/samples applied by kubectl, then the
// migration and the two-environment stories.
//
// It needs E2E=1 (set by `make test-e2e`, which `make test` runs last), so that a plain
// `go test ./...` does not run the demo a second time.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mor-operator/mor-operator/internal/kindconfig"
)

const demoTimeout = 10 * time.Minute

// kindPrefixes are the NAME prefixes `kubectl get` prints for each kind of the CRDs
// (e.g. "didrate.mor.operator.dev/"): the demo must show every kind Ready.
func kindPrefixes(t *testing.T) []string {
	crds, err := kindconfig.CRDs("../../config")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range crds {
		out = append(out, c.Singular+"."+kindconfig.Group+"/")
	}
	return out
}

func TestDemo(t *testing.T) {
	if os.Getenv("E2E") != "1" {
		t.Skip("end-to-end test of hack/demo.sh; run it with `make test-e2e` (or E2E=1 go test ./hack/e2e -count=1 -v -timeout 15m)")
	}
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Skip("kubectl is not installed; hack/demo.sh applies the samples with it (https://kubernetes.io/docs/tasks/tools/)")
	}
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), demoTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "hack/demo.sh")
	cmd.Dir = root
	cmd.Env = append(withoutEnv(os.Environ(), "DEMO_KEEP", "DEMO_DIR"), "DEMO_KEEP=")
	// On timeout the script gets SIGTERM, so its trap stops what it started.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 3 * time.Minute
	var buf syncBuffer
	out := io.MultiWriter(&buf, os.Stderr) // streamed: the first run builds kube-apiserver
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	err = cmd.Run()
	t.Logf("hack/demo.sh took %s", time.Since(start).Round(time.Second))
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatalf("hack/demo.sh did not finish within %s", demoTimeout)
	}
	if err != nil {
		t.Fatalf("hack/demo.sh: %v (its output is above)", err)
	}
	output := buf.String()

	rows := tableRows(output)
	for _, kind := range kindPrefixes(t) {
		found := false
		for _, r := range rows {
			if strings.HasPrefix(r["NAME"], kind) {
				found = true
				if r["READY"] != "True" {
					t.Errorf("%s: READY is %q, want True", r["NAME"], r["READY"])
				}
			}
		}
		if !found {
			t.Errorf("no %s row in the demo's kubectl get output", strings.TrimSuffix(kind, "/"))
		}
	}

	// The simulator diff: the MorDefaults' conflines of admin, the DIDRate's DID 3,
	// the LocationRule's new rule.
	for _, want := range []string{"  conflines[admin].", "  dids[3].", "  rules["} {
		if !hasLinePrefix(output, want) {
			t.Errorf("the simulator diff has no line starting with %q", want)
		}
	}
	if !strings.Contains(output, ": created {") {
		t.Error("the simulator diff shows no created rule")
	}

	// The migration story: export → ObserveOnly → plan → Manage → drift corrected, and
	// a MOR rejection shown verbatim.
	for _, want := range []string{
		"wrote 20 resources and kustomization.yaml",
		"kubectl mor plan exit code: 2",
		`Updated: updated in MOR: spec.minLen "1" → "2"`,
		`Corrected: updated in MOR: spec.minLen "7" → "2"`,
		"Stalled: Rejected: Tariff was not found",
	} {
		if !strings.Contains(output, want) {
			t.Errorf("the demo's output lacks %q", want)
		}
	}
	if !regexp.MustCompile(`LocationRule +\S+ +update +minLen: 1 → 2`).MatchString(output) {
		t.Error("the plan shows no update of minLen: 1 → 2")
	}

	// Two environments, one manifest: each namespace shows its own server's ids.
	checkEnvironments(t, rows)
	if want := `Stalled: AmbiguousReference: spec.tariffName: 2 tariffs on MorServer "default" (http://127.0.0.1:8088/billing as admin) are named "Promo", ids 1010, 1011`; !strings.Contains(output, want) {
		t.Errorf("the demo's output lacks %q", want)
	}

	// Everything the demo started is stopped.
	if _, err := os.Stat(filepath.Join(root, ".demo", "pids")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf(".demo/pids still exists (err %v): the demo left processes behind", err)
	}
	for _, addr := range []string{"127.0.0.1:8086", "127.0.0.1:8087", "127.0.0.1:8088"} {
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			_ = c.Close()
			t.Errorf("%s still accepts connections: a simulator was not stopped", addr)
		}
	}
}

// productionOffset is what hack/demo.sh adds to the production simulator's ids.
const productionOffset = 1000

// checkEnvironments checks the -o wide rows of config/samples/environments: the same
// resources in both namespaces, Ready, each with the ids its names have on its server
// (the staging simulator runs the default seed), and rules created with that server's
// next ids.
func checkEnvironments(t *testing.T, rows []map[string]string) {
	t.Helper()
	stagingIDs := map[string]map[string]int{ // NAME → column → id on staging
		"didrate.mor.operator.dev/vilnius-main":        {"DID ID": 1, "PROVIDER TARIFF ID": 3, "OWNER TARIFF ID": 4},
		"locationrule.mor.operator.dev/tokyo-e164":     {"TARIFF ID": 9, "LCR ID": 4},
		"locationrule.mor.operator.dev/vilnius-office": {"TARIFF ID": 8, "DID ID": 2},
	}
	for ns, offset := range map[string]int{"mor-staging": 0, "mor-production": productionOffset} {
		var ruleIDs []string // in whichever order the two rules were created
		for _, r := range rows {
			if r["NAMESPACE"] == ns && strings.HasPrefix(r["NAME"], "locationrule.") {
				ruleIDs = append(ruleIDs, r["RULE ID"])
			}
		}
		if want := []string{fmt.Sprint(21 + offset), fmt.Sprint(22 + offset)}; !slices.Equal(slices.Sorted(slices.Values(ruleIDs)), want) {
			t.Errorf("%s: rule ids %v, want %v", ns, ruleIDs, want)
		}
		for name, ids := range stagingIDs {
			var row map[string]string
			for _, r := range rows {
				if r["NAMESPACE"] == ns && r["NAME"] == name {
					row = r
				}
			}
			if row == nil {
				t.Errorf("%s %s: no row in the demo's kubectl get -o wide output", ns, name)
				continue
			}
			if row["READY"] != "True" {
				t.Errorf("%s %s: READY is %q, want True", ns, name, row["READY"])
			}
			for column, id := range ids {
				if want := fmt.Sprint(id + offset); row[column] != want {
					t.Errorf("%s %s: %s is %q, want %s", ns, name, column, row[column], want)
				}
			}
		}
	}
}

// tableRows parses the kubectl tables in output: each row as column name -> value,
// cut at the header's column offsets.
func tableRows(output string) []map[string]string {
	var rows []map[string]string
	var header []column
	for _, line := range strings.Split(output, "\n") {
		switch {
		case strings.TrimSpace(line) == "":
			header = nil
		case strings.Contains(line, "NAME") && strings.Contains(line, "READY") && strings.ToUpper(line) == line:
			header = columns(line)
		case header != nil:
			row := map[string]string{}
			for i, c := range header {
				end := len(line)
				if i+1 < len(header) && header[i+1].start < end {
					end = header[i+1].start
				}
				if c.start < end {
					row[c.name] = strings.TrimSpace(line[c.start:end])
				}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

type column struct {
	name  string
	start int
}

func columns(header string) []column {
	var cols []column
	for i := 0; i < len(header); {
		if header[i] == ' ' {
			i++
			continue
		}
		// kubectl pads columns with at least two spaces; names like "RULE ID" have one.
		j := i
		for j < len(header) && !strings.HasPrefix(header[j:], "  ") {
			j++
		}
		cols = append(cols, column{name: strings.TrimSpace(header[i:j]), start: i})
		i = j
	}
	return cols
}

func hasLinePrefix(output, prefix string) bool {
	for _, line := range strings.Split(output, "\n") {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}

func withoutEnv(env []string, names ...string) []string {
	var out []string
next:
	for _, kv := range env {
		for _, n := range names {
			if strings.HasPrefix(kv, n+"=") {
				continue next
			}
		}
		out = append(out, kv)
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for the writes of the command and the reads here.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
