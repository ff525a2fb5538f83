// Package config_test renders the kustomize configuration with kubectl's built-in
// kustomize and checks what comes out: every document decodes (strictly, into the
// Kubernetes types where they are known), the CRDs, the hardened manager Deployment,
// and RBAC that is complete, wired together and no wider than the operator needs.
// Applying the result to an API server is left to the envtest suites.
package config_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/mor-operator/mor-operator/internal/kindconfig"
)

const (
	namespace  = "mor-operator-system"
	prefix     = "mor-operator-"
	group      = "mor.operator.dev"
	deployment = prefix + "controller-manager"
	saName     = prefix + "controller-manager"
)

// crds are the operator's kinds, as the generated CRDs declare them.
var crds = func() []kindconfig.CRD {
	c, err := kindconfig.CRDs(".")
	if err != nil {
		panic(err)
	}
	return c
}()

var plurals = kindconfig.Plurals(crds)

// rendered is one kustomize build, indexed by kind and namespace/name.
type rendered struct {
	objects []runtime.Object
	raw     []*unstructured.Unstructured
}

func key(ns, name string) string { return ns + "/" + name }

func kubectlKustomize(t *testing.T, dir string) []byte {
	t.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed: cannot render the kustomize configuration")
	}
	var stderr bytes.Buffer
	cmd := exec.Command(kubectl, "kustomize", dir)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl kustomize %s: %v\n%s", dir, err, stderr.String())
	}
	return out
}

func newScheme(t *testing.T) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{
		corev1.AddToScheme, appsv1.AddToScheme, rbacv1.AddToScheme, apiextv1.AddToScheme,
	} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// decodeAll splits a multi-document YAML stream and decodes each document: into
// unstructured always, and strictly (unknown or duplicate fields are errors) into the
// typed object when the kind is a built-in one or a CRD.
func decodeAll(t *testing.T, stream []byte) rendered {
	t.Helper()
	scheme := newScheme(t)
	strict := json.NewSerializerWithOptions(json.DefaultMetaFactory, scheme, scheme,
		json.SerializerOptions{Yaml: true, Strict: true})
	var r rendered
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	for i := 0; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			t.Fatalf("document %d: %v\n%s", i, err, doc)
		}
		if u.GetAPIVersion() == "" || u.GetKind() == "" || u.GetName() == "" {
			t.Errorf("document %d has no apiVersion, kind or name:\n%s", i, doc)
			continue
		}
		r.raw = append(r.raw, u)
		gvk := u.GroupVersionKind()
		if !scheme.Recognizes(gvk) {
			r.objects = append(r.objects, u)
			continue
		}
		obj, _, err := strict.Decode(doc, nil, nil)
		if err != nil {
			t.Errorf("%s %s does not decode strictly: %v", gvk.Kind, u.GetName(), err)
			r.objects = append(r.objects, u)
			continue
		}
		r.objects = append(r.objects, obj)
	}
	if len(r.raw) == 0 {
		t.Fatal("kustomize rendered nothing")
	}
	return r
}

