package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"

	"helm.sh/helm/v4/pkg/chart/v2/lint"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
)

func TestLint(t *testing.T) {
	for _, vs := range valueSets {
		linter := lint.RunAll(filepath.Join(repoRoot(t), chartDir), vs.valueMap(t), vs.namespace)
		for _, m := range linter.Messages {
			if m.Severity >= support.WarningSev {
				t.Errorf("%s: %s", vs.name, m)
			} else {
				t.Logf("%s: %s", vs.name, m)
			}
		}
	}
}

// TestValueSets renders each value set and checks what its values promise.
func TestValueSets(t *testing.T) {
	for _, vs := range valueSets {
		t.Run(vs.name, func(t *testing.T) {
			objs := renderSet(t, vs)
			t.Logf("%s: %s", vs.name, byKind(objs))
			prefix := vs.release + "-mor-operator-" // the fullname helper's rule
			if strings.Contains(vs.release, "mor-operator") {
				prefix = vs.release + "-"
			}
			namespaces := []string{vs.namespace}
			if dashboard, _, _ := unstructured.NestedString(vs.valueMap(t), "dashboard", "namespace"); dashboard != "" {
				namespaces = append(namespaces, dashboard)
			}
			watched, _, _ := unstructured.NestedStringSlice(vs.valueMap(t), "watchNamespaces")
			namespaces = append(namespaces, watched...)
			for _, o := range objs {
				if o.GetKind() != "CustomResourceDefinition" && !strings.HasPrefix(o.GetName(), prefix) {
					t.Errorf("%s %s: name lacks the release's prefix %s", o.GetKind(), o.GetName(), prefix)
				}
				if ns := o.GetNamespace(); ns != "" && !slices.Contains(namespaces, ns) {
					t.Errorf("%s %s in namespace %s", o.GetKind(), o.GetName(), ns)
				}
				if o.GetLabels()["app.kubernetes.io/instance"] != vs.release {
					t.Errorf("%s %s: no app.kubernetes.io/instance=%s label", o.GetKind(), o.GetName(), vs.release)
				}
			}
			args := managerArgs(t, objs)
			if !slices.Contains(args, "--leader-elect") {
				t.Errorf("args %v lack --leader-elect", args)
			}
			checks[vs.name](t, objs, args)
		})
	}
}

