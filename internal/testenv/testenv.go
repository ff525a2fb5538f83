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
