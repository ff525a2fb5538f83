package plugin

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mor-operator/mor-operator/internal/morsim"
)

// TestBadInput: each mistake is one line naming what to fix, a non-zero exit, the key
// nowhere in the output, and no file written.
func TestBadInput(t *testing.T) {
	_, _, url := newSim(t, handSeed(10), 1e6)
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	t.Setenv("KUBERNETES_SERVICE_HOST", "") // not in a pod
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	direct := func(args ...string) []string {
		return append([]string{"export", "--url", url, "--mor-username", "admin", "--allow-insecure-http"}, args...)
	}
	tests := []struct {
		name, key string
		args      []string
		want      string
	}{
		{"unreachable", morsim.DefaultAdminSecret, []string{"export", "--url", "https://127.0.0.1:1/billing", "--mor-username", "admin"},
			"cannot reach MOR (https://127.0.0.1:1/billing): check the URL"},
		{"wrong key", "not-the-key", direct(), `MOR refused the credentials (Incorrect hash): check the username and the API key (` + url + `)`},
		{"no key", "", direct(), "no MOR API key: set MOR_API_KEY or --key-file"},
		{"plain http", morsim.DefaultAdminSecret, []string{"export", "--url", url, "--mor-username", "admin"},
			"--url: http:// is refused unless --allow-insecure-http is given"},
		{"missing location", morsim.DefaultAdminSecret, direct("--locations", "1,99"), `location 99: MOR answered "Location was not found"; check --locations`},
		{"other owner's location", morsim.DefaultAdminSecret, direct("--locations", "4"), `location 4: MOR answered "Location was not found"; check --locations`},
		{"missing DID", morsim.DefaultAdminSecret, direct("--dids", "77"), `DID 77: MOR answered "DID was not found"; check --dids`},
		{"bad id", morsim.DefaultAdminSecret, direct("--locations", "1,x"), `--locations: "x" is not an id`},
		{"output dir under a file", morsim.DefaultAdminSecret, direct("--output-dir", filepath.Join(blocked, "out")),
			"--output-dir " + blocked + "/out: mkdir " + blocked + ": not a directory; choose a directory you can write"},
		{"export arguments", morsim.DefaultAdminSecret, direct("1", "extra"),
			`kubectl mor export takes no arguments, got "1 extra": choose what to export with --locations and --dids`},
		{"plan arguments", morsim.DefaultAdminSecret, []string{"plan", "mor"}, `kubectl mor plan takes no arguments, got "mor"`},
		{"no kubeconfig, export", morsim.DefaultAdminSecret, []string{"export"},
			"no kubeconfig: set KUBECONFIG or --kubeconfig to reach the cluster, or use --url to read MOR without one"},
		{"no kubeconfig, plan", morsim.DefaultAdminSecret, []string{"plan"}, "no kubeconfig: set KUBECONFIG or --kubeconfig to reach the cluster"},
		// -s is kubectl's --server: the API server (here unreachable), not a MorServer
		{"kubectl's -s", morsim.DefaultAdminSecret, []string{"export", "-s", "http://127.0.0.1:1", "-n", "mor"},
			"reading MorServer default in namespace mor and its Secret: "},
		{"plan -A with --locations", morsim.DefaultAdminSecret, []string{"plan", "-A", "--locations", "3"},
			"--locations, --mor-server and --url read one MOR: use them with -n, not -A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(KeyEnv, tt.key)
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), tt.args, &stdout, &stderr)
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if stdout.Len() > 0 {
				t.Errorf("wrote %d bytes to stdout on error", stdout.Len())
			}
			msg := stderr.String()
			if strings.Count(msg, "\n") != 1 || !strings.Contains(msg, tt.want) {
				t.Errorf("stderr %q, want one line containing %q", msg, tt.want)
			}
			if strings.Contains(msg, "localhost:8080") {
				t.Error("the message names client-go's fallback localhost:8080")
			}
			if tt.key != "" && strings.Contains(msg, tt.key) {
				t.Error("the key is in the message")
			}
		})
	}
}

