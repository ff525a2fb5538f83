package connection_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/scheme"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

func server(url string, allowHTTP bool) *v1alpha1.MorServer {
	return &v1alpha1.MorServer{
		ObjectMeta: metav1.ObjectMeta{Name: "default", Namespace: "ns", UID: "u1", Generation: 1},
		Spec: v1alpha1.MorServerSpec{
			URL: url, Username: "admin", AllowInsecureHTTP: allowHTTP,
			SecretKeyRef: v1alpha1.SecretKeySelector{Name: "key", Key: "secretKey"},
		},
	}
}

func secret(data map[string][]byte) *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "key", Namespace: "ns"}, Data: data}
}

// The client is rebuilt only when the server or its Secret changes, and while neither
// does, the Secret's data is not read at all.
func TestResolverReusesClientUntilSecretChanges(t *testing.T) {
	g := NewWithT(t)
	c := fake.NewClientBuilder().WithScheme(scheme.New()).
		WithObjects(server("https://mor.example", false), secret(map[string][]byte{"secretKey": []byte("k1")})).Build()
	secretReads := 0
	secrets := interceptor.NewClient(c, interceptor.Funcs{
		Get: func(ctx context.Context, cl client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*corev1.Secret); ok {
				secretReads++
			}
			return cl.Get(ctx, key, obj, opts...)
		},
	})
	r := &connection.Resolver{Servers: c, Secrets: secrets, SecretMeta: c}
	ctx := context.Background()

	first, err := r.Resolve(ctx, "ns", "default")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(secretReads).To(Equal(1))
	g.Expect(first.Server).To(Equal("default"))
	g.Expect(first.UID).To(BeEquivalentTo("u1"))
	g.Expect(first.Identity).To(Equal(connection.Identity{URL: "https://mor.example", Username: "admin"}))

	again, err := r.Resolve(ctx, "ns", "default")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(again.Client).To(BeIdenticalTo(first.Client))
	g.Expect(secretReads).To(Equal(1), "unchanged Secret: its data is not read again")

	s := &corev1.Secret{}
	g.Expect(c.Get(ctx, client.ObjectKey{Namespace: "ns", Name: "key"}, s)).To(Succeed())
	s.Data["secretKey"] = []byte("k2")
	g.Expect(c.Update(ctx, s)).To(Succeed())
	rotated, err := r.Resolve(ctx, "ns", "default")
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(rotated.Client).NotTo(BeIdenticalTo(first.Client))
	g.Expect(secretReads).To(Equal(2))
}

func TestResolverStalls(t *testing.T) {
	for _, tc := range []struct {
		name    string
		objs    []client.Object
		reason  string
		message string
	}{
		{"no server", nil, verdict.ReasonServerNotFound, `MorServer "default" not found in namespace "ns"`},
		{"no secret", []client.Object{server("https://mor.example", false)}, verdict.ReasonSecretNotFound, `Secret "key" not found in namespace "ns"`},
		{"no key in secret", []client.Object{server("https://mor.example", false), secret(map[string][]byte{"other": []byte("x")})},
			verdict.ReasonSecretNotFound, `Secret "key" has no key "secretKey"`},
		{"http refused", []client.Object{server("http://mor.example", false), secret(map[string][]byte{"secretKey": []byte("k")})},
			verdict.ReasonInvalidServer, `MorServer "default": http:// is refused unless spec.allowInsecureHTTP is true`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := NewWithT(t)
			c := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(tc.objs...).Build()
			r := &connection.Resolver{Servers: c, Secrets: c, SecretMeta: c}
			_, err := r.Resolve(context.Background(), "ns", "default")
			var stalled *verdict.StalledError
			g.Expect(errors.As(err, &stalled)).To(BeTrue(), "%v", err)
			g.Expect(stalled.Reason).To(Equal(tc.reason))
			g.Expect(stalled.Message).To(Equal(tc.message))
		})
	}
}

// When MOR accepts a key it refused before, the Resolver announces the server's release
// once, with a window to spread its waiting resources over (the gate's last backoff,
// at least the breaker's initial second).
func TestResolverAnnouncesRelease(t *testing.T) {
	g := NewWithT(t)
	sim := morsim.New(morsim.DefaultSeed())
	srv := httptest.NewServer(sim)
	defer srv.Close()
	c := fake.NewClientBuilder().WithScheme(scheme.New()).
		WithObjects(server(srv.URL+"/billing", true), secret(map[string][]byte{"secretKey": []byte("new-key")})).Build()
	type release struct {
		server types.NamespacedName
		spread time.Duration
	}
	var released []release
	r := &connection.Resolver{Servers: c, Secrets: c, SecretMeta: c,
		Released: func(server types.NamespacedName, spread time.Duration) {
			released = append(released, release{server, spread})
		}}
	ctx := context.Background()
	conn, err := r.Resolve(ctx, "ns", "default")
	g.Expect(err).NotTo(HaveOccurred())
	api := conn.Client

	var refusal verdict.Verdict // the breaker's first probe meets the refusal; then every call does
	g.Eventually(func() string { _, err := api.SystemVersion(ctx); refusal = verdict.Of(err); return refusal.Reason }).
		Should(Equal(verdict.ReasonAuthenticationFailed))
	g.Expect(refusal.After).To(BeNumerically("~", 2*time.Second, 500*time.Millisecond), "a refusal says when the next probe is")
	sim.SetAdminSecret("new-key")
	g.Eventually(func() error { _, err := api.SystemVersion(ctx); return err }, 5*time.Second, 50*time.Millisecond).Should(Succeed())
	_, err = api.SystemVersion(ctx)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(released).To(Equal([]release{{types.NamespacedName{Namespace: "ns", Name: "default"}, 2 * time.Second}}))
}
