package managed

import (
	"context"
	"fmt"
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

// Observation is what Observe found in MOR.
type Observation struct {
	// Exists is false when the external thing is absent and should be created.
	Exists bool
	// Diff names the MOR parameters whose value differs from the spec.
	Diff []string
	// RequeueAfter, when set, shortens the next poll (e.g. a due re-apply).
	RequeueAfter time.Duration
	// Reapply marks a write made because drift cannot be observed (MorDefaults), not
	// because drift was seen.
	Reapply bool
}

// External is one kind's view of MOR for one resource: the only place that calls MOR.
// Implementations record kind-specific status (ids, versions) on the resource they hold.
type External interface {
	Observe(ctx context.Context) (Observation, error)
	// Create makes the external thing and records its id in status; the reconciler
	// persists status right after, before anything else can fail.
	Create(ctx context.Context) error
	// Update sends only the given MOR parameters.
	Update(ctx context.Context, diff []string) error
	// Delete removes the external thing, honouring the kind's deletion policy.
	Delete(ctx context.Context) error
}

// Kind binds a resource type to its External.
type Kind[T Resource] interface {
	// Name is the kind's name for metrics, events and logs.
	Name() string
	New() T
	// Connect returns the External for obj, talking to MOR through api.
	Connect(ctx context.Context, obj T, api MOR) (External, error)
	// Finalizer is the finalizer to hold while the external thing exists, or "" when
	// deleting the resource needs no MOR call.
	Finalizer() string
}

// StalledError stops progress until a person acts; Reason becomes the Stalled
// condition's reason.
type StalledError struct {
	Reason  string
	Message string
}

func (e *StalledError) Error() string { return fmt.Sprintf("%s: %s", e.Reason, e.Message) }

// Stalled returns a StalledError.
func Stalled(reason, format string, args ...any) error {
	return &StalledError{Reason: reason, Message: fmt.Sprintf(format, args...)}
}
