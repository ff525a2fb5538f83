package controllers

import (
	"context"
	"errors"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/managed"
)

// kinds are the operator's kinds, each declared once in its *_adapter.go. Setup (the
// field indexes, the watches and the reconciler), the loop's ownership step and the
// test rig all read these descriptors; nothing else lists the kinds.
var kinds = []kindDescriptor{morServerKind, morDefaultsKind, didRateKind, locationRuleKind}

// kindDescriptor is what setup and the test rig ask of any kind's descriptor.
type kindDescriptor interface {
	object() client.Object
	indexes() []index
	setup(mgr ctrl.Manager, opts Options, conns Connections, rel *releases) error
}

// descriptor declares one kind: its types, the MOR objects its resources claim, what
// it follows, and its adapter. Indexes and watches follow from these.
type descriptor[T managed.Resource] struct {
	name    string
	newObj  func() T
	newList func() client.ObjectList
	// usesServer: the resources name a MorServer (spec.serverRef). They are indexed by
	// it and reconciled again when it or a Secret it reads changes.
	usesServer bool
	// claims names the MOR objects a resource writes, each owned by one resource at a
	// time (ownership.go); nil for a kind whose resources claim none. Resources are
	// indexed by their claims, and a deleted one hands its claims on at once.
	claims func(T) []string
	// finalizer, when set, is held while a resource may have something in MOR to delete.
	finalizer string
	// adapter builds the kind's MOR side for the manager's options.
	adapter func(opts Options) adapter[T]
	// extraIndexes and extraWatches are what only this kind needs.
	extraIndexes []index
	extraWatches func(*builder.Builder, watcher) *builder.Builder
}

// adapter is one kind's MOR side (its *_adapter.go): the External of a resource on the
// connection to its server. Every External embeds that connection (onServer).
type adapter[T managed.Resource] interface {
	connect(ctx context.Context, obj T, conn *connection.Connection) managed.External
}

// onServer is embedded by every External: the connection it was built on, which the
// loop's ownership step reads.
type onServer struct{ conn *connection.Connection }

func (o onServer) connection() *connection.Connection { return o.conn }

// index is one field index: obj's kind indexed by field.
type index struct {
	obj   client.Object
	field string
	value client.IndexerFunc
}

func (d *descriptor[T]) object() client.Object { return d.newObj() }

func (d *descriptor[T]) indexes() []index {
	var out []index
	if d.usesServer {
		out = append(out, index{d.newObj(), serverRefIndex, func(o client.Object) []string {
			return []string{o.(managed.Resource).ServerName()}
		}})
	}
	if d.claims != nil {
		out = append(out, index{d.newObj(), claimIndex, d.claimsOf})
	}
	return append(out, d.extraIndexes...)
}

func (d *descriptor[T]) claimsOf(o client.Object) []string { return d.claims(o.(T)) }

// kind is the managed.Kind of the descriptor: what the shared loop reconciles.
func (d *descriptor[T]) kind(opts Options, conns Connections, c client.Reader) managedKind[T] {
	return managedKind[T]{descriptor: d, adapter: d.adapter(opts), conns: conns, client: c}
}

// setup builds the kind's controller. Every kind follows its server's releases of
// refused credentials (released.go).
func (d *descriptor[T]) setup(mgr ctrl.Manager, opts Options, conns Connections, rel *releases) error {
	r := &managed.Reconciler[T]{
		Client:   mgr.GetClient(),
		Kind:     d.kind(opts, conns, mgr.GetClient()),
		Recorder: mgr.GetEventRecorder("mor-operator"),
		Options:  opts.Options,
	}
	if opts.ServerSelector != nil && !opts.ServerSelector.Empty() {
		r.Skip = inShard[T](mgr.GetClient(), mgr.GetAPIReader(), opts.ServerSelector)
	}
	b := ctrl.NewControllerManagedBy(mgr).
		Named(d.name).
		For(d.newObj(), builder.WithPredicates(userEdits())).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: opts.MaxConcurrentReconciles,
			RateLimiter: jittered{workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](
				time.Second, opts.MaxBackoff)},
		})
	w := watcher{client: mgr.GetClient()}
	if d.usesServer {
		b = b.Watches(&v1alpha1.MorServer{},
			handler.EnqueueRequestsFromMapFunc(w.dependents(d.newList())),
			builder.WithPredicates(predicate.GenerationChangedPredicate{})).
			WatchesMetadata(&corev1.Secret{}, handler.EnqueueRequestsFromMapFunc(w.dependentsOfSecret(d.newList()))).
			WatchesRawSource(rel.source(func(ctx context.Context, server types.NamespacedName) []reconcile.Request {
				return w.usersOf(ctx, d.newList(), server.Namespace, server.Name, waitingOnCredentials)
			}))
	} else { // a MorServer is its own server
		b = b.WatchesRawSource(rel.source(func(ctx context.Context, server types.NamespacedName) []reconcile.Request {
			obj := d.newObj()
			if w.client.Get(ctx, server, obj) != nil || !waitingOnCredentials(obj) {
				return nil
			}
			return []reconcile.Request{{NamespacedName: server}}
		}))
	}
	if d.claims != nil {
		b = w.claimantsWatch(d.newObj(), d.newList(), d.claimsOf)(b)
	}
	if d.extraWatches != nil {
		b = d.extraWatches(b, w)
	}
	return b.Complete(r)
}

// managedKind is a descriptor bound to its adapter and the server connections.
type managedKind[T managed.Resource] struct {
	*descriptor[T]
	adapter adapter[T]
	conns   Connections
	client  client.Reader // the other claimants, for ownership
}

func (k managedKind[T]) Name() string      { return k.name }
func (k managedKind[T]) New() T            { return k.newObj() }
func (k managedKind[T]) Finalizer() string { return k.finalizer }

// Connect resolves obj's MorServer once and builds the External on that connection.
func (k managedKind[T]) Connect(ctx context.Context, obj T) (managed.External, error) {
	conn, err := k.conns.Resolve(ctx, obj.GetNamespace(), obj.ServerName())
	if err != nil {
		return nil, err
	}
	return k.adapter.connect(ctx, obj, conn), nil
}

// Owns is the loop's ownership step: obj goes on only if it owns every MOR object it
// claims on the MOR it is connected to.
func (k managedKind[T]) Owns(ctx context.Context, obj T, ext managed.External) error {
	if k.claims == nil {
		return nil
	}
	on, ok := ext.(interface{ connection() *connection.Connection })
	if !ok {
		return errors.New(k.name + ": its External does not embed its connection (onServer)")
	}
	return ownership(ctx, k.client, on.connection(), k.name, obj, k.newList(), k.claims(obj))
}