// all returns the rendered objects of type T.
func all[T runtime.Object](r rendered) []T {
	var out []T
	for _, o := range r.objects {
		if v, ok := o.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

func find[T interface {
	runtime.Object
	GetNamespace() string
	GetName() string
}](t *testing.T, r rendered, ns, name string) T {
	t.Helper()
	for _, o := range all[T](r) {
		if o.GetNamespace() == ns && o.GetName() == name {
			return o
		}
	}
	var zero T
	t.Fatalf("no %T %s rendered", zero, key(ns, name))
	return zero
}

var defaultBuild struct {
	once sync.Once
	out  []byte
}

// renderDefault builds config/default once per test binary (the tests only read it).
func renderDefault(t *testing.T) rendered {
	t.Helper()
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Skip("kubectl not installed: cannot render the kustomize configuration")
	}
	defaultBuild.once.Do(func() { defaultBuild.out = kubectlKustomize(t, "default") })
	if defaultBuild.out == nil {
		t.Fatal("config/default did not render (see the first failing test)")
	}
	return decodeAll(t, defaultBuild.out)
}

func TestDefaultRendersCRDs(t *testing.T) {
	r := renderDefault(t)
	var names []string
	for _, crd := range all[*apiextv1.CustomResourceDefinition](r) {
		names = append(names, crd.Name)
		if crd.Spec.Group != group || crd.Spec.Scope != apiextv1.NamespaceScoped {
			t.Errorf("CRD %s: group %q scope %q", crd.Name, crd.Spec.Group, crd.Spec.Scope)
		}
		if len(crd.Spec.Versions) != 1 || crd.Spec.Versions[0].Name != "v1alpha1" ||
			!crd.Spec.Versions[0].Served || !crd.Spec.Versions[0].Storage {
			t.Errorf("CRD %s: want one served storage version v1alpha1", crd.Name)
		} else if crd.Spec.Versions[0].Subresources == nil || crd.Spec.Versions[0].Subresources.Status == nil {
			t.Errorf("CRD %s: no status subresource", crd.Name)
		}
	}
	slices.Sort(names)
	var want []string
	for _, p := range plurals {
		want = append(want, p+"."+group)
	}
	if !slices.Equal(names, want) {
		t.Errorf("CRDs %v, want %v", names, want)
	}
}

func TestDefaultNamespaces(t *testing.T) {
	r := renderDefault(t)
	find[*corev1.Namespace](t, r, "", namespace)
	for _, u := range r.raw {
		ns := u.GetNamespace()
		if ns != "" && ns != namespace {
			t.Errorf("%s %s is in namespace %q, want %q", u.GetKind(), u.GetName(), ns, namespace)
		}
		if u.GetKind() != "CustomResourceDefinition" && u.GetKind() != "Namespace" &&
			!strings.HasPrefix(u.GetName(), prefix) {
			t.Errorf("%s %s lacks the name prefix %q", u.GetKind(), u.GetName(), prefix)
		}
		if u.GetKind() == "Secret" {
			t.Errorf("Secret %s rendered: no credentials belong in the manifests", u.GetName())
		}
	}
}

func TestDefaultDeployment(t *testing.T) {
	r := renderDefault(t)
	d := find[*appsv1.Deployment](t, r, namespace, deployment)
	pod := d.Spec.Template.Spec
	if pod.ServiceAccountName != saName {
		t.Errorf("serviceAccountName %q, want %q", pod.ServiceAccountName, saName)
	}
	find[*corev1.ServiceAccount](t, r, namespace, saName)

	if len(pod.Containers) != 1 || pod.Containers[0].Name != "manager" {
		t.Fatalf("want one container named manager, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	if c.Image != "controller:latest" {
		t.Errorf("image %q, want the placeholder controller:latest (set it with kustomize images)", c.Image)
	}
	if !slices.Equal(c.Command, []string{"/manager"}) {
		t.Errorf("command %v, want [/manager]", c.Command)
	}
	for _, arg := range []string{"--leader-elect", "--health-probe-bind-address=:8081", "--metrics-bind-address=:8443"} {
		if !slices.Contains(c.Args, arg) {
			t.Errorf("args %v lack %s", c.Args, arg)
		}
	}

	checkHardened(t, d)

	for name, probe := range map[string]*corev1.Probe{"/healthz": c.LivenessProbe, "/readyz": c.ReadinessProbe} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != name || probe.HTTPGet.Port.IntValue() != 8081 {
			t.Errorf("probe %s: want an HTTP GET of %s on port 8081, got %+v", name, name, probe)
		}
	}

	res := c.Resources
	for what, q := range map[string]struct{ got, want string }{
		"requests.cpu":    {res.Requests.Cpu().String(), "10m"},
		"requests.memory": {res.Requests.Memory().String(), "64Mi"},
		"limits.cpu":      {res.Limits.Cpu().String(), "500m"},
		"limits.memory":   {res.Limits.Memory().String(), "256Mi"},
	} {
		if q.got != q.want {
			t.Errorf("resources.%s = %s, want %s", what, q.got, q.want)
		}
	}
}

// checkHardened fails unless the manager pod runs as non-root with RuntimeDefault
// seccomp and its container has a read-only root filesystem, no privilege escalation,
// all capabilities dropped and no privilege: for every overlay that renders it.
func checkHardened(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Spec
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Error("pod securityContext.runAsNonRoot is not true")
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Error("pod securityContext.seccompProfile is not RuntimeDefault")
	}

	if len(pod.Containers) != 1 {
		t.Fatalf("want one container, got %d", len(pod.Containers))
	}
	c := pod.Containers[0]
	if sc := c.SecurityContext; sc == nil {
		t.Error("container has no securityContext")
	} else {
		if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
			t.Error("readOnlyRootFilesystem is not true")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			t.Error("allowPrivilegeEscalation is not false")
		}
		if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) ||
			len(sc.Capabilities.Add) != 0 {
			t.Error("capabilities: want drop [ALL] and nothing added")
		}
		if sc.Privileged != nil && *sc.Privileged {
			t.Error("privileged container")
		}
	}
}

