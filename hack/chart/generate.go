package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"path/filepath"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/mor-operator/mor-operator/internal/kindconfig"
)

// chartDir is where the chart lives, relative to the repository root.
const chartDir = "dist/chart"

// handWritten are the chart's files that are not generated; every other file under
// chartDir is, and the test fails when one differs from what generate writes.
var handWritten = []string{
	"Chart.yaml", ".helmignore", "README.md", "templates/_helpers.tpl", "templates/NOTES.txt",
}

// A place says where an object of the kustomize output goes in the chart and when it is
// rendered (a template condition; empty: always).
type place struct{ dir, cond string }

const (
	metricsOn   = "$.Values.metrics.enabled"
	clusterWide = "not $.Values.watchNamespaces"
)

// placement has every object of config/default and config/prometheus, by kind and name
// without the prefix, but the editor and viewer roles of each kind (kindPlacement): one
// the table lacks fails the generator, so a new object in config/ is placed on purpose. CRDs go to crd/ (crds.install), the Deployment to
// manager/.
var placement = map[string]place{
	"ServiceAccount/controller-manager":           {"rbac", ""},
	"Role/leader-election-role":                   {"rbac", ""},
	"RoleBinding/leader-election-rolebinding":     {"rbac", ""},
	"ClusterRole/manager-role":                    {"rbac", clusterWide},
	"ClusterRoleBinding/manager-rolebinding":      {"rbac", clusterWide},
	"ClusterRole/metrics-auth-role":               {"rbac", metricsOn},
	"ClusterRoleBinding/metrics-auth-rolebinding": {"rbac", metricsOn},
	"ClusterRole/metrics-reader":                  {"rbac", metricsOn},
	"Service/controller-manager-metrics-service":  {"metrics", metricsOn},
	"ServiceMonitor/controller-manager-metrics-monitor": {"prometheus",
		"and $.Values.metrics.enabled $.Values.serviceMonitor.enabled"},
	"PrometheusRule/alerts":       {"prometheus", "$.Values.prometheusRule.enabled"},
	"ConfigMap/grafana-dashboard": {"prometheus", "$.Values.dashboard.enabled"},
}

// withKinds adds to placement the roles config/rbac/access has per kind (generated from
// the CRDs, as the kinds are): a new kind needs no entry here.
func withKinds(root string, placement map[string]place) (map[string]place, error) {
	crds, err := kindconfig.CRDs(filepath.Join(root, "config"))
	if err != nil {
		return nil, err
	}
	out := maps.Clone(placement)
	for _, c := range crds {
		for _, role := range []string{"editor", "viewer"} {
			out["ClusterRole/"+kindconfig.RoleName(c, role)] = place{"rbac", ""}
		}
	}
	return out, nil
}

// extraLabels are the values maps of labels merged into an object's own.
var extraLabels = map[string]string{
	"ServiceMonitor/controller-manager-metrics-monitor": "$.Values.serviceMonitor.labels",
	"PrometheusRule/alerts":                             "$.Values.prometheusRule.labels",
	"ConfigMap/grafana-dashboard":                       "$.Values.dashboard.labels",
}

// selectors are the label selectors, and the pod labels they select (paths of fields),
// that must tell one release from another: shards in one namespace never select each
// other's pods.
var selectors = map[string][][]string{
	"Deployment":     {{"spec", "selector", "matchLabels"}, {"spec", "template", "metadata", "labels"}},
	"Service":        {{"spec", "selector"}},
	"ServiceMonitor": {{"spec", "selector", "matchLabels"}},
}

// generator holds what the templates are made of.
type generator struct {
	src       *sources
	names     map[string]bool // every object name carrying the prefix
	deploy    deploymentDefaults
	mainFlags map[string]string // manager flag name → usage, from main.go
}

