package config_test

import (
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"sigs.k8s.io/yaml"
)

var namespacedBuild struct {
	once sync.Once
	out  []byte
}

// renderNamespaced builds config/namespaced once per test binary.
func renderNamespaced(t *testing.T) rendered {
	t.Helper()
	if _, err := os.Stat("namespaced/kustomization.yaml"); err != nil {
		t.Fatal(err)
	}
	renderDefault(t) // skips without kubectl
	namespacedBuild.once.Do(func() { namespacedBuild.out = kubectlKustomize(t, "namespaced") })
	if namespacedBuild.out == nil {
		t.Fatal("config/namespaced did not render (see the first failing test)")
	}
	return decodeAll(t, namespacedBuild.out)
}

// watchedNamespaces is the --watch-namespaces list of the rendered manager.
func watchedNamespaces(t *testing.T, d *appsv1.Deployment) []string {
	t.Helper()
	for _, a := range d.Spec.Template.Spec.Containers[0].Args {
		if v, ok := strings.CutPrefix(a, "--watch-namespaces="); ok {
			ns := strings.Split(v, ",")
			slices.Sort(ns)
			return ns
		}
	}
	t.Fatalf("the manager's args %v lack --watch-namespaces", d.Spec.Template.Spec.Containers[0].Args)
	return nil
}

// The namespaced overlay: the manager watches a list of namespaces and has a Role in
// each of them, with exactly the rules of the generated manager ClusterRole, and no
// cluster-wide grant of Secrets (or of anything but the metrics auth reviews).
func TestNamespacedRBAC(t *testing.T) {
	r := renderNamespaced(t)
	d := find[*appsv1.Deployment](t, r, namespace, deployment)
	watched := watchedNamespaces(t, d)
	if len(watched) == 0 || slices.Contains(watched, "") {
		t.Fatalf("--watch-namespaces lists %q", watched)
	}

	// no ClusterRole grants Secrets; the manager is bound cluster-wide only to the
	// metrics auth role
	for _, cr := range all[*rbacv1.ClusterRole](r) {
		for _, pr := range cr.Rules {
			if slices.Contains(pr.APIGroups, "") && (slices.Contains(pr.Resources, "secrets") || slices.Contains(pr.Resources, "*")) {
				t.Errorf("ClusterRole %s grants Secrets: %+v", cr.Name, pr)
			}
		}
		if cr.Name == prefix+"manager-role" {
			t.Errorf("ClusterRole %s rendered: the namespaced install has Roles only", cr.Name)
		}
	}
	for _, crb := range all[*rbacv1.ClusterRoleBinding](r) {
		for _, s := range crb.Subjects {
			if s.Kind == rbacv1.ServiceAccountKind && s.Name == saName && crb.RoleRef.Name != prefix+"metrics-auth-role" {
				t.Errorf("ClusterRoleBinding %s binds the manager to %s cluster-wide", crb.Name, crb.RoleRef.Name)
			}
		}
	}

	// the generated rules, as a Role in each watched namespace and nowhere else
	generated := generatedRules(t)
	var roleNamespaces []string
	for _, role := range all[*rbacv1.Role](r) {
		if role.Name != prefix+"manager-role" {
			continue
		}
		roleNamespaces = append(roleNamespaces, role.Namespace)
		if !equalRules(role.Rules, generated) {
			t.Errorf("Role %s/%s rules differ from config/rbac/role.yaml (run make manifests)", role.Namespace, role.Name)
		}
		rb := find[*rbacv1.RoleBinding](t, r, role.Namespace, prefix+"manager-rolebinding")
		if rb.RoleRef.Kind != "Role" || rb.RoleRef.Name != role.Name ||
			len(rb.Subjects) != 1 || rb.Subjects[0].Kind != rbacv1.ServiceAccountKind ||
			rb.Subjects[0].Name != saName || rb.Subjects[0].Namespace != namespace {
			t.Errorf("RoleBinding %s/%s: roleRef %+v subjects %+v, want Role %s for ServiceAccount %s/%s",
				rb.Namespace, rb.Name, rb.RoleRef, rb.Subjects, role.Name, namespace, saName)
		}
	}
	slices.Sort(roleNamespaces)
	if !slices.Equal(roleNamespaces, watched) {
		t.Errorf("manager Roles in %v, --watch-namespaces %v: want the same namespaces", roleNamespaces, watched)
	}
	// leader election stays in the operator's own namespace
	find[*rbacv1.Role](t, r, namespace, prefix+"leader-election-role")
	find[*rbacv1.RoleBinding](t, r, namespace, prefix+"leader-election-rolebinding")
}

// The namespaced overlay's manager is as hardened as config/default's, and otherwise
// the same Deployment (the flag is the one difference).
func TestNamespacedDeployment(t *testing.T) {
	r := renderNamespaced(t)
	d := find[*appsv1.Deployment](t, r, namespace, deployment)
	checkHardened(t, d)
	def := find[*appsv1.Deployment](t, renderDefault(t), namespace, deployment)
	got := d.DeepCopy()
	args := got.Spec.Template.Spec.Containers[0].Args
	got.Spec.Template.Spec.Containers[0].Args = slices.DeleteFunc(slices.Clone(args), func(a string) bool {
		return strings.HasPrefix(a, "--watch-namespaces=")
	})
	a, _ := yaml.Marshal(got)
	b, _ := yaml.Marshal(def)
	if string(a) != string(b) {
		t.Errorf("the namespaced Deployment differs from config/default's beyond --watch-namespaces:\n%s\n---\n%s", a, b)
	}
}

// generatedRules are the rules controller-gen wrote to config/rbac/role.yaml.
func generatedRules(t *testing.T) []rbacv1.PolicyRule {
	t.Helper()
	b, err := os.ReadFile("rbac/role.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cr rbacv1.ClusterRole
	if err := yaml.UnmarshalStrict(b, &cr); err != nil {
		t.Fatal(err)
	}
	if len(cr.Rules) == 0 {
		t.Fatal("config/rbac/role.yaml has no rules")
	}
	return cr.Rules
}

func equalRules(a, b []rbacv1.PolicyRule) bool {
	return slices.EqualFunc(a, b, func(x, y rbacv1.PolicyRule) bool {
		return slices.Equal(x.APIGroups, y.APIGroups) && slices.Equal(x.Resources, y.Resources) &&
			slices.Equal(x.Verbs, y.Verbs) && slices.Equal(x.ResourceNames, y.ResourceNames) &&
			slices.Equal(x.NonResourceURLs, y.NonResourceURLs)
	})
}
