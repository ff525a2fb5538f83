package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/internal/mor"
	morscheme "github.com/mor-operator/mor-operator/internal/scheme"
)

// kubeClient is a client of the cluster kubectl's flags and kubeconfig name. Without any
// kubeconfig, client-go would fall back to http://localhost:8080; the plugin says what
// to set instead. orURL adds that --url reaches MOR without a cluster.
func (g *global) kubeClient(orURL bool) (client.Client, error) {
	if g.noKubeconfig() {
		msg := "no kubeconfig: set KUBECONFIG or --kubeconfig to reach the cluster"
		if orURL {
			msg += ", or use --url to read MOR without one"
		}
		return nil, errors.New(msg)
	}
	cfg, err := g.kube.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	return client.New(cfg, client.Options{Scheme: morscheme.New()})
}

// noKubeconfig reports that nothing names a cluster: no kubeconfig with a cluster in it,
// no --server, and not inside a pod.
func (g *global) noKubeconfig() bool {
	if g.kube.APIServer != nil && *g.kube.APIServer != "" {
		return false
	}
	raw, err := g.kube.ToRawKubeConfigLoader().RawConfig()
	if err != nil || len(raw.Clusters) > 0 {
		return false // a broken kubeconfig is reported as such by ToRESTConfig
	}
	_, err = rest.InClusterConfig()
	return err != nil
}

// namespace is -n, else the kubeconfig context's; explicit says whether -n was given.
func (g *global) namespace() (ns string, explicit bool) {
	if g.kube.Namespace != nil && *g.kube.Namespace != "" {
		return *g.kube.Namespace, true
	}
	ns, _, err := g.kube.ToRawKubeConfigLoader().Namespace()
	if err != nil || ns == "" {
		ns = "default"
	}
	return ns, false
}

// connect returns the MOR client: --url, or the MorServer server in namespace.
func (g *global) connect(ctx context.Context, c client.Reader, namespace, server string) (*mor.Client, error) {
	var cfg mor.Config
	var err error
	if g.direct.URL != "" {
		cfg, err = g.direct.Config(os.Getenv)
	} else {
		if c == nil {
			if c, err = g.kubeClient(true); err != nil {
				return nil, err
			}
		}
		cfg, err = ServerConfig(ctx, c, namespace, server)
	}
	if err != nil {
		return nil, err
	}
	return mor.New(cfg)
}
