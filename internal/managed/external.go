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
	// the spec's and the observed value: events and status.lastCorrection show them.
	Drift []v1alpha1.FieldDrift
}

// External is one kind's view of the outside world for one resource: the only place
// that calls it. Implementations record kind-specific status (ids, versions) on the
// resource they hold. Every External observes; what else it can do, it declares by
// implementing Creator, Updater and Deleter.
type External interface {
	Observe(ctx context.Context) (Observation, error)
}

// Creator makes the external thing and records its id in status; the reconciler
// persists status right after, before anything else can fail.
type Creator interface {
	Create(ctx context.Context) error
}

// Updater sends only the given parameters.
type Updater interface {
	Update(ctx context.Context, diff []string) error
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

// Finalizing is implemented by a Kind whose resources may hold something outside the
// cluster to delete: the loop holds its finalizer while they exist. Kinds without it
// need no external call on deletion.
type Finalizing interface {
	Finalizer() string
}
