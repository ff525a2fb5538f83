package controllers_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
)

// restConfig is the envtest API server's admin config (set by TestMain).
var restConfig *rest.Config

// These tests take what `kubectl apply -k config/default` would send, apply the CRDs and
// RBAC to the envtest API server (its own validation, not a YAML linter's), then act as
// the manager's ServiceAccount to check that the RBAC grants what the manager does and
// nothing it must not.

const manifestsFieldOwner = "mor-operator-manifests-test"

type renderedManifests struct {
	byKind map[string][]*unstructured.Unstructured
	// sa is the manager's ServiceAccount (from the manager ClusterRoleBinding's subject).
	saNamespace, saName string
}

var (
	manifestsOnce sync.Once
	manifests     *renderedManifests
	manifestsErr  error
	manifestsSkip string
)

// appliedManifests renders config/default and applies it once per test process.
func appliedManifests(t *testing.T) *renderedManifests {
	t.Helper()
	requireEnvtest(t)
	manifestsOnce.Do(func() {
		kubectl, err := exec.LookPath("kubectl")
		if err != nil {
			manifestsSkip = "kubectl not installed: cannot render config/default"
			return
		}
		manifests, manifestsErr = renderAndApply(kubectl)
	})
	if manifestsSkip != "" {
		t.Skip(manifestsSkip)
	}
	if manifestsErr != nil {
		t.Fatal(manifestsErr)
	}
	return manifests
}

func renderAndApply(kubectl string) (*renderedManifests, error) {
	var stderr bytes.Buffer
	cmd := exec.Command(kubectl, "kustomize", filepath.Join("..", "config", "default"))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("kubectl kustomize ../config/default: %w\n%s", err, stderr.String())
	}
	byKind, err := decodeManifests(out)
	if err != nil {
		return nil, err
	}
	m := &renderedManifests{byKind: byKind}
	for _, b := range m.byKind["ClusterRoleBinding"] {
		var crb rbacv1.ClusterRoleBinding
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(b.Object, &crb); err != nil {
			return nil, err
		}
		if crb.RoleRef.Name == "mor-operator-manager-role" && len(crb.Subjects) == 1 {
			m.saNamespace, m.saName = crb.Subjects[0].Namespace, crb.Subjects[0].Name
		}
	}
	if m.saName == "" {
		return nil, errors.New("no ClusterRoleBinding binds mor-operator-manager-role to one ServiceAccount")
	}

	ctx := context.Background()
	strict := client.FieldValidation(metav1.FieldValidationStrict)
	// The namespace first: every namespaced object goes into it.
	for _, ns := range m.byKind["Namespace"] {
		if err := k8s.Create(ctx, ns.DeepCopy(), strict); err != nil {
			return nil, fmt.Errorf("Namespace %s: %w", ns.GetName(), err)
		}
	}
	// The suite installed the CRDs from config/crd/bases already: apply over them.
	for _, crd := range m.byKind["CustomResourceDefinition"] {
		if err := k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(crd.DeepCopy()),
			client.FieldOwner(manifestsFieldOwner), client.ForceOwnership); err != nil {
			return nil, fmt.Errorf("CustomResourceDefinition %s: %w", crd.GetName(), err)
		}
	}
	for _, kind := range []string{"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"} {
		for _, obj := range m.byKind[kind] {
			if err := k8s.Create(ctx, obj.DeepCopy(), strict); err != nil {
				return nil, fmt.Errorf("%s %s/%s: %w", kind, obj.GetNamespace(), obj.GetName(), err)
			}
		}
	}
	return m, nil
}

// decodeManifests splits a rendered YAML stream into objects by kind.
func decodeManifests(out []byte) (map[string][]*unstructured.Unstructured, error) {
	byKind := map[string][]*unstructured.Unstructured{}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(out), 4096)
	for {
		u := &unstructured.Unstructured{}
		if err := dec.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return byKind, nil
			}
			return nil, fmt.Errorf("decoding rendered manifests: %w", err)
		}
		if len(u.Object) > 0 {
			byKind[u.GetKind()] = append(byKind[u.GetKind()], u)
		}
	}
}

