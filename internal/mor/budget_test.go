package mor

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mor-operator/mor-operator/internal/verdict"
)

// A spent budget refuses at once, without a request, with a verdict to come back when
// the limiter allows; the refusal reserves nothing, and a listing under way finishes.
func TestRateLimitNeverWaits(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		qps       float64
		burst     int
		calls     int
		advance   time.Duration // before the last call
		wantSent  int
		wantAfter time.Duration // verdict of the last call; 0 = it succeeded
	}{
		{"within the burst", 1, 3, 3, 0, 3, 0},
		{"burst spent", 1, 2, 3, 0, 2, time.Second},
		{"slow limit", 0.001, 1, 2, 0, 1, 1000 * time.Second},
		{"refusals reserve nothing", 2, 1, 4, 0, 1, 500 * time.Millisecond},
		{"budget back in time", 2, 1, 2, 500 * time.Millisecond, 2, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeMOR(t, answer("<page><version>X17</version></page>"))
			observed := 0
			c := newTestClient(t, srv.URL, func(c *Config) {
				c.QPS, c.Burst = tt.qps, tt.burst
				c.Observer = func(string, string, time.Duration) { observed++ }
			})
			clock := now
			c.now = func() time.Time { return clock }
			var err error
			for i := range tt.calls {
				if i == tt.calls-1 {
					clock = clock.Add(tt.advance)
				}
				start := time.Now()
				_, err = c.SystemVersion(context.Background())
				if waited := time.Since(start); waited > time.Second {
					t.Fatalf("call %d waited %s", i, waited)
				}
			}
			if n := len(srv.seen()); n != tt.wantSent || observed != tt.wantSent {
				t.Errorf("sent %d, observed %d, want %d", n, observed, tt.wantSent)
			}
			if tt.wantAfter == 0 {
				if err != nil {
					t.Fatalf("last call: %v", err)
				}
				return
			}
			v := verdict.Of(err)
			if refill := time.Duration(float64(tt.burst) / tt.qps * float64(time.Second)); v.Retry != verdict.Defer || v.After < tt.wantAfter || v.After > tt.wantAfter+min(refill, maxRefillJitter) {
				t.Errorf("last call: err %v, verdict %+v; want throttled after %s", err, v, tt.wantAfter)
			}
		})
	}
}

// fakeClock is a Client's clock whose sleeps advance it, recording when each request
// was sent.
type fakeClock struct {
	now  time.Time
	sent []time.Time
}

func useFakeClock(c *Client) *fakeClock {
	f := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c.now = func() time.Time { return f.now }
	c.sleep = func(_ context.Context, d time.Duration) error { f.now = f.now.Add(d); return nil }
	c.observer = func(string, string, time.Duration) { f.sent = append(f.sent, f.now) }
	return f
}

// A listing that has begun reads all its pages even when they exceed the burst: each
// further page waits for its own token, so the listing is never sent faster than the
// budget, and the next read finds the budget as the pages left it.
func TestListingPagesWaitForTheirTokens(t *testing.T) {
	srv := newFakeMOR(t, pagedRules(250, false))
	c := newTestClient(t, srv.URL, func(c *Config) { c.QPS, c.Burst = 1, 1 })
	clock := useFakeClock(c)
	start := clock.now
	got, err := c.ListLocationRules(context.Background(), 7)
	if err != nil || len(got) != 250 {
		t.Fatalf("%d rules, err %v", len(got), err)
	}
	if want := []time.Time{start, start.Add(time.Second), start.Add(2 * time.Second)}; !slices.Equal(clock.sent, want) {
		t.Errorf("pages sent at %v, want one a second from the start", clock.sent)
	}
	_, err = c.ListLocationRules(context.Background(), 7)
	if v := verdict.Of(err); v.Retry != verdict.Defer || v.After < time.Second || v.After > 2*time.Second {
		t.Errorf("a read right after the listing: %+v, want deferred for 1s (+ jitter)", v)
	}
}

