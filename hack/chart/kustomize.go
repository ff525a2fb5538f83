package main

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// sources are the kustomize builds the chart is made of, as `kubectl kustomize` renders
// them.
type sources struct {
	namespace, prefix string // config/default's namespace and namePrefix
	// install is config/default: what dist/install.yaml holds.
	install []*unstructured.Unstructured
	// prometheus is config/prometheus with config/default's namespace and prefix.
	prometheus []*unstructured.Unstructured
	// watched is config/namespaced/role with config/default's prefix, rendered into the
	// namespace watchedPlaceholder: the manager's Role and RoleBinding in one watched
	// namespace.
	watched []*unstructured.Unstructured
}

// watchedPlaceholder stands for a namespace of watchNamespaces until templating.
const watchedPlaceholder = "watched-namespace"

// loadSources builds the kustomizations under root/config in memory: overlays that give
// config/prometheus and config/namespaced/role the namespace and prefix of config/default
// live only there, so the tree is never written to.
func loadSources(root string) (*sources, error) {
	fsys := filesys.MakeFsInMemory()
	configDir := filepath.Join(root, "config")
	err := filepath.WalkDir(configDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != configDir && strings.HasPrefix(d.Name(), ".") {
			return fs.SkipDir // e.g. build-installer.sh's overlay, there only while it runs
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return fsys.WriteFile(path.Join("/", filepath.ToSlash(rel)), b)
	})
	if err != nil {
		return nil, err
	}

	var def struct {
		Namespace  string `json:"namespace"`
		NamePrefix string `json:"namePrefix"`
	}
	b, err := fsys.ReadFile("/config/default/kustomization.yaml")
	if err != nil {
		return nil, err
	}
	if err := yaml.Unmarshal(b, &def); err != nil {
		return nil, fmt.Errorf("config/default/kustomization.yaml: %w", err)
	}
	if def.Namespace == "" || def.NamePrefix == "" {
		return nil, fmt.Errorf("config/default/kustomization.yaml: want a namespace and a namePrefix")
	}
	s := &sources{namespace: def.Namespace, prefix: def.NamePrefix}

	overlay := func(dir, namespace, base string) error {
		k := fmt.Sprintf("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"+
			"namespace: %s\nnamePrefix: %s\nresources:\n- %s\n", namespace, def.NamePrefix, base)
		return fsys.WriteFile(path.Join(dir, "kustomization.yaml"), []byte(k))
	}
	if err := overlay("/chart/prometheus", def.Namespace, "../../config/prometheus"); err != nil {
		return nil, err
	}
	if err := overlay("/chart/watched", watchedPlaceholder, "../../config/namespaced/role"); err != nil {
		return nil, err
	}
	for dir, dst := range map[string]*[]*unstructured.Unstructured{
		"/config/default": &s.install, "/chart/prometheus": &s.prometheus, "/chart/watched": &s.watched,
	} {
		if *dst, err = build(fsys, dir); err != nil {
			return nil, err
		}
	}
	return s, nil
}

func build(fsys filesys.FileSystem, dir string) ([]*unstructured.Unstructured, error) {
	m, err := krusty.MakeKustomizer(krusty.MakeDefaultOptions()).Run(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
	}
	var out []*unstructured.Unstructured
	for _, r := range m.Resources() {
		b, err := r.MarshalJSON()
		if err != nil {
			return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
		}
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(b); err != nil { // numbers as int64, as the API machinery has them
			return nil, fmt.Errorf("kustomize build %s: %w", dir, err)
		}
		out = append(out, u)
	}
	return out, nil
}