// TestInstallerApplies renders dist/install.yaml as `make build-installer` does (into a
// temporary file) and applies every object with server-side apply: all are accepted, and
// the Deployment runs the image IMG names, by tag or pinned by digest as `make release`
// writes it. It runs after config/default was applied by appliedManifests, so the objects
// exist and this apply takes them over.
func TestInstallerApplies(t *testing.T) {
	g := NewWithT(t)
	appliedManifests(t)
	const tagged = "registry.example.com:5000/mor/mor-operator:v1.2.3"
	var byKind map[string][]*unstructured.Unstructured
	for _, img := range []string{tagged, tagged + "@sha256:" + strings.Repeat("0a", 32)} {
		out := filepath.Join(t.TempDir(), "install.yaml")
		cmd := exec.Command(filepath.Join("..", "hack", "build-installer.sh"), out)
		cmd.Env = append(cmd.Environ(), "IMG="+img)
		b, err := cmd.CombinedOutput()
		g.Expect(err).NotTo(HaveOccurred(), string(b))
		rendered, err := os.ReadFile(out)
		g.Expect(err).NotTo(HaveOccurred())
		byKind, err = decodeManifests(rendered)
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(byKind["CustomResourceDefinition"]).To(HaveLen(len(crds)))
		g.Expect(byKind["Deployment"]).To(HaveLen(1))

		containers, _, _ := unstructured.NestedSlice(byKind["Deployment"][0].Object, "spec", "template", "spec", "containers")
		g.Expect(containers).To(ContainElement(HaveKeyWithValue("image", img)))
	}

	ctx := context.Background()
	n := 0
	for _, kind := range []string{"Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "Deployment"} {
		opts := []client.ApplyOption{client.FieldOwner("mor-operator-installer-test"), client.ForceOwnership}
		if kind == "Service" || kind == "Deployment" {
			// Not created by appliedManifests either: TestManifestsApply dry-run creates them.
			opts = append(opts, client.DryRunAll)
		}
		for _, obj := range byKind[kind] {
			g.Expect(k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(obj.DeepCopy()), opts...)).To(Succeed(), "%s %s", kind, obj.GetName())
			n++
		}
		delete(byKind, kind)
	}
	g.Expect(byKind).To(BeEmpty(), "kinds the test does not apply")
	g.Expect(n).To(BeNumerically(">", 20))
}

func TestManifestsApply(t *testing.T) {
	g := NewWithT(t)
	m := appliedManifests(t)
	ctx := context.Background()

	g.Expect(m.byKind["CustomResourceDefinition"]).To(HaveLen(len(crds)))
	g.Expect(m.byKind["ClusterRole"]).NotTo(BeEmpty())
	g.Expect(m.byKind["Role"]).NotTo(BeEmpty())
	g.Expect(m.byKind["RoleBinding"]).NotTo(BeEmpty())
	g.Expect(m.byKind["ServiceAccount"]).To(HaveLen(1))

	// The rendered CRDs apply over the ones the suite installed, now owned (in part) by
	// this field manager, and are Established.
	// (The suite's scheme has no apiextensions types: read as unstructured, convert.)
	getCRD := func(name string) (*apiextv1.CustomResourceDefinition, error) {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(apiextv1.SchemeGroupVersion.WithKind("CustomResourceDefinition"))
		if err := k8s.Get(ctx, client.ObjectKey{Name: name}, u); err != nil {
			return nil, err
		}
		crd := &apiextv1.CustomResourceDefinition{}
		return crd, runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, crd)
	}
	for _, r := range m.byKind["CustomResourceDefinition"] {
		crd, err := getCRD(r.GetName())
		g.Expect(err).NotTo(HaveOccurred())
		g.Expect(crd.ManagedFields).To(ContainElement(HaveField("Manager", manifestsFieldOwner)))
		g.Eventually(func() bool {
			crd, err := getCRD(r.GetName())
			if err != nil {
				return false
			}
			for _, c := range crd.Status.Conditions {
				if c.Type == apiextv1.Established && c.Status == apiextv1.ConditionTrue {
					return true
				}
			}
			return false
		}, testTimeout).Should(BeTrue(), r.GetName())
	}

	// Every other rendered object (the Deployment, the metrics Service) passes the API
	// server's validation too: a server-side dry run, strict about unknown fields.
	for kind, objs := range m.byKind {
		switch kind {
		case "Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding":
			continue
		}
		for _, obj := range objs {
			g.Expect(k8s.Create(ctx, obj.DeepCopy(), client.DryRunAll,
				client.FieldValidation(metav1.FieldValidationStrict))).To(Succeed(), "%s %s", kind, obj.GetName())
		}
	}

	// The Deployment runs as the ServiceAccount the RBAC binds.
	deployments := m.byKind["Deployment"]
	g.Expect(deployments).To(HaveLen(1))
	sa, _, _ := unstructured.NestedString(deployments[0].Object, "spec", "template", "spec", "serviceAccountName")
	g.Expect(sa).To(Equal(m.saName))
	g.Expect(deployments[0].GetNamespace()).To(Equal(m.saNamespace))
}

