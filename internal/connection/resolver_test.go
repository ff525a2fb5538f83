package connection_test

import (
	"context"
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
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
