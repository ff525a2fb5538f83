package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mor-operator/mor-operator/hack/image/managerimage"
)

// TestAssemble builds the image for the machine's platform (make release builds both),
// adds the files make release puts beside it, and checks what assemble writes: an SBOM
// that lists the modules of go.mod at their versions, and SHA256SUMS over every file.
func TestAssemble(t *testing.T) {
	platform := "linux/" + runtime.GOARCH
	dir := t.TempDir()
	bin := filepath.Join(t.TempDir(), "manager")
	if err := managerimage.Compile(context.Background(), "../..", platform, "v0.1.0", bin); err != nil {
		t.Fatal(err)
	}
	idx, err := managerimage.Build(managerimage.Options{
		Binaries: map[string]string{platform: bin},
		Version:  "v0.1.0",
		Revision: "0123456789abcdef0123456789abcdef01234567",
		Created:  time.Unix(1767225600, 0),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := managerimage.WriteLayout(filepath.Join(dir, imageDir), idx, "v0.1.0"); err != nil {
		t.Fatal(err)
	}
	for name, contents := range map[string]string{
		"install.yaml":            "kind: Deployment\n",
		"mor-operator-v0.1.0.tgz": "chart",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(contents), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	if err := assemble(dir, "v0.1.0"); err != nil {
		t.Fatal(err)
	}

	t.Run("SBOM lists the modules linked into the manager", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(dir, "manager-"+strings.ReplaceAll(platform, "/", "-")+".spdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		var doc spdxDocument
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		versions := map[string]string{}
		for _, p := range doc.Packages {
			versions[p.Name] = p.VersionInfo
		}
		for module, want := range map[string]string{
			"github.com/mor-operator/mor-operator": "v0.1.0",
			"sigs.k8s.io/controller-runtime":       goListVersion(t, "sigs.k8s.io/controller-runtime"),
			"k8s.io/client-go":                     goListVersion(t, "k8s.io/client-go"),
			"stdlib":                               runtime.Version(),
		} {
			if versions[module] != want {
				t.Errorf("SBOM: %s %q, want %q", module, versions[module], want)
			}
		}
		if _, ok := versions["github.com/google/go-containerregistry"]; ok {
			t.Error("SBOM lists go-containerregistry, which only the image builder uses, not the manager")
		}
	})

	t.Run("SHA256SUMS covers and verifies every file", func(t *testing.T) {
		listed, mismatched := verifySums(t, dir)
		if len(mismatched) != 0 {
			t.Errorf("SHA256SUMS does not match %q", mismatched)
		}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(dir, path)
			if rel != sumsFile && !listed[filepath.ToSlash(rel)] {
				t.Errorf("SHA256SUMS does not list %s", rel)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if out, err := sha256sumCheck(dir); haveSha256sum() && err != nil {
			t.Errorf("sha256sum --check: %v\n%s", err, out)
		}
	})

	t.Run("a changed file fails the check", func(t *testing.T) {
		if err := os.WriteFile(filepath.Join(dir, "install.yaml"), []byte("kind: Changed\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, mismatched := verifySums(t, dir); !slices.Equal(mismatched, []string{"install.yaml"}) {
			t.Errorf("mismatched files %q, want only install.yaml", mismatched)
		}
		if out, err := sha256sumCheck(dir); haveSha256sum() && err == nil {
			t.Errorf("sha256sum --check passes a changed install.yaml:\n%s", out)
		}
	})
}

// verifySums checks each line of dir/SHA256SUMS against its file: the files listed, and
// those whose contents differ from their sums.
func verifySums(t *testing.T, dir string) (listed map[string]bool, mismatched []string) {
	t.Helper()
	sums, err := os.ReadFile(filepath.Join(dir, sumsFile))
	if err != nil {
		t.Fatal(err)
	}
	listed = map[string]bool{}
	for line := range strings.Lines(string(sums)) {
		sum, name, ok := strings.Cut(strings.TrimSuffix(line, "\n"), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS line %q: want \"<sha256>  <file>\"", line)
		}
		got, err := fileSHA256(filepath.Join(dir, filepath.FromSlash(name)))
		if err != nil {
			t.Fatal(err)
		}
		if got != sum {
			mismatched = append(mismatched, name)
		}
		listed[name] = true
	}
	return listed, mismatched
}

// sha256sumCheck runs coreutils' `sha256sum --check`, as a user checks a download.
func sha256sumCheck(dir string) ([]byte, error) {
	cmd := exec.Command("sha256sum", "--check", "--strict", sumsFile)
	cmd.Dir = dir
	return cmd.CombinedOutput()
}

func haveSha256sum() bool {
	_, err := exec.LookPath("sha256sum")
	return err == nil
}

// goListVersion is the version of module the main module builds with.
func goListVersion(t *testing.T, module string) string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", module).Output()
	if err != nil {
		t.Fatalf("go list -m %s: %v", module, err)
	}
	return strings.TrimSpace(string(out))
}