// saConfig is restConfig impersonating the manager's ServiceAccount.
func (m *renderedManifests) saConfig() *rest.Config {
	cfg := rest.CopyConfig(restConfig)
	cfg.Impersonate = rest.ImpersonationConfig{
		UserName: fmt.Sprintf("system:serviceaccount:%s:%s", m.saNamespace, m.saName),
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + m.saNamespace, "system:authenticated"},
	}
	return cfg
}

type access struct {
	verb, group, resource, subresource, namespace string
}

func (a access) String() string {
	r := a.resource
	if a.group != "" {
		r += "." + a.group
	}
	if a.subresource != "" {
		r += "/" + a.subresource
	}
	ns := a.namespace
	if ns == "" {
		ns = "<all namespaces>"
	}
	return a.verb + " " + r + " in " + ns
}

// can asks the API server, as the impersonated client, whether it may do a.
func can(ctx context.Context, c client.Client, a access) (bool, error) {
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Verb: a.verb, Group: a.group, Resource: a.resource, Subresource: a.subresource, Namespace: a.namespace,
		},
	}}
	if err := c.Create(ctx, review); err != nil {
		return false, err
	}
	return review.Status.Allowed, nil
}

func TestManagerServiceAccountLeastPrivilege(t *testing.T) {
	g := NewWithT(t)
	m := appliedManifests(t)
	ctx := context.Background()
	sa, err := client.New(m.saConfig(), client.Options{Scheme: scheme})
	g.Expect(err).NotTo(HaveOccurred())

	group := v1alpha1.GroupVersion.Group
	tenant := "some-tenant"
	var allowed, denied []access
	for _, ns := range []string{"", tenant} { // cluster-wide (the cache) and in one namespace
		for _, r := range plurals {
			for _, verb := range []string{"get", "list", "watch"} {
				allowed = append(allowed, access{verb, group, r, "", ns})
			}
			allowed = append(allowed,
				access{"patch", group, r, "status", ns},
			)
			denied = append(denied,
				access{"update", group, r, "status", ns}, // status is only merge-patched
				access{"create", group, r, "", ns},
				access{"delete", group, r, "", ns},
				access{"deletecollection", group, r, "", ns},
			)
		}
		for _, verb := range []string{"get", "list", "watch"} {
			allowed = append(allowed, access{verb, "", "secrets", "", ns})
		}
		allowed = append(allowed,
			access{"patch", group, "locationrules", "", ns}, // its finalizer and create record
			access{"update", group, "locationrules", "finalizers", ns},
			access{"create", "events.k8s.io", "events", "", ns},
			access{"patch", "events.k8s.io", "events", "", ns},
		)
		denied = append(denied,
			// spec of the kinds without a finalizer is never written
			access{"update", group, "morservers", "", ns},
			access{"update", group, "locationrules", "", ns}, // even its finalizer is patched
			access{"patch", group, "didrates", "", ns},
			access{"update", group, "mordefaults", "", ns},
			// Secrets are read, never written
			access{"create", "", "secrets", "", ns},
			access{"update", "", "secrets", "", ns},
			access{"patch", "", "secrets", "", ns},
			access{"delete", "", "secrets", "", ns},
			// nothing else
			access{"get", "", "configmaps", "", ns},
			access{"list", "", "pods", "", ns},
			access{"create", "", "pods", "", ns},
			access{"list", "events.k8s.io", "events", "", ns},
			access{"get", "coordination.k8s.io", "leases", "", ns},
			access{"create", "coordination.k8s.io", "leases", "", ns},
		)
	}
	// leader election, in the operator's namespace only
	allowed = append(allowed,
		access{"get", "coordination.k8s.io", "leases", "", m.saNamespace},
		access{"create", "coordination.k8s.io", "leases", "", m.saNamespace},
		access{"update", "coordination.k8s.io", "leases", "", m.saNamespace},
		access{"create", "", "events", "", m.saNamespace},
	)
	denied = append(denied,
		access{"delete", "coordination.k8s.io", "leases", "", m.saNamespace},
		access{"create", "", "events", "", tenant},
		access{"create", "rbac.authorization.k8s.io", "clusterrolebindings", "", ""},
		access{"escalate", "rbac.authorization.k8s.io", "clusterroles", "", ""},
		access{"impersonate", "", "serviceaccounts", "", ""},
		access{"create", "apiextensions.k8s.io", "customresourcedefinitions", "", ""},
	)
	for _, a := range allowed {
		ok, err := can(ctx, sa, a)
		g.Expect(err).NotTo(HaveOccurred(), a.String())
		g.Expect(ok).To(BeTrue(), "the manager's ServiceAccount must be allowed to %s", a)
	}
	for _, a := range denied {
		ok, err := can(ctx, sa, a)
		g.Expect(err).NotTo(HaveOccurred(), a.String())
		g.Expect(ok).To(BeFalse(), "the manager's ServiceAccount must not be allowed to %s", a)
	}
}

