package managed

import (
	"context"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// CreatePending reports whether obj carries the record that a create of its external
// thing was started: only then may an External claim, by identity, a thing whose id
// it never recorded (a crash between the create and the status write). Anything else
// with the same identity was made by someone else.
func CreatePending(obj client.Object) bool {
	_, ok := obj.GetAnnotations()[v1alpha1.AnnotationCreatePending]
	return ok
}

// holdMetadata persists, in one patch, the finalizer (while something outside may
// need deleting) and, before a create, the create-pending record. It writes nothing
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
		setAnnotation(obj, v1alpha1.AnnotationCreatePending, time.Now().UTC().Format(time.RFC3339))
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

// clearCreatePending drops the create-pending record once status holds the outcome.
func (r *Reconciler[T]) clearCreatePending(ctx context.Context, obj T) error {
	if !CreatePending(obj) {
		return nil
	}
	orig := obj.DeepCopyObject().(T)
	annotations := obj.GetAnnotations()
	delete(annotations, v1alpha1.AnnotationCreatePending)
	obj.SetAnnotations(annotations)
	return client.IgnoreNotFound(r.Client.Patch(ctx, obj, client.MergeFrom(orig)))
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
