package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"helm.sh/helm/v4/pkg/chart/common"
	commonutil "helm.sh/helm/v4/pkg/chart/common/util"
	chart "helm.sh/helm/v4/pkg/chart/v2"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	"helm.sh/helm/v4/pkg/engine"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"github.com/mor-operator/mor-operator/internal/testenv"
)

// repoRoot is the repository root (tests run in hack/chart).
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

var loaded struct {
	once  sync.Once
	chart *chart.Chart
	err   error
}

// loadChart loads dist/chart once per test binary; tests only read it.
func loadChart(t testing.TB) *chart.Chart {
	t.Helper()
	loaded.once.Do(func() { loaded.chart, loaded.err = loader.LoadDir(filepath.Join(repoRoot(t), chartDir)) })
	if loaded.err != nil {
		t.Fatal(loaded.err)
	}
	return loaded.chart
}

// A valueSet is one way to install the chart: a release, its namespace and values.
type valueSet struct {
	name, release, namespace string
	values                   string // YAML
}

// valueSets are the renderings every test checks; the envtest test applies them all.
// The sharded release shares the default one's namespace, as shards do.
var valueSets = []valueSet{
	{name: "default", release: "mor-operator", namespace: "mor-operator-system"},
	{name: "namespaced", release: "mor-tenants", namespace: "mor-tenants", values: `
watchNamespaces: [tenant-a, tenant-b]`},
	{name: "sharded", release: "mor-operator-eu", namespace: "mor-operator-system", values: `
serverSelector: mor.operator.dev/shard=eu
crds: {install: false}`},
	{name: "ha", release: "mor-ha", namespace: "mor-ha", values: `
replicas: 2
leaderElection: false # more than one replica turns it on anyway
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
    - weight: 100
      podAffinityTerm:
        topologyKey: kubernetes.io/hostname
        labelSelector:
          matchLabels: {app.kubernetes.io/instance: mor-ha}`},
	{name: "monitored", release: "mor-monitored", namespace: "mor-monitored", values: `
serviceMonitor: {enabled: true, labels: {release: prometheus}}
prometheusRule: {enabled: true, labels: {release: prometheus}}
dashboard: {enabled: true, namespace: monitoring}`},
	{name: "tuned", release: "mor-tuned", namespace: "mor-tuned", values: `
image: {repository: registry.example.com/mor/mor-operator, tag: v1.2.3, digest: "sha256:` + strings.Repeat("ab", 32) + `", pullPolicy: IfNotPresent}
imagePullSecrets: [{name: registry}]
metrics: {enabled: false}
crds: {keep: false}
resources: {requests: {cpu: 50m, memory: 128Mi}, limits: {memory: 512Mi}}
podSecurityContext: {runAsNonRoot: true, runAsUser: 65532, seccompProfile: {type: RuntimeDefault}}
nodeSelector: {kubernetes.io/os: linux}
tolerations: [{key: dedicated, operator: Equal, value: operators, effect: NoSchedule}]
manager:
  pollInterval: 5m
  minPollInterval: 1m30s
  defaultsReapplyInterval: 2h
  authRetryInterval: 10m
  serverGracePeriod: 2m
  maxBackoff: 2m
  reconcileTimeout: 90s
  maxConcurrentReconciles: 4
  kubeAPIQPS: 20.5
  kubeAPIBurst: 1000000
  leaderElectLeaseDuration: 30s
  leaderElectRenewDeadline: 20s
  leaderElectRetryPeriod: 4s
extraArgs: [--zap-log-level=debug]`},
}

func (vs valueSet) valueMap(t testing.TB) map[string]any {
	t.Helper()
	m := map[string]any{}
	if err := yaml.Unmarshal([]byte(vs.values), &m); err != nil {
		t.Fatalf("%s values: %v", vs.name, err)
	}
	return m
}

// render renders the chart as `helm template` would, in strict mode (a template reading
// a value that does not exist fails), after the schema check.
func render(c *chart.Chart, release, namespace string, values map[string]any) ([]*unstructured.Unstructured, error) {
	vals, err := commonutil.ToRenderValues(c, values,
		common.ReleaseOptions{Name: release, Namespace: namespace, IsInstall: true, Revision: 1}, nil)
	if err != nil {
		return nil, err
	}
	files, err := engine.Engine{Strict: true}.RenderWithContext(context.Background(), c, vals)
	if err != nil {
		return nil, err
	}
	var objs []*unstructured.Unstructured
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if !strings.HasSuffix(name, ".yaml") {
			continue // NOTES.txt, _helpers.tpl
		}
		docs, err := decode([]byte(files[name]))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		objs = append(objs, docs...)
	}
	return objs, nil
}

func renderSet(t testing.TB, vs valueSet) []*unstructured.Unstructured {
	t.Helper()
	objs, err := render(loadChart(t), vs.release, vs.namespace, vs.valueMap(t))
	if err != nil {
		t.Fatalf("rendering %s: %v", vs.name, err)
	}
	return objs
}

// decode splits a YAML stream into objects, skipping empty documents.
func decode(stream []byte) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	r := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(stream)))
	for {
		doc, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		u := &unstructured.Unstructured{}
		if err := yaml.Unmarshal(doc, &u.Object); err != nil {
			return nil, fmt.Errorf("%w\n%s", err, doc)
		}
		if len(u.Object) > 0 {
			out = append(out, u)
		}
	}
}

// byKind counts objects by kind, for the log.
func byKind(objs []*unstructured.Unstructured) string {
	n := map[string]int{}
	for _, o := range objs {
		n[o.GetKind()]++
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(n)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, n[k]))
	}
	return fmt.Sprintf("%d objects: %s", len(objs), strings.Join(parts, ", "))
}

func find(objs []*unstructured.Unstructured, kind, name string) *unstructured.Unstructured {
	for _, o := range objs {
		if o.GetKind() == kind && o.GetName() == name {
			return o
		}
	}
	return nil
}

// managerArgs are the manager container's arguments of a rendering's Deployment.
func managerArgs(t testing.TB, objs []*unstructured.Unstructured) []string {
	t.Helper()
	for _, o := range objs {
		if o.GetKind() != "Deployment" {
			continue
		}
		containers, _, _ := unstructured.NestedSlice(o.Object, "spec", "template", "spec", "containers")
		args, _, _ := unstructured.NestedStringSlice(containers[0].(map[string]any), "args")
		return args
	}
	t.Fatal("no Deployment rendered")
	return nil
}
