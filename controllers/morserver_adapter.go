package controllers

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/handler"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/managed"
)

// +kubebuilder:rbac:groups=mor.operator.dev,resources=morservers,verbs=get;list;watch
// +kubebuilder:rbac:groups=mor.operator.dev,resources=morservers/status,verbs=patch

// morServerAPI is what a MorServer asks of MOR.
type morServerAPI interface {
	SystemVersion(ctx context.Context) (string, error)
}

// morServerKind: a MorServer is probed with a signed system_version_get; it is only
// observed, never written. It is reconciled again when a Secret it reads changes.
var morServerKind = &descriptor[*v1alpha1.MorServer]{
	name:         "MorServer",
	newObj:       func() *v1alpha1.MorServer { return &v1alpha1.MorServer{} },
	newList:      func() client.ObjectList { return &v1alpha1.MorServerList{} },
	adapter:      func(Options) adapter[*v1alpha1.MorServer] { return morServerAdapter{} },
	extraIndexes: []index{{&v1alpha1.MorServer{}, secretIndex, secretsOf}},
	extraWatches: func(b *builder.Builder, w watcher) *builder.Builder {
		return b.WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(w.serversUsingSecret))
	},
}

// secretsOf names the Secrets a MorServer reads.
func secretsOf(o client.Object) []string {
	s := o.(*v1alpha1.MorServer)
	names := []string{s.Spec.SecretKeyRef.Name}
	if s.Spec.TLS != nil && s.Spec.TLS.CABundleSecretRef != nil {
		names = append(names, s.Spec.TLS.CABundleSecretRef.Name)
	}
	return names
}

type morServerAdapter struct{}

func (morServerAdapter) connect(_ context.Context, s *v1alpha1.MorServer, conn *connection.Connection) managed.External {
	return &morServerExternal{onServer: onServer{conn}, server: s, api: conn.Client}
}

type morServerExternal struct {
	onServer
	server *v1alpha1.MorServer
	api    morServerAPI
}

func (e *morServerExternal) Observe(ctx context.Context) (managed.Observation, error) {
	v, err := e.api.SystemVersion(ctx)
	if err != nil {
		return managed.Observation{}, err
	}
	return managed.Observation{Exists: true, Learned: managed.Learned{Version: v}}, nil
}
