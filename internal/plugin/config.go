package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// KeyEnv is the environment variable holding the MOR API key for --url.
const KeyEnv = "MOR_API_KEY"

// Direct is a MOR reached without a cluster: --url, --username, and the key from
// MOR_API_KEY or --key-file (never a flag value: it would show in the process list).
type Direct struct {
	URL, Username, KeyFile, CAFile string
	InsecureSkipVerify             bool
	Timeout                        time.Duration
	QPS                            float64
	Burst                          int
}

// Config builds the client configuration; getenv is os.Getenv outside tests.
func (d Direct) Config(getenv func(string) string) (mor.Config, error) {
	if d.Username == "" {
		return mor.Config{}, errors.New("--url needs --username (the MOR API user)")
	}
	key := getenv(KeyEnv)
	if d.KeyFile != "" {
		b, err := os.ReadFile(d.KeyFile)
		if err != nil {
			return mor.Config{}, fmt.Errorf("--key-file: %w", err)
		}
		key = strings.TrimRight(string(b), "\r\n")
	}
	if key == "" {
		return mor.Config{}, fmt.Errorf("no MOR API key: set %s or --key-file", KeyEnv)
	}
	cfg := mor.Config{BaseURL: d.URL, Username: d.Username, SecretKey: key,
		InsecureSkipVerify: d.InsecureSkipVerify, Timeout: d.Timeout, QPS: d.QPS, Burst: d.Burst}
	if d.CAFile != "" {
		b, err := os.ReadFile(d.CAFile)
		if err != nil {
			return mor.Config{}, fmt.Errorf("--mor-ca-file: %w", err)
		}
		cfg.CACertPEM = b
	}
	return cfg, nil
}

// ServerConfig reads the MorServer namespace/name and its Secrets and builds the same
// client configuration the operator would (mirrors internal/connection's clientConfig,
// without the metrics observer; to be shared once that package settles).
func ServerConfig(ctx context.Context, c client.Reader, namespace, name string) (mor.Config, error) {
	var s v1alpha1.MorServer
	if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: name}, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return mor.Config{}, fmt.Errorf("MorServer %q not found in namespace %q: check --server and -n, or use --url", name, namespace)
		}
		return mor.Config{}, fmt.Errorf("reading MorServer %s/%s: %w", namespace, name, err)
	}
	if strings.HasPrefix(s.Spec.URL, "http://") && !s.Spec.AllowInsecureHTTP {
		return mor.Config{}, fmt.Errorf("MorServer %q: http:// is refused unless spec.allowInsecureHTTP is true", name)
	}
	key, err := secretValue(ctx, c, namespace, s.Spec.SecretKeyRef)
	if err != nil {
		return mor.Config{}, err
	}
	cfg := mor.Config{BaseURL: s.Spec.URL, Username: s.Spec.Username, SecretKey: key}
	if t := s.Spec.TLS; t != nil {
		cfg.InsecureSkipVerify = t.InsecureSkipVerify
		if t.CABundleSecretRef != nil {
			ca, err := secretValue(ctx, c, namespace, *t.CABundleSecretRef)
			if err != nil {
				return mor.Config{}, err
			}
			cfg.CACertPEM = []byte(ca)
		}
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
	return cfg, nil
}

func secretValue(ctx context.Context, c client.Reader, namespace string, ref v1alpha1.SecretKeySelector) (string, error) {
	var s corev1.Secret
	if err := c.Get(ctx, types.NamespacedName{Namespace: namespace, Name: ref.Name}, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return "", fmt.Errorf("secret %q not found in namespace %q", ref.Name, namespace)
		}
		return "", fmt.Errorf("reading Secret %s/%s: %w", namespace, ref.Name, err)
	}
	v := s.Data[ref.Key]
	if len(v) == 0 {
		return "", fmt.Errorf("secret %q has no key %q", ref.Name, ref.Key)
	}
	return string(v), nil
}
