// Package argocdhealth generates config/argocd's Argo CD health checks from its one
// script, health.lua: a copy per kind (Argo CD's resource_customizations layout) and
// the argocd-cm patch with the script under one key per kind. The kinds are those of
// the generated CRDs, so `make manifests` regenerates both (hack/argocdhealth), and a
// test only checks that they are current.
package argocdhealth

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mor-operator/mor-operator/internal/kindconfig"
)

// The layout of config/argocd.
const (
	Group       = kindconfig.Group
	SourceFile  = "health.lua"
	CMPatchFile = "argocd-cm-patch.yaml"
)

// KindScriptPath is a kind's copy of the script, relative to config/argocd.
func KindScriptPath(kind string) string { return filepath.Join(Group, kind, SourceFile) }

// CMKey is a kind's key in the argocd-cm ConfigMap.
func CMKey(kind string) string { return "resource.customizations.health." + Group + "_" + kind }

// Kinds returns the kinds of Group among the CRDs in crdDir, sorted.
func Kinds(crdDir string) ([]string, error) {
	crds, err := kindconfig.ReadCRDs(crdDir)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(crds))
	for i, c := range crds {
		out[i] = c.Kind
	}
	return out, nil
}

// Files returns the generated files of dir (config/argocd), by path relative to dir,
// for the given kinds.
func Files(dir string, kinds []string) (map[string][]byte, error) {
	data, err := os.ReadFile(filepath.Join(dir, SourceFile))
	if err != nil {
		return nil, err
	}
	source := string(data)
	if !strings.HasSuffix(source, "\n") || strings.ContainsAny(source, "\t\r") {
		return nil, fmt.Errorf("%s must end with a newline and contain no tabs or CRs "+
			"(it is embedded in a YAML block scalar)", SourceFile)
	}
	out := map[string][]byte{CMPatchFile: renderConfigMapPatch(kinds, source)}
	for _, k := range kinds {
		out[KindScriptPath(k)] = data
	}
	return out, nil
}

// Strays returns the per-kind directories of dir whose kind is not among kinds.
func Strays(dir string, kinds []string) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(dir, Group))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if !slices.Contains(kinds, e.Name()) {
			out = append(out, filepath.Join(Group, e.Name()))
		}
	}
	return out, nil
}

// Generate writes the generated files of dir for the kinds of the CRDs in crdDir and
// removes the copies of kinds that no longer exist. Files already current are left
// untouched.
func Generate(dir, crdDir string) error {
	kinds, err := Kinds(crdDir)
	if err != nil {
		return err
	}
	files, err := Files(dir, kinds)
	if err != nil {
		return err
	}
	strays, err := Strays(dir, kinds)
	if err != nil {
		return err
	}
	return kindconfig.Write(dir, files, strays)
}

// renderConfigMapPatch renders argocd-cm-patch.yaml: the script under one key per kind.
func renderConfigMapPatch(kinds []string, script string) []byte {
	var b bytes.Buffer
	b.WriteString(`# Generated from config/argocd/health.lua by "make manifests": do not edit.
#
# Argo CD health checks for the mor.operator.dev kinds, as keys of the argocd-cm
# ConfigMap. Merge into a running Argo CD with
#   kubectl -n argocd patch configmap argocd-cm --type merge --patch-file argocd-cm-patch.yaml
# or list this file as a patch of argocd-cm in the kustomization that installs Argo CD.
apiVersion: v1
kind: ConfigMap
metadata:
  name: argocd-cm
  labels:
    app.kubernetes.io/name: argocd-cm
    app.kubernetes.io/part-of: argocd
data:
`)
	lines := strings.SplitAfter(strings.TrimSuffix(script, "\n"), "\n")
	for _, kind := range kinds {
		fmt.Fprintf(&b, "  %s: |\n", CMKey(kind))
		for _, line := range lines {
			if line == "\n" {
				b.WriteString(line)
				continue
			}
			b.WriteString("    " + line)
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}
