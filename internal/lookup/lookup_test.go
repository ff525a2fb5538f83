package lookup

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mor-operator/mor-operator/internal/mor"
)

// fakeLister serves fixed listings and counts the reads of each. When gate is set,
// every read waits for it to close.
type fakeLister struct {
	mu      sync.Mutex
	tariffs []mor.Tariff
	lcrs    []mor.LCR
	dids    []mor.DID
	err     error
	reads   map[string]int
	gate    chan struct{}
}

func (f *fakeLister) begin(ctx context.Context, method string) error {
	f.mu.Lock()
	if f.reads == nil {
		f.reads = map[string]int{}
	}
	f.reads[method]++
	gate, err := f.gate, f.err
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done(): // as the client does
			return ctx.Err()
		}
	}
	return err
}

func (f *fakeLister) ListTariffs(ctx context.Context) ([]mor.Tariff, error) {
	if err := f.begin(ctx, "tariffs_get"); err != nil {
		return nil, err
	}
	return f.tariffs, nil
}

func (f *fakeLister) ListLCRs(ctx context.Context, name string) ([]mor.LCR, error) {
	if name != "" {
		panic("the cache lists every LCR")
	}
	if err := f.begin(ctx, "lcrs_get"); err != nil {
		return nil, err
	}
	return f.lcrs, nil
}

func (f *fakeLister) ListDIDs(ctx context.Context, number string) ([]mor.DID, error) {
	if number != "" {
		panic("the cache lists every DID")
	}
	if err := f.begin(ctx, "dids_get"); err != nil {
		return nil, err
	}
	return f.dids, nil
}

func (f *fakeLister) count() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.reads {
		out[k] = v
	}
	return out
}

func (f *fakeLister) set(fn func(f *fakeLister)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

const interval = time.Minute

func newTestCache(l Lister) (*Cache, *fakeClock) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	c := New(l, interval)
	c.now = clock.now
	return c, clock
}

func seeded() *fakeLister {
	return &fakeLister{
		tariffs: []mor.Tariff{
			{ID: 1, Name: "Provider A", Purpose: mor.PurposeProvider},
			{ID: 2, Name: "Retail", Purpose: mor.PurposeUser},
			{ID: 7, Name: "Standard", Purpose: mor.PurposeProvider},
			{ID: 8, Name: "Standard", Purpose: mor.PurposeUser},
			{ID: 9, Name: "Zürich & 東京 retail", Purpose: mor.PurposeUser},
			{ID: 11, Name: "Promo", Purpose: mor.PurposeUserWholesale},
			{ID: 10, Name: "Promo", Purpose: mor.PurposeUser},
			{ID: 12, Name: "Shared", Purpose: mor.PurposeUserByProvider},
			{ID: 13, Name: "Shared", Purpose: mor.PurposeProvider},
		},
		lcrs: []mor.LCR{{ID: 1, Name: "Primary"}, {ID: 6, Name: "Twin"}, {ID: 5, Name: "Twin"}, {ID: 4, Name: " Spaced "}},
		dids: []mor.DID{{ID: 3, Number: "37060000003"}, {ID: 4, Number: "370600000031"}, {ID: 8, Number: "12025550105"}, {ID: 9, Number: "12025550105"}},
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		kind Kind
		name string
		want int64
		err  error
	}{
		{Tariff, "Retail", 2, nil},
		{Tariff, "Zürich & 東京 retail", 9, nil},
		{ProviderTariff, "Provider A", 1, nil},
		{ProviderTariff, "Standard", 7, nil}, // unique among provider tariffs
		{Tariff, "Standard", 8, nil},         // unique among the others
		{ProviderTariff, "Shared", 13, nil},
		{Tariff, "Shared", 12, nil}, // user_by_provider is not a provider tariff
		{Tariff, "Provider A", 0, &NotFound{Tariff, "Provider A"}},
		{ProviderTariff, "Retail", 0, &NotFound{ProviderTariff, "Retail"}},
		{Tariff, "retail", 0, &NotFound{Tariff, "retail"}},
		{Tariff, "Promo", 0, &Ambiguous{Tariff, "Promo", []int64{10, 11}}},
		{LCR, "Primary", 1, nil},
		{LCR, " Spaced ", 4, nil},
		{LCR, "Spaced", 0, &NotFound{LCR, "Spaced"}},
		{LCR, "Twin", 0, &Ambiguous{LCR, "Twin", []int64{5, 6}}},
		{DID, "37060000003", 3, nil}, // exact, not a prefix of 370600000031
		{DID, "3706000000", 0, &NotFound{DID, "3706000000"}},
		{DID, "12025550105", 0, &Ambiguous{DID, "12025550105", []int64{8, 9}}},
	}
	c, _ := newTestCache(seeded())
	for _, tt := range tests {
		t.Run(tt.kind.String()+" "+tt.name, func(t *testing.T) {
			got, err := c.Resolve(context.Background(), tt.kind, tt.name)
			if got != tt.want || !reflect.DeepEqual(err, tt.err) {
				t.Fatalf("Resolve = %d, %v; want %d, %v", got, err, tt.want, tt.err)
			}
		})
	}
}

