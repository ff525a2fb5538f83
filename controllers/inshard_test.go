package controllers

import (
	"context"
	"errors"
	"testing"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/scheme"
)

// inShard: the shard's cache first; a miss read live once per foreign server; an API
// error decides nothing (retry), and a missing server is reported by the resource.
func TestInShard(t *testing.T) {
	server := func(name, shard string) *v1alpha1.MorServer {
		return &v1alpha1.MorServer{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: map[string]string{"shard": shard}}}
	}
	rule := func(serverName string) *v1alpha1.LocationRule {
		return &v1alpha1.LocationRule{ObjectMeta: metav1.ObjectMeta{Name: "r", Namespace: "ns"},
			Spec: v1alpha1.LocationRuleSpec{ServerRef: &v1alpha1.ServerReference{Name: serverName}}}
	}
	tests := []struct {
		name      string
		cached    []client.Object
		live      []client.Object
		liveErr   error
		server    string
		wantSkip  bool
		wantErr   bool
		liveReads int // over two calls
	}{
		{name: "in this shard's cache", cached: []client.Object{server("a", "one")}, server: "a"},
		{name: "another shard's: read once, then remembered", live: []client.Object{server("b", "two")}, server: "b", wantSkip: true, liveReads: 1},
		{name: "ours but not cached yet", live: []client.Object{server("c", "one")}, server: "c", liveReads: 2},
		{name: "missing: the resource reports it", server: "d", liveReads: 2},
		{name: "API error: retried, not decided", liveErr: errors.New("etcdserver: request timed out"), server: "e", wantErr: true, liveReads: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := NewWithT(t)
			cached := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(tt.cached...).Build()
			reads := 0
			live := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(tt.live...).WithInterceptorFuncs(interceptor.Funcs{
				Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
					reads++
					if tt.liveErr != nil {
						return tt.liveErr
					}
					return c.Get(ctx, key, obj, opts...)
				},
			}).Build()
			skip := inShard[*v1alpha1.LocationRule](cached, live, labels.SelectorFromSet(labels.Set{"shard": "one"}))
			for range 2 {
				got, err := skip(context.Background(), rule(tt.server))
				g.Expect(got).To(Equal(tt.wantSkip))
				g.Expect(err != nil).To(Equal(tt.wantErr), "err %v", err)
			}
			g.Expect(reads).To(Equal(tt.liveReads))
		})
	}
}
