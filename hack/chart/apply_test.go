package main

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	corev1 "k8s.io/api/core/v1"
	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/internal/testenv"
)

// applyOrder puts what others need first: CRDs, then the ServiceAccount and RBAC, then
// the workloads.
var applyOrder = []string{
	"CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding",
	"ConfigMap", "Service", "Deployment", "ServiceMonitor", "PrometheusRule",
}

// TestRenderingsApply server-side applies every value set's rendering to a real API
// server, each release with its own field manager as Helm would: the API server's
// validation (unknown fields, the CRDs' schemas) accepts all of it, and releases sharing
// a namespace (the default and a shard) do not write over each other. The Prometheus
// Operator's objects are checked against its Go types, strictly, since the test installs
// minimal CRDs for them.
func TestRenderingsApply(t *testing.T) {
	g := NewWithT(t)
	start := time.Now()
	cfg, env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	t.Logf("envtest started in %s", time.Since(start).Round(time.Millisecond))
	start = time.Now()
	defer func() { t.Logf("applied and checked in %s", time.Since(start).Round(time.Millisecond)) }()
	k8s, err := client.New(cfg, client.Options{})
	g.Expect(err).NotTo(HaveOccurred())
	ctx := context.Background()
	installPrometheusOperatorCRDs(ctx, t, k8s)

	type rendered struct {
		obj     *unstructured.Unstructured
		release string
	}
	applied := map[string]rendered{} // by kind namespace/name
	for _, vs := range valueSets {
		objs := renderSet(t, vs)
		slices.SortStableFunc(objs, func(a, b *unstructured.Unstructured) int {
			return slices.Index(applyOrder, a.GetKind()) - slices.Index(applyOrder, b.GetKind())
		})
		for _, o := range objs {
			if !slices.Contains(applyOrder, o.GetKind()) {
				t.Fatalf("%s: no apply order for kind %s", vs.name, o.GetKind())
			}
			if ns := o.GetNamespace(); ns != "" {
				createNamespace(ctx, t, k8s, ns)
			}
			checkPrometheusOperatorTypes(t, o)
			key := o.GetKind() + " " + o.GetNamespace() + "/" + o.GetName()
			if prev, ok := applied[key]; ok && o.GetKind() != "CustomResourceDefinition" {
				t.Errorf("%s: %s was rendered by release %s too", vs.name, key, prev.release)
			}
			applied[key] = rendered{o, vs.release}
			// Force: every release renders the same CRDs (in a cluster only one
			// installs them, crds.install=false in the others).
			err := k8s.Apply(ctx, client.ApplyConfigurationFromUnstructured(o.DeepCopy()),
				client.FieldOwner("helm-"+vs.release), client.ForceOwnership)
			if err != nil {
				t.Errorf("%s: applying %s: %v", vs.name, key, err)
			}
		}
		t.Logf("%s: %d objects applied", vs.name, len(objs))
	}

	// Each object is there, as its release wrote it.
	for key, r := range applied {
		if r.obj.GetKind() == "CustomResourceDefinition" {
			continue
		}
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(r.obj.GroupVersionKind())
		g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(r.obj), u)).To(Succeed(), key)
		g.Expect(u.GetLabels()).To(HaveKeyWithValue("app.kubernetes.io/instance", r.release), key)
	}
}

func createNamespace(ctx context.Context, t *testing.T, k8s client.Client, name string) {
	t.Helper()
	err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
	if err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
}

// installPrometheusOperatorCRDs installs CRDs for ServiceMonitor and PrometheusRule that
// accept any spec, and waits until they are served.
func installPrometheusOperatorCRDs(ctx context.Context, t *testing.T, k8s client.Client) {
	t.Helper()
	preserve := true
	for _, kind := range []struct{ kind, plural string }{
		{monitoringv1.ServiceMonitorsKind, monitoringv1.ServiceMonitorName},
		{monitoringv1.PrometheusRuleKind, monitoringv1.PrometheusRuleName},
	} {
		crd := &apiextv1.CustomResourceDefinition{
			ObjectMeta: metav1.ObjectMeta{Name: kind.plural + "." + monitoringv1.SchemeGroupVersion.Group},
			Spec: apiextv1.CustomResourceDefinitionSpec{
				Group: monitoringv1.SchemeGroupVersion.Group,
				Names: apiextv1.CustomResourceDefinitionNames{Kind: kind.kind, Plural: kind.plural},
				Scope: apiextv1.NamespaceScoped,
				Versions: []apiextv1.CustomResourceDefinitionVersion{{
					Name: monitoringv1.Version, Served: true, Storage: true,
					Schema: &apiextv1.CustomResourceValidation{OpenAPIV3Schema: &apiextv1.JSONSchemaProps{
						Type: "object", XPreserveUnknownFields: &preserve,
					}},
				}},
			},
		}
		if err := k8s.Create(ctx, crd); err != nil {
			t.Fatal(err)
		}
		NewWithT(t).Eventually(func() bool {
			got := &apiextv1.CustomResourceDefinition{}
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(crd), got); err != nil {
				return false
			}
			for _, c := range got.Status.Conditions {
				if c.Type == apiextv1.Established && c.Status == apiextv1.ConditionTrue {
					return true
				}
			}
			return false
		}, 30*time.Second, 50*time.Millisecond).Should(BeTrue(), crd.Name)
	}
}

// checkPrometheusOperatorTypes decodes a ServiceMonitor or PrometheusRule into the
// Prometheus Operator's types, refusing fields they lack.
func checkPrometheusOperatorTypes(t *testing.T, o *unstructured.Unstructured) {
	t.Helper()
	var into runtime.Object
	switch o.GetKind() {
	case monitoringv1.ServiceMonitorsKind:
		into = &monitoringv1.ServiceMonitor{}
	case monitoringv1.PrometheusRuleKind:
		into = &monitoringv1.PrometheusRule{}
	default:
		return
	}
	b, err := json.Marshal(o.Object)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		t.Errorf("%s %s is not a valid %s: %v", o.GetKind(), o.GetName(), o.GetKind(), err)
	}
}
