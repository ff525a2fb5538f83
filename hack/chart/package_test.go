package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// TestPackage: make chart-package's archive carries the release's version, the given
// image defaults, renders, and is the same bytes when packaged again.
func TestPackage(t *testing.T) {
	root := repoRoot(t)
	digest := "sha256:" + strings.Repeat("0f", 32)
	o := packageOptions{version: "v1.2.3", repository: "registry.example.com/mor-operator", digest: digest}
	t.Setenv("SOURCE_DATE_EPOCH", "1700000000")
	var archives [][]byte
	for i := range 2 {
		o.out = filepath.Join(t.TempDir(), "release")
		path, err := packageChart(root, o)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(path) != "mor-operator-1.2.3.tgz" {
			t.Errorf("package %d is %s, want mor-operator-1.2.3.tgz", i, filepath.Base(path))
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		archives = append(archives, b)
	}
	if !bytes.Equal(archives[0], archives[1]) {
		t.Error("two packages of one tree differ")
	}

	c, err := loader.LoadArchive(bytes.NewReader(archives[0]))
	if err != nil {
		t.Fatal(err)
	}
	if c.Metadata.Version != "1.2.3" || c.Metadata.AppVersion != "v1.2.3" {
		t.Errorf("version %s, appVersion %s, want 1.2.3 and v1.2.3", c.Metadata.Version, c.Metadata.AppVersion)
	}
	objs, err := render(c, "mor-operator", "mor-operator-system", nil)
	if err != nil {
		t.Fatal(err)
	}
	d := find(objs, "Deployment", "mor-operator-controller-manager")
	containers, _, _ := unstructured.NestedSlice(d.Object, "spec", "template", "spec", "containers")
	if got, want := containers[0].(map[string]any)["image"], o.repository+"@"+digest; got != want {
		t.Errorf("image %v, want %s", got, want)
	}
	if l := d.GetLabels()["app.kubernetes.io/version"]; l != "v1.2.3" {
		t.Errorf("app.kubernetes.io/version %q, want v1.2.3", l)
	}

	for _, bad := range []packageOptions{
		{version: "1.2.3", out: t.TempDir()},
		{version: "v1.2", out: t.TempDir()},
		{version: "v1.2.3", out: t.TempDir(), digest: "sha256:short"},
	} {
		if _, err := packageChart(root, bad); err == nil {
			t.Errorf("packaged with %+v", bad)
		}
	}
}
