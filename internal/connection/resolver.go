// Package connection turns a MorServer reference into a ready MOR client: it reads the
// MorServer and its Secrets and keeps one client per server, rebuilt only when the
// server's spec or a Secret it uses changes, so each server keeps its own rate limit.
package connection

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/breaker"
	"github.com/mor-operator/mor-operator/internal/lookup"
	"github.com/mor-operator/mor-operator/internal/metrics"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// Resolver builds and caches MOR clients. Servers are read through the manager's cache;
// Secrets through an uncached reader, so the manager never caches Secret data. When
// SecretMeta (a cache of Secrets' metadata only) shows that neither the MorServer nor
// its Secrets changed, the cached client is reused without reading any Secret.
//
// Each client has its server's circuit breaker (package breaker): while a server is
// down, hangs or sheds load, its calls are refused at once and one background probe
// checks it, so it holds no worker and costs the other servers nothing. A rebuilt
// client (new spec or Secret) starts afresh.
type Resolver struct {
	Servers    client.Reader
	Secrets    client.Reader
	SecretMeta client.Reader // optional

	// Recorder gets one event on the MorServer when its breaker opens and one when it
	// closes (optional).
	Recorder events.EventRecorder

	// Released, if set, is told when a server accepts our credentials again after
	// refusing them, so that the resources waiting on them can be requeued at once,
	// spread over the window given (like a circuit breaker's release).
	Released func(server types.NamespacedName, spread time.Duration)

	// LookupsFreshFor is how long a server's lookups (its tariffs, LCRs and DIDs) are
	// reused to resolve names: the poll interval, so a poll round reads each at most once.
	LookupsFreshFor time.Duration

	mu      sync.Mutex
	clients map[types.NamespacedName]cachedClient
}

type cachedClient struct {
	version string
	client  *mor.Client
	lookups *lookup.Cache
}

// Resolve reads the MorServer namespace/name once and returns the connection to it:
// its client (cached per server) and the server's identity, UID and version. Problems a
// person must fix are returned as *verdict.StalledError.
func (r *Resolver) Resolve(ctx context.Context, namespace, name string) (*Connection, error) {
	key := types.NamespacedName{Namespace: namespace, Name: name}
	server, err := readServer(ctx, r.Servers, key)
	if err != nil {
		return nil, err
	}
	c, err := r.client(ctx, key, server)
	if err != nil {
		return nil, err
	}
	return connectionTo(server, c), nil
}

// client returns the server's cached client, or builds one when the server's spec or
// a Secret it reads changed.
func (r *Resolver) client(ctx context.Context, key types.NamespacedName, server *v1alpha1.MorServer) (cachedClient, error) {
	if c, ok := r.reusable(ctx, key, server); ok {
		return c, nil
	}
	cfg, versions, err := configFor(ctx, r.Secrets, server)
	if err != nil {
		return cachedClient{}, err
	}
	cfg.Observer = metrics.RequestObserver(key.String())
	if r.Released != nil {
		cfg.OnCredentialsAccepted = func(backoff time.Duration) {
			r.Released(key, min(max(backoff, breaker.DefaultInitial), breaker.DefaultSpread))
		}
	}
	version := clientVersion(server, versions)

	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.clients[key]; ok && c.version == version {
		return c, nil
	}
	var c *mor.Client
	cfg.Breaker = newBreaker(server, r.Recorder, func(ctx context.Context) error { return c.Probe(ctx) })
	c, err = mor.New(cfg)
	if err != nil {
		return cachedClient{}, verdict.Stalled(verdict.ReasonInvalidServer, "MorServer %q: %v", key.Name, err)
	}
	if r.clients == nil {
		r.clients = map[types.NamespacedName]cachedClient{}
	}
	// A new client reads the lookups afresh: names are resolved per client, as the
	// credentials (and so what MOR shows) may have changed with it.
	cached := cachedClient{version: version, client: c, lookups: lookup.New(c, r.LookupsFreshFor)}
	r.clients[key] = cached
	return cached, nil
}

// Config reads the MorServer namespace/name and its Secrets and returns the client
// configuration the operator uses for it (without metrics), so that other programs
// (the kubectl plugin) reach MOR exactly as the operator does.
func Config(ctx context.Context, c client.Reader, namespace, name string) (mor.Config, error) {
	server, err := readServer(ctx, c, types.NamespacedName{Namespace: namespace, Name: name})
	if err != nil {
		return mor.Config{}, err
	}
	cfg, _, err := configFor(ctx, c, server)
	return cfg, err
}

