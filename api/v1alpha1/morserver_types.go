package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// SecretKeySelector points at one key of a Secret in the same namespace.
type SecretKeySelector struct {
	// name is the name of a Secret in the same namespace, up to 253 characters.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Name string `json:"name"`
	// key is the key within the Secret's data, up to 253 characters.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +required
	Key string `json:"key"`
}

// TLSConfig tunes how the operator verifies the MOR server's certificate.
type TLSConfig struct {
	// caBundleSecretRef names a Secret key holding PEM CA certificates to trust in
	// addition to the system roots.
	// +optional
	CABundleSecretRef *SecretKeySelector `json:"caBundleSecretRef,omitempty"`
	// insecureSkipVerify turns certificate verification off. Never use it in production:
	// request hashes are replayable, so a man in the middle can reuse them.
	// +optional
	InsecureSkipVerify bool `json:"insecureSkipVerify,omitempty"`
}

// RateLimit is the client-side request budget for one MOR server.
type RateLimit struct {
	// requestsPerSecond is how many requests per second are allowed on average, 1 to
	// 1000 (default 5).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	RequestsPerSecond *int32 `json:"requestsPerSecond,omitempty"`
	// burst is how many requests are allowed at once, 1 to 1000 (default 10).
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=1000
	// +optional
	Burst *int32 `json:"burst,omitempty"`
}

// MorServerSpec says how to reach one MOR server.
// +kubebuilder:validation:XValidation:rule="!self.url.startsWith('http://') || (has(self.allowInsecureHTTP) && self.allowInsecureHTTP)",message="spec.url must be https:// unless spec.allowInsecureHTTP is true (request hashes are replayable)",fieldPath=".url"
type MorServerSpec struct {
	// url is MOR's base URL, usually https://HOST/billing, up to 2048 characters, without
	// a query string or fragment; "/api/<method>" is appended.
	// +kubebuilder:validation:Pattern=`^https?://[^\s/?#]+[^\s?#]*$`
	// +kubebuilder:validation:MaxLength=2048
	// +required
	URL string `json:"url"`
	// username is the MOR API user (admin, accountant or reseller), 1 to 255
	// characters.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +required
	Username string `json:"username"`
	// secretKeyRef names the Secret key holding the user's API secret key.
	// +required
	SecretKeyRef SecretKeySelector `json:"secretKeyRef"`
	// tls tunes the verification of MOR's certificate for https:// URLs.
	// +optional
	TLS *TLSConfig `json:"tls,omitempty"`
	// allowInsecureHTTP permits an http:// URL (default false). Only for a simulator or a
	// loopback test server.
	// +optional
	AllowInsecureHTTP bool `json:"allowInsecureHTTP,omitempty"`
	// rateLimit caps the requests the operator sends to this server.
	// +optional
	RateLimit *RateLimit `json:"rateLimit,omitempty"`
	// timeout is how long one request may take, more than 0s and at most 1m (default
	// 30s): a worker waiting longer on one MOR holds up the resources of every other.
	// +kubebuilder:validation:Type=string
	// +kubebuilder:validation:Pattern=`^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$`
	// +kubebuilder:validation:XValidation:rule="duration(self) > duration('0s') && duration(self) <= duration('1m')",message="must be more than 0s and at most 1m"
	// +optional
	Timeout *metav1.Duration `json:"timeout,omitempty"`
}

// MorServerStatus reports whether a signed probe succeeds.
type MorServerStatus struct {
	ResourceStatus `json:",inline"`
	// version is what MOR reported as its version (system_version_get).
	// +optional
	Version string `json:"version,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:categories=mor
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Synced",type=string,JSONPath=`.status.conditions[?(@.type=="Synced")].status`
// +kubebuilder:printcolumn:name="Version",type=string,JSONPath=`.status.version`
// +kubebuilder:printcolumn:name="URL",type=string,JSONPath=`.spec.url`,priority=1
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// MorServer is how to reach one MOR billing server: URL, API user and secret key.
type MorServer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec MorServerSpec `json:"spec"`
	// +optional
	Status MorServerStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// MorServerList contains a list of MorServer.
type MorServerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []MorServer `json:"items"`
}
