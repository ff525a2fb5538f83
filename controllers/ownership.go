package controllers

import (
	"context"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/claim"
	"github.com/mor-operator/mor-operator/internal/connection"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// claimIndex indexes resources by the MOR objects they write (e.g. "did 3", "rule 17"),
// so that two resources writing one MOR object find each other without listing all.
const claimIndex = "mor.claims"

// One owner per MOR object (the rule is package claim's): MorServers with the same URL
// and username are the same MOR.

// ownership checks that obj, connected through conn, owns every MOR object it claims.
// list is an empty list of obj's kind.
func ownership(ctx context.Context, c client.Reader, conn *connection.Connection, kind string, obj managed.Resource, list client.ObjectList, claims []string) error {
	if obj.ObserveOnly() || len(claims) == 0 {
		return nil
	}
	mine := conn.Identity
	mors := morsOf{c: c, namespace: obj.GetNamespace(), known: map[string]*connection.Identity{conn.Server: &mine}}
	for _, what := range claims {
		l := list.DeepCopyObject().(client.ObjectList)
		if err := c.List(ctx, l, client.InNamespace(obj.GetNamespace()), client.MatchingFields{claimIndex: what},
			client.UnsafeDisableDeepCopy); err != nil { // read only: no copy per reconcile
			return err
		}
		owner := obj
		_ = meta.EachListItem(l, func(o runtime.Object) error {
			other := o.(managed.Resource)
			if other.GetName() == obj.GetName() || !claim.Contends(other) {
				return nil
			}
			if theirs := mors.get(ctx, other.ServerName()); theirs == nil || *theirs != mine {
				return nil
			}
			if claim.Precedes(other, owner) {
				owner = other
			}
			return nil
		})
		if owner.GetName() != obj.GetName() {
			return verdict.Stalled(verdict.ReasonConflict,
				"%s %q already manages %s on this MOR (%s as %s); the oldest resource owns it, and this one takes over when it goes",
				kind, owner.GetName(), what, mine.URL, mine.Username)
		}
	}
	return nil
}

// morsOf reads which MOR each MorServer of a namespace is, each server once; nil for
// one that does not exist.
type morsOf struct {
	c         client.Reader
	namespace string
	known     map[string]*connection.Identity
}

func (m morsOf) get(ctx context.Context, server string) *connection.Identity {
	if id, ok := m.known[server]; ok {
		return id
	}
	var s v1alpha1.MorServer
	var id *connection.Identity
	if err := m.c.Get(ctx, types.NamespacedName{Namespace: m.namespace, Name: server}, &s); err == nil {
		id = ptr.To(connection.IdentityOf(&s))
	}
	m.known[server] = id
	return id
}