// checks are what each value set promises beyond the common checks.
var checks = map[string]func(t *testing.T, objs []*unstructured.Unstructured, args []string){
	"default": func(t *testing.T, objs []*unstructured.Unstructured, args []string) {
		for _, kind := range []string{"ServiceMonitor", "PrometheusRule", "ConfigMap"} {
			if slices.ContainsFunc(objs, func(o *unstructured.Unstructured) bool { return o.GetKind() == kind }) {
				t.Errorf("%s rendered without being enabled", kind)
			}
		}
		crd := find(objs, "CustomResourceDefinition", "morservers.mor.operator.dev")
		if crd == nil || crd.GetAnnotations()["helm.sh/resource-policy"] != "keep" {
			t.Error("CRD morservers not rendered with helm.sh/resource-policy: keep")
		}
	},
	"namespaced": func(t *testing.T, objs []*unstructured.Unstructured, args []string) {
		if !slices.Contains(args, "--watch-namespaces=tenant-a,tenant-b") {
			t.Errorf("args %v lack --watch-namespaces=tenant-a,tenant-b", args)
		}
		for _, ns := range []string{"tenant-a", "tenant-b"} {
			var role, binding bool
			for _, o := range objs {
				role = role || (o.GetKind() == "Role" && o.GetNamespace() == ns && o.GetName() == "mor-tenants-mor-operator-manager-role")
				binding = binding || (o.GetKind() == "RoleBinding" && o.GetNamespace() == ns)
			}
			if !role || !binding {
				t.Errorf("namespace %s: Role %v, RoleBinding %v, want both", ns, role, binding)
			}
		}
		for _, o := range objs {
			if o.GetKind() != "ClusterRole" {
				continue
			}
			var cr rbacv1.ClusterRole
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &cr); err != nil {
				t.Fatal(err)
			}
			for _, r := range cr.Rules {
				if slices.Contains(r.Resources, "secrets") || slices.Contains(r.Resources, "*") {
					t.Errorf("ClusterRole %s grants %v on %v in the namespaced mode", cr.Name, r.Verbs, r.Resources)
				}
			}
		}
		if find(objs, "ClusterRoleBinding", "mor-tenants-mor-operator-manager-rolebinding") != nil {
			t.Error("the manager's ClusterRoleBinding is rendered in the namespaced mode")
		}
	},
	"sharded": func(t *testing.T, objs []*unstructured.Unstructured, args []string) {
		if !slices.Contains(args, "--server-selector=mor.operator.dev/shard=eu") {
			t.Errorf("args %v lack --server-selector", args)
		}
		for _, o := range objs {
			if o.GetKind() == "CustomResourceDefinition" {
				t.Errorf("CRD %s rendered with crds.install=false", o.GetName())
			}
		}
		d := find(objs, "Deployment", "mor-operator-eu-controller-manager")
		sel, _, _ := unstructured.NestedStringMap(d.Object, "spec", "selector", "matchLabels")
		if sel["app.kubernetes.io/instance"] != "mor-operator-eu" {
			t.Errorf("selector %v does not tell this shard's pods from the others'", sel)
		}
	},
	"ha": func(t *testing.T, objs []*unstructured.Unstructured, args []string) {
		d := find(objs, "Deployment", "mor-ha-mor-operator-controller-manager")
		if n, _, _ := unstructured.NestedFloat64(d.Object, "spec", "replicas"); n != 2 {
			t.Errorf("replicas %v, want 2", n)
		}
		if _, ok, _ := unstructured.NestedMap(d.Object, "spec", "template", "spec", "affinity", "podAntiAffinity"); !ok {
			t.Error("affinity not rendered")
		}
	},
	"monitored": func(t *testing.T, objs []*unstructured.Unstructured, args []string) {
		sm := find(objs, "ServiceMonitor", "mor-monitored-mor-operator-controller-manager-metrics-monitor")
		rule := find(objs, "PrometheusRule", "mor-monitored-mor-operator-alerts")
		cm := find(objs, "ConfigMap", "mor-monitored-mor-operator-grafana-dashboard")
		if sm == nil || rule == nil || cm == nil {
			t.Fatalf("ServiceMonitor %v, PrometheusRule %v, dashboard ConfigMap %v: want all three", sm != nil, rule != nil, cm != nil)
		}
		for _, o := range []*unstructured.Unstructured{sm, rule} {
			if o.GetLabels()["release"] != "prometheus" {
				t.Errorf("%s lacks the extra label release=prometheus", o.GetKind())
			}
		}
		if cm.GetNamespace() != "monitoring" || cm.GetLabels()["grafana_dashboard"] != "1" {
			t.Errorf("dashboard ConfigMap in %q with labels %v", cm.GetNamespace(), cm.GetLabels())
		}
		// Prometheus's and Grafana's own {{ }} pass through Helm untouched.
		if !strings.Contains(toYAML(rule.Object), "{{ $labels.server }}") {
			t.Error("the alerts' {{ $labels.server }} did not survive Helm")
		}
		if data, _, _ := unstructured.NestedString(cm.Object, "data", "mor-operator.json"); !strings.Contains(data, `"{{method}}`) &&
			!strings.Contains(data, `{{server}} {{method}}`) {
			t.Error("the dashboard's legend {{ }} did not survive Helm")
		}
	},
	"tuned": func(t *testing.T, objs []*unstructured.Unstructured, args []string) {
		d := find(objs, "Deployment", "mor-tuned-mor-operator-controller-manager")
		containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
		c := containers[0].(map[string]any)
		if want := "registry.example.com/mor/mor-operator:v1.2.3@sha256:" + strings.Repeat("ab", 32); c["image"] != want {
			t.Errorf("image %v, want %s", c["image"], want)
		}
		for _, want := range []string{"--metrics-bind-address=0", "--poll-interval=5m", "--kube-api-qps=20.5",
			"--kube-api-burst=1000000", "--max-concurrent-reconciles=4", "--zap-log-level=debug"} {
			if !slices.Contains(args, want) {
				t.Errorf("args %v lack %s", args, want)
			}
		}
		for _, kind := range []string{"Service", "ServiceMonitor"} {
			if slices.ContainsFunc(objs, func(o *unstructured.Unstructured) bool { return o.GetKind() == kind }) {
				t.Errorf("%s rendered with metrics.enabled=false", kind)
			}
		}
		if find(objs, "ClusterRole", "mor-tuned-mor-operator-metrics-reader") != nil {
			t.Error("metrics RBAC rendered with metrics.enabled=false")
		}
		crd := find(objs, "CustomResourceDefinition", "morservers.mor.operator.dev")
		if _, keep := crd.GetAnnotations()["helm.sh/resource-policy"]; keep {
			t.Error("CRD kept with crds.keep=false")
		}
	},
}

