package controllers_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/testenv"
)

// namespacedRole renders config/namespaced and returns the manager Role and RoleBinding
// it installs in its first watched namespace.
func namespacedRole(t *testing.T, g Gomega) (*rbacv1.Role, *rbacv1.RoleBinding) {
	t.Helper()
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed: cannot render config/namespaced")
	}
	var stderr bytes.Buffer
	cmd := exec.Command(kubectl, "kustomize", filepath.Join("..", "config", "namespaced"))
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	g.Expect(err).NotTo(HaveOccurred(), stderr.String())
	byKind, err := decodeManifests(out)
	g.Expect(err).NotTo(HaveOccurred())
	convert := func(u *unstructured.Unstructured, into any) {
		g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, into)).To(Succeed())
	}
	var role *rbacv1.Role
	for _, u := range byKind["Role"] {
		if u.GetName() == "mor-operator-manager-role" {
			role = &rbacv1.Role{}
			convert(u, role)
			break
		}
	}
	g.Expect(role).NotTo(BeNil(), "config/namespaced renders no manager Role")
	for _, u := range byKind["RoleBinding"] {
		if u.GetNamespace() == role.Namespace && u.GetName() == "mor-operator-manager-rolebinding" {
			rb := &rbacv1.RoleBinding{}
			convert(u, rb)
			return role, rb
		}
	}
	t.Fatalf("config/namespaced renders no manager RoleBinding in %s", role.Namespace)
	return nil, nil
}

// The namespaced install in a real API server: a manager watching namespace a only
// (--watch-namespaces=a), whose identity has nothing but config/namespaced's Role and
// RoleBinding in a, converges a's resources of all four kinds with no request
// Forbidden, and never touches namespace b.
func TestNamespacedInstallConverges(t *testing.T) {
	f := newFixture(t) // namespace a
	ctx := context.Background()
	nsA := f.ns
	nsB := testenv.NamespaceName(t.Name() + "-b")
	f.create(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: nsB}})
	f.create(&corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "mor-api-key", Namespace: nsB},
		StringData: map[string]string{"secretKey": morsim.DefaultAdminSecret},
	})

	// config/namespaced's Role and RoleBinding, moved to namespace a and bound to this
	// test's own ServiceAccount (the suite's ServiceAccount has the ClusterRole of
	// config/default already).
	role, rb := namespacedRole(t, f.g)
	const sa = "namespaced-manager"
	role.ObjectMeta = metav1.ObjectMeta{Name: role.Name, Namespace: nsA}
	rb.ObjectMeta = metav1.ObjectMeta{Name: rb.Name, Namespace: nsA}
	rb.Subjects = []rbacv1.Subject{{Kind: rbacv1.ServiceAccountKind, Name: sa, Namespace: nsA}}
	f.create(role)
	f.create(rb)
	cfg := rest.CopyConfig(restConfig)
	cfg.Impersonate = rest.ImpersonationConfig{
		UserName: "system:serviceaccount:" + nsA + ":" + sa,
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + nsA, "system:authenticated"},
	}
	rec := newAPICalls()
	cfg.Wrap(rec.wrap)

	// Its own shard, so the suite's manager leaves these resources alone; the cache
	// confined to a as main.go's --watch-namespaces does.
	const shard = "namespaced"
	stop, err := startManager(cfg, shardLabel+"="+shard, true, func(o *ctrl.Options) {
		o.Cache.DefaultNamespaces = map[string]cache.Config{nsA: {}}
	})
	f.g.Expect(err).NotTo(HaveOccurred())
	cleanupManager(t, stop)

	type world struct {
		sim      *morsim.Server
		server   *v1alpha1.MorServer
		did      *v1alpha1.DIDRate
		defaults *v1alpha1.MorDefaults
		rule     *v1alpha1.LocationRule
	}
	worlds := map[string]*world{}
	for _, ns := range []string{nsA, nsB} {
		w := &world{sim: morsim.New(morsim.DefaultSeed())}
		srv := httptest.NewServer(w.sim)
		t.Cleanup(srv.Close)
		w.server = &v1alpha1.MorServer{
			ObjectMeta: metav1.ObjectMeta{Name: "ns", Namespace: ns, Labels: map[string]string{shardLabel: shard}},
			Spec: v1alpha1.MorServerSpec{URL: srv.URL + "/billing", Username: "admin", AllowInsecureHTTP: true,
				SecretKeyRef: v1alpha1.SecretKeySelector{Name: "mor-api-key", Key: "secretKey"}},
		}
		ref := &v1alpha1.ServerReference{Name: "ns"}
		w.did, w.defaults, w.rule = newDIDRate(3), newMorDefaults("ns"), newLocationRule("ns")
		w.did.Spec.ServerRef, w.defaults.Spec.ServerRef, w.rule.Spec.ServerRef = ref, ref, ref
		for _, o := range []client.Object{w.server, w.did, w.defaults, w.rule} {
			o.SetNamespace(ns)
			f.create(o)
		}
		worlds[ns] = w
	}

	a := worlds[nsA]
	f.waitReady(a.server)
	f.waitReady(a.did)
	f.waitReady(a.defaults)
	f.waitReady(a.rule)
	f.g.Expect(a.rule.Finalizers).NotTo(BeEmpty())
	f.update(a.rule, func() { a.rule.Spec.DeviceID = ptr(int64(2)) })
	f.waitReady(a.rule)
	f.g.Expect(k8s.Delete(ctx, a.rule)).To(Succeed())
	f.gone(a.rule)
	f.g.Expect(a.sim.Snapshot().Rules).NotTo(ContainElement(HaveField("Name", "lt-ns")))

	// b: no status, no finalizer, no call to its MOR
	b := worlds[nsB]
	f.g.Consistently(func(g Gomega) {
		for _, o := range []client.Object{b.server, b.did, b.defaults, b.rule} {
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(o), o)).To(Succeed())
			g.Expect(o.GetFinalizers()).To(BeEmpty(), "%T in b", o)
		}
		g.Expect(b.server.Status.Conditions).To(BeEmpty())
		g.Expect(b.did.Status.Conditions).To(BeEmpty())
		g.Expect(b.rule.Status.Conditions).To(BeEmpty())
		g.Expect(b.sim.Requests()).To(BeEmpty(), "no call to b's MOR")
	}, 2*time.Second, 100*time.Millisecond).Should(Succeed())

	calls, forbidden := rec.snapshot()
	f.g.Expect(forbidden).To(BeEmpty(), "requests the namespaced Role refused")
	t.Logf("namespace a converged, b untouched; %d requests, none Forbidden:\n%v", total(calls), sortedCalls(calls))
}
