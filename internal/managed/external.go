package managed

import (
	"context"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
)

// Resource is what the shared reconciler needs of every kind.
type Resource interface {
	client.Object
	ManagedStatus() *v1alpha1.ResourceStatus
	ServerName() string
	ObserveOnly() bool
}

// Observation is what Observe found outside the cluster.
type Observation struct {
	// Exists is false when the external thing is absent and should be created.
	Exists bool
	// Diff names the external parameters whose value differs from the spec.
	Diff []string
	// Drift, when the External can read values back, gives each differing field with
	// the spec's and the observed value: events, status.lastCorrection and (for an
	// ObserveOnly resource) status.drift show them.
	Drift []v1alpha1.FieldDrift
	// Learned is what Observe found out for status. The loop records it even when
	// Observe then fails (an adopted rule found in the wrong location keeps its id).
	Learned Learned
}

// Learned is what an External found out that its resource's status keeps. Externals
// report it and the loop records it (record.go): no External writes status.
type Learned struct {
	// ID is the external thing's id when IDKnown; a nil ID with IDKnown means it has
	// none (it was deleted behind our back). Without IDKnown status keeps its id.
	ID      *int64
	IDKnown bool
	// Version is what the external system reports of itself ("": not read).
	Version string
	// Applied is the fingerprint of settings just written that cannot be read back;
	// it is recorded with the time, to tell when they are due again.
	Applied string
	// Resolved is what the spec's names stand for, when ResolvedKnown (nil: the spec
	// uses none). Without ResolvedKnown status keeps what it had.
	Resolved      []v1alpha1.ResolvedReference
	ResolvedKnown bool
}

// External is one kind's view of the outside world for one resource: the only place
// that calls it. It reports what it learned (Learned) rather than writing status.
// Every External observes; what else it can do, it declares by implementing Creator,
// Updater and Deleter.
type External interface {
	Observe(ctx context.Context) (Observation, error)
}

// Resolver is implemented by an External whose spec may name external objects rather
// than give their ids. After connecting, and before ownership and observing (which may
// need the ids), the loop has it resolve them and records what they stand for; a name
// that does not resolve stops the reconcile there, before anything is written.
type Resolver interface {
	Resolve(ctx context.Context) (Learned, error)
}

// Creator makes the external thing and reports its id; the reconciler persists status
// right after, before anything else can fail.
type Creator interface {
	Create(ctx context.Context) (Learned, error)
}

// Updater sends only the given parameters.
type Updater interface {
	Update(ctx context.Context, diff []string) (Learned, error)
}

// Deleter removes the external thing, honouring the kind's deletion policy. When there
// was nothing of the resource's to remove, it returns *NothingToDelete.
type Deleter interface {
	Delete(ctx context.Context) error
}

// NothingToDelete ends a deletion that found nothing of the resource's in MOR: the
// deletion is complete, and the event says what happened instead of "deleted in MOR".
type NothingToDelete struct {
	// Why, e.g. "it was never created".
	Why string
}

func (e *NothingToDelete) Error() string { return "nothing to delete in MOR: " + e.Why }

// Scheduler is implemented by an External that needs its next observation sooner than
// the poll interval (e.g. a re-apply falling due).
type Scheduler interface {
	NextObservation() time.Duration
}

// Reapplier is implemented by an External whose Update may be a blind re-apply of
// settings that cannot be read back; such a write is not drift correction.
type Reapplier interface {
	Reapplying() bool
}

// Orphaner is implemented by resources whose deletion policy may leave the external
// thing untouched.
type Orphaner interface{ Orphans() bool }

// Kind binds a resource type to its External.
type Kind[T Resource] interface {
	// Name is the kind's name for metrics, events and logs.
	Name() string
	New() T
	// Connect returns the External for obj: the kind finds its own server and
	// credentials, so the loop knows nothing of them.
	Connect(ctx context.Context, obj T) (External, error)
}

// Owning is implemented by a Kind whose resources may claim the same external thing as
// another resource: after connecting and before observing, the loop asks whether obj,
// connected through ext, owns everything it claims; an error (a Conflict verdict) stops
// the reconcile there. Ownership is the loop's step, so no External can forget it.
type Owning[T Resource] interface {
	Owns(ctx context.Context, obj T, ext External) error
}

// Finalizing is implemented by a Kind whose resources may hold something outside the
// cluster to delete: the loop holds its finalizer while they exist. Kinds without it
// need no external call on deletion.
type Finalizing interface {
	Finalizer() string
}
