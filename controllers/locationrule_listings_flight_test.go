package controllers

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/mor-operator/mor-operator/internal/mor"
)

// heldLister answers location_rules_get with one rule once released, and records whether
// the load's context was still live when it answered.
type heldLister struct {
	locationRuleAPI
	started chan struct{}
	release chan struct{}
	calls   atomic.Int32

	mu      sync.Mutex
	ctxErrs []error
}

func newHeldLister() *heldLister {
	return &heldLister{started: make(chan struct{}, 100), release: make(chan struct{})}
}

func (h *heldLister) ListLocationRules(ctx context.Context, location int64) ([]mor.Fields, error) {
	h.calls.Add(1)
	h.started <- struct{}{}
	<-h.release
	h.mu.Lock()
	h.ctxErrs = append(h.ctxErrs, ctx.Err())
	h.mu.Unlock()
	return []mor.Fields{{"id": "7", "location_id": "1"}}, nil
}

// TestRuleListingsSingleFlight: rules of one location asking at once cost one listing.
func TestRuleListingsSingleFlight(t *testing.T) {
	g := NewWithT(t)
	l := newRuleListings(10 * time.Minute)
	api := newHeldLister()
	const callers = 32
	var wg sync.WaitGroup
	got := make([]map[string]listedRule, callers)
	errs := make([]error, callers)
	for i := range callers {
		wg.Go(func() { got[i], errs[i] = l.rules(context.Background(), api, 1, l.freshFor) })
	}
	<-api.started
	close(api.release)
	wg.Wait()
	for i := range callers {
		g.Expect(errs[i]).NotTo(HaveOccurred())
		g.Expect(got[i]).To(HaveKey("7"))
	}
	g.Expect(api.calls.Load()).To(BeEquivalentTo(1), "one listing for every caller")
}

// TestRuleListingsLeaderGoesAway: the caller that started a shared load returns when its
// own context ends, and the load goes on for the others and for the cache.
func TestRuleListingsLeaderGoesAway(t *testing.T) {
	g := NewWithT(t)
	l := newRuleListings(10 * time.Minute)
	api := newHeldLister()

	leaderCtx, cancel := context.WithCancel(context.Background())
	leader := make(chan error, 1)
	go func() {
		_, err := l.rules(leaderCtx, api, 1, l.freshFor)
		leader <- err
	}()
	<-api.started
	other := make(chan map[string]listedRule, 1)
	go func() {
		rules, err := l.rules(context.Background(), api, 1, l.freshFor)
		if err != nil {
			t.Errorf("the other caller: %v", err)
		}
		other <- rules
	}()
	cancel()
	g.Eventually(leader, 10*time.Second).Should(Receive(MatchError(context.Canceled)), "the leader returns with its own context")
	close(api.release)
	g.Expect(<-other).To(HaveKey("7"))
	api.mu.Lock()
	g.Expect(api.ctxErrs[0]).NotTo(HaveOccurred(), "the shared load was not cancelled with its leader")
	api.mu.Unlock()

	calls := api.calls.Load()
	_, err := l.rules(context.Background(), api, 1, l.freshFor)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(api.calls.Load()).To(Equal(calls), "the listing was kept")
}
