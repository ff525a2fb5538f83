// Package v1alpha1 holds the mor.operator.dev/v1alpha1 API: MorServer, MorDefaults,
// DIDRate and LocationRule.
// +kubebuilder:object:generate=true
// +groupName=mor.operator.dev
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is group version used to register these objects.
	GroupVersion = schema.GroupVersion{Group: "mor.operator.dev", Version: "v1alpha1"}

	// SchemeBuilder registers this group's kinds (apimachinery's builder keeps the API
	// package free of controller-runtime).
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types in this group-version to the given scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion,
		&MorServer{}, &MorServerList{},
		&MorDefaults{}, &MorDefaultsList{},
		&DIDRate{}, &DIDRateList{},
		&LocationRule{}, &LocationRuleList{},
	)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
