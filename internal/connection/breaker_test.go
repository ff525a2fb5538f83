package connection_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/scheme"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// A server that goes down is held behind its breaker: its callers are refused at once
// with an Unavailable verdict while one probe at a time checks it; one Warning event
// and the mor_server_held gauge announce it, one Normal event its return.
func TestResolverBreaker(t *testing.T) {
	g := NewWithT(t)
	sim := morsim.New(morsim.DefaultSeed())
	srv := httptest.NewServer(sim)
	t.Cleanup(srv.Close)
	s := server(srv.URL+"/billing", true)
	burst := int32(1000)
	s.Spec.RateLimit = &v1alpha1.RateLimit{RequestsPerSecond: &burst, Burst: &burst} // not what is tested
	c := fake.NewClientBuilder().WithScheme(scheme.New()).
		WithObjects(s, secret(map[string][]byte{"secretKey": []byte(morsim.DefaultAdminSecret)})).Build()
	rec := events.NewFakeRecorder(10)
	r := &connection.Resolver{Servers: c, Secrets: c, SecretMeta: c, Recorder: rec}
	ctx := context.Background()
	api, err := r.Resolve(ctx, "ns", "default")
	g.Expect(err).NotTo(HaveOccurred())
	call := func() error { _, err := api.Client.SystemVersion(ctx); return err }
	sent := func() int { return len(sim.Requests()) }

	// the first call waits, quietly, for the first probe
	g.Expect(verdict.Of(call()).Retry).To(Equal(verdict.Defer))
	g.Eventually(call, 5*time.Second, 20*time.Millisecond).Should(Succeed())

	sim.SetFaults(morsim.Faults{Down: true})
	for range 3 { // three failures in a row open it
		g.Expect(call()).To(HaveOccurred())
	}
	g.Expect(rec.Events).To(Receive(ContainSubstring("Warning ServerUnavailable")))
	g.Expect(held(g, "ns/default")).To(Equal(1.0))
	before := sent()
	for range 50 {
		v := verdict.Of(call())
		g.Expect(v.Retry).To(Equal(verdict.RetryAfterDelay))
		g.Expect(v.Announced).To(BeTrue())
		g.Expect(v.Reason).To(BeEmpty(), "an outage is not Stalled")
		g.Expect(v.Message).To(HavePrefix("MOR server ns/default unavailable since "))
	}
	g.Expect(sent()-before).To(BeNumerically("<=", 1), "held calls send nothing; at most the probe went out")

	sim.SetFaults(morsim.Faults{})
	g.Eventually(call, 10*time.Second, 50*time.Millisecond).Should(Succeed())
	g.Expect(rec.Events).To(Receive(ContainSubstring("Normal ServerAvailable")))
	g.Expect(rec.Events).NotTo(Receive(), "one event each way")
	g.Expect(held(g, "ns/default")).To(Equal(0.0))

	// A refused key is an answer, not an outage: MOR's words, no hold.
	sim.SetAdminSecret("rotated-later")
	v := verdict.Of(call())
	g.Expect(v.Reason).To(Equal(verdict.ReasonAuthenticationFailed))
	g.Expect(rec.Events).NotTo(Receive())
}

func held(g Gomega, server string) float64 {
	families, err := ctrlmetrics.Registry.Gather()
	g.Expect(err).NotTo(HaveOccurred())
	for _, f := range families {
		if f.GetName() != "mor_server_held" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "server" && l.GetValue() == server {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	return -1
}
