package controllers_test

import (
	"context"
	"net/http/httptest"
	"sort"
	"testing"

	. "github.com/onsi/gomega"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// grantsOf flattens rendered Roles/ClusterRoles to the (verb, group, resource) they grant.
func grantsOf(g Gomega, objs []*unstructured.Unstructured, name string) map[apiCall]bool {
	out := map[apiCall]bool{}
	for _, u := range objs {
		if u.GetName() != name {
			continue
		}
		var role rbacv1.ClusterRole // a Role's rules have the same shape
		g.Expect(runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, &role)).To(Succeed())
		for _, r := range role.Rules {
			for _, grp := range r.APIGroups {
				for _, res := range r.Resources {
					for _, v := range r.Verbs {
						out[apiCall{v, grp, res}] = true
					}
				}
			}
		}
	}
	g.Expect(out).NotTo(BeEmpty(), "no rules rendered for %s", name)
	return out
}

// unusedGrants are the rules of config/rbac that the scenario may not use, and why each
// stays. Every other grant must be used, so a grant that becomes unused must be looked
// at (removed, or explained here).
var unusedGrants = perKind(map[apiCall]string{
	// The manager reads the four kinds through its informer cache only (list/watch).
	// The one live GET is of a MorServer missing from a sharded manager's cache
	// (--server-selector: another shard's, or not there at all; controllers/setup.go
	// inShard), which this scenario's sharded manager sends only when a resource is
	// reconciled before its MorServer reached the cache. get on the other kinds: a user
	// reading RBAC expects "can read" to mean get/list/watch, and get shows nothing list
	// does not.
	// (each kind's get and list: perKind below)
	// client-go's informers (and the metadata-only Secret informer) start with a
	// streaming watch (WatchListClient, on by default since client-go 1.35: a watch with
	// sendInitialEvents) and fall back to list+watch when the API server cannot stream
	// (an older server, the feature off, some errors). The scenario only sees the watch.
	{"list", "", "secrets"}: "list fallback of WatchList",
	// Finalizers are written with patches of the LocationRule itself; this verb is
	// checked only by the OwnerReferencesPermissionEnforcement admission plugin (e.g.
	// OpenShift), which envtest does not run.
	{"update", "mor.operator.dev", "locationrules/finalizers"}: "admission plugin only",
	// client-go's event broadcasters patch an event only when an identical one (same
	// object at the same resourceVersion, same reason and action) is recorded again: an
	// event series. The operator writes status after every event, so this takes a
	// reconcile whose status write failed (a conflict) repeating its event; the scenario
	// does not force one. The same holds for the leader-election recorder's core events.
	{"patch", "events.k8s.io", "events"}: "event series only",
	{"patch", "", "events"}:              "event series only",
})

// perKind adds to unused each kind's get (cache only; a MorServer's only when sharded)
// and list (the fallback of WatchList), as explained above.
func perKind(unused map[apiCall]string) map[apiCall]string {
	for _, plural := range plurals {
		unused[apiCall{"get", v1alpha1.GroupVersion.Group, plural}] = "cache only"
		unused[apiCall{"list", v1alpha1.GroupVersion.Group, plural}] = "list fallback of WatchList"
	}
	unused[apiCall{"get", v1alpha1.GroupVersion.Group, "morservers"}] = "sharding only"
	return unused
}

// The manager run with nothing but the rendered RBAC (the manager ClusterRole and the
// leader-election Role, as the manager's ServiceAccount, leader election on) converges
// a scenario of all four kinds — create, update, delete with the finalizer, status,
// events, a rejection — with no request Forbidden; every request it sends is granted,
// and every grant is used except the few unusedGrants explains.
func TestRBACMatchesManagerCalls(t *testing.T) {
	m := appliedManifests(t)
	f := newFixture(t)
	ctx := context.Background()

	rec := newAPICalls()
	cfg := m.saConfig()
	cfg.Wrap(rec.wrap)
	const shard = "rbac"
	stop, err := startManager(cfg, shardLabel+"="+shard, true, func(o *ctrl.Options) {
		o.LeaderElection = true
		o.LeaderElectionID = f.ns + ".mor.operator.dev" // one per run: -count=N needs no lease expiry
		o.LeaderElectionNamespace = m.saNamespace
	})
	f.g.Expect(err).NotTo(HaveOccurred())
	cleanupManager(t, stop)

	sim := morsim.New(morsim.DefaultSeed())
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	server := &v1alpha1.MorServer{
		ObjectMeta: metav1.ObjectMeta{Name: "rbac", Labels: map[string]string{shardLabel: shard}},
		Spec: v1alpha1.MorServerSpec{URL: srv.URL + "/billing", Username: "admin", AllowInsecureHTTP: true,
			SecretKeyRef: v1alpha1.SecretKeySelector{Name: "mor-api-key", Key: "secretKey"}},
	}
	f.create(server)
	ref := &v1alpha1.ServerReference{Name: server.Name}

	d := newDIDRate(3)
	d.Spec.ServerRef = ref
	f.create(d)
	rejected := newDIDRate(4)
	rejected.Name = "rejected"
	rejected.Spec.ServerRef = ref
	rejected.Spec.OwnerTariffID = ptr(int64(999))
	f.create(rejected)
	md := newMorDefaults("rbac")
	md.Spec.ServerRef = ref
	f.create(md)
	lr := newLocationRule("rbac")
	lr.Spec.ServerRef = ref
	f.create(lr)

	f.waitReady(server)
	f.waitReady(d)
	f.waitReady(md)
	f.waitReady(lr)
	f.g.Expect(lr.Finalizers).NotTo(BeEmpty())
	f.waitCondition(rejected, v1alpha1.ConditionStalled, metav1.ConditionTrue, verdict.ReasonRejected)
	f.update(lr, func() { lr.Spec.DeviceID = ptr(int64(2)) })
	f.waitReady(lr)
	f.update(d, func() { d.Spec.AllowCallReject = ptr(false) })
	f.waitReady(d)
	f.g.Expect(k8s.Delete(ctx, lr)).To(Succeed())
	f.gone(lr) // the manager removed its finalizer
	f.g.Expect(sim.Snapshot().Rules).NotTo(ContainElement(HaveField("Name", "lt-rbac")))

	calls, forbidden := rec.snapshot()
	f.g.Expect(forbidden).To(BeEmpty(), "requests the rendered RBAC refused")

	granted := grantsOf(f.g, m.byKind["ClusterRole"], "mor-operator-manager-role")
	for c := range grantsOf(f.g, m.byKind["Role"], "mor-operator-leader-election-role") {
		granted[c] = true
	}
	for c := range calls {
		f.g.Expect(granted).To(HaveKey(c), "the manager sent %s, which no rule grants", c)
	}
	var unexplained, unused []string
	for c := range granted {
		if calls[c] > 0 {
			continue
		}
		unused = append(unused, c.String())
		if _, ok := unusedGrants[c]; !ok {
			unexplained = append(unexplained, c.String())
		}
	}
	for c := range unusedGrants {
		f.g.Expect(granted).To(HaveKey(c), "unusedGrants explains %s, which config/rbac no longer grants", c)
	}
	f.g.Expect(unexplained).To(BeEmpty(), "grants no request used and unusedGrants does not explain; calls:\n%v", sortedCalls(calls))
	sort.Strings(unused)
	t.Logf("%d grants: %d used by %d requests, %d unused and explained %v; calls:\n%v",
		len(granted), len(granted)-len(unused), total(calls), len(unused), unused, sortedCalls(calls))
}

func total(calls map[apiCall]int) int {
	n := 0
	for _, v := range calls {
		n += v
	}
	return n
}
