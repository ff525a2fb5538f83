package controllers

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/mor-operator/mor-operator/internal/flight"
	"github.com/mor-operator/mor-operator/internal/mor"
)

// ruleListings shares location_rules_get answers between the LocationRules of one
// (MOR client, location): a poll round costs MOR the listing pages of each location,
// not one read per rule. Loads are single-flight; a listing is reused while younger than
// freshFor (the poll interval), and our own writes are written through, so a reconcile
// never acts on a listing older than its own last write. Changes made behind the
// operator's back show within freshFor plus one poll.
type ruleListings struct {
	freshFor time.Duration
	now      func() time.Time

	mu      sync.Mutex
	entries map[listingKey]*listing
	loads   singleflight.Group
}

// listingKey: the resolver builds a new client when a server's spec or Secret changes,
// so entries of an old client are never read again and expire.
type listingKey struct {
	api      locationRuleAPI
	location int64
}

type listing struct {
	at    time.Time
	rules map[string]listedRule // by id
	epoch uint64                // bumped by every write-through; a load started before one is not stored
}

func newRuleListings(freshFor time.Duration) *ruleListings {
	return &ruleListings{freshFor: freshFor, now: time.Now, entries: map[listingKey]*listing{}}
}

// rules returns the location's rules by id from a listing at most maxAge old, loading
// one (single-flight) otherwise. maxAge 0 forces a load that starts after this call.
func (l *ruleListings) rules(ctx context.Context, api locationRuleAPI, location int64, maxAge time.Duration) (map[string]listedRule, error) {
	key := listingKey{api, location}
	l.mu.Lock()
	e := l.entries[key]
	if e != nil && maxAge > 0 && l.now().Sub(e.at) <= maxAge {
		rules := e.rules
		l.mu.Unlock()
		return rules, nil
	}
	epoch := uint64(0)
	if e != nil {
		epoch = e.epoch
	}
	l.expireLocked()
	l.mu.Unlock()

	// A forced load must not join one that started earlier.
	flightKey := fmt.Sprintf("%p/%d", api, location)
	if maxAge == 0 {
		flightKey += fmt.Sprintf("/%d", l.now().UnixNano())
	}
	return flight.Do(ctx, &l.loads, flightKey, func(ctx context.Context) (map[string]listedRule, error) {
		// A load that finished between our look and this flight serves us.
		l.mu.Lock()
		if cur := l.entries[key]; cur != nil && maxAge > 0 && cur != e && l.now().Sub(cur.at) <= maxAge {
			l.mu.Unlock()
			return cur.rules, nil
		}
		l.mu.Unlock()
		started := l.now()
		list, err := api.ListLocationRules(ctx, location)
		if err != nil {
			return nil, err
		}
		rules := make(map[string]listedRule, len(list))
		for _, r := range list {
			rules[r["id"]] = compactRule(r)
		}
		l.mu.Lock()
		if cur := l.entries[key]; cur == nil || cur.epoch == epoch {
			l.entries[key] = &listing{at: started, rules: rules, epoch: epoch}
		}
		l.mu.Unlock()
		return rules, nil
	})
}

// wrote records a write of ours: the rule's fields as MOR now holds them (merged into
// what the listing had), or nil after a delete.
func (l *ruleListings) wrote(api locationRuleAPI, location int64, id string, fields mor.Fields) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.entries[listingKey{api, location}]
	if e == nil {
		return
	}
	rules := maps.Clone(e.rules) // readers hold the old map
	if fields == nil {
		delete(rules, id)
	} else {
		rules[id] = rules[id].merged(fields)
	}
	l.entries[listingKey{api, location}] = &listing{at: e.at, rules: rules, epoch: e.epoch + 1}
}

// expireLocked drops listings too old to be reused, so clients replaced by the
// resolver do not keep theirs.
func (l *ruleListings) expireLocked() {
	for k, e := range l.entries {
		if l.now().Sub(e.at) > 2*l.freshFor {
			delete(l.entries, k)
		}
	}
}
