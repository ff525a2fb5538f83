// Package controllers wires one reconciler per kind into the manager. The reconcile loop
// itself is shared (internal/managed); each kind's *_adapter.go holds only how it
// connects to MOR and observes, creates, updates and deletes there.
package controllers

import (
	"context"
	"maps"
	"math/rand/v2"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	utilcache "k8s.io/apimachinery/pkg/util/cache"
	"k8s.io/client-go/util/workqueue"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/managed"
)

// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

const (
	// serverRefIndex indexes dependents by the MorServer they use (defaulted).
	serverRefIndex = "spec.serverRef.name"
	// secretIndex indexes MorServers by the Secrets they read.
	secretIndex = "morserver.secrets"
)

// Options configure every controller.
type Options struct {
	managed.Options
	// DefaultsReapplyInterval re-applies MorDefaults, whose drift MOR cannot show.
	DefaultsReapplyInterval time.Duration
	MaxConcurrentReconciles int
	// MaxBackoff caps the exponential backoff after transient errors.
	MaxBackoff time.Duration
	// ServerSelector, when set, makes this manager one shard of a fleet: it reconciles
	// only the MorServers it selects and the resources that use them, and leaves every
	// other resource untouched. The manager's cache must hold only those MorServers
	// (ShardCache).
	ServerSelector labels.Selector
}

// ShardCache restricts a manager's MorServer cache to its shard.
func ShardCache(o *cache.Options, selector labels.Selector) {
	if selector == nil || selector.Empty() {
		return
	}
	if o.ByObject == nil {
		o.ByObject = map[client.Object]cache.ByObject{}
	}
	o.ByObject[&v1alpha1.MorServer{}] = cache.ByObject{Label: selector}
}

// SetupWithManager registers the field indexes and one controller per kind.
func SetupWithManager(ctx context.Context, mgr ctrl.Manager, opts Options) error {
	for _, k := range kinds {
		for _, i := range k.indexes() {
			if err := mgr.GetFieldIndexer().IndexField(ctx, i.obj, i.field, i.value); err != nil {
				return err
			}
		}
	}
	rel := &releases{}
	resolver := &connection.Resolver{
		Servers: mgr.GetClient(),
		Secrets: mgr.GetAPIReader(),
		// the metadata-only Secret informer the watches start
		SecretMeta: mgr.GetCache(),
		// one event per server when its circuit breaker opens or closes
		Recorder: mgr.GetEventRecorder("mor-operator"),
		// the resources waiting on refused credentials, once they are accepted again
		Released: rel.announce,
		// names are resolved from lookups read once per poll round
		LookupsFreshFor: opts.PollInterval,
	}
	for _, k := range kinds {
		if err := k.setup(mgr, opts, resolver, rel); err != nil {
			return err
		}
	}
	return nil
}

// watcher maps events on MorServers and Secrets to the resources that use them, through
// the field indexes rather than lists of everything.
type watcher struct{ client client.Client }

func (w watcher) serversUsingSecret(ctx context.Context, secret client.Object) []reconcile.Request {
	var servers v1alpha1.MorServerList
	if err := w.client.List(ctx, &servers, client.InNamespace(secret.GetNamespace()),
		client.MatchingFields{secretIndex: secret.GetName()}); err != nil {
		return nil
	}
	out := make([]reconcile.Request, 0, len(servers.Items))
	for _, s := range servers.Items {
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: s.Namespace, Name: s.Name}})
	}
	return out
}

func (w watcher) dependents(list client.ObjectList) handler.MapFunc {
	return func(ctx context.Context, server client.Object) []reconcile.Request {
		return w.usersOf(ctx, list, server.GetNamespace(), server.GetName(), nil)
	}
}

func (w watcher) dependentsOfSecret(list client.ObjectList) handler.MapFunc {
	return func(ctx context.Context, secret client.Object) []reconcile.Request {
		var out []reconcile.Request
		for _, s := range w.serversUsingSecret(ctx, secret) {
			out = append(out, w.usersOf(ctx, list, s.Namespace, s.Name, nil)...)
		}
		return out
	}
}

