// Package testenv starts envtest's control plane (a real kube-apiserver and etcd) with the
// project's CRDs installed, for every test suite that needs one.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Start starts the control plane with config/crd/bases installed. The binaries come from
// $KUBEBUILDER_ASSETS or, when it is unset (a plain `go test`), from
// hack/envtest-assets.sh, as `make test` gets them.
func Start() (*rest.Config, *envtest.Environment, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, nil, err
	}
	assets := os.Getenv("KUBEBUILDER_ASSETS")
	if assets == "" {
		cmd := exec.Command(filepath.Join(root, "hack", "envtest-assets.sh"))
		cmd.Stderr = os.Stderr // a cold build takes minutes: show its progress
		out, err := cmd.Output()
		if err != nil {
			return nil, nil, fmt.Errorf("hack/envtest-assets.sh: %w", err)
		}
		assets = strings.TrimSpace(string(out))
	}
	env := &envtest.Environment{
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		BinaryAssetsDirectory: assets,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, nil, fmt.Errorf("envtest: %w", err)
	}
	return cfg, env, nil
}

// AdminKubeconfig returns a kubeconfig of a new cluster-admin user (system:masters)
// named name, for a process run against env (the manager, kubectl).
func AdminKubeconfig(env *envtest.Environment, name string) ([]byte, error) {
	user, err := env.AddUser(envtest.User{Name: name, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return nil, fmt.Errorf("adding user %s: %w", name, err)
	}
	kc, err := user.KubeConfig()
	if err != nil {
		return nil, fmt.Errorf("rendering the kubeconfig of %s: %w", name, err)
	}
	return kc, nil
}

// RepoRoot is the nearest directory above the working directory holding go.mod.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}

var nsSeq atomic.Int64

// NamespaceName returns a fresh, valid namespace name for a test.
func NamespaceName(testName string) string {
	name := fmt.Sprintf("t%d-%s", nsSeq.Add(1),
		strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(testName)))
	if len(name) > 63 {
		name = strings.TrimRight(name[:63], "-")
	}
	return name
}

// ServerObjects are what a test namespace needs to reach a MOR at baseURL (plain HTTP,
// a simulator): the namespace, the key's Secret and the default MorServer, to create in
// this order.
func ServerObjects(namespace, baseURL, key string) (*corev1.Namespace, *corev1.Secret, *v1alpha1.MorServer) {
	return &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: namespace}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mor-api-key", Namespace: namespace},
			StringData: map[string]string{"secretKey": key}},
		&v1alpha1.MorServer{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.DefaultServerName, Namespace: namespace},
			Spec: v1alpha1.MorServerSpec{URL: baseURL + "/billing", Username: "admin", AllowInsecureHTTP: true,
				SecretKeyRef: v1alpha1.SecretKeySelector{Name: "mor-api-key", Key: "secretKey"}}}
}
