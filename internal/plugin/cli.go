package plugin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
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
	where := g.describe()
	var at *serverError
	if errors.As(err, &at) && g.direct.URL == "" {
		where = describeServer(at.namespace, at.server)
	}
	fmt.Fprintln(stderr, "error: "+Message(err, where))
	return 1
}

// global holds the flags every command shares: kubectl's own, and the plugin's MOR
// flags, named so that none hides one of kubectl's.
type global struct {
	kube    *genericclioptions.ConfigFlags
	server  string
	direct  Direct
	timeout time.Duration
	// mor holds the MOR flags, for help to list them apart from kubectl's.
	mor *pflag.FlagSet
}

// describe names the MOR the command reads: the --url, or the MorServer and namespace.
func (g *global) describe() string {
	if g.direct.URL != "" {
		return g.direct.URL
	}
	ns, _ := g.namespace()
	return describeServer(ns, g.server)
}

func describeServer(namespace, server string) string {
	return fmt.Sprintf("MorServer %s in namespace %s", server, namespace)
}

func newRoot(stdout, stderr io.Writer) (*cobra.Command, *global) {
	g := &global{kube: genericclioptions.NewConfigFlags(true), mor: pflag.NewFlagSet("mor", pflag.ContinueOnError)}
	root := &cobra.Command{
		Use:   "kubectl-mor",
		Short: "Export a MOR server's configuration as manifests and plan what the mor-operator would write",
		// kubectl runs the binary kubectl-mor as "kubectl mor": help says so
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl mor"},
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	m := g.mor
	m.StringVar(&g.server, "mor-server", v1alpha1.DefaultServerName, "the MorServer (in -n) to read MOR through (its Secret holds the key), and the serverRef written")
	m.StringVar(&g.direct.URL, "url", "", "reach MOR directly at this base URL (e.g. https://mor.example.com/billing) instead of through a MorServer")
	m.StringVar(&g.direct.Username, "mor-username", "", "MOR API user, with --url")
	m.StringVar(&g.direct.KeyFile, "key-file", "", "file holding the MOR API key, with --url (default: $"+KeyEnv+")")
	m.StringVar(&g.direct.CAFile, "mor-ca-file", "", "PEM CA bundle to trust for MOR, with --url")
	m.BoolVar(&g.direct.InsecureSkipVerify, "mor-insecure-skip-tls-verify", false, "do not verify MOR's certificate, with --url")
	m.BoolVar(&g.direct.AllowInsecureHTTP, "allow-insecure-http", false, "allow an http:// --url: MOR's request hashes are replayable, so only for a simulator or a loopback test server")
	m.Float64Var(&g.direct.QPS, "mor-rate-limit", 0, "MOR requests per second, with --url (default 5, as the operator)")
	m.DurationVar(&g.timeout, "mor-timeout", 5*time.Minute, "give up after this long")
	pf := root.PersistentFlags()
	pf.AddFlagSet(m)
	g.kube.AddFlags(pf)
	root.SetUsageFunc(g.usage)
	root.AddCommand(newExport(g), newPlan(g))
	return root, g
}

// usage is a command's help: its own flags, then the MOR flags, then kubectl's.
func (g *global) usage(c *cobra.Command) error {
	var b strings.Builder
	if c.Runnable() {
		fmt.Fprintf(&b, "Usage:\n  %s\n", c.UseLine())
	} else {
		fmt.Fprintf(&b, "Usage:\n  %s [command]\n", c.CommandPath())
	}
	if c.HasAvailableSubCommands() {
		b.WriteString("\nCommands:\n")
		for _, s := range c.Commands() {
			if s.IsAvailableCommand() {
				fmt.Fprintf(&b, "  %-*s %s\n", c.NamePadding(), s.Name(), s.Short)
			}
		}
	}
	if c.HasExample() {
		fmt.Fprintf(&b, "\nExamples:\n%s\n", c.Example)
	}
	own := c.LocalNonPersistentFlags()
	mor, kube := pflag.NewFlagSet("mor", pflag.ContinueOnError), pflag.NewFlagSet("kubectl", pflag.ContinueOnError)
	shared := pflag.NewFlagSet("shared", pflag.ContinueOnError)
	shared.AddFlagSet(c.InheritedFlags())
	shared.AddFlagSet(c.PersistentFlags())
	shared.VisitAll(func(f *pflag.Flag) {
		if g.mor.Lookup(f.Name) != nil {
			mor.AddFlag(f)
		} else {
			kube.AddFlag(f)
		}
	})
	for _, s := range []struct {
		title string
		set   *pflag.FlagSet
	}{{"Flags", own}, {"MOR flags", mor}, {"Kubernetes flags (as kubectl's)", kube}} {
		if s.set.HasFlags() {
			fmt.Fprintf(&b, "\n%s:\n%s", s.title, s.set.FlagUsages())
		}
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "\nUse \"%s <command> --help\" for more about a command.\n", c.CommandPath())
	}
	_, err := io.WriteString(c.OutOrStderr(), b.String())
	return err
}

// noArgs refuses arguments, saying which flags choose what the command works on
// (cobra.NoArgs would call the first one an unknown command).
func noArgs(hint string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) == 0 {
			return nil
		}
		return fmt.Errorf("%s takes no arguments, got %q: %s", cmd.CommandPath(), strings.Join(args, " "), hint)
	}
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