// claimantsWatch requeues, when a resource is deleted, the others claiming the same MOR
// objects: the next oldest takes over at once.
func (w watcher) claimantsWatch(obj client.Object, list client.ObjectList, claims func(client.Object) []string) func(*builder.Builder) *builder.Builder {
	return func(b *builder.Builder) *builder.Builder {
		return b.Watches(obj, handler.EnqueueRequestsFromMapFunc(func(ctx context.Context, deleted client.Object) []reconcile.Request {
			var out []reconcile.Request
			for _, claim := range claims(deleted) {
				l := list.DeepCopyObject().(client.ObjectList)
				if err := w.client.List(ctx, l, client.InNamespace(deleted.GetNamespace()), client.MatchingFields{claimIndex: claim}); err != nil {
					continue
				}
				_ = meta.EachListItem(l, func(o runtime.Object) error {
					out = append(out, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(o.(client.Object))})
					return nil
				})
			}
			return out
		}), builder.WithPredicates(deletedOnly()))
	}
}

// usersOf lists the resources that use the server, those keep accepts (all if nil).
func (w watcher) usersOf(ctx context.Context, list client.ObjectList, namespace, server string, keep func(client.Object) bool) []reconcile.Request {
	l := list.DeepCopyObject().(client.ObjectList)
	if err := w.client.List(ctx, l, client.InNamespace(namespace), client.MatchingFields{serverRefIndex: server}); err != nil {
		return nil
	}
	var out []reconcile.Request
	_ = meta.EachListItem(l, func(o runtime.Object) error {
		obj := o.(client.Object)
		if keep != nil && !keep(obj) {
			return nil
		}
		out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}})
		return nil
	})
	return out
}

// userEdits passes an update of a resource when its spec (generation) or an annotation
// a person sets changed. The operator's own writes must not wake the resource again:
// status and the finalizer do not pass the predicates at all, and the create-pending
// record, added and dropped around a create MOR refused, is ignored here — waking on it
// re-sent the refused create at once, about 30 times a second.
func userEdits() predicate.Predicate {
	return predicate.Or(predicate.GenerationChangedPredicate{}, predicate.Funcs{
		UpdateFunc: func(e event.UpdateEvent) bool {
			return !maps.Equal(userAnnotations(e.ObjectOld), userAnnotations(e.ObjectNew))
		},
	})
}

// userAnnotations are obj's annotations but the operator's own.
func userAnnotations(obj client.Object) map[string]string {
	a := maps.Clone(obj.GetAnnotations())
	delete(a, v1alpha1.AnnotationCreatePending)
	return a
}

func deletedOnly() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		UpdateFunc:  func(event.UpdateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return true },
	}
}

// inShard skips the resources whose MorServer exists and is not in this manager's shard:
// another manager owns them. A MorServer missing altogether is not skipped, so that the
// resource reports it (or, deleted with deletionPolicy Orphan, lets go). The shard's
// cache holds only its own MorServers, so a miss is read live, and the answer "another
// shard's" is remembered a while: a shard started beside thousands of other shards'
// resources reads each foreign server once, not once per resource. (A server relabelled
// into this shard enters its cache, which is looked at first.) An API error skips
// nothing and decides nothing: the reconcile is retried. This is the one read of the
// MorServer outside its connection: it comes before the loop, which for another shard's
// resource must not start at all.
func inShard[T managed.Resource](cached, live client.Reader, selector labels.Selector) func(context.Context, T) (bool, error) {
	foreign := utilcache.NewLRUExpireCache(4096)
	return func(ctx context.Context, obj T) (bool, error) {
		key := types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.ServerName()}
		var s v1alpha1.MorServer
		if cached.Get(ctx, key, &s) == nil {
			return false, nil
		}
		if _, ok := foreign.Get(key); ok {
			return true, nil
		}
		if err := live.Get(ctx, key, &s); err != nil {
			return false, client.IgnoreNotFound(err)
		}
		if selector.Matches(labels.Set(s.Labels)) {
			return false, nil // ours, and about to enter the cache
		}
		foreign.Add(key, struct{}{}, foreignServerTTL)
		return true, nil
	}
}

// foreignServerTTL is how long "another shard's server" is believed without a read.
const foreignServerTTL = time.Minute

// jittered adds up to 10% to each backoff so resources failing together (a MOR outage)
// do not retry in lockstep.
type jittered struct {
	workqueue.TypedRateLimiter[reconcile.Request]
}

func (j jittered) When(item reconcile.Request) time.Duration {
	d := j.TypedRateLimiter.When(item)
	return d + rand.N(d/10+1)
}
