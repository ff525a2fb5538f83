package plugin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mor-operator/mor-operator/internal/lookup"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// namer writes, in exported specs, names instead of ids wherever the name resolves back
// to the id on this MOR, as the operator will resolve it (spec fields tagged `lookup`,
// through package lookup). Each lookup is read at most once per export.
type namer struct {
	lookups *lookup.Cache
	// refused holds the lookups MOR refused: their ids stay, and one warning says why.
	refused  map[*mor.Method]bool
	warnings []string
}

// exportLifetime outlasts any export: a lookup read once serves all of it.
const exportLifetime = 24 * time.Hour

func newNamer(api lookup.Lister) *namer {
	return &namer{lookups: lookup.New(api, exportLifetime), refused: map[*mor.Method]bool{}}
}

// name replaces spec's ids by names; notes say, for each id kept, why.
func (n *namer) name(ctx context.Context, spec any) (notes []string, err error) {
	mor.UseNames(spec, func(t mor.Twin, id int64) (string, bool) {
		kind, ok := lookup.KindOf(t.Lookup)
		if !ok || err != nil || n.refused[kind.Method()] {
			return "", false
		}
		name, e := n.lookups.Name(ctx, kind, id)
		if e == nil {
			return name, true
		}
		var (
			shared  *lookup.Ambiguous
			unknown *lookup.UnknownID
			me      *mor.Error
		)
		switch {
		case errors.As(e, &shared):
			notes = append(notes, fmt.Sprintf("%s %d: %d %ss are %s %q on this MOR (ids %s)",
				t.ID, id, len(shared.IDs), kind, kind.Naming(), shared.Name, shared.IDList()))
		case errors.As(e, &unknown):
			notes = append(notes, fmt.Sprintf("%s %d: %v", t.ID, id, unknown))
		case errors.As(e, &me) && (me.Class == mor.Rejected || me.Class == mor.Authentication):
			// MOR answered, and said no (e.g. the user's permissions): ids serve as well.
			n.refused[kind.Method()] = true
			n.warnings = append(n.warnings, fmt.Sprintf("%s: MOR answered %q; the references it would name are exported as ids", kind.Method(), me.Text))
		default:
			err = e
		}
		return "", false
	})
	return notes, err
}
