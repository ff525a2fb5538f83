// Package managed is the reconcile loop every kind shares: connect, check ownership,
// observe, create or update only what differs, and record the outcome in status. It knows Kubernetes and
// the External contract only; a kind says how it connects, observes, creates, updates
// and deletes, and errors say what they mean through package verdict.
package managed

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/metrics"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// Options are the manager-wide reconcile settings.
type Options struct {
	// PollInterval between observations of a resource in sync (±10% jitter).
	PollInterval time.Duration
	// AuthRetryInterval is the slow retry after the server refused our credentials; an
	// edit of the resources holding them retries at once.
	AuthRetryInterval time.Duration
	// MinPollInterval is the floor of a resource's poll-interval annotation, so that one
	// resource cannot spend its server's request budget (0: no floor).
	MinPollInterval time.Duration
	// ReconcileTimeout bounds one reconcile (0: unbounded), so no worker is held for
	// ever by a slow MOR or a slow API server.
	ReconcileTimeout time.Duration
	// ServerGracePeriod is how long after its creation a resource waits quietly for its
	// MorServer to be created before it is reported Stalled (0: no wait).
	ServerGracePeriod time.Duration
}

// statusWriteTimeout bounds the final status write of a reconcile.
const statusWriteTimeout = 10 * time.Second

// Reconciler reconciles one kind.
type Reconciler[T Resource] struct {
	Client   client.Client
	Kind     Kind[T]
	Recorder events.EventRecorder
	Options
	// Skip, when set, leaves a resource completely alone (no external call, no write):
	// another manager owns it.
	// An error skips this time and retries with backoff.
	Skip func(ctx context.Context, obj T) (bool, error)

	warnedPoll sync.Map // resource UID → poll-interval annotation value warned about
}

// Reconcile runs the steps in order; status is patched once at the end, and only when it
// changed.
func (r *Reconciler[T]) Reconcile(ctx context.Context, req ctrl.Request) (ctrl.Result, error) {
	if r.ReconcileTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.ReconcileTimeout)
		defer cancel()
	}
	obj := r.Kind.New()
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			metrics.Forget(r.Kind.Name(), req.String())
			return ctrl.Result{}, nil
		}
		return ctrl.Result{}, err
	}

	if r.Skip != nil {
		if skip, err := r.Skip(ctx, obj); skip || err != nil {
			return ctrl.Result{}, err
		}
	}

	// 1. Steps 2-9 decide the outcome; status is written once, after them.
	before := obj.DeepCopyObject().(T)
	result, err := r.reconcile(ctx, obj)
	// 9. Status holding the outcome spends the create-pending record, in the same write.
	if err == nil && ReadyForGeneration(obj) {
		spendCreateRecord(obj)
	}
	// The status write has its own short deadline: a reconcile cut off by its deadline
	// (a MOR that never answers) must still record why.
	writeCtx, cancelWrite := context.WithTimeout(context.WithoutCancel(ctx), statusWriteTimeout)
	defer cancelWrite()
	if perr := r.patchStatus(writeCtx, before, obj); perr != nil && err == nil {
		err = perr
	}
	if obj.GetDeletionTimestamp().IsZero() {
		metrics.SetReady(r.Kind.Name(), req.String(), ReadyForGeneration(obj))
	}
	return result, err
}

