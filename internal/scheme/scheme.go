// Package scheme builds the one runtime.Scheme the manager and its tests use: the
// built-in Kubernetes kinds and mor.operator.dev/v1alpha1.
package scheme

import (
	"k8s.io/apimachinery/pkg/runtime"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
)

// New returns a scheme with the built-in kinds and this project's kinds registered.
func New() *runtime.Scheme {
	s := runtime.NewScheme()
	utilruntime.Must(clientgoscheme.AddToScheme(s))
	utilruntime.Must(v1alpha1.AddToScheme(s))
	return s
}
