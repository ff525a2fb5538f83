// Package kindconfig generates what config/ holds per kind, from the CRDs controller-gen
// writes into config/crd/bases: the CRD kustomization's resource list, and the editor
// and viewer ClusterRoles (config/rbac/access) a cluster admin binds to people. So a new
// kind's manifests follow from its types (`make manifests`, hack/kindconfig), and a test
// only checks that they are current.
package kindconfig

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"sigs.k8s.io/yaml"
)

// Group is the API group of the operator's kinds.
const Group = "mor.operator.dev"

// The generated paths, relative to config/.
const (
	CRDDir              = "crd/bases"
	CRDKustomize        = "crd/kustomization.yaml"
	AccessDir           = "rbac/access"
	AccessKustomization = AccessDir + "/kustomization.yaml"
)

// CRD is one kind's CustomResourceDefinition, as far as config/ needs it.
type CRD struct {
	Kind, Plural, Singular string
	// File is the CRD's file name in CRDDir.
	File string
}

// CRDs returns the Group's CRDs in configDir/CRDDir, sorted by kind.
func CRDs(configDir string) ([]CRD, error) { return ReadCRDs(filepath.Join(configDir, CRDDir)) }

// ReadCRDs returns the Group's CRDs in dir, sorted by kind.
func ReadCRDs(dir string) ([]CRD, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, err
	}
	var out []CRD
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var crd struct {
			Kind string `json:"kind"`
			Spec struct {
				Group string `json:"group"`
				Names struct {
					Kind, Plural, Singular string
				} `json:"names"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(data, &crd); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if crd.Kind == "CustomResourceDefinition" && crd.Spec.Group == Group {
			n := crd.Spec.Names
			out = append(out, CRD{Kind: n.Kind, Plural: n.Plural, Singular: n.Singular, File: filepath.Base(f)})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %s CRDs found in %s", Group, dir)
	}
	slices.SortFunc(out, func(a, b CRD) int { return strings.Compare(a.Kind, b.Kind) })
	return out, nil
}

// Plurals returns the CRDs' plural resource names, sorted.
func Plurals(crds []CRD) []string {
	out := make([]string, len(crds))
	for i, c := range crds {
		out[i] = c.Plural
	}
	slices.Sort(out)
	return out
}

// RoleName is the ClusterRole of a kind's editors ("editor") or viewers ("viewer").
func RoleName(c CRD, role string) string { return c.Singular + "-" + role + "-role" }

// Files returns every generated file, by path relative to config/.
func Files(crds []CRD) (map[string][]byte, error) {
	out := map[string][]byte{}
	var err error
	if out[CRDKustomize], err = render(crdKustomization, crds); err != nil {
		return nil, err
	}
	if out[AccessKustomization], err = render(accessKustomization, crds); err != nil {
		return nil, err
	}
	for _, c := range crds {
		for _, role := range []string{"editor", "viewer"} {
			path := filepath.Join(AccessDir, c.Singular+"_"+role+"_role.yaml")
			if out[path], err = render(accessRole, struct {
				CRD
				Role, Name string
			}{c, role, RoleName(c, role)}); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// Generate writes Files into configDir and removes the stray files of AccessDir (a kind
// that no longer exists).
func Generate(configDir string) error {
	crds, err := CRDs(configDir)
	if err != nil {
		return err
	}
	files, err := Files(crds)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(configDir, AccessDir), 0o755); err != nil {
		return err
	}
	strays, err := Strays(configDir, files)
	if err != nil {
		return err
	}
	return Write(configDir, files, strays)
}

// Write makes dir hold files (paths relative to dir; a file already current is left
// untouched) and removes strays, the generated files or folders of what no longer exists.
func Write(dir string, files map[string][]byte, strays []string) error {
	for _, s := range strays {
		if err := os.RemoveAll(filepath.Join(dir, s)); err != nil {
			return err
		}
	}
	for path, content := range files {
		path = filepath.Join(dir, path)
		if got, err := os.ReadFile(path); err == nil && bytes.Equal(got, content) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// Strays lists the files of AccessDir that files does not hold, relative to configDir.
func Strays(configDir string, files map[string][]byte) ([]string, error) {
	entries, err := os.ReadDir(filepath.Join(configDir, AccessDir))
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if p := filepath.Join(AccessDir, e.Name()); files[p] == nil {
			out = append(out, p)
		}
	}
	return out, nil
}

func render(t *template.Template, data any) ([]byte, error) {
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

const generated = "# Generated by `make manifests` (hack/kindconfig) from config/crd/bases: do not edit.\n"

var crdKustomization = template.Must(template.New("crd").Parse(generated + `# The CustomResourceDefinitions, generated into bases/ by controller-gen from the markers
# in api/v1alpha1. Rendered through config/default. No conversion or admission webhooks
# exist, so no patches and no kustomizeconfig.yaml.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
{{- range .}}
- bases/{{.File}}
{{- end}}
`))

var accessKustomization = template.Must(template.New("access").Parse(generated + `# Not used by the operator: ClusterRoles the cluster admin can bind (with a RoleBinding,
# per tenant namespace) to give people access to the custom resources, an editor and a
# viewer role per kind.
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
{{- range .}}
- {{.Singular}}_editor_role.yaml
- {{.Singular}}_viewer_role.yaml
{{- end}}
`))

var accessRole = template.Must(template.New("role").Parse(generated + `# Not used by the operator itself: for the cluster admin to bind (a RoleBinding per
# tenant namespace) to people who {{if eq .Role "editor"}}manage{{else}}only read{{end}} {{.Kind}} resources.
{{- if eq .Role "editor"}}
# Status is written only by the operator, so editors may read it but not change it.
{{- end}}
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  labels:
    app.kubernetes.io/name: mor-operator
    app.kubernetes.io/managed-by: kustomize
  name: {{.Name}}
rules:
- apiGroups:
  - ` + Group + `
  resources:
  - {{.Plural}}
  verbs:
{{- if eq .Role "editor"}}
  - create
  - delete
{{- end}}
  - get
  - list
{{- if eq .Role "editor"}}
  - patch
  - update
{{- end}}
  - watch
- apiGroups:
  - ` + Group + `
  resources:
  - {{.Plural}}/status
  verbs:
  - get
`))
