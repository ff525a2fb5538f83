package managed

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
)

func setCondition(obj Resource, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&obj.ManagedStatus().Conditions, metav1.Condition{
		Type:               typ,
		Status:             status,
		Reason:             reason,
		Message:            message,
		ObservedGeneration: obj.GetGeneration(),
	})
}

func setReady(obj Resource, ready bool, reason, message string) {
	setCondition(obj, v1alpha1.ConditionReady, toStatus(ready), reason, message)
}

func setSynced(obj Resource, ok bool, reason, message string) {
	setCondition(obj, v1alpha1.ConditionSynced, toStatus(ok), reason, message)
}

// setStalled keeps Stalled present only while it is True, as kstatus expects.
func setStalled(obj Resource, reason, message string) {
	if reason == "" {
		meta.RemoveStatusCondition(&obj.ManagedStatus().Conditions, v1alpha1.ConditionStalled)
		return
	}
	setCondition(obj, v1alpha1.ConditionStalled, metav1.ConditionTrue, reason, message)
}

// ReadyForGeneration reports whether Ready is True for the object's current generation:
// what `kubectl wait --for=condition=Ready` and the health checks count on.
func ReadyForGeneration(obj Resource) bool {
	c := meta.FindStatusCondition(obj.ManagedStatus().Conditions, v1alpha1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == obj.GetGeneration()
}

func toStatus(b bool) metav1.ConditionStatus {
	if b {
		return metav1.ConditionTrue
	}
	return metav1.ConditionFalse
}
