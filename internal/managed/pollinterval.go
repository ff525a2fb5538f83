package managed

import (
	"fmt"
	"math/rand/v2"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
)

// pollInterval is the resource's annotation, else the manager's, never below
// MinPollInterval, with ±10% jitter.
func (r *Reconciler[T]) pollInterval(obj T) time.Duration {
	d, _ := r.annotatedPollInterval(obj)
	return d - d/10 + rand.N(d/5+1)
}

// annotatedPollInterval reads the poll-interval annotation; problem says why it was not
// taken as written ("" when it was, or is absent).
func (r *Reconciler[T]) annotatedPollInterval(obj T) (d time.Duration, problem string) {
	d = r.PollInterval
	v, ok := obj.GetAnnotations()[v1alpha1.AnnotationPollInterval]
	if !ok {
		return d, ""
	}
	parsed, err := time.ParseDuration(v)
	switch {
	case err != nil || parsed <= 0:
		return d, fmt.Sprintf("annotation %s=%q is not a positive duration (e.g. \"2m\"); using the manager's %s",
			v1alpha1.AnnotationPollInterval, v, d)
	case parsed < r.MinPollInterval:
		return r.MinPollInterval, fmt.Sprintf("annotation %s=%q is below the manager's minimum %s (--min-poll-interval); using %s",
			v1alpha1.AnnotationPollInterval, v, r.MinPollInterval, r.MinPollInterval)
	}
	return parsed, ""
}

// warnPollInterval records one Warning event per resource and annotation value that
// cannot be honoured, not one per poll.
func (r *Reconciler[T]) warnPollInterval(obj T) {
	_, problem := r.annotatedPollInterval(obj)
	key := string(obj.GetUID())
	if problem == "" {
		r.warnedPoll.Delete(key)
		return
	}
	value := obj.GetAnnotations()[v1alpha1.AnnotationPollInterval]
	if prev, loaded := r.warnedPoll.Swap(key, value); loaded && prev == value {
		return
	}
	r.Recorder.Eventf(obj, nil, corev1.EventTypeWarning, "PollIntervalIgnored", "Observe", "%s", problem)
}