func readServer(ctx context.Context, c client.Reader, key types.NamespacedName) (*v1alpha1.MorServer, error) {
	var server v1alpha1.MorServer
	if err := c.Get(ctx, key, &server); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &verdict.StalledError{Reason: verdict.ReasonServerNotFound, WaitReason: verdict.ReasonWaitingForServer,
				Message: fmt.Sprintf("MorServer %q not found in namespace %q", key.Name, key.Namespace)}
		}
		return nil, err
	}
	if err := mor.RefuseInsecureHTTP(server.Spec.URL, server.Spec.AllowInsecureHTTP, "spec.allowInsecureHTTP is true"); err != nil {
		return nil, verdict.Stalled(verdict.ReasonInvalidServer, "MorServer %q: %v", key.Name, err)
	}
	return &server, nil
}

// configFor reads the server's Secrets into a client configuration; versions are the
// Secrets' resourceVersions.
func configFor(ctx context.Context, secrets client.Reader, server *v1alpha1.MorServer) (mor.Config, []string, error) {
	key, keyVersion, err := secretValue(ctx, secrets, server.Namespace, server.Spec.SecretKeyRef)
	if err != nil {
		return mor.Config{}, nil, err
	}
	versions := []string{keyVersion}
	var caPEM []byte
	if ref := caRef(server); ref != nil {
		ca, caVersion, err := secretValue(ctx, secrets, server.Namespace, *ref)
		if err != nil {
			return mor.Config{}, nil, err
		}
		if err := checkCABundle(server.Namespace, *ref, []byte(ca)); err != nil {
			return mor.Config{}, nil, err
		}
		caPEM = []byte(ca)
		versions = append(versions, caVersion)
	}
	return clientConfig(server, key, caPEM), versions, nil
}

// reusable returns the cached client when the Secrets' metadata shows it is current.
func (r *Resolver) reusable(ctx context.Context, key types.NamespacedName, server *v1alpha1.MorServer) (cachedClient, bool) {
	if r.SecretMeta == nil {
		return cachedClient{}, false
	}
	refs := []v1alpha1.SecretKeySelector{server.Spec.SecretKeyRef}
	if ref := caRef(server); ref != nil {
		refs = append(refs, *ref)
	}
	versions := make([]string, 0, len(refs))
	for _, ref := range refs {
		m := &metav1.PartialObjectMetadata{}
		m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
		if err := r.SecretMeta.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: ref.Name}, m); err != nil {
			return cachedClient{}, false
		}
		versions = append(versions, m.ResourceVersion)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.clients[key]; ok && c.version == clientVersion(server, versions) {
		return c, true
	}
	return cachedClient{}, false
}

// clientVersion identifies what a client was built from: the MorServer's spec and the
// resourceVersions of the Secrets it reads.
func clientVersion(server *v1alpha1.MorServer, secretVersions []string) string {
	return fmt.Sprintf("%s/%d/%s", server.UID, server.Generation, strings.Join(secretVersions, "/"))
}

func caRef(server *v1alpha1.MorServer) *v1alpha1.SecretKeySelector {
	if tls := server.Spec.TLS; tls != nil {
		return tls.CABundleSecretRef
	}
	return nil
}

func secretValue(ctx context.Context, secrets client.Reader, namespace string, ref v1alpha1.SecretKeySelector) (value, version string, err error) {
	var s corev1.Secret
	if err := secrets.Get(withoutBodyLogs(ctx), types.NamespacedName{Namespace: namespace, Name: ref.Name}, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return "", "", verdict.Stalled(verdict.ReasonSecretNotFound, "Secret %q not found in namespace %q", ref.Name, namespace)
		}
		return "", "", err
	}
	v, ok := s.Data[ref.Key]
	if !ok || len(v) == 0 {
		return "", "", verdict.Stalled(verdict.ReasonSecretNotFound, "Secret %q has no key %q", ref.Name, ref.Key)
	}
	return string(v), s.ResourceVersion, nil
}

func clientConfig(s *v1alpha1.MorServer, key string, caPEM []byte) mor.Config {
	cfg := mor.Config{
		BaseURL:   s.Spec.URL,
		Username:  s.Spec.Username,
		SecretKey: key,
		CACertPEM: caPEM,
	}
	if s.Spec.TLS != nil {
		cfg.InsecureSkipVerify = s.Spec.TLS.InsecureSkipVerify
	}
	if s.Spec.Timeout != nil {
		cfg.Timeout = s.Spec.Timeout.Duration
	}
	if rl := s.Spec.RateLimit; rl != nil {
		if rl.RequestsPerSecond != nil {
			cfg.QPS = float64(*rl.RequestsPerSecond)
		}
		if rl.Burst != nil {
			cfg.Burst = int(*rl.Burst)
		}
	}
	return cfg
}