func TestDefaultMetricsService(t *testing.T) {
	r := renderDefault(t)
	svc := find[*corev1.Service](t, r, namespace, prefix+"controller-manager-metrics-service")
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Name != "https" || svc.Spec.Ports[0].Port != 8443 ||
		svc.Spec.Ports[0].TargetPort.IntValue() != 8443 {
		t.Errorf("metrics Service ports %+v, want https 8443 -> 8443", svc.Spec.Ports)
	}
	d := find[*appsv1.Deployment](t, r, namespace, deployment)
	if len(svc.Spec.Selector) == 0 {
		t.Fatal("metrics Service has no selector")
	}
	for k, v := range svc.Spec.Selector {
		if d.Spec.Template.Labels[k] != v {
			t.Errorf("metrics Service selects %s=%s, which the manager pods do not carry", k, v)
		}
	}
}

// rule is one (apiGroup, resource) pair of a PolicyRule.
type rule struct{ group, resource string }

type grants map[rule][]string

// flatten expands rules to (apiGroup, resource) -> verbs. Wildcards are errors: they
// would grant whatever a future API adds.
func flatten(t *testing.T, role string, rules []rbacv1.PolicyRule) grants {
	t.Helper()
	g := grants{}
	for _, pr := range rules {
		if len(pr.NonResourceURLs) > 0 {
			t.Errorf("%s: unexpected nonResourceURLs %v", role, pr.NonResourceURLs)
			continue
		}
		for _, list := range [][]string{pr.APIGroups, pr.Resources, pr.Verbs} {
			if slices.Contains(list, "*") {
				t.Errorf("%s: wildcard in %+v", role, pr)
			}
		}
		for _, grp := range pr.APIGroups {
			for _, res := range pr.Resources {
				k := rule{grp, res}
				for _, v := range pr.Verbs {
					if !slices.Contains(g[k], v) {
						g[k] = append(g[k], v)
					}
				}
			}
		}
	}
	return g
}

// checkGrants fails on any verb beyond allowed and on any verb of required not granted.
func checkGrants(t *testing.T, role string, got, allowed, required grants) {
	t.Helper()
	for k, verbs := range got {
		for _, v := range verbs {
			if !slices.Contains(allowed[k], v) {
				t.Errorf("%s grants %q on %q/%q, beyond what the operator needs; if a controller "+
					"truly needs it, add it to the allowed list in config/config_test.go and say why "+
					"in config/rbac/kustomization.yaml", role, v, k.group, k.resource)
			}
		}
	}
	for k, verbs := range required {
		for _, v := range verbs {
			if !slices.Contains(got[k], v) {
				t.Errorf("%s lacks %q on %q/%q, which the operator needs", role, v, k.group, k.resource)
			}
		}
	}
}

func TestDefaultManagerRoleIsLeastPrivilege(t *testing.T) {
	r := renderDefault(t)
	role := find[*rbacv1.ClusterRole](t, r, "", prefix+"manager-role")

	// The exact set the controllers need (see config/rbac/kustomization.yaml for why);
	// everything in it is also required.
	want := grants{}
	for _, p := range plurals {
		want[rule{group, p}] = []string{"get", "list", "watch"}
		// status is only ever merge-patched (internal/managed), never read or replaced
		want[rule{group, p + "/status"}] = []string{"patch"}
	}
	// Only LocationRule carries a finalizer, so only it is updated (metadata only).
	want[rule{group, "locationrules"}] = []string{"get", "list", "watch", "patch"}
	want[rule{group, "locationrules/finalizers"}] = []string{"update"}
	want[rule{"", "secrets"}] = []string{"get", "list", "watch"}
	want[rule{"events.k8s.io", "events"}] = []string{"create", "patch"}
	// Core-API events come only from the leader-election recorder, in the operator's own
	// namespace: the namespaced leader-election Role covers them, not this ClusterRole.
	allowed, required := want, want

	checkGrants(t, role.Name, flatten(t, role.Name, role.Rules), allowed, required)
}

