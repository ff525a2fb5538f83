package breaker

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	testingclock "k8s.io/utils/clock/testing"

	"github.com/mor-operator/mor-operator/internal/verdict"
)

// step is one thing that happens to a breaker, and what must follow.
type step struct {
	admit      bool          // a caller asks
	done       *Outcome      // the last admitted call ends so
	probe      *Outcome      // the running probe ends so (it must be running)
	retryAfter time.Duration // with done or probe
	advance    time.Duration

	// for admit: "" = admitted, else "wait" or "unavailable"
	want string
	// bounds of the refusal's After (inclusive; max 0 = no check)
	minAfter, maxAfter time.Duration
	// events so far, e.g. "open close"
	events string
}

func out(o Outcome) *Outcome { return &o }

var errDown = errors.New("connection refused")

func TestBreaker(t *testing.T) {
	const (
		initial = time.Second
		spread  = 10 * time.Second
	)
	ready := []step{{admit: true, want: "wait", minAfter: minWait, maxAfter: 2 * minWait}, {probe: out(Success)}, {admit: true}}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first caller waits for the probe; a healthy server then admits all", append(ready,
			step{admit: true}, step{admit: true}, step{done: out(Success), events: ""})},
		{"a dead server opens at once from its first probe; callers held until the next",
			[]step{
				{admit: true, want: "wait"},
				{probe: out(Failure), events: "open"},
				{admit: true, want: "unavailable", minAfter: initial, maxAfter: 2 * initial},
				{advance: initial},
				{admit: true, want: "unavailable", minAfter: minWait, maxAfter: minWait + initial}, // starts the probe
				{admit: true, want: "unavailable"},
				{probe: out(Failure), events: "open"}, // reopened: no second event
				{admit: true, want: "unavailable", minAfter: 2 * initial, maxAfter: 4 * initial},
				{advance: 2 * initial},
				{admit: true, want: "unavailable"},
				{probe: out(Success), events: "open close"},
				{admit: true},
			}},
		{"failures open after the threshold in a row; a success in between resets", append(ready,
			step{admit: true}, step{admit: true}, step{admit: true},
			step{done: out(Failure)}, step{done: out(Failure)}, step{done: out(Success)},
			step{admit: true}, step{admit: true}, step{admit: true},
			step{done: out(Failure)}, step{done: out(Failure)}, step{admit: true, want: ""},
			step{done: out(Failure), events: "open"},
			step{admit: true, want: "unavailable"})},
		{"a timeout opens at once", append(ready,
			step{done: out(Hung), events: "open"}, step{admit: true, want: "unavailable"})},
		{"Retry-After holds the whole server until then", append(ready,
			step{done: out(Failure), retryAfter: time.Minute, events: "open"},
			step{admit: true, want: "unavailable", minAfter: time.Minute, maxAfter: time.Minute + spread},
			step{advance: 59 * time.Second},
			step{admit: true, want: "unavailable", minAfter: time.Second, maxAfter: time.Second + spread})},
		{"a rejected request is an answer; the caller giving up says nothing", append(ready,
			step{admit: true}, step{admit: true}, step{admit: true},
			step{done: out(Ignored)}, step{done: out(Ignored)}, step{done: out(Ignored)},
			step{admit: true, want: ""})},
		{"a hanging call holds new callers without opening", append(ready,
			step{advance: DefaultSlowAfter + time.Second},
			step{admit: true, want: "unavailable", minAfter: DefaultSlowAfter, maxAfter: 2 * DefaultSlowAfter},
			step{done: out(Success)}, step{admit: true})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := testingclock.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			var (
				events  []string
				probes  = make(chan chan result, 1)
				probed  = make(chan struct{}, 1)
				tickets []*Ticket
			)
			b := New(Config{
				Name: "MOR server ns/x", Clock: clk, Initial: initial, Max: time.Minute,
				Spread: spread,
				Probe: func(context.Context) (Outcome, time.Duration, error) {
					answer := make(chan result)
					probes <- answer
					r := <-answer
					return r.o, r.retryAfter, r.err
				},
				OnOpen:  func(error, time.Time) { events = append(events, "open") },
				OnClose: func() { events = append(events, "close") },
			})
			b.probed = func() { probed <- struct{}{} }
			for i, s := range tt.steps {
				switch {
				case s.advance > 0:
					clk.Step(s.advance)
				case s.admit:
					tk, err := b.Admit()
					if got := kind(err); got != s.want {
						t.Fatalf("step %d: admit = %q (%v), want %q", i, got, err, s.want)
					}
					if tk != nil {
						tickets = append(tickets, tk)
					}
					if err != nil && s.maxAfter > 0 {
						if a := verdict.Of(err).After; a < s.minAfter || a > s.maxAfter {
							t.Errorf("step %d: after %s, want in [%s, %s]", i, a, s.minAfter, s.maxAfter)
						}
					}
				case s.done != nil:
					tk := tickets[0]
					tickets = tickets[1:]
					tk.Done(*s.done, s.retryAfter, errDown)
				case s.probe != nil:
					select {
					case answer := <-probes:
						answer <- result{*s.probe, s.retryAfter, errDown}
						<-probed
					case <-time.After(10 * time.Second):
						t.Fatalf("step %d: no probe running", i)
					}
				}
				if s.done != nil || s.probe != nil {
					if got := strings.Join(events, " "); got != s.events {
						t.Errorf("step %d: events %q, want %q", i, got, s.events)
					}
				}
			}
			select {
			case <-probes:
				t.Errorf("a probe is left running")
			default:
			}
		})
	}
}

type result struct {
	o          Outcome
	retryAfter time.Duration
	err        error
}

func kind(err error) string {
	var (
		u *UnavailableError
		w *waitError
	)
	switch {
	case err == nil:
		return ""
	case errors.As(err, &u):
		return "unavailable"
	case errors.As(err, &w):
		return "wait"
	}
	return err.Error()
}

// What a held resource shows: Unavailable is transient, announced once per server, with
// the cause and since when (the same text for the whole outage); waiting for the first
// probe records nothing.
func TestVerdicts(t *testing.T) {
	at := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	u := verdict.Of(&UnavailableError{Server: "MOR server ns/x", Cause: errDown, Since: at, After: 3 * time.Second})
	if u.Reason != "" || !u.Announced || u.Retry != verdict.RetryAfterDelay || u.After != 3*time.Second ||
		u.Message != "MOR server ns/x unavailable since 2026-01-01T12:00:00Z: connection refused" {
		t.Errorf("unavailable: %+v", u)
	}
	w := verdict.Of(&waitError{server: "MOR server ns/x", after: time.Second})
	if w.Retry != verdict.Defer || w.After != time.Second {
		t.Errorf("wait: %+v", w)
	}
}
