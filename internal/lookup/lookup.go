// Package lookup resolves the names a spec may use for MOR objects — tariff and LCR
// names, DID numbers — to the ids they have on one MOR server, through MOR's own
// lookups (tariffs_get, lcrs_get, dids_get). One Cache serves every resource of a
// server: each lookup is read once per freshness interval (single-flight), whatever
// the number of names resolved.
package lookup

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/mor-operator/mor-operator/internal/flight"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// Lister reads one MOR server's lookups; *mor.Client is one.
type Lister interface {
	ListTariffs(ctx context.Context) ([]mor.Tariff, error)
	ListLCRs(ctx context.Context, name string) ([]mor.LCR, error)
	ListDIDs(ctx context.Context, number string) ([]mor.DID, error)
}

// Kind is what a reference names.
type Kind int

const (
	// Tariff is a tariff of any purpose but provider: a rule's or a DID owner's tariff.
	Tariff Kind = iota + 1
	// ProviderTariff is a tariff of purpose provider: a DID's provider tariff.
	ProviderTariff
	// LCR is an LCR by name.
	LCR
	// DID is a DID by number.
	DID
)

func (k Kind) String() string {
	switch k {
	case Tariff:
		return "tariff"
	case ProviderTariff:
		return "provider tariff"
	case LCR:
		return "LCR"
	case DID:
		return "DID"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// KindOf returns the Kind a spec field's lookup tag names (tariff, providerTariff, lcr,
// did).
func KindOf(tag string) (Kind, bool) {
	k, ok := map[string]Kind{"tariff": Tariff, "providerTariff": ProviderTariff, "lcr": LCR, "did": DID}[tag]
	return k, ok
}

// Naming says how an object of the Kind is referred to: DIDs go by number.
func (k Kind) Naming() string {
	if k == DID {
		return "numbered"
	}
	return "named"
}

// NotFound: the server has no object of Kind by Name.
type NotFound struct {
	Kind Kind
	Name string
}

func (e *NotFound) Error() string {
	return fmt.Sprintf("MOR has no %s %s %q", e.Kind, e.Kind.Naming(), e.Name)
}

// Ambiguous: several objects of Kind share Name; IDs lists them, ascending.
type Ambiguous struct {
	Kind Kind
	Name string
	IDs  []int64
}

func (e *Ambiguous) Error() string {
	return fmt.Sprintf("%d MOR %ss are %s %q: ids %s", len(e.IDs), e.Kind, e.Kind.Naming(), e.Name, e.IDList())
}

// IDList is IDs as text: "5, 6".
func (e *Ambiguous) IDList() string {
	ids := make([]string, len(e.IDs))
	for i, id := range e.IDs {
		ids[i] = fmt.Sprint(id)
	}
	return strings.Join(ids, ", ")
}

// UnknownID: the lookup of Kind shows no object of id ID; Other is the Kind it shows
// it as instead (a provider tariff where a tariff of another purpose is asked), or 0.
type UnknownID struct {
	Kind, Other Kind
	ID          int64
}

func (e *UnknownID) Error() string {
	if e.Other != 0 {
		return fmt.Sprintf("MOR's %s shows %d as a %s, not a %s", e.Kind.Method(), e.ID, e.Other, e.Kind)
	}
	return fmt.Sprintf("MOR's %s shows no %s of id %d", e.Kind.Method(), e.Kind, e.ID)
}

// Method is the MOR lookup that lists objects of the Kind.
func (k Kind) Method() *mor.Method {
	switch tableOf(k) {
	case lcrs:
		return mor.LCRsGet
	case dids:
		return mor.DIDsGet
	}
	return mor.TariffsGet
}

// table is one lookup, read whole: tariffs serve both tariff kinds.
type table int

const (
	tariffs table = iota
	lcrs
	dids
)

func tableOf(k Kind) table {
	switch k {
	case LCR:
		return lcrs
	case DID:
		return dids
	}
	return tariffs
}

// snapshot is one reading of a table: ids by kind and name, each list ascending.
type snapshot struct {
	at  time.Time // when the read started: nothing older is in it
	ids map[Kind]map[string][]int64
}

// name returns the name of kind's object id.
func (s *snapshot) name(kind Kind, id int64) (string, bool) {
	for name, ids := range s.ids[kind] {
		if slices.Contains(ids, id) {
			return name, true
		}
	}
	return "", false
}

// Cache resolves names on one server. It is safe for concurrent use.
type Cache struct {
	lister   Lister
	freshFor time.Duration
	now      func() time.Time

	mu    sync.Mutex
	read  map[table]*snapshot
	loads singleflight.Group
}

// New returns a Cache reading through lister, reusing a reading while it is at most
// freshFor old (the poll interval: a name then costs MOR no read of its own).
func New(lister Lister, freshFor time.Duration) *Cache {
	return &Cache{lister: lister, freshFor: freshFor, now: time.Now, read: map[table]*snapshot{}}
}

// Resolve returns the id of the one object of kind by name (exact, case and spaces
// included), reading its lookup if the last reading is older than the freshness
// interval. It fails with *NotFound, *Ambiguous, or the lookup's own error (a
// *mor.Error): a failed reading never falls back to an older one, so a caller never
// acts on an id MOR may no longer have under that name.
func (c *Cache) Resolve(ctx context.Context, kind Kind, name string) (int64, error) {
	if kind < Tariff || kind > DID {
		return 0, fmt.Errorf("lookup: unknown kind %d", int(kind))
	}
	if name == "" {
		return 0, fmt.Errorf("lookup: empty %s name", kind)
	}
	s, err := c.snapshot(ctx, tableOf(kind), c.freshFor)
	if err != nil {
		return 0, err
	}
	if len(s.ids[kind][name]) != 1 && c.now().Sub(s.at) > recheckMissAfter {
		// A name just added (or a duplicate just removed) in MOR is likely why the spec
		// names it now: check once more against a recent reading before stalling.
		if s, err = c.snapshot(ctx, tableOf(kind), recheckMissAfter); err != nil {
			return 0, err
		}
	}
	switch ids := s.ids[kind][name]; len(ids) {
	case 0:
		return 0, &NotFound{Kind: kind, Name: name}
	case 1:
		return ids[0], nil
	default:
		return 0, &Ambiguous{Kind: kind, Name: name, IDs: slices.Clone(ids)}
	}
}

// Name is Resolve backwards: the name of kind's object id, which Resolve turns back into
// id. It fails with *UnknownID when the lookup does not show id, *Ambiguous when the
// name is not unique (so it would not resolve), or the lookup's own error.
func (c *Cache) Name(ctx context.Context, kind Kind, id int64) (string, error) {
	if kind < Tariff || kind > DID {
		return "", fmt.Errorf("lookup: unknown kind %d", int(kind))
	}
	s, err := c.snapshot(ctx, tableOf(kind), c.freshFor)
	if err != nil {
		return "", err
	}
	name, ok := s.name(kind, id)
	if !ok {
		missing := &UnknownID{Kind: kind, ID: id}
		for other := range s.ids {
			if _, ok := s.name(other, id); ok && other != kind {
				missing.Other = other
			}
		}
		return "", missing
	}
	if ids := s.ids[kind][name]; len(ids) > 1 {
		return "", &Ambiguous{Kind: kind, Name: name, IDs: slices.Clone(ids)}
	}
	return name, nil
}

// recheckMissAfter: a name a reading older than this lacks (or holds twice) is looked
// up again, so at most one extra reading of a table per server in this time.
const recheckMissAfter = 30 * time.Second

// snapshot returns a reading of t at most maxAge old, reading one (single-flight)
// otherwise.
func (c *Cache) snapshot(ctx context.Context, t table, maxAge time.Duration) (*snapshot, error) {
	c.mu.Lock()
	s := c.read[t]
	c.mu.Unlock()
	if c.fresh(s, maxAge) {
		return s, nil
	}
	return flight.Do(ctx, &c.loads, fmt.Sprint(t), func(ctx context.Context) (*snapshot, error) {
		c.mu.Lock()
		cur := c.read[t]
		c.mu.Unlock()
		if cur != s && c.fresh(cur, maxAge) { // a reading finished between our look and this flight
			return cur, nil
		}
		started := c.now()
		ids, err := c.load(ctx, t)
		if err != nil {
			return nil, err
		}
		next := &snapshot{at: started, ids: ids}
		c.mu.Lock()
		c.read[t] = next
		c.mu.Unlock()
		return next, nil
	})
}

func (c *Cache) fresh(s *snapshot, maxAge time.Duration) bool {
	return s != nil && c.now().Sub(s.at) <= maxAge
}

// load reads one lookup whole and indexes it by kind and name.
func (c *Cache) load(ctx context.Context, t table) (map[Kind]map[string][]int64, error) {
	ids := map[Kind]map[string][]int64{}
	add := func(k Kind, name string, id int64) {
		if ids[k] == nil {
			ids[k] = map[string][]int64{}
		}
		ids[k][name] = append(ids[k][name], id)
	}
	switch t {
	case tariffs:
		list, err := c.lister.ListTariffs(ctx)
		if err != nil {
			return nil, err
		}
		for _, x := range list {
			if x.Purpose == mor.PurposeProvider {
				add(ProviderTariff, x.Name, x.ID)
			} else {
				add(Tariff, x.Name, x.ID)
			}
		}
	case lcrs:
		list, err := c.lister.ListLCRs(ctx, "")
		if err != nil {
			return nil, err
		}
		for _, x := range list {
			add(LCR, x.Name, x.ID)
		}
	case dids:
		list, err := c.lister.ListDIDs(ctx, "")
		if err != nil {
			return nil, err
		}
		for _, x := range list {
			add(DID, x.Number, x.ID)
		}
	}
	for _, byName := range ids {
		for name, list := range byName {
			slices.Sort(list)
			byName[name] = slices.Compact(list) // an id listed twice is still one object
		}
	}
	return ids, nil
}
