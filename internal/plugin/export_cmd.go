package plugin

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
)

func newExport(g *global) *cobra.Command {
	var locations, dids, outDir, prefix, mgmt, del string
	var unmanaged, noDefaults, ids bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Print LocationRules, DIDRates and a MorDefaults skeleton that adopt what MOR has",
		Long: `export reads MOR — through a MorServer of the cluster (--mor-server, in -n), or directly
(--url) — and prints manifests that adopt what it holds: a LocationRule per rule of the
chosen locations (spec.ruleID, every field MOR reports), a DIDRate per --dids id, and a
MorDefaults skeleton to fill in (MOR cannot read those settings back; in a stream it is
comment lines, so applying the stream cannot wipe a MorDefaults). It only reads MOR.

References are written by name (tariffName, lcrName, didNumber, providerTariffName,
ownerTariffName) where the name is unique on that MOR, so the manifests read well and
carry to another MOR holding the same names; otherwise by id, with a comment saying
why. --ids keeps every id. Unassigned (-1) and the "None" owner tariff (0) stay ids.

Resources are ObserveOnly and Orphan unless --management-policy and --deletion-policy
say otherwise. A rule a Manage LocationRule of the cluster already writes is left out,
with a warning: a second resource adopting it would be Stalled with reason Conflict.

--output-dir writes one file per resource and a kustomization.yaml, and mirrors MOR:
files an earlier export wrote that this one would not (a rule deleted in MOR) are
removed; files it did not write are never touched.`,
		Example: `  # the rules of locations 1 and 2 and DID 3, through the MorServer "default" of namespace mor
  kubectl mor export -n mor --mor-server default --locations 1,2 --dids 3 --output-dir mor/

  # a MOR outside any cluster; the key comes from MOR_API_KEY or --key-file
  MOR_API_KEY=... kubectl mor export --url https://mor.example.com/billing --mor-username admin -n mor > mor.yaml`,
		Args: noArgs("choose what to export with --locations and --dids"),
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), g.timeout)
			defer cancel()
			o := ExportOptions{NamePrefix: prefix, Server: g.server, Defaults: !noDefaults, IDs: ids,
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
				if kc, err = g.kubeClient(true); err != nil {
					return err
				}
			}
			api, err := g.connect(ctx, kc, ns, g.server)
			if err != nil {
				return err
			}
			if g.direct.URL == "" { // the MorServer's resources are known: skip what they own
				if o.Owners, err = serverOwners(ctx, kc, ns, g.server); err != nil {
					return err
				}
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
				removed, err := WriteDir(outDir, docs)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "wrote %d resources and kustomization.yaml to %s", len(docs), outDir)
				if len(removed) > 0 {
					fmt.Fprintf(cmd.ErrOrStderr(), "; removed %d files of an earlier export that MOR no longer backs", len(removed))
				}
				fmt.Fprintln(cmd.ErrOrStderr())
				return nil
			}
			return WriteStream(cmd.OutOrStdout(), docs)
		},
	}
	f := cmd.Flags()
	f.StringVar(&locations, "locations", "all", "comma-separated MOR location ids, or all")
	f.StringVar(&dids, "dids", "", "comma-separated MOR DID ids whose rate details to export")
	f.StringVar(&outDir, "output-dir", "", "write one file per resource and a kustomization.yaml here, removing files an earlier export wrote and this one would not (default: one stream on stdout)")
	f.StringVar(&prefix, "name-prefix", "", "prefix of every resource name (e.g. when two MOR servers share a namespace)")
	f.StringVar(&mgmt, "management-policy", string(v1alpha1.ManagementPolicyObserveOnly), "spec.managementPolicy: ObserveOnly or Manage")
	f.StringVar(&del, "deletion-policy", string(v1alpha1.DeletionPolicyOrphan), "spec.deletionPolicy of LocationRules: Orphan or Delete")
	f.BoolVar(&unmanaged, "unmanaged", false, "only rules no LocationRule in the cluster manages yet (by spec.ruleID or status.ruleID)")
	f.BoolVar(&noDefaults, "no-defaults", false, "leave out the MorDefaults skeleton")
	f.BoolVar(&ids, "ids", false, "write references as ids (tariffID, lcrID, didID, ...) even where a name would do")
	return cmd
}

// managedRuleIDs is every rule id a LocationRule in the cluster adopts or manages.
func managedRuleIDs(ctx context.Context, c client.Reader) (map[int64]bool, error) {
	var list v1alpha1.LocationRuleList
	if err := c.List(ctx, &list); err != nil {
		return nil, fmt.Errorf("listing LocationRules for --unmanaged: %w", err)
	}
	ids := map[int64]bool{}
	for i := range list.Items {
		if id := list.Items[i].RuleID(); id != nil {
			ids[*id] = true
		}
	}
	return ids, nil
}