func (r *Reconciler[T]) reconcile(ctx context.Context, obj T) (ctrl.Result, error) {
	r.warnPollInterval(obj)

	// 2. Paused: no external call at all, deletion included.
	if obj.GetAnnotations()[v1alpha1.AnnotationPaused] == "true" {
		msg := "reconciliation paused by annotation " + v1alpha1.AnnotationPaused
		setReady(obj, false, v1alpha1.ReasonPaused, msg)
		setSynced(obj, false, v1alpha1.ReasonReconcilePaused, msg)
		setStalled(obj, "", "")
		return ctrl.Result{}, nil
	}

	// 3. Deleted: release the external thing, then the finalizer.
	if !obj.GetDeletionTimestamp().IsZero() {
		return r.delete(ctx, obj)
	}

	// 4. Connect.
	ext, err := r.Kind.Connect(ctx, obj)
	if err != nil {
		if result, waiting := r.waitForArrival(obj, err); waiting {
			return result, nil
		}
		return r.fail(ctx, obj, v1alpha1.ReasonUnavailable, err)
	}

	// 5. Resolve names, own, then observe.
	var moved []string
	if resolver, ok := ext.(Resolver); ok {
		learned, err := resolver.Resolve(ctx)
		moved = movedReferences(obj, learned)
		Record(obj, learned)
		if err != nil {
			return r.fail(ctx, obj, v1alpha1.ReasonUnavailable, err)
		}
	}
	if owning, ok := any(r.Kind).(Owning[T]); ok {
		if err := owning.Owns(ctx, obj, ext); err != nil {
			return r.fail(ctx, obj, v1alpha1.ReasonUnavailable, err)
		}
	}
	obs, err := ext.Observe(ctx)
	if err != nil {
		Record(obj, obs.Learned)
		return r.fail(ctx, obj, v1alpha1.ReasonUnavailable, err)
	}
	RecordObservation(obj, obs)

	// 6. Create what is missing. The finalizer and the create-pending record are
	// persisted first, in one write: a crash after MOR's create leaves a resource that
	// may claim the new thing by identity, and only such a resource may.
	if !obs.Exists {
		if obj.ObserveOnly() {
			return r.reportObserved(obj, v1alpha1.ReasonNotFound, "does not exist in MOR; ObserveOnly never creates it"), nil
		}
		creator, ok := ext.(Creator)
		if !ok {
			return r.fail(ctx, obj, v1alpha1.ReasonCreating, fmt.Errorf("%s cannot be created by the operator", r.Kind.Name()))
		}
		if err := r.holdMetadata(ctx, obj, true); err != nil {
			return ctrl.Result{}, client.IgnoreNotFound(err)
		}
		created, err := creator.Create(ctx)
		if err != nil {
			if refused(err) { // nothing was made: the record must not license a claim later
				if cerr := r.dropCreatePending(ctx, obj); cerr != nil {
					return ctrl.Result{}, cerr
				}
			}
			return r.fail(ctx, obj, v1alpha1.ReasonCreating, err)
		}
		Record(obj, created)
		ctrl.LoggerFrom(ctx).Info("created in MOR", "id", created.ID)
		// A first create is told by status (the id, Ready) and the log: an event would say
		// nothing more, once per resource of a bulk apply. Re-creating what was deleted
		// behind our back is drift, and is told.
		if r.inSyncBefore(obj) {
			r.corrected(obj, nil)
			r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Corrected", "Create", "re-created in MOR: it had been deleted there")
		}
		obs = Observation{Exists: true}
	} else if err := r.holdMetadata(ctx, obj, false); err != nil {
		// it exists: hold the finalizer while it may have to be deleted
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}

	// 7. Update only what differs.
	if len(obs.Diff) > 0 {
		if obj.ObserveOnly() {
			return r.reportObserved(obj, v1alpha1.ReasonDrifted, "MOR differs in: "+strings.Join(obs.Diff, ", ")), nil
		}
		updater, ok := ext.(Updater)
		if !ok {
			return r.fail(ctx, obj, v1alpha1.ReasonUpdating, fmt.Errorf("%s cannot be updated by the operator", r.Kind.Name()))
		}
		updated, err := updater.Update(ctx, obs.Diff)
		if err != nil {
			return r.fail(ctx, obj, v1alpha1.ReasonUpdating, err)
		}
		Record(obj, updated)
		reason, message := "Updated", describe(obs)
		if reapplier, ok := ext.(Reapplier); ok && reapplier.Reapplying() {
			reason = "Reapplied"
		} else if len(moved) > 0 { // a name now stands for another object: not drift
			reason, message = "Followed", message+"; "+strings.Join(moved, "; ")
		} else if r.inSyncBefore(obj) {
			reason = "Corrected"
			r.corrected(obj, obs.Drift)
		}
		ctrl.LoggerFrom(ctx).Info("updated in MOR", "reason", reason, "fields", message)
		r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, reason, "Update", "updated in MOR: %s", message)
	}

	// 8. In sync.
	setReady(obj, true, v1alpha1.ReasonAvailable, "MOR matches the spec")
	setSynced(obj, true, v1alpha1.ReasonReconcileSuccess, "")
	setStalled(obj, "", "")
	obj.ManagedStatus().ObservedGeneration = obj.GetGeneration()
	after := r.pollInterval(obj)
	if s, ok := ext.(Scheduler); ok {
		if next := s.NextObservation(); next > 0 && next < after {
			after = next
		}
	}
	return ctrl.Result{RequeueAfter: after}, nil
}

