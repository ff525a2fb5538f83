package controllers

import (
	"context"
	"math/rand/v2"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// releases wakes, when a server accepts our credentials again (a key rotated in the
// Secret before MOR, now rotated in MOR too), the resources of each kind that were
// waiting on them: each controller gets a channel source, and its handler requeues the
// server's resources Stalled with AuthenticationFailed, spread over the window the
// release gives. Their own retries are timed for the gate's next probe; the release
// brings them back as soon as a probe is accepted, whoever made it (a poll, the
// breaker's probe), and spread out rather than together.
type releases struct {
	chans []chan event.TypedGenericEvent[release]
}

type release struct {
	server types.NamespacedName
	spread time.Duration
}

// releaseBuffer is how many releases a controller that is not reading (not the leader)
// or behind keeps; later ones are dropped, and the resources' own retries remain.
const releaseBuffer = 64

// announce is the Resolver's Released hook. The channels are all made while the
// controllers are set up, before any MOR call.
func (r *releases) announce(server types.NamespacedName, spread time.Duration) {
	for _, ch := range r.chans {
		select {
		case ch <- event.TypedGenericEvent[release]{Object: release{server: server, spread: spread}}:
		default:
		}
	}
}

// source is one controller's share of the releases; waiting lists the server's
// resources of its kind.
func (r *releases) source(waiting func(ctx context.Context, server types.NamespacedName) []reconcile.Request) source.Source {
	ch := make(chan event.TypedGenericEvent[release], releaseBuffer)
	r.chans = append(r.chans, ch)
	return source.Channel(ch, handler.TypedFuncs[release, reconcile.Request]{
		GenericFunc: func(ctx context.Context, e event.TypedGenericEvent[release], q workqueue.TypedRateLimitingInterface[reconcile.Request]) {
			for _, req := range waiting(ctx, e.Object.server) {
				q.AddAfter(req, jitter(e.Object.spread))
			}
		},
	})
}

// waitingOnCredentials reports whether a resource's last reconcile met refused
// credentials.
func waitingOnCredentials(obj client.Object) bool {
	c := meta.FindStatusCondition(obj.(managed.Resource).ManagedStatus().Conditions, v1alpha1.ConditionStalled)
	return c != nil && c.Status == metav1.ConditionTrue && c.Reason == verdict.ReasonAuthenticationFailed
}

func jitter(window time.Duration) time.Duration {
	if window <= 0 {
		return 0
	}
	return rand.N(window)
}