// Name is Resolve backwards: a name it gives resolves to the id again; an id whose name
// would not resolve to it, or that the lookup does not show, is refused and says why.
func TestName(t *testing.T) {
	tests := []struct {
		kind Kind
		id   int64
		want string
		err  error
	}{
		{Tariff, 2, "Retail", nil},
		{Tariff, 9, "Zürich & 東京 retail", nil},
		{ProviderTariff, 7, "Standard", nil},
		{Tariff, 8, "Standard", nil},
		{Tariff, 10, "", &Ambiguous{Tariff, "Promo", []int64{10, 11}}},
		{Tariff, 7, "", &UnknownID{Kind: Tariff, Other: ProviderTariff, ID: 7}},
		{Tariff, 99, "", &UnknownID{Kind: Tariff, ID: 99}},
		{LCR, 4, " Spaced ", nil},
		{LCR, 5, "", &Ambiguous{LCR, "Twin", []int64{5, 6}}},
		{DID, 3, "37060000003", nil},
		{DID, 9, "", &Ambiguous{DID, "12025550105", []int64{8, 9}}},
	}
	l := seeded()
	c, _ := newTestCache(l)
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d", tt.kind, tt.id), func(t *testing.T) {
			got, err := c.Name(context.Background(), tt.kind, tt.id)
			if got != tt.want || !reflect.DeepEqual(err, tt.err) {
				t.Fatalf("Name = %q, %v; want %q, %v", got, err, tt.want, tt.err)
			}
			if err == nil {
				if id, err := c.Resolve(context.Background(), tt.kind, got); id != tt.id || err != nil {
					t.Errorf("Resolve(%q) = %d, %v; want %d", got, id, err, tt.id)
				}
			}
		})
	}
	if n := l.count(); n["tariffs_get"] != 1 || n["lcrs_get"] != 1 || n["dids_get"] != 1 {
		t.Errorf("reads %v, want one of each lookup", n)
	}
	if got := (&UnknownID{Kind: Tariff, Other: ProviderTariff, ID: 7}).Error(); got != "MOR's tariffs_get shows 7 as a provider tariff, not a tariff" {
		t.Errorf("UnknownID says %q", got)
	}
}

func TestOutcomeTexts(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&NotFound{ProviderTariff, "Standard"}, `MOR has no provider tariff named "Standard"`},
		{&NotFound{DID, "370"}, `MOR has no DID numbered "370"`},
		{&Ambiguous{LCR, "Twin", []int64{5, 6}}, `2 MOR LCRs are named "Twin": ids 5, 6`},
		{&Ambiguous{Tariff, "a & b", []int64{3, 10, 12}}, `3 MOR tariffs are named "a & b": ids 3, 10, 12`},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%#v: %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestResolveRefusesBadInput(t *testing.T) {
	l := seeded()
	c, _ := newTestCache(l)
	for _, tt := range []struct {
		kind Kind
		name string
	}{{Tariff, ""}, {Kind(0), "Retail"}, {Kind(9), "Retail"}} {
		if _, err := c.Resolve(context.Background(), tt.kind, tt.name); err == nil {
			t.Errorf("Resolve(%v, %q) succeeded", tt.kind, tt.name)
		}
	}
	if n := l.count(); len(n) != 0 {
		t.Errorf("bad input read MOR: %v", n)
	}
}

