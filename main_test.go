package main

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
)

func TestLeaderElectionIDPerShard(t *testing.T) {
	ids := map[string]string{}
	for _, sel := range []string{"", "shard=a", "shard=b", "shard in (a,b)"} {
		parsed, err := labels.Parse(sel)
		if err != nil {
			t.Fatal(err)
		}
		id := leaderElectionID(parsed)
		if errs := validation.IsDNS1123Subdomain(id); len(errs) > 0 {
			t.Errorf("%q: lease name %q: %v", sel, id, errs)
		}
		if other, dup := ids[id]; dup {
			t.Errorf("selectors %q and %q share the lease %q", sel, other, id)
		}
		ids[id] = sel
	}
	if got := leaderElectionID(labels.Everything()); got != "mor-operator.mor.operator.dev" {
		t.Errorf("unsharded lease %q changed: a rolling upgrade would run two leaders", got)
	}
	a, _ := labels.Parse("tier=gold,shard=a")
	b, _ := labels.Parse("shard=a, tier=gold")
	if leaderElectionID(a) != leaderElectionID(b) {
		t.Errorf("one selector written two ways gets two leases")
	}
}

func TestTrimForCache(t *testing.T) {
	const key = "s3cr3t-api-key"
	applied := map[string]string{
		corev1.LastAppliedConfigAnnotation: `{"stringData":{"secretKey":"` + key + `"}}`,
		v1alpha1.AnnotationPaused:          "true",
	}
	meta := metav1.ObjectMeta{
		Name: "mor-api-key", Namespace: "ns", UID: "u1", ResourceVersion: "7", Labels: map[string]string{"a": "b"},
		Annotations: applied, ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl"}},
	}

	secret := &metav1.PartialObjectMetadata{ObjectMeta: *meta.DeepCopy()}
	got, err := trimForCache(secret)
	if err != nil {
		t.Fatal(err)
	}
	want := metav1.ObjectMeta{Name: "mor-api-key", Namespace: "ns", UID: "u1", ResourceVersion: "7"}
	if m := got.(*metav1.PartialObjectMetadata).ObjectMeta; !equalMeta(m, want) {
		t.Errorf("Secret metadata kept %+v, want identity only", m)
	}

	rule := &v1alpha1.LocationRule{ObjectMeta: *meta.DeepCopy()}
	got, err = trimForCache(rule)
	if err != nil {
		t.Fatal(err)
	}
	r := got.(*v1alpha1.LocationRule)
	if r.ManagedFields != nil {
		t.Errorf("managedFields kept")
	}
	if _, ok := r.Annotations[corev1.LastAppliedConfigAnnotation]; ok {
		t.Errorf("last-applied-configuration kept")
	}
	if r.Annotations[v1alpha1.AnnotationPaused] != "true" || r.Labels["a"] != "b" {
		t.Errorf("the annotations and labels the controllers read are gone: %v %v", r.Annotations, r.Labels)
	}
}

func equalMeta(a, b metav1.ObjectMeta) bool {
	return a.Name == b.Name && a.Namespace == b.Namespace && a.UID == b.UID && a.ResourceVersion == b.ResourceVersion &&
		a.Labels == nil && a.Annotations == nil && a.ManagedFields == nil
}
