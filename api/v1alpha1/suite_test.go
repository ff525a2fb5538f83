package v1alpha1_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	morscheme "github.com/mor-operator/mor-operator/internal/scheme"
	"github.com/mor-operator/mor-operator/internal/testenv"
)

// These tests install the generated CRDs into a real kube-apiserver (envtest) and check
// that the schema (OpenAPI and CEL rules) accepts and rejects what the API promises.
// No controller runs: only the API server's validation is under test.

var (
	k8s        client.Client
	restConfig *rest.Config
	scheme     = morscheme.New()
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {

	cfg, env, err := testenv.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := env.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "envtest stop:", err)
		}
	}()
	restConfig = cfg
	if k8s, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		fmt.Fprintln(os.Stderr, "client:", err)
		return 1
	}
	return m.Run()
}

// newNamespace creates a namespace of its own for one test.
func newNamespace(t *testing.T) string {
	t.Helper()
	name := testenv.NamespaceName(t.Name())
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	return name
}

func TestSmokeNamespace(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()
	name := newNamespace(t)

	var got corev1.Namespace
	g.Expect(k8s.Get(ctx, client.ObjectKey{Name: name}, &got)).To(Succeed())
	g.Expect(got.Name).To(Equal(name))
	g.Expect(got.UID).NotTo(BeEmpty())
}