// Writes never take the server past its budget: over any window of length T at most
// rate×T + burst requests are sent, however many writes there are; a write whose token
// is further off than maxBorrowWait, or than its deadline, is deferred unsent.
func TestWritesStayWithinTheBudget(t *testing.T) {
	const qps, burst, writes = 5, 10, 60
	srv := newFakeMOR(t, answer("<page><status>Location rule updated</status></page>"))
	c := newTestClient(t, srv.URL, func(c *Config) { c.QPS, c.Burst = qps, burst })
	clock := useFakeClock(c)
	for i := range writes {
		if err := c.UpdateLocationRule(context.Background(), 1, Fields{"name": "x"}); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	for _, window := range []time.Duration{time.Second, 5 * time.Second, 10 * time.Second} {
		bound := int(qps*window.Seconds()) + burst
		for i, from := range clock.sent {
			n := 0
			for _, at := range clock.sent[i:] {
				if at.Sub(from) < window {
					n++
				}
			}
			if n > bound {
				t.Fatalf("%d writes sent within %s from %s, bound %d", n, window, from.Sub(clock.sent[0]), bound)
			}
		}
	}
	if len(srv.seen()) != writes {
		t.Fatalf("sent %d, want %d", len(srv.seen()), writes)
	}

	t.Run("a token too far off defers the write", func(t *testing.T) {
		slow := newTestClient(t, srv.URL, func(c *Config) { c.QPS, c.Burst = 0.01, 1 })
		useFakeClock(slow)
		_ = slow.UpdateLocationRule(context.Background(), 1, Fields{"name": "x"})
		err := slow.UpdateLocationRule(context.Background(), 1, Fields{"name": "x"})
		if v := verdict.Of(err); v.Retry != verdict.Defer || v.After < 100*time.Second {
			t.Errorf("second write at 0.01/s: %v (%+v), want deferred ~100s", err, v)
		}
	})
	t.Run("a token past the deadline defers the write", func(t *testing.T) {
		tight := newTestClient(t, srv.URL, func(c *Config) { c.QPS, c.Burst = 1, 1 })
		clock := useFakeClock(tight)
		_ = tight.UpdateLocationRule(context.Background(), 1, Fields{"name": "x"})
		ctx, cancel := context.WithDeadline(context.Background(), clock.now.Add(500*time.Millisecond))
		defer cancel()
		err := tight.UpdateLocationRule(ctx, 1, Fields{"name": "x"})
		if v := verdict.Of(err); v.Retry != verdict.Defer {
			t.Errorf("write whose token comes after its deadline: %v (%+v), want deferred", err, v)
		}
	})
}

// fakeBreaker refuses or records what the client tells it.
type fakeBreaker struct {
	refuse   error
	admitted int
	outcomes []error
}

func (g *fakeBreaker) Admit(context.Context) (func(error), error) {
	if g.refuse != nil {
		return nil, g.refuse
	}
	g.admitted++
	return func(err error) { g.outcomes = append(g.outcomes, err) }, nil
}

type classified struct{}

func (classified) Error() string { return "held" }
func (classified) Verdict() verdict.Verdict {
	return verdict.Verdict{Message: "held", Retry: verdict.RetryAfterDelay, After: time.Minute}
}

func TestBreaker(t *testing.T) {
	t.Run("refused: no request, the refusal's verdict, still an *Error", func(t *testing.T) {
		srv := newFakeMOR(t, answer("<page><version>X17</version></page>"))
		g := &fakeBreaker{refuse: classified{}}
		_, err := newTestClient(t, srv.URL, func(c *Config) { c.Breaker = g }).SystemVersion(context.Background())
		if len(srv.seen()) != 0 || verdict.Of(err).After != time.Minute || ClassOf(err) != Transient {
			t.Errorf("sent %d, err %v, verdict %+v", len(srv.seen()), err, verdict.Of(err))
		}
		var e *Error
		if !errors.As(err, &e) || e.Method != SystemVersionGet {
			t.Errorf("err %v has no *Error with the method", err)
		}
	})
	t.Run("admitted: told the outcome, which the caller gets", func(t *testing.T) {
		srv := newFakeMOR(t, answer("<page><error>Incorrect hash</error></page>"))
		g := &fakeBreaker{}
		_, err := newTestClient(t, srv.URL, func(c *Config) { c.Breaker = g }).SystemVersion(context.Background())
		if g.admitted != 1 || len(g.outcomes) != 1 || ClassOf(g.outcomes[0]) != Authentication {
			t.Errorf("breaker saw %d admitted, outcomes %v", g.admitted, g.outcomes)
		}
		if ClassOf(err) != Authentication {
			t.Errorf("err = %v, want MOR's refusal", err)
		}
	})
	t.Run("refused: the budget's token is given back", func(t *testing.T) {
		srv := newFakeMOR(t, answer("<page><version>X17</version></page>"))
		g := &fakeBreaker{refuse: classified{}}
		c := newTestClient(t, srv.URL, func(c *Config) { c.Breaker, c.QPS, c.Burst = g, 0.001, 1 })
		for range 3 {
			if _, err := c.SystemVersion(context.Background()); verdict.Of(err).Message != "held" {
				t.Fatalf("err = %v, want the breaker's refusal", err)
			}
		}
		g.refuse = nil
		if _, err := c.SystemVersion(context.Background()); err != nil {
			t.Fatalf("the one token was spent on refusals: %v", err)
		}
	})
	t.Run("refused: the authentication probe slot is given back", func(t *testing.T) {
		srv := newFakeMOR(t, answer("<page><error>Incorrect hash</error></page>"))
		g := &fakeBreaker{}
		c := newTestClient(t, srv.URL, func(c *Config) { c.Breaker = g })
		now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		c.now = func() time.Time { return now }
		_, _ = c.SystemVersion(context.Background()) // refused: auth hold begins
		now = now.Add(time.Hour)                     // the hold's probe is due
		g.refuse = classified{}
		_, _ = c.SystemVersion(context.Background()) // the probe, refused by the breaker: never sent
		g.refuse = nil
		_, _ = c.SystemVersion(context.Background()) // so this one may probe
		if n := len(srv.seen()); n != 2 {
			t.Errorf("sent %d, want 2 (the first call and the second probe)", n)
		}
	})
	t.Run("probe bypasses breaker and budget", func(t *testing.T) {
		srv := newFakeMOR(t, answer("<page><version>X17</version></page>"))
		g := &fakeBreaker{refuse: classified{}}
		c := newTestClient(t, srv.URL, func(c *Config) { c.Breaker, c.QPS, c.Burst = g, 0.001, 1 })
		for range 3 {
			if err := c.Probe(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if len(srv.seen()) != 3 {
			t.Errorf("sent %d, want 3", len(srv.seen()))
		}
	})
}