// generate returns the chart's generated files by path relative to chartDir.
func generate(root string) (map[string][]byte, error) {
	src, err := loadSources(root)
	if err != nil {
		return nil, err
	}
	flags, err := mainFlags(root)
	if err != nil {
		return nil, err
	}
	g := &generator{src: src, names: map[string]bool{}, mainFlags: flags}
	for _, list := range [][]*unstructured.Unstructured{src.install, src.prometheus, src.watched} {
		for _, u := range list {
			if u.GetKind() != "Namespace" && strings.HasPrefix(u.GetName(), src.prefix) {
				g.names[u.GetName()] = true
			}
		}
	}

	files := map[string][]byte{}
	add := func(path, text string) error {
		if _, dup := files[path]; dup {
			return fmt.Errorf("two objects would be written to %s", path)
		}
		files[path] = []byte(text)
		return nil
	}
	placement, err := withKinds(root, placement)
	if err != nil {
		return nil, err
	}
	placed := map[string]bool{}
	for _, u := range append(slices.Clone(src.install), src.prometheus...) {
		key := u.GetKind() + "/" + strings.TrimPrefix(u.GetName(), src.prefix)
		var path, text string
		switch u.GetKind() {
		case "Namespace":
			continue // Helm installs into the release's namespace (--create-namespace)
		case "CustomResourceDefinition":
			path, text, err = g.crd(u)
		case "Deployment":
			path = "templates/manager/manager.yaml"
			text, err = g.deployment(u)
		default:
			p, ok := placement[key]
			if !ok {
				return nil, fmt.Errorf("%s %s is not placed in the chart: add it to placement in hack/chart", u.GetKind(), u.GetName())
			}
			placed[key] = true
			path = "templates/" + p.dir + "/" + strings.TrimPrefix(u.GetName(), src.prefix) + ".yaml"
			text, err = g.object(u, key, p.cond)
		}
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
		}
		if err := add(path, text); err != nil {
			return nil, err
		}
	}
	for _, key := range slices.Sorted(maps.Keys(placement)) {
		if !placed[key] {
			return nil, fmt.Errorf("placement lists %s, which config/ no longer renders", key)
		}
	}
	watched, err := g.watchedRBAC()
	if err != nil {
		return nil, err
	}
	if err := add("templates/rbac/watched-namespaces.yaml", watched); err != nil {
		return nil, err
	}
	if err := add("values.yaml", g.valuesYAML()); err != nil {
		return nil, err
	}
	schema, err := g.valuesSchema()
	if err != nil {
		return nil, err
	}
	if err := add("values.schema.json", schema); err != nil {
		return nil, err
	}
	return files, nil
}

// prepare copies an object with the source's facts replaced by markers: the namespace,
// prefixed names, Helm's labels instead of kustomize's, and {{ }} escaped.
func (g *generator) prepare(u *unstructured.Unstructured, t *templater) map[string]any {
	obj := rewrite(u.DeepCopy().Object, func(s string) string {
		switch {
		case s == g.src.namespace:
			return "__NS__"
		case s == watchedPlaceholder:
			return "__WATCHED__"
		case g.names[s]:
			return "__FULLNAME__-" + strings.TrimPrefix(s, g.src.prefix)
		}
		return escape.Replace(s)
	}).(map[string]any)
	md := obj["metadata"].(map[string]any)
	labels, _ := md["labels"].(map[string]any)
	if labels == nil {
		labels = map[string]any{}
	}
	delete(labels, "app.kubernetes.io/managed-by") // Helm's labels say it
	labels[t.block(includeBlock("mor-operator.labels"))] = ""
	md["labels"] = labels
	for _, path := range selectors[u.GetKind()] {
		sel := field(obj, path...)
		sel[t.block(includeBlock("mor-operator.selectorLabels"))] = ""
	}
	return obj
}

// object is a plain object: its file is the object, under its condition.
func (g *generator) object(u *unstructured.Unstructured, key, cond string) (string, error) {
	t := newTemplater()
	obj := g.prepare(u, t)
	if v, ok := extraLabels[key]; ok {
		field(obj, "metadata", "labels")[t.block(withLabels(v))] = ""
	}
	if u.GetKind() == "ConfigMap" { // the dashboard goes where Grafana's sidecar looks
		field(obj, "metadata")["namespace"] = "__DASHBOARD_NS__"
	}
	text, err := t.render(obj)
	return wrap(cond, text), err
}

// crd is a CRD under crds.install, kept on uninstall with crds.keep.
func (g *generator) crd(u *unstructured.Unstructured) (string, string, error) {
	t := newTemplater()
	obj := g.prepare(u, t)
	md := field(obj, "metadata")
	ann, _ := md["annotations"].(map[string]any)
	if ann == nil {
		ann = map[string]any{}
	}
	ann[t.block(func(int) string {
		return "{{- if $.Values.crds.keep }}\nhelm.sh/resource-policy: keep\n{{- end }}"
	})] = ""
	md["annotations"] = ann
	text, err := t.render(obj)
	return "templates/crd/" + u.GetName() + ".yaml", wrap("$.Values.crds.install", text), err
}

// watchedRBAC is the manager's Role and RoleBinding in each of watchNamespaces
// (config/namespaced/role), which replace its ClusterRole and ClusterRoleBinding.
func (g *generator) watchedRBAC() (string, error) {
	var out strings.Builder
	out.WriteString("{{- range $ns := $.Values.watchNamespaces }}\n")
	for _, u := range g.src.watched {
		t := newTemplater()
		obj := g.prepare(u, t) // the binding's subject stays in the release namespace
		text, err := t.render(obj)
		if err != nil {
			return "", err
		}
		out.WriteString("---\n" + text)
	}
	out.WriteString("{{- end }}\n")
	return out.String(), nil
}

// rewrite returns v with every string value (not map key) replaced by f's answer.
func rewrite(v any, f func(string) string) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = rewrite(e, f)
		}
	case []any:
		for i, e := range x {
			x[i] = rewrite(e, f)
		}
	case string:
		return f(x)
	}
	return v
}

// field returns the map at path, making it where missing.
func field(obj map[string]any, path ...string) map[string]any {
	for _, p := range path {
		next, ok := obj[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[p] = next
		}
		obj = next
	}
	return obj
}
