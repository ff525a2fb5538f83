package managed

import (
	"fmt"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/mor-operator/mor-operator/internal/verdict"
)

// waitForArrival handles an error saying that something the resource needs does not
// exist yet (verdict.StalledError.WaitReason), such as its MorServer applied together
// with it. Within ServerGracePeriod of the resource's creation that is no failure: Ready
// and Synced False with the wait reason, no Stalled, no event, and a retry that backs
// off with the resource's age and comes at the latest when the grace period ends (the
// watch on MorServers brings it back as soon as its server is created). After that,
// waiting reports false and the stall is reported as usual.
func (r *Reconciler[T]) waitForArrival(obj T, err error) (ctrl.Result, bool) {
	v := verdict.Of(err)
	if v.WaitReason == "" || r.ServerGracePeriod <= 0 {
		return ctrl.Result{}, false
	}
	created := obj.GetCreationTimestamp().Time
	age := time.Since(created)
	left := r.ServerGracePeriod - age
	if left <= 0 {
		return ctrl.Result{}, false
	}
	// the same message on every retry: status is written once
	msg := fmt.Sprintf("%s yet; waiting for it until %s, then reporting it Stalled",
		v.Message, created.Add(r.ServerGracePeriod).UTC().Format(time.RFC3339))
	setReady(obj, false, v.WaitReason, msg)
	setSynced(obj, false, v.WaitReason, msg)
	setStalled(obj, "", "")
	return ctrl.Result{RequeueAfter: min(max(age, time.Second), left)}, true
}
