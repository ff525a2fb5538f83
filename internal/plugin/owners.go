package plugin

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/claim"
)

// Export and plan predict the operator's ownership rule (package claim), with its
// claims, among the resources of the cluster. MorServers are told apart by name: the
// operator also counts two MorServers of one URL and user as one MOR.

// resource is a LocationRule or DIDRate.
type resource interface {
	claim.Claimant
	ServerName() string
}

// claimKey is one MOR object one MorServer of a namespace writes.
type claimKey struct{ namespace, server, claim string }

// owners maps each MOR object to the resource that owns it.
type owners map[claimKey]resource

// add records r's claims, if r contends for them.
func (o owners) add(r resource, claims []string) {
	if !claim.Contends(r) {
		return
	}
	for _, c := range claims {
		k := claimKey{r.GetNamespace(), r.ServerName(), c}
		if cur := o[k]; cur == nil || claim.Precedes(r, cur) {
			o[k] = r
		}
	}
}

// ownersOf is the owners among the LocationRules and DIDRates listed.
func ownersOf(rules []v1alpha1.LocationRule, dids []v1alpha1.DIDRate) owners {
	o := owners{}
	for i := range rules {
		o.add(&rules[i], claim.LocationRule(&rules[i]))
	}
	for i := range dids {
		o.add(&dids[i], claim.DIDRate(&dids[i]))
	}
	return o
}

// conflict says which resource writes a MOR object r (of kind) claims, when it is not
// r: switched to Manage, r would be Stalled with reason Conflict.
func (o owners) conflict(kind string, r resource, claims []string) string {
	for _, c := range claims {
		if owner := o[claimKey{r.GetNamespace(), r.ServerName(), c}]; owner != nil && owner.GetName() != r.GetName() {
			return fmt.Sprintf("Conflict: %s %q already manages %s; this one would be Stalled until it goes", kind, owner.GetName(), c)
		}
	}
	return ""
}

// serverOwners names, by claim, the resource that writes each MOR object of one
// MorServer of a namespace.
func serverOwners(ctx context.Context, c client.Reader, namespace, server string) (map[string]string, error) {
	var rules v1alpha1.LocationRuleList
	var dids v1alpha1.DIDRateList
	if err := c.List(ctx, &rules, client.InNamespace(namespace)); err != nil {
		return nil, fmt.Errorf("listing the LocationRules of namespace %s: %w", namespace, err)
	}
	if err := c.List(ctx, &dids, client.InNamespace(namespace)); err != nil {
		return nil, fmt.Errorf("listing the DIDRates of namespace %s: %w", namespace, err)
	}
	out := map[string]string{}
	for k, r := range ownersOf(rules.Items, dids.Items) {
		if k.server == server {
			out[k.claim] = r.GetName()
		}
	}
	return out, nil
}
