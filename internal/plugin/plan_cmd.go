package plugin

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
)

func newPlan(g *global) *cobra.Command {
	var locations string
	var allNamespaces bool
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what the operator would write if every ObserveOnly resource were switched to Manage",
		Long: `plan reads the LocationRules and DIDRates of a namespace (or all, -A) and prints, from
their status, what the operator would write if each ObserveOnly resource were switched to
Manage, and the MOR rules of their locations (and --locations) that no resource manages.
A resource naming a rule another Manage resource already writes is blocked (Conflict).
It only reads MOR.

--locations are read through --mor-server (or --url), which is checked first as export
checks it; with -A each resource is read through its own serverRef.

Exit code: 0 when nothing would change, 2 when something would (or cannot be told yet),
1 on an error.`,
		Example: `  # what switching namespace mor to Manage would write, with the unmanaged rules of location 3
  kubectl mor plan -n mor --locations 3

  # a CI gate: the job fails (exit code 2) when switching to Manage would change MOR
  kubectl mor plan -A`,
		Args: noArgs("choose what to plan with -n, -A and --locations"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), g.timeout)
			defer cancel()
			locs, err := parseIDs("locations", locations)
			if err != nil {
				return err
			}
			named := len(locs) > 0 || cmd.Flags().Changed("mor-server") || g.direct.URL != ""
			if allNamespaces && named {
				return errors.New("--locations, --mor-server and --url read one MOR: use them with -n, not -A")
			}
			kc, err := g.kubeClient(false)
			if err != nil {
				return err
			}
			opts := PlanOptions{Locations: locs}
			if !allNamespaces {
				opts.Namespace, _ = g.namespace()
			}
			if named {
				opts.Server = g.server
			}
			rows, err := Plan(ctx, kc, func(ctx context.Context, namespace, server string) (MOR, error) {
				return g.connect(ctx, kc, namespace, server)
			}, opts)
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
	cmd.Flags().StringVar(&locations, "locations", "", "also list the unmanaged rules of these MOR location ids (read through --mor-server)")
	cmd.Flags().BoolVarP(&allNamespaces, "all-namespaces", "A", false, "every namespace")
	return cmd
}