// The same, with real calls: what the manager does works as the ServiceAccount, what it
// must not do is Forbidden.
func TestManagerServiceAccountRealCalls(t *testing.T) {
	m := appliedManifests(t)
	f := newFixture(t)
	ctx := context.Background()
	sa, err := client.New(m.saConfig(), client.Options{Scheme: scheme})
	f.g.Expect(err).NotTo(HaveOccurred())

	// A resource nobody reconciles away from under us: paused.
	d := newDIDRate(1)
	d.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"}
	f.create(d)
	rule := newLocationRule("rbac")
	rule.Annotations = map[string]string{v1alpha1.AnnotationPaused: "true"}
	f.create(rule)

	// get and list the kinds and Secrets
	_, lists := kindObjects()
	for _, l := range append(lists, &corev1.SecretList{}) {
		f.g.Expect(sa.List(ctx, l)).To(Succeed(), "%T cluster-wide", l)
		f.g.Expect(sa.List(ctx, l, client.InNamespace(f.ns))).To(Succeed(), "%T in %s", l, f.ns)
	}
	secret := &corev1.Secret{}
	f.g.Expect(sa.Get(ctx, client.ObjectKey{Namespace: f.ns, Name: "mor-api-key"}, secret)).To(Succeed())
	f.g.Expect(secret.Data).To(HaveKey("secretKey"), "the live get reads the key")
	got := &v1alpha1.DIDRate{}
	f.g.Expect(sa.Get(ctx, client.ObjectKeyFromObject(d), got)).To(Succeed())

	// patch status
	f.g.Eventually(func() error {
		if err := sa.Get(ctx, client.ObjectKeyFromObject(d), got); err != nil {
			return err
		}
		before := got.DeepCopy()
		got.Status.DriftedFields = []string{"spec.rbacTest"}
		return sa.Status().Patch(ctx, got, client.MergeFrom(before))
	}, testTimeout).Should(Succeed())

	// add and remove a LocationRule finalizer (patched, as the manager does)
	lr := &v1alpha1.LocationRule{}
	f.g.Eventually(func() error {
		if err := sa.Get(ctx, client.ObjectKeyFromObject(rule), lr); err != nil {
			return err
		}
		before := lr.DeepCopy()
		lr.Finalizers = append(lr.Finalizers, "example.com/rbac-test")
		return sa.Patch(ctx, lr, client.MergeFrom(before))
	}, testTimeout).Should(Succeed())
	f.g.Eventually(func() error {
		if err := sa.Get(ctx, client.ObjectKeyFromObject(rule), lr); err != nil {
			return err
		}
		before := lr.DeepCopy()
		lr.Finalizers = nil
		return sa.Patch(ctx, lr, client.MergeFrom(before))
	}, testTimeout).Should(Succeed())

	// an events.k8s.io event about a resource
	now := metav1.NewMicroTime(time.Now())
	f.g.Expect(sa.Create(ctx, &eventsv1.Event{
		ObjectMeta:          metav1.ObjectMeta{Name: "rbac-test.1", Namespace: f.ns},
		EventTime:           now,
		ReportingController: "mor.operator.dev/mor-operator",
		ReportingInstance:   "mor-operator-test",
		Action:              "Update",
		Reason:              "Updated",
		Type:                corev1.EventTypeNormal,
		Note:                "updated in MOR: owner_tariff_id",
		Regarding: corev1.ObjectReference{
			APIVersion: v1alpha1.GroupVersion.String(), Kind: "DIDRate",
			Namespace: d.Namespace, Name: d.Name, UID: d.UID,
		},
	})).To(Succeed())

	forbidden := func(err error, what string) {
		t.Helper()
		f.g.Expect(apierrors.IsForbidden(err)).To(BeTrue(), "%s: want Forbidden, got %v", what, err)
	}
	forbidden(sa.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "mor-api-key"}}),
		"delete a Secret")
	forbidden(sa.Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "new"}}),
		"create a Secret")
	server := &v1alpha1.MorServer{
		ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: "rogue"},
		Spec: v1alpha1.MorServerSpec{
			URL: "https://mor.example.com/billing", Username: "admin",
			SecretKeyRef: v1alpha1.SecretKeySelector{Name: "mor-api-key", Key: "secretKey"},
		},
	}
	forbidden(sa.Create(ctx, server), "create a MorServer")
	forbidden(sa.Delete(ctx, &v1alpha1.DIDRate{ObjectMeta: metav1.ObjectMeta{Namespace: f.ns, Name: d.Name}}),
		"delete a DIDRate")
	f.g.Expect(sa.Get(ctx, client.ObjectKeyFromObject(d), got)).To(Succeed())
	got.Spec.OwnerTariffID = ptr(int64(5))
	forbidden(sa.Update(ctx, got), "update a DIDRate's spec")
	forbidden(sa.List(ctx, &corev1.ConfigMapList{}, client.InNamespace(f.ns)), "list ConfigMaps")

	// the Secret survived
	f.g.Expect(k8s.Get(ctx, client.ObjectKey{Namespace: f.ns, Name: "mor-api-key"}, &corev1.Secret{})).To(Succeed())
}

// The manager's informers sync as the ServiceAccount: the four kinds in full, Secrets as
// metadata only (how the manager watches them).
func TestManagerServiceAccountCacheSyncs(t *testing.T) {
	g := NewWithT(t)
	m := appliedManifests(t)
	c, err := cache.New(m.saConfig(), cache.Options{Scheme: scheme})
	g.Expect(err).NotTo(HaveOccurred())

	secretMeta := &metav1.PartialObjectMetadata{}
	secretMeta.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	objs, _ := kindObjects()
	for _, obj := range append(objs, secretMeta) {
		_, err := c.GetInformer(ctx, obj)
		g.Expect(err).NotTo(HaveOccurred(), "%T", obj)
	}
	done := make(chan error, 1)
	go func() { done <- c.Start(ctx) }()
	g.Expect(c.WaitForCacheSync(ctx)).To(BeTrue(), "informers did not sync as the ServiceAccount (RBAC?)")

	var servers v1alpha1.MorServerList
	g.Expect(c.List(ctx, &servers)).To(Succeed())
	var secrets metav1.PartialObjectMetadataList
	secrets.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("SecretList"))
	g.Expect(c.List(ctx, &secrets)).To(Succeed())
	cancel()
	g.Expect(<-done).To(Succeed())
}
