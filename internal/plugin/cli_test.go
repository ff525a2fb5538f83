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
	blocked := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocked, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, key string
		args      []string
		want      string
	}{
		{"unreachable", morsim.DefaultAdminSecret, []string{"--url", "http://127.0.0.1:1/billing"}, "cannot reach MOR (http://127.0.0.1:1/billing): check the URL"},
		{"wrong key", "not-the-key", []string{"--url", url}, `MOR refused the credentials (Incorrect hash): check the username and the API key`},
		{"no key", "", []string{"--url", url}, "no MOR API key: set MOR_API_KEY or --key-file"},
		{"missing location", morsim.DefaultAdminSecret, []string{"--url", url, "--locations", "1,99"}, `location 99: MOR answered "Location was not found"; check --locations`},
		{"other owner's location", morsim.DefaultAdminSecret, []string{"--url", url, "--locations", "4"}, `location 4: MOR answered "Location was not found"; check --locations`},
		{"missing DID", morsim.DefaultAdminSecret, []string{"--url", url, "--dids", "77"}, `DID 77: MOR answered "DID was not found"; check --dids`},
		{"bad id", morsim.DefaultAdminSecret, []string{"--url", url, "--locations", "1,x"}, `--locations: "x" is not an id`},
		{"output dir under a file", morsim.DefaultAdminSecret, []string{"--url", url, "--output-dir", filepath.Join(blocked, "out")}, "--output-dir " + blocked + "/out: mkdir " + blocked + ": not a directory; choose a directory you can write"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(KeyEnv, tt.key)
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), append([]string{"export", "--username", "admin"}, tt.args...), &stdout, &stderr)
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
			if tt.key != "" && strings.Contains(msg, tt.key) {
				t.Error("the key is in the message")
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
	read := func() map[string]string {
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
	args := []string{"export", "--url", url, "--username", "admin", "-n", "mor", "--dids", "3", "--output-dir", dir}
	var stderr bytes.Buffer
	if code := Main(context.Background(), args, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	first := read()
	// 30 rules, DID 3, MorDefaults, kustomization.yaml
	if len(first) != 33 || first["didrate-did-3.yaml"] == "" || !strings.Contains(first["kustomization.yaml"], "- locationrule-l1-") {
		t.Fatalf("wrote %d files: %v", len(first), keys(first))
	}
	if code := Main(context.Background(), args, &bytes.Buffer{}, &stderr); code != 0 {
		t.Fatalf("second export: exit %d: %s", code, stderr.String())
	}
	second := read()
	for n, b := range first {
		if second[n] != b {
			t.Errorf("%s differs on the second export", n)
		}
	}
	if len(second) != len(first) {
		t.Errorf("second export left %d files, want %d (staging not cleaned?)", len(second), len(first))
	}
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