// inSyncBefore reports whether MOR was last seen matching this very spec (Ready for the
// current generation, before this reconcile touched it), so a write now corrects drift
// rather than applying an edit or retrying a failure.
func (r *Reconciler[T]) inSyncBefore(obj T) bool {
	return ReadyForGeneration(obj)
}

// corrected marks a write that put back what changed behind the operator's back:
// counted, and recorded in status.lastCorrection with the fields' values (none for a
// re-create).
func (r *Reconciler[T]) corrected(obj T, fields []v1alpha1.FieldDrift) {
	metrics.DriftCorrected(r.Kind.Name())
	obj.ManagedStatus().LastCorrection = &v1alpha1.Correction{Time: metav1.Now(), Fields: fields}
}

// reportObserved records what an ObserveOnly resource found, which it reports instead
// of writing to MOR.
func (r *Reconciler[T]) reportObserved(obj T, reason, message string) ctrl.Result {
	setReady(obj, false, reason, message)
	setSynced(obj, true, v1alpha1.ReasonReconcileSuccess, "")
	setStalled(obj, "", "")
	obj.ManagedStatus().ObservedGeneration = obj.GetGeneration()
	return ctrl.Result{RequeueAfter: r.pollInterval(obj)}
}

func (r *Reconciler[T]) delete(ctx context.Context, obj T) (ctrl.Result, error) {
	f := r.finalizer()
	if f == "" || !controllerutil.ContainsFinalizer(obj, f) {
		return ctrl.Result{}, nil
	}
	if !obj.ObserveOnly() && !orphans(obj) {
		ext, err := r.Kind.Connect(ctx, obj)
		if deleter, ok := ext.(Deleter); ok && err == nil {
			err = deleter.Delete(ctx)
		}
		var nothing *NothingToDelete
		switch {
		case errors.As(err, &nothing):
			r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "NothingToDelete", "Delete", "%s", nothing.Error())
		case err != nil:
			return r.fail(ctx, obj, v1alpha1.ReasonDeleting, err)
		default:
			ctrl.LoggerFrom(ctx).Info("deleted in MOR")
			r.Recorder.Eventf(obj, nil, corev1.EventTypeNormal, "Deleted", "Delete", "deleted in MOR")
		}
	}
	if err := r.removeFinalizer(ctx, obj, f); err != nil {
		return ctrl.Result{}, client.IgnoreNotFound(err)
	}
	metrics.Forget(r.Kind.Name(), types.NamespacedName{Namespace: obj.GetNamespace(), Name: obj.GetName()}.String())
	return ctrl.Result{}, nil
}

// removeFinalizer drops f with a JSON patch that tests f's position: unlike an Update,
// it does not fail when the cached copy is behind (a status write raced it), which
// would run the MOR delete a second time; like one, it never drops another's finalizer.
func (r *Reconciler[T]) removeFinalizer(ctx context.Context, obj T, f string) error {
	i := slices.Index(obj.GetFinalizers(), f)
	if i < 0 {
		return nil
	}
	value, err := json.Marshal(f)
	if err != nil {
		return err
	}
	patch := fmt.Sprintf(`[{"op":"test","path":"/metadata/finalizers/%d","value":%s},{"op":"remove","path":"/metadata/finalizers/%d"}]`, i, value, i)
	return r.Client.Patch(ctx, obj, client.RawPatch(types.JSONPatchType, []byte(patch)))
}

// finalizer is the Kind's finalizer, or "" when it needs none.
func (r *Reconciler[T]) finalizer() string {
	if f, ok := any(r.Kind).(Finalizing); ok {
		return f.Finalizer()
	}
	return ""
}

// orphans reports whether deleting obj must leave MOR alone, so that neither the server
// nor its Secret is needed to let the resource go.
func orphans(obj Resource) bool {
	o, ok := any(obj).(Orphaner)
	return ok && o.Orphans()
}