func TestDefaultLeaderElectionRole(t *testing.T) {
	r := renderDefault(t)
	role := find[*rbacv1.Role](t, r, namespace, prefix+"leader-election-role")
	want := grants{
		{"coordination.k8s.io", "leases"}: {"get", "create", "update"},
		{"", "events"}:                    {"create", "patch"},
	}
	checkGrants(t, role.Name, flatten(t, role.Name, role.Rules), want, want)
}

func TestDefaultMetricsRoles(t *testing.T) {
	r := renderDefault(t)
	auth := find[*rbacv1.ClusterRole](t, r, "", prefix+"metrics-auth-role")
	want := grants{
		{"authentication.k8s.io", "tokenreviews"}:        {"create"},
		{"authorization.k8s.io", "subjectaccessreviews"}: {"create"},
	}
	checkGrants(t, auth.Name, flatten(t, auth.Name, auth.Rules), want, want)

	reader := find[*rbacv1.ClusterRole](t, r, "", prefix+"metrics-reader")
	if len(reader.Rules) != 1 || !slices.Equal(reader.Rules[0].NonResourceURLs, []string{"/metrics"}) ||
		!slices.Equal(reader.Rules[0].Verbs, []string{"get"}) {
		t.Errorf("metrics-reader rules %+v, want GET /metrics only", reader.Rules)
	}
}

func TestDefaultUserRoles(t *testing.T) {
	r := renderDefault(t)
	for _, c := range crds {
		p := c.Plural
		editor := find[*rbacv1.ClusterRole](t, r, "", prefix+kindconfig.RoleName(c, "editor"))
		checkGrants(t, editor.Name, flatten(t, editor.Name, editor.Rules), grants{
			{group, p}:             {"create", "delete", "get", "list", "patch", "update", "watch"},
			{group, p + "/status"}: {"get"},
		}, grants{{group, p}: {"create", "delete", "get", "list", "patch", "update", "watch"}})

		viewer := find[*rbacv1.ClusterRole](t, r, "", prefix+kindconfig.RoleName(c, "viewer"))
		want := grants{{group, p}: {"get", "list", "watch"}, {group, p + "/status"}: {"get"}}
		checkGrants(t, viewer.Name, flatten(t, viewer.Name, viewer.Rules), want, want)
	}
}

// TestDefaultBindings: every binding points at a rendered role (so namePrefix was applied
// consistently) and at the manager's ServiceAccount, and the operator's own roles are all
// bound while the user-facing ones are not.
func TestDefaultBindings(t *testing.T) {
	r := renderDefault(t)
	bound := map[string]bool{}
	checkSubjects := func(binding string, subjects []rbacv1.Subject) {
		if len(subjects) != 1 || subjects[0].Kind != rbacv1.ServiceAccountKind ||
			subjects[0].Name != saName || subjects[0].Namespace != namespace {
			t.Errorf("%s: subjects %+v, want ServiceAccount %s", binding, subjects, key(namespace, saName))
		}
	}
	for _, b := range all[*rbacv1.ClusterRoleBinding](r) {
		if b.RoleRef.Kind != "ClusterRole" {
			t.Errorf("%s binds a %s", b.Name, b.RoleRef.Kind)
		}
		find[*rbacv1.ClusterRole](t, r, "", b.RoleRef.Name)
		checkSubjects(b.Name, b.Subjects)
		bound["ClusterRole/"+b.RoleRef.Name] = true
	}
	for _, b := range all[*rbacv1.RoleBinding](r) {
		if b.RoleRef.Kind != "Role" {
			t.Errorf("%s binds a %s", b.Name, b.RoleRef.Kind)
		}
		find[*rbacv1.Role](t, r, b.Namespace, b.RoleRef.Name)
		checkSubjects(b.Name, b.Subjects)
		bound["Role/"+b.RoleRef.Name] = true
	}
	for _, want := range []string{
		"ClusterRole/" + prefix + "manager-role",
		"ClusterRole/" + prefix + "metrics-auth-role",
		"Role/" + prefix + "leader-election-role",
	} {
		if !bound[want] {
			t.Errorf("%s is not bound to the manager", want)
		}
	}
	for name := range bound {
		if strings.HasSuffix(name, "-editor-role") || strings.HasSuffix(name, "-viewer-role") ||
			strings.HasSuffix(name, "-metrics-reader") {
			t.Errorf("%s is bound to the manager; it is meant for users or scrapers", name)
		}
	}
}

