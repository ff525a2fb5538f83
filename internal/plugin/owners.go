package plugin

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
)

// The operator lets one resource write a MOR rule: of the Manage LocationRules of a
// namespace naming the same rule (spec.ruleID or status.ruleID) on the same server, the
// oldest owns it and the others are Stalled with reason Conflict (ObserveOnly ones never
// write, so they neither own nor conflict). Export and plan follow the same rule, by
// MorServer name.

// ruleKey is one rule of one MorServer of a namespace.
type ruleKey struct {
	namespace, server string
	rule              int64
}

// ruleOwners returns the owner's name of every rule a Manage LocationRule among rules
// writes.
func ruleOwners(rules []v1alpha1.LocationRule) map[ruleKey]string {
	owner := map[ruleKey]*v1alpha1.LocationRule{}
	for i := range rules {
		r := &rules[i]
		if r.ObserveOnly() || r.DeletionTimestamp != nil {
			continue
		}
		for _, id := range claimedRules(r) {
			k := ruleKey{r.Namespace, r.ServerName(), id}
			if o := owner[k]; o == nil || older(r, o) {
				owner[k] = r
			}
		}
	}
	out := make(map[ruleKey]string, len(owner))
	for k, r := range owner {
		out[k] = r.Name
	}
	return out
}

// claimedRules are the rule ids a LocationRule names: the one it adopts, the one it
// created.
func claimedRules(r *v1alpha1.LocationRule) []int64 {
	var ids []int64
	for _, id := range []*int64{r.Spec.RuleID, r.Status.RuleID} {
		if id != nil && (len(ids) == 0 || ids[0] != *id) {
			ids = append(ids, *id)
		}
	}
	return ids
}

func older(a, b *v1alpha1.LocationRule) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

// serverRuleOwners is ruleOwners for the LocationRules of one MorServer of a namespace,
// by rule id.
func serverRuleOwners(ctx context.Context, c client.Reader, namespace, server string) (map[int64]string, error) {
	var list v1alpha1.LocationRuleList
	if err := c.List(ctx, &list, client.InNamespace(namespace)); err != nil {
		return nil, fmt.Errorf("listing the LocationRules of namespace %s: %w", namespace, err)
	}
	out := map[int64]string{}
	for k, name := range ruleOwners(list.Items) {
		if k.server == server {
			out[k.rule] = name
		}
	}
	return out, nil
}