// fail records an error by its verdict: stalled (a person must act; slow retry after
// refused credentials), retry after the server's delay, or transient (backoff).
func (r *Reconciler[T]) fail(ctx context.Context, obj T, readyReason string, err error) (ctrl.Result, error) {
	var (
		v      = verdict.Of(err)
		result ctrl.Result
		retErr error
	)
	if v.Retry == verdict.Defer { // postponed, not failed: status and events stay as they are
		ctrl.LoggerFrom(ctx).V(1).Info("reconcile deferred", "readyReason", readyReason, "after", v.After, "reason", v.Message)
		return ctrl.Result{RequeueAfter: v.After}, nil
	}
	// A verdict that needs a person is final for this generation: record it as observed
	// so kstatus reports Failed rather than InProgress. Transient errors leave it behind.
	defer func() {
		if meta.IsStatusConditionTrue(obj.ManagedStatus().Conditions, v1alpha1.ConditionStalled) {
			obj.ManagedStatus().ObservedGeneration = obj.GetGeneration()
		}
	}()
	setStalled(obj, v.Reason, v.Message)
	switch v.Retry {
	case verdict.RetryPoll:
		result.RequeueAfter = r.pollInterval(obj)
	case verdict.RetryAuth:
		result.RequeueAfter = r.AuthRetryInterval
		if v.After > 0 && v.After < result.RequeueAfter {
			result.RequeueAfter = v.After
		}
	case verdict.RetryAfterDelay:
		result.RequeueAfter = v.After
	default: // the workqueue's exponential backoff
		retErr = err
	}
	message := v.Message

	prev := meta.FindStatusCondition(obj.ManagedStatus().Conditions, v1alpha1.ConditionSynced)
	if !v.Announced && (prev == nil || prev.Reason != v1alpha1.ReasonReconcileError || prev.Message != message) {
		r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, "ReconcileError", actionOf(readyReason), "%s", message)
	}
	setSynced(obj, false, v1alpha1.ReasonReconcileError, message)
	setReady(obj, false, readyReason, message)
	ctrl.LoggerFrom(ctx).V(1).Info("reconcile failed", "readyReason", readyReason, "error", message)
	return result, retErr
}

// patchStatus is the reconcile's one status write, and it writes status only: obj's
// status where it differs from before's (the metadata has its own writes, which it
// neither repeats nor undoes). Nothing is written when status did not change.
func (r *Reconciler[T]) patchStatus(ctx context.Context, before, obj T) error {
	base := withStatusOf(obj, before)
	if equality.Semantic.DeepEqual(base, obj) {
		return nil
	}
	patch := client.MergeFrom(base)
	if meta.IsStatusConditionTrue(obj.ManagedStatus().Conditions, v1alpha1.ConditionStalled) {
		// Stalled ends the retries, so it holds only for the object it was decided on:
		// a cache behind the API server (just after an outage, say) may lack the
		// create record that makes a rule found in MOR this resource's own. If the object
		// changed since it was read the write is refused (409), and the next reconcile
		// decides again.
		patch = client.MergeFromWithOptions(base, client.MergeFromWithOptimisticLock{})
	}
	if err := r.Client.Status().Patch(ctx, obj, patch); err != nil {
		return client.IgnoreNotFound(err)
	}
	return nil
}

// withStatusOf is a copy of obj with from's status: the base a status patch is
// computed against, so that it carries status changes and nothing else. Every kind
// keeps its status in a field named Status, as Kubernetes types do: setting it directly
// spares two unstructured conversions (26 µs and 126 allocations per status write, now
// 1.6 µs and 11, for a LocationRule).
func withStatusOf[T Resource](obj, from T) T {
	out := obj.DeepCopyObject().(T)
	reflect.ValueOf(out).Elem().FieldByName("Status").Set(reflect.ValueOf(from).Elem().FieldByName("Status"))
	return out
}

// describe names what an update changes: each field with MOR's old and the new value
// when the External read them, else the parameter names.
func describe(obs Observation) string {
	if len(obs.Drift) == 0 {
		return strings.Join(obs.Diff, ", ")
	}
	parts := make([]string, len(obs.Drift))
	for i, d := range obs.Drift {
		parts[i] = fmt.Sprintf("%s %q → %q", d.Field, d.Observed, d.Desired)
	}
	return strings.Join(parts, ", ")
}

// actionOf names, for an event, the action that failed with a Ready reason.
func actionOf(readyReason string) string {
	switch readyReason {
	case v1alpha1.ReasonCreating:
		return "Create"
	case v1alpha1.ReasonUpdating:
		return "Update"
	case v1alpha1.ReasonDeleting:
		return "Delete"
	}
	return "Observe"
}

// String helps logs name a reconciler.
func (r *Reconciler[T]) String() string { return fmt.Sprintf("%s reconciler", r.Kind.Name()) }
