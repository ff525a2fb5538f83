package managed

import (
	"context"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// CreatePending reports whether obj carries a live create-pending record: one written
// for this very resource (its UID) before a create whose outcome status does not hold
// yet (status.completedCreate names the last one it does). Only then may an External
// claim, by identity, a thing whose id it never recorded (a crash between the create
// and the status write). Anything else with the same identity was made by someone
// else — a copy of the resource carries the record but not the UID.
func CreatePending(obj Resource) bool {
	record, ok := obj.GetAnnotations()[v1alpha1.AnnotationCreatePending]
	if !ok || record == obj.ManagedStatus().CompletedCreate {
		return false
	}
	uid, _, tokened := strings.Cut(record, "/")
	// a bare time: a record of an earlier version, live until status holds the outcome
	return !tokened || uid == string(obj.GetUID())
}

// newCreateRecord names one create attempt of obj.
func newCreateRecord(obj Resource) string {
	return string(obj.GetUID()) + "/" + time.Now().UTC().Format(time.RFC3339Nano)
}

// spendCreateRecord marks a live record as done in status: the status write that holds
// the create's outcome spends it, and no write of its own is needed.
func spendCreateRecord(obj Resource) {
	if CreatePending(obj) {
		obj.ManagedStatus().CompletedCreate = obj.GetAnnotations()[v1alpha1.AnnotationCreatePending]
	}
}

// holdMetadata persists, in one patch, the finalizer (while something outside may
// need deleting) and, before a create, a live create-pending record. It writes nothing
// when both are already there. The patch leaves obj's status as the reconcile made it.
func (r *Reconciler[T]) holdMetadata(ctx context.Context, obj T, creating bool) error {
	f := r.finalizer()
	wantFinalizer := f != "" && !obj.ObserveOnly() && !controllerutil.ContainsFinalizer(obj, f)
	wantPending := creating && !CreatePending(obj)
	if !wantFinalizer && !wantPending {
		return nil
	}
	orig := obj.DeepCopyObject().(T)
	if wantFinalizer {
		controllerutil.AddFinalizer(obj, f)
	}
	if wantPending {
		setAnnotation(obj, v1alpha1.AnnotationCreatePending, newCreateRecord(obj))
	}
	return r.patchMetadata(ctx, orig, obj)
}

// refused reports whether the external system refused a request outright, so that it
// made nothing (as opposed to a timeout or a lost answer, after which it may have).
func refused(err error) bool {
	switch verdict.Of(err).Reason {
	case verdict.ReasonRejected, verdict.ReasonAuthenticationFailed:
		return true
	}
	return false
}

// dropCreatePending removes the record mid-reconcile, after a refused create.
func (r *Reconciler[T]) dropCreatePending(ctx context.Context, obj T) error {
	orig := obj.DeepCopyObject().(T)
	annotations := obj.GetAnnotations()
	delete(annotations, v1alpha1.AnnotationCreatePending)
	obj.SetAnnotations(annotations)
	return client.IgnoreNotFound(r.patchMetadata(ctx, orig, obj))
}

// patchMetadata merge-patches obj's metadata changes since orig. obj keeps the status
// this reconcile made (the API server answers with the stored one).
func (r *Reconciler[T]) patchMetadata(ctx context.Context, orig, obj T) error {
	written := obj.DeepCopyObject().(T)
	if err := r.Client.Patch(ctx, written, client.MergeFrom(orig)); err != nil {
		return err
	}
	obj.SetResourceVersion(written.GetResourceVersion())
	return nil
}

func setAnnotation(obj client.Object, key, value string) {
	a := obj.GetAnnotations()
	if a == nil {
		a = map[string]string{}
	}
	a[key] = value
	obj.SetAnnotations(a)
}