// TestSchemaRefuses: values.schema.json turns away wrong values with their path named.
func TestSchemaRefuses(t *testing.T) {
	c := loadChart(t)
	for _, tt := range []struct{ name, values, want string }{
		{"replicas as a word", `replicas: two`, "replicas"},
		{"no replicas", `replicas: 0`, "replicas"},
		{"unknown key", `replica: 2`, "replica"},
		{"namespaces as a string", `watchNamespaces: tenant-a`, "watchNamespaces"},
		{"invalid namespace", `watchNamespaces: [Tenant_A]`, "watchNamespaces"},
		{"short digest", `image: {digest: "sha256:abc"}`, "digest"},
		{"tag with a colon", `image: {tag: "v1:2"}`, "tag"},
		{"duration in words", `manager: {pollInterval: ten minutes}`, "pollInterval"},
		{"zero workers", `manager: {maxConcurrentReconciles: 0}`, "maxConcurrentReconciles"},
		{"fractional burst", `manager: {kubeAPIBurst: 1.5}`, "kubeAPIBurst"},
		{"argument without dashes", `extraArgs: [zap-log-level=debug]`, "extraArgs"},
		{"ServiceMonitor without metrics", `{metrics: {enabled: false}, serviceMonitor: {enabled: true}}`, "metrics"},
		{"keep as a string", `crds: {keep: "yes"}`, "keep"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			vs := valueSet{name: tt.name, values: tt.values}
			_, err := render(c, "mor-operator", "mor-operator-system", vs.valueMap(t))
			if err == nil {
				t.Fatalf("values %s rendered", tt.values)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error does not name %s: %v", tt.want, err)
			}
		})
	}
}

// TestDefaultMatchesInstallYAML: the chart's default rendering holds the objects of
// dist/install.yaml (hack/build-installer.sh with the same image), each equal once what
// belongs to Helm is set aside: its labels, the instance label in selectors, the CRDs'
// keep annotation, and the Namespace (Helm installs into --namespace).
func TestDefaultMatchesInstallYAML(t *testing.T) {
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Skip("kubectl not installed: hack/build-installer.sh needs it")
	}
	root := repoRoot(t)
	out := filepath.Join(t.TempDir(), "install.yaml")
	cmd := exec.Command(filepath.Join(root, "hack", "build-installer.sh"), out)
	cmd.Env = append(os.Environ(), "IMG="+defaultRepository+":"+loadChart(t).Metadata.AppVersion)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build-installer.sh: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	install, err := decode(b)
	if err != nil {
		t.Fatal(err)
	}
	chartObjs := renderSet(t, valueSets[0])

	index := func(objs []*unstructured.Unstructured) map[string]map[string]any {
		m := map[string]map[string]any{}
		for _, o := range objs {
			if o.GetKind() == "Namespace" {
				continue
			}
			m[o.GetKind()+" "+o.GetNamespace()+"/"+o.GetName()] = withoutHelm(o.Object)
		}
		return m
	}
	want, got := index(install), index(chartObjs)
	for key, w := range want {
		g, ok := got[key]
		if !ok {
			t.Errorf("%s is in install.yaml, not in the chart", key)
			continue
		}
		if d := toYAML(w); d != toYAML(g) {
			t.Errorf("%s differs:\ninstall.yaml:\n%s\nchart:\n%s", key, d, toYAML(g))
		}
	}
	for key := range got {
		if _, ok := want[key]; !ok {
			t.Errorf("%s is in the chart, not in install.yaml", key)
		}
	}
	t.Logf("install.yaml: %s (the Namespace aside); chart: %s", byKind(install), byKind(chartObjs))
}

// withoutHelm is obj without what Helm or kustomize add of their own.
func withoutHelm(obj map[string]any) map[string]any {
	o := runtime.DeepCopyJSON(obj)
	drop := []string{"helm.sh/chart", "app.kubernetes.io/managed-by", "app.kubernetes.io/instance", "app.kubernetes.io/version"}
	for _, path := range [][]string{
		{"metadata", "labels"}, {"spec", "selector", "matchLabels"}, {"spec", "selector"},
		{"spec", "template", "metadata", "labels"},
	} {
		m, ok, _ := unstructured.NestedMap(o, path...)
		if !ok {
			continue
		}
		for _, k := range drop {
			delete(m, k)
		}
		if len(m) == 0 && path[len(path)-1] == "labels" {
			unstructured.RemoveNestedField(o, path...)
			continue
		}
		_ = unstructured.SetNestedMap(o, m, path...)
	}
	unstructured.RemoveNestedField(o, "metadata", "annotations", "helm.sh/resource-policy")
	return o
}