// TestHelp: kubectl's own flags keep their names (-s is the API server) and are listed
// apart from the plugin's; export and plan explain themselves with an example each.
func TestHelp(t *testing.T) {
	for _, cmd := range []string{"export", "plan"} {
		t.Run(cmd, func(t *testing.T) {
			var stdout bytes.Buffer
			if code := Main(context.Background(), []string{cmd, "--help"}, &stdout, &bytes.Buffer{}); code != 0 {
				t.Fatalf("exit %d", code)
			}
			help := stdout.String()
			sections := map[string]string{}
			var title string
			for _, line := range strings.Split(help, "\n") {
				if line != "" && !strings.HasPrefix(line, " ") && strings.HasSuffix(line, ":") {
					title = line
					continue
				}
				sections[title] += line + "\n"
			}
			for title, want := range map[string][]string{
				"Usage:":                           {"kubectl mor " + cmd + " [flags]"},
				"Examples:":                        {"kubectl mor " + cmd + " -"},
				"Flags:":                           {"--locations"},
				"MOR flags:":                       {"--mor-server", "--url", "--mor-username", "--allow-insecure-http", "--mor-timeout"},
				"Kubernetes flags (as kubectl's):": {"-s, --server", "-n, --namespace", "--kubeconfig"},
			} {
				for _, w := range want {
					if !strings.Contains(sections[title], w) {
						t.Errorf("section %q lacks %q:\n%s", title, w, help)
					}
				}
			}
			if strings.Contains(sections["Kubernetes flags (as kubectl's):"], "mor-") || strings.Contains(sections["MOR flags:"], "--kubeconfig") {
				t.Errorf("MOR and kubectl flags mixed:\n%s", help)
			}
			if !strings.HasPrefix(help, cmd+" ") || strings.Count(help, "\n\n") < 3 {
				t.Errorf("no long help:\n%s", help)
			}
		})
	}
}

// TestExportDir: one file per resource plus kustomization.yaml, nothing staged left;
// a second export into the same directory rewrites identical bytes.
func TestExportDir(t *testing.T) {
	_, _, url := newSim(t, handSeed(30), 1e6)
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	t.Setenv(KeyEnv, morsim.DefaultAdminSecret)
	dir := filepath.Join(t.TempDir(), "mor")
	args := []string{"export", "--url", url, "--mor-username", "admin", "--allow-insecure-http", "-n", "mor", "--dids", "3", "--output-dir", dir}
	var stderr bytes.Buffer
	if code := Main(context.Background(), args, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	first := readDir(t, dir)
	// 30 rules, DID 3, MorDefaults, kustomization.yaml
	if len(first) != 33 || first["didrate-did-3.yaml"] == "" || !strings.Contains(first["kustomization.yaml"], "- locationrule-l1-") {
		t.Fatalf("wrote %d files: %v", len(first), keys(first))
	}
	if code := Main(context.Background(), args, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("second export: exit %d: %s", code, stderr.String())
	}
	second := readDir(t, dir)
	for n, b := range first {
		if second[n] != b {
			t.Errorf("%s differs on the second export", n)
		}
	}
	if len(second) != len(first) {
		t.Errorf("second export left %d files, want %d (staging not cleaned?)", len(second), len(first))
	}
}

func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestExportDirMirrorsMOR: a re-export removes the files of rules MOR no longer has, and
// never touches, overwrites or removes a file it did not write.
func TestExportDirMirrorsMOR(t *testing.T) {
	sim, _, url := newSim(t, handSeed(6), 1e6)
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "none"))
	t.Setenv(KeyEnv, morsim.DefaultAdminSecret)
	dir := filepath.Join(t.TempDir(), "mor")
	export := func() (int, string) {
		var stderr bytes.Buffer
		code := Main(context.Background(), []string{"export", "--url", url, "--mor-username", "admin", "--allow-insecure-http", "--output-dir", dir},
			&bytes.Buffer{}, &stderr)
		return code, stderr.String()
	}
	if code, stderr := export(); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	gone := ""
	for n, b := range readDir(t, dir) {
		if strings.Contains(b, "# MOR rule 3 of location 1,") {
			gone = n
		}
	}
	mine := map[string]string{"notes.md": "# mine\n", "mine.yaml": "kind: ConfigMap\n"}
	for n, b := range mine {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sim.Update(func(st *morsim.State) { delete(st.Rules, 3) })

	code, stderr := export()
	if code != 0 || !strings.Contains(stderr, "removed 1 files of an earlier export") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	after := readDir(t, dir)
	if _, ok := after[gone]; gone == "" || ok {
		t.Errorf("%q, the file of rule 3 deleted in MOR, is still there", gone)
	}
	if strings.Contains(after["kustomization.yaml"], gone) {
		t.Errorf("kustomization.yaml still lists %s", gone)
	}
	for n, b := range mine {
		if after[n] != b {
			t.Errorf("%s was touched: %q", n, after[n])
		}
	}

	// a file of the user's where the export would write: refused, nothing changed
	own := "# my own\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
	if err := os.WriteFile(filepath.Join(dir, "kustomization.yaml"), []byte(own), 0o600); err != nil {
		t.Fatal(err)
	}
	before := readDir(t, dir)
	code, stderr = export()
	if code != 1 || !strings.Contains(stderr, "kustomization.yaml is there and was not written by kubectl mor export") {
		t.Errorf("exit %d: %s", code, stderr)
	}
	if after := readDir(t, dir); len(after) != len(before) || after["kustomization.yaml"] != own {
		t.Error("a refused export changed the directory")
	}
}
