package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// KeyEnv is the environment variable holding the MOR API key for --url.
const KeyEnv = "MOR_API_KEY"

// Direct is a MOR reached without a cluster: --url, --mor-username, and the key from
// MOR_API_KEY or --key-file (never a flag value: it would show in the process list).
type Direct struct {
	URL, Username, KeyFile, CAFile string
	InsecureSkipVerify             bool
	// AllowInsecureHTTP permits an http:// URL, as a MorServer's spec.allowInsecureHTTP.
	AllowInsecureHTTP bool
	Timeout           time.Duration
	QPS               float64
	Burst             int
}

// Config builds the client configuration; getenv is os.Getenv outside tests.
func (d Direct) Config(getenv func(string) string) (mor.Config, error) {
	if err := mor.RefuseInsecureHTTP(d.URL, d.AllowInsecureHTTP, "--allow-insecure-http is given"); err != nil {
		return mor.Config{}, fmt.Errorf("--url: %w", err)
	}
	if d.Username == "" {
		return mor.Config{}, errors.New("--url needs --mor-username (the MOR API user)")
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

// ServerConfig reads the MorServer name in namespace and its Secrets and builds the same
// client configuration the operator uses (internal/connection).
func ServerConfig(ctx context.Context, c client.Reader, namespace, name string) (mor.Config, error) {
	cfg, err := connection.Config(ctx, c, namespace, name)
	var stalled *verdict.StalledError
	switch {
	case err == nil:
		return cfg, nil
	case errors.As(err, &stalled) && stalled.Reason == verdict.ReasonServerNotFound:
		return mor.Config{}, fmt.Errorf("%s: check --mor-server and -n, or use --url", stalled.Message)
	case errors.As(err, &stalled):
		return mor.Config{}, errors.New(stalled.Message)
	}
	return mor.Config{}, fmt.Errorf("reading %s and its Secret: %w", describeServer(namespace, name), err)
}
