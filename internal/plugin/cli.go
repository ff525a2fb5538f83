package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
	morscheme "github.com/mor-operator/mor-operator/internal/scheme"
)

// ExitChanges is plan's exit code when the operator would change something.
const ExitChanges = 2

// errChanges makes Main exit with ExitChanges without printing an error.
var errChanges = errors.New("changes planned")

// Main runs kubectl-mor with args and returns the process's exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd, g := newRoot(stdout, stderr)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errChanges):
		return ExitChanges
	}
	fmt.Fprintln(stderr, "error: "+Message(err, g.describe()))
	return 1
}

// global holds the flags every command shares.
type global struct {
	kube    *genericclioptions.ConfigFlags
	server  string
	direct  Direct
	timeout time.Duration
}

func (g *global) describe() string {
	if g.direct.URL != "" {
		return g.direct.URL
	}
	return "MorServer " + g.server
}

func newRoot(stdout, stderr io.Writer) (*cobra.Command, *global) {
	g := &global{kube: genericclioptions.NewConfigFlags(true)}
	// --server names the MorServer here, and --username the MOR user: kubectl's flags of
	// those names are left out.
	g.kube.APIServer, g.kube.Username, g.kube.Password = nil, nil, nil
	root := &cobra.Command{
		Use:           "kubectl-mor",
		Short:         "Export a MOR server's configuration as manifests and plan what the mor-operator would write",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	pf := root.PersistentFlags()
	g.kube.AddFlags(pf)
	pf.StringVar(&g.server, "server", v1alpha1.DefaultServerName, "the MorServer to read MOR through (its Secret holds the key), and the serverRef written")
	pf.StringVar(&g.direct.URL, "url", "", "reach MOR directly at this base URL (e.g. https://mor.example.com/billing) instead of through a MorServer")
	pf.StringVar(&g.direct.Username, "username", "", "MOR API user, with --url")
	pf.StringVar(&g.direct.KeyFile, "key-file", "", "file holding the MOR API key, with --url (default: $"+KeyEnv+")")
	pf.StringVar(&g.direct.CAFile, "mor-ca-file", "", "PEM CA bundle to trust for MOR, with --url")
	pf.BoolVar(&g.direct.InsecureSkipVerify, "mor-insecure-skip-tls-verify", false, "do not verify MOR's certificate, with --url")
	pf.Float64Var(&g.direct.QPS, "mor-rate-limit", 0, "MOR requests per second, with --url (default 5, as the operator)")
	pf.DurationVar(&g.timeout, "mor-timeout", 5*time.Minute, "give up after this long")
	root.AddCommand(newExport(g), newPlan(g))
	return root, g
}

func (g *global) kubeClient() (client.Client, error) {
	cfg, err := g.kube.ToRESTConfig()
	if err != nil {
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	return client.New(cfg, client.Options{Scheme: morscheme.New()})
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
			if c, err = g.kubeClient(); err != nil {
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

func parseIDs(flag, s string) ([]int64, error) {
	if s == "" || s == "all" {
		return nil, nil
	}
	var out []int64
	for _, p := range strings.Split(s, ",") {
		n, err := strconv.ParseInt(strings.TrimSpace(p), 10, 64)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("--%s: %q is not an id (a comma-separated list of positive numbers)", flag, p)
		}
		out = append(out, n)
	}
	return out, nil
}

func newExport(g *global) *cobra.Command {
	var locations, dids, outDir, prefix, mgmt, del string
	var unmanaged, noDefaults bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Print LocationRules, DIDRates and a MorDefaults skeleton that adopt what MOR has",
		Example: `  kubectl mor export -n mor --server default --locations 1,2 --dids 3 --output-dir mor/
  MOR_API_KEY=... kubectl mor export --url https://mor.example.com/billing --username admin > mor.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), g.timeout)
			defer cancel()
			o := ExportOptions{NamePrefix: prefix, Server: g.server, Defaults: !noDefaults,
				ManagementPolicy: v1alpha1.ManagementPolicy(mgmt), DeletionPolicy: v1alpha1.DeletionPolicy(del)}
			if o.ManagementPolicy != v1alpha1.ManagementPolicyObserveOnly && o.ManagementPolicy != v1alpha1.ManagementPolicyManage {
				return fmt.Errorf("--management-policy must be ObserveOnly or Manage, not %q", mgmt)
			}
			if o.DeletionPolicy != v1alpha1.DeletionPolicyOrphan && o.DeletionPolicy != v1alpha1.DeletionPolicyDelete {
				return fmt.Errorf("--deletion-policy must be Orphan or Delete, not %q", del)
			}
			var err error
			if o.Locations, err = parseIDs("locations", locations); err != nil {
				return err
			}
			if o.DIDs, err = parseIDs("dids", dids); err != nil {
				return err
			}
			ns, explicit := g.namespace()
			if explicit {
				o.Namespace = ns
			}
			var kc client.Client
			if g.direct.URL == "" || unmanaged {
				if kc, err = g.kubeClient(); err != nil {
					return err
				}
			}
			api, err := g.connect(ctx, kc, ns, g.server)
			if err != nil {
				return err
			}
			if unmanaged {
				if o.Managed, err = managedRuleIDs(ctx, kc); err != nil {
					return err
				}
				o.SkipManaged = true
			}
			docs, warnings, err := Export(ctx, api, o)
			if err != nil {
				return err
			}
			for _, w := range warnings {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning: "+w)
			}
			if outDir != "" {
				if err := WriteDir(outDir, docs); err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote %d resources and kustomization.yaml to %s\n", len(docs), outDir)
				return nil
			}
			return WriteStream(cmd.OutOrStdout(), docs)
		},
	}
	f := cmd.Flags()
	f.StringVar(&locations, "locations", "all", "comma-separated MOR location ids, or all")
	f.StringVar(&dids, "dids", "", "comma-separated MOR DID ids whose rate details to export")
	f.StringVar(&outDir, "output-dir", "", "write one file per resource and a kustomization.yaml here (default: one stream on stdout)")
	f.StringVar(&prefix, "name-prefix", "", "prefix of every resource name (e.g. when two MOR servers share a namespace)")
	f.StringVar(&mgmt, "management-policy", string(v1alpha1.ManagementPolicyObserveOnly), "spec.managementPolicy: ObserveOnly or Manage")
	f.StringVar(&del, "deletion-policy", string(v1alpha1.DeletionPolicyOrphan), "spec.deletionPolicy of LocationRules: Orphan or Delete")
	f.BoolVar(&unmanaged, "unmanaged", false, "only rules no LocationRule in the cluster manages yet (by spec.ruleID or status.ruleID)")
	f.BoolVar(&noDefaults, "no-defaults", false, "leave out the MorDefaults skeleton")
	return cmd
}

// managedRuleIDs is every rule id a LocationRule in the cluster adopts or manages.
func managedRuleIDs(ctx context.Context, c client.Reader) (map[int64]bool, error) {
	var list v1alpha1.LocationRuleList
	if err := c.List(ctx, &list); err != nil {
		return nil, fmt.Errorf("listing LocationRules for --unmanaged: %w", err)
	}
	ids := map[int64]bool{}
	for _, r := range list.Items {
		for _, id := range []*int64{r.Spec.RuleID, r.Status.RuleID} {
			if id != nil {
				ids[*id] = true
			}
		}
	}
	return ids, nil
}

func newPlan(g *global) *cobra.Command {
	var locations string
	var allNamespaces bool
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what the operator would write if every ObserveOnly resource were switched to Manage",
		Long: `plan reads the LocationRules and DIDRates of a namespace (or all, -A) and prints, from
their status, what the operator would write if each ObserveOnly resource were switched to
Manage, and the MOR rules of their locations (and --locations) that no resource manages.
Exit code: 0 when nothing would change, 2 when something would (or cannot be told yet).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), g.timeout)
			defer cancel()
			locs, err := parseIDs("locations", locations)
			if err != nil {
				return err
			}
			kc, err := g.kubeClient()
			if err != nil {
				return err
			}
			ns, _ := g.namespace()
			if allNamespaces {
				ns = ""
			}
			rows, err := Plan(ctx, kc, func(ctx context.Context, namespace, server string) (MOR, error) {
				return g.connect(ctx, kc, namespace, server)
			}, PlanOptions{Namespace: ns, Locations: locs})
			if err != nil {
				return err
			}
			if err := WritePlan(cmd.OutOrStdout(), rows); err != nil {
				return err
			}
			for _, r := range rows {
				if r.Changes() {
					return errChanges
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&locations, "locations", "", "also list unmanaged rules of these MOR location ids")
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "every namespace")
	return cmd
}