// TestPrometheusMonitor: config/prometheus renders on its own: a ServiceMonitor that,
// once prefixed like config/default would, scrapes the metrics Service over HTTPS with a
// bearer token, the alerts and the dashboard's ConfigMap (config/prometheus/*_test.go
// check what these say).
func TestPrometheusMonitor(t *testing.T) {
	mon := decodeAll(t, kubectlKustomize(t, "prometheus"))
	var kinds []string
	for _, u := range mon.raw {
		kinds = append(kinds, u.GetAPIVersion()+" "+u.GetKind())
	}
	slices.Sort(kinds)
	want := []string{"monitoring.coreos.com/v1 PrometheusRule", "monitoring.coreos.com/v1 ServiceMonitor", "v1 ConfigMap"}
	if !slices.Equal(kinds, want) {
		t.Fatalf("config/prometheus renders %v, want %v", kinds, want)
	}
	var sm map[string]any
	for _, u := range mon.raw {
		switch u.GetKind() {
		case "ServiceMonitor":
			sm = u.Object
		case "ConfigMap":
			if u.GetLabels()["grafana_dashboard"] != "1" {
				t.Errorf("ConfigMap %s lacks the grafana_dashboard label Grafana's sidecar looks for", u.GetName())
			}
		}
	}
	endpoints, _, _ := unstructured.NestedSlice(sm, "spec", "endpoints")
	if len(endpoints) != 1 {
		t.Fatalf("want one endpoint, got %d", len(endpoints))
	}
	ep, _ := endpoints[0].(map[string]any)
	port, _, _ := unstructured.NestedString(ep, "port")
	scheme, _, _ := unstructured.NestedString(ep, "scheme")
	token, _, _ := unstructured.NestedString(ep, "bearerTokenFile")
	path, _, _ := unstructured.NestedString(ep, "path")
	if port != "https" || scheme != "https" || path != "/metrics" ||
		token != "/var/run/secrets/kubernetes.io/serviceaccount/token" {
		t.Errorf("endpoint %v: want port https, scheme https, path /metrics, the pod's bearer token", ep)
	}
	selector, _, _ := unstructured.NestedStringMap(sm, "spec", "selector", "matchLabels")

	r := renderDefault(t)
	svc := find[*corev1.Service](t, r, namespace, prefix+"controller-manager-metrics-service")
	if len(selector) == 0 {
		t.Fatal("ServiceMonitor selects nothing")
	}
	for k, v := range selector {
		if svc.Labels[k] != v {
			t.Errorf("ServiceMonitor selects %s=%s, which the metrics Service does not carry", k, v)
		}
	}
	if len(svc.Spec.Ports) == 0 || svc.Spec.Ports[0].Name != port {
		t.Errorf("ServiceMonitor port %q is not the metrics Service's port", port)
	}
}

// TestKindConfigUpToDate: the per-kind files `make manifests` generates from the CRDs
// (internal/kindconfig) are current, and no stray role of a gone kind is left.
func TestKindConfigUpToDate(t *testing.T) {
	want, err := kindconfig.Files(crds)
	if err != nil {
		t.Fatal(err)
	}
	for path, data := range want {
		got, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s is not current (%v): run make manifests", path, err)
		}
	}
	strays, err := kindconfig.Strays(".", want)
	if err != nil {
		t.Fatal(err)
	}
	if len(strays) > 0 {
		t.Errorf("%v are not generated from any CRD: run make manifests", strays)
	}
}
