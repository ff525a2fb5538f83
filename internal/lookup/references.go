package lookup

import (
	"context"
	"errors"
	"fmt"

	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// ResolveAll resolves a spec's names (mor.ReferencesOf) in order, all or none, as the
// operator resolves them; server describes the server in messages (e.g. `MorServer
// "default"`). A name the server lacks or holds twice is a Stalled verdict naming the
// field, the name and the server (ReferenceNotFound, AmbiguousReference); MOR's own
// errors (a lookup refused or failing) pass through as they are.
func (c *Cache) ResolveAll(ctx context.Context, refs []mor.Reference, server string) ([]int64, error) {
	ids := make([]int64, len(refs))
	for i, ref := range refs {
		kind, ok := KindOf(ref.Lookup)
		if !ok {
			return nil, fmt.Errorf("%s: unknown lookup %q", ref.Field, ref.Lookup)
		}
		id, err := c.Resolve(ctx, kind, ref.Name)
		if err != nil {
			return nil, unresolved(ref, server, err)
		}
		ids[i] = id
	}
	return ids, nil
}

func unresolved(ref mor.Reference, server string, err error) error {
	var (
		missing   *NotFound
		ambiguous *Ambiguous
	)
	switch {
	case errors.As(err, &missing):
		return verdict.Stalled(verdict.ReasonReferenceNotFound, "%s: %s has no %s %s %q",
			ref.Field, server, missing.Kind, missing.Kind.Naming(), ref.Name)
	case errors.As(err, &ambiguous):
		return verdict.Stalled(verdict.ReasonAmbiguousReference, "%s: %d %ss on %s are %s %q, ids %s; give the id instead, or make the name unique in MOR",
			ref.Field, len(ambiguous.IDs), ambiguous.Kind, server, ambiguous.Kind.Naming(), ref.Name, ambiguous.IDList())
	}
	return err
}