// TestOneReadPerInterval: a reading serves every name of its lookup, and only its
// lookup, while at most one interval old; then the next resolve reads again and sees
// MOR's change.
func TestOneReadPerInterval(t *testing.T) {
	l := seeded()
	c, clock := newTestCache(l)
	ctx := context.Background()
	resolve := func(kind Kind, name string, want int64) {
		t.Helper()
		if got, err := c.Resolve(ctx, kind, name); got != want || err != nil {
			t.Fatalf("Resolve(%v, %q) = %d, %v; want %d", kind, name, got, err, want)
		}
	}
	for range 3 {
		resolve(Tariff, "Retail", 2)
		resolve(ProviderTariff, "Provider A", 1)
		resolve(Tariff, "Standard", 8)
	}
	if got := l.count(); !reflect.DeepEqual(got, map[string]int{"tariffs_get": 1}) {
		t.Fatalf("reads %v, want one tariffs_get", got)
	}
	l.set(func(f *fakeLister) { f.tariffs[1].ID = 20 }) // "Retail" re-created under a new id
	clock.advance(interval)
	resolve(Tariff, "Retail", 2) // still fresh: exactly one interval old
	resolve(LCR, "Primary", 1)
	resolve(DID, "37060000003", 3)
	clock.advance(time.Nanosecond)
	resolve(Tariff, "Retail", 20)
	resolve(LCR, "Primary", 1) // read one nanosecond later: still fresh
	if got := l.count(); !reflect.DeepEqual(got, map[string]int{"tariffs_get": 2, "lcrs_get": 1, "dids_get": 1}) {
		t.Fatalf("reads %v", got)
	}
}

// TestFailedReadIsNotStale: when a reading fails, Resolve answers the lookup's error,
// not the id of an older reading, and keeps no error: the next resolve reads again.
func TestFailedReadIsNotStale(t *testing.T) {
	l := seeded()
	c, clock := newTestCache(l)
	ctx := context.Background()
	if _, err := c.Resolve(ctx, Tariff, "Retail"); err != nil {
		t.Fatal(err)
	}
	clock.advance(2 * interval)
	moreErr := &mor.Error{Class: mor.Transient, Method: mor.TariffsGet, Err: errors.New("HTTP 503 Service Unavailable")}
	l.set(func(f *fakeLister) { f.err = moreErr })
	for range 2 {
		id, err := c.Resolve(ctx, Tariff, "Retail")
		var e *mor.Error
		if id != 0 || !errors.As(err, &e) || e != moreErr {
			t.Fatalf("Resolve = %d, %v; want MOR's error and no id", id, err)
		}
	}
	l.set(func(f *fakeLister) { f.err = nil })
	if id, err := c.Resolve(ctx, Tariff, "Retail"); id != 2 || err != nil {
		t.Fatalf("after recovery: %d, %v", id, err)
	}
	if got := l.count()["tariffs_get"]; got != 4 {
		t.Fatalf("%d reads, want 4 (one, two failed, one)", got)
	}
}

// TestSingleFlight: resolves that arrive while a reading is under way wait for it
// rather than read again, and one caller giving up does not fail the others.
func TestSingleFlight(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		l := seeded()
		l.gate = make(chan struct{})
		c, _ := newTestCache(l)

		quitter, quit := context.WithCancel(context.Background())
		quitErr := make(chan error, 1)
		go func() {
			_, err := c.Resolve(quitter, LCR, "Primary")
			quitErr <- err
		}()
		const waiters = 8
		failures := make(chan error, waiters)
		for i := range waiters {
			go func() {
				if i%2 == 0 {
					id, err := c.Resolve(context.Background(), LCR, "Primary")
					if id != 1 || err != nil {
						err = fmt.Errorf("Primary: %d, %v", id, err)
					}
					failures <- err
					return
				}
				_, err := c.Resolve(context.Background(), LCR, "Twin")
				if !errors.As(err, new(*Ambiguous)) {
					err = fmt.Errorf("Twin: %v, want Ambiguous", err)
				} else {
					err = nil
				}
				failures <- err
			}()
		}
		synctest.Wait() // every caller now waits, on the one reading under way
		if got := l.count()["lcrs_get"]; got != 1 {
			t.Fatalf("%d lcrs_get reads under way, want 1", got)
		}
		quit()
		if err := <-quitErr; !errors.Is(err, context.Canceled) {
			t.Fatalf("the caller that gave up got %v", err)
		}
		close(l.gate)
		for range waiters {
			if err := <-failures; err != nil {
				t.Error(err)
			}
		}
		if got := l.count()["lcrs_get"]; got != 1 {
			t.Fatalf("%d lcrs_get reads, want 1", got)
		}
	})
}
