package controllers_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

// Two managers with disjoint --server-selector shards: each reconciles only its own
// MorServers and their resources, and leaves the others' completely untouched.
func TestShardsAreDisjoint(t *testing.T) {
	f := newFixture(t)
	type shard struct {
		sim    *morsim.Server
		server *v1alpha1.MorServer
		did    *v1alpha1.DIDRate
	}
	shards := map[string]*shard{}
	for _, name := range []string{"a", "b"} {
		sh := &shard{sim: morsim.New(morsim.DefaultSeed())}
		srv := httptest.NewServer(sh.sim)
		t.Cleanup(srv.Close)
		sh.server = &v1alpha1.MorServer{
			ObjectMeta: metav1.ObjectMeta{Name: "shard-" + name, Labels: map[string]string{shardLabel: name}},
			Spec: v1alpha1.MorServerSpec{URL: srv.URL + "/billing", Username: "admin", AllowInsecureHTTP: true,
				SecretKeyRef: v1alpha1.SecretKeySelector{Name: "mor-api-key", Key: "secretKey"}},
		}
		sh.did = newDIDRate(3)
		sh.did.Name = "did-" + name
		sh.did.Spec.ServerRef = &v1alpha1.ServerReference{Name: sh.server.Name}
		f.create(sh.server)
		f.create(sh.did)
		shards[name] = sh
	}

	stopA, err := startManager(restConfig, shardLabel+"=a", true)
	f.g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(stopA)
	f.waitReady(shards["a"].did)
	f.waitReady(shards["a"].server)

	// shard b has no manager yet: neither the suite's nor shard a's touches it
	f.g.Consistently(func(g Gomega) {
		for _, o := range []client.Object{shards["b"].did, shards["b"].server} {
			g.Expect(k8s.Get(context.Background(), client.ObjectKeyFromObject(o), o)).To(Succeed())
			g.Expect(o.GetFinalizers()).To(BeEmpty())
		}
		g.Expect(shards["b"].did.Status.Conditions).To(BeEmpty(), "untouched: no status at all")
		g.Expect(shards["b"].server.Status.Conditions).To(BeEmpty())
		g.Expect(shards["b"].sim.Requests()).To(BeEmpty(), "no call to shard b's MOR")
	}, 3*time.Second, 100*time.Millisecond).Should(Succeed())

	stopB, err := startManager(restConfig, shardLabel+"=b", true)
	f.g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(stopB)
	f.waitReady(shards["b"].did)
	f.g.Expect(shards["b"].sim.Snapshot().DIDs[3].OwnerTariffID).To(Equal(int64(2)))
	f.g.Expect(shards["a"].sim.Snapshot().DIDs[3].OwnerTariffID).To(Equal(int64(2)))
}
