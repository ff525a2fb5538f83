// Package breaker keeps one server's availability as the operator sees it, so that a
// server that is down, hangs or sheds load costs the other servers nothing: callers are
// refused at once, with a verdict saying when to come back, and only the breaker's own
// probe (one at a time, in the background, never in a worker) talks to the server until
// it answers again. (Refused credentials are an answer: package mor holds those.)
package breaker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"k8s.io/client-go/util/flowcontrol"
	"k8s.io/utils/clock"

	"github.com/mor-operator/mor-operator/internal/verdict"
)

// Outcome is what one call says about the server.
type Outcome int

const (
	// Success: the server answered (refusing the request or our key counts).
	Success Outcome = iota
	// Failure: down, 5xx, an answer that is not MOR's; opens after Threshold in a row.
	Failure
	// Hung: no answer within the timeout; opens at once.
	Hung
	// Ignored: the caller gave up; says nothing about the server.
	Ignored
)

// Config tunes a Breaker; zero values take the defaults below.
type Config struct {
	// Name is how messages name the server ("MOR server ns/name").
	Name  string
	Clock clock.Clock
	// Initial and Max bound the time between probes of a server that is down.
	Initial, Max time.Duration
	// Threshold is how many failures in a row open the breaker.
	Threshold int
	// SlowAfter: while a call has waited longer for its answer, no other call is let
	// through, so a server that starts hanging holds at most the workers already in it.
	SlowAfter time.Duration
	// Spread is the most by which held callers' returns are jittered, so they come back
	// spread out rather than all at once when the server recovers.
	Spread time.Duration
	// Probe checks the server (one signed request); its outcome is classified like a call's.
	Probe func(ctx context.Context) (Outcome, time.Duration, error)
	// OnOpen and OnClose announce transitions (one event per server, not per resource).
	OnOpen  func(cause error, retryAt time.Time)
	OnClose func()
}

// Defaults.
const (
	DefaultInitial   = time.Second
	DefaultMax       = time.Minute
	DefaultThreshold = 3
	DefaultSlowAfter = 5 * time.Second
	DefaultSpread    = 30 * time.Second
	// minWait is the shortest time a caller held behind a running probe waits.
	minWait = 100 * time.Millisecond
)

type state int

const (
	unknown state = iota // no answer yet: a probe decides
	closed               // answering
	open                 // down, hanging or shedding load: probe at until
)

// key is the one entry of the Backoff.
const key = "server"

// Breaker is one server's state. It is safe for concurrent use.
type Breaker struct {
	cfg Config
	// backoff spaces the probes (its one entry restarts from the initial value once the
	// server behaved for twice the maximum).
	backoff *flowcontrol.Backoff

	mu       sync.Mutex
	state    state
	failures int       // in a row, while closed
	until    time.Time // open: next probe
	since    time.Time // open: when it opened
	cause    error     // open: the error that put it there
	probing  time.Time // start of the running probe; zero when none
	inflight map[uint64]time.Time
	seq      uint64

	probed func() // tests: called after a probe's outcome is recorded
}

// New returns a Breaker in the unknown state: the first caller starts a probe.
func New(cfg Config) *Breaker {
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.Initial, DefaultInitial)
	def(&cfg.Max, DefaultMax)
	def(&cfg.SlowAfter, DefaultSlowAfter)
	def(&cfg.Spread, DefaultSpread)
	if cfg.Threshold <= 0 {
		cfg.Threshold = DefaultThreshold
	}
	return &Breaker{
		cfg:      cfg,
		inflight: map[uint64]time.Time{},
		backoff:  flowcontrol.NewFakeBackOff(cfg.Initial, cfg.Max, cfg.Clock),
	}
}

// Ticket is one admitted call; Done must be called with its outcome.
type Ticket struct {
	b  *Breaker
	id uint64
}

// Admit lets a call through, or refuses it with an error whose verdict says when to
// come back. It never blocks.
func (b *Breaker) Admit() (*Ticket, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.cfg.Clock.Now()
	switch b.state {
	case closed:
		for _, start := range b.inflight {
			if waited := now.Sub(start); waited > b.cfg.SlowAfter {
				return nil, &UnavailableError{Server: b.cfg.Name, Cause: fmt.Errorf("no answer to a request for over %s", b.cfg.SlowAfter),
					Since: start, After: b.cfg.SlowAfter + b.jitter(b.cfg.SlowAfter)}
			}
		}
		b.seq++
		b.inflight[b.seq] = now
		return &Ticket{b: b, id: b.seq}, nil
	case unknown:
		b.startProbeLocked(now)
		waited := now.Sub(b.probing)
		wait := max(minWait, waited)
		if waited < b.cfg.SlowAfter { // the usual case: a healthy server answers in ms
			return nil, &waitError{server: b.cfg.Name, after: wait + b.jitter(wait)}
		}
		return nil, &UnavailableError{Server: b.cfg.Name, Cause: fmt.Errorf("no answer to a probe for over %s", b.cfg.SlowAfter),
			Since: b.probing, After: wait + b.jitter(wait)}
	}
	// open: refuse; probe when due
	after := b.until.Sub(now)
	if after <= 0 {
		b.startProbeLocked(now)
		after = max(minWait, now.Sub(b.probing))
	}
	after += b.jitter(b.current())
	return nil, &UnavailableError{Server: b.cfg.Name, Cause: b.cause, Since: b.since, After: after}
}

// Done records the call's outcome (err is the call's error, the cause shown while open).
func (t *Ticket) Done(o Outcome, retryAfter time.Duration, err error) {
	b := t.b
	b.mu.Lock()
	delete(b.inflight, t.id)
	notify := b.recordLocked(o, retryAfter, err)
	b.mu.Unlock()
	notify()
}

// recordLocked moves the state on an outcome and returns the announcement to make
// once the lock is released.
func (b *Breaker) recordLocked(o Outcome, retryAfter time.Duration, err error) func() {
	now := b.cfg.Clock.Now()
	was := b.state
	switch o {
	case Success:
		b.state, b.failures, b.cause = closed, 0, nil
		b.backoff.Reset(key)
	case Failure, Hung:
		b.failures++
		if b.state == open && now.Before(b.until) {
			b.cause = err
			b.until = later(b.until, now.Add(retryAfter))
			break
		}
		if o == Failure && retryAfter <= 0 && b.state == closed && b.failures < b.cfg.Threshold {
			break
		}
		// Retry-After applies to the whole server: no probe before it.
		b.backoff.Next(key, now)
		if b.state != open {
			b.since = now
		}
		b.state, b.cause = open, err
		b.until = now.Add(max(b.backoff.Get(key), retryAfter))
	}
	switch {
	case b.state == open && was != open && b.cfg.OnOpen != nil:
		cause, until := b.cause, b.until
		return func() { b.cfg.OnOpen(cause, until) }
	case was == open && b.state != open && b.cfg.OnClose != nil:
		return b.cfg.OnClose
	}
	return func() {}
}

// startProbeLocked starts the background probe unless one is running.
func (b *Breaker) startProbeLocked(now time.Time) {
	if !b.probing.IsZero() || b.cfg.Probe == nil {
		return
	}
	b.probing = now
	go func() {
		o, retryAfter, err := b.cfg.Probe(context.Background())
		b.mu.Lock()
		b.probing = time.Time{}
		notify := func() {}
		if o != Ignored {
			notify = b.recordLocked(o, retryAfter, err)
		}
		probed := b.probed
		b.mu.Unlock()
		notify()
		if probed != nil {
			probed()
		}
	}()
}

// current is the window held callers are spread over: the current backoff, at most
// Spread.
func (b *Breaker) current() time.Duration {
	return min(max(b.backoff.Get(key), b.cfg.Initial), b.cfg.Spread)
}

func (b *Breaker) jitter(window time.Duration) time.Duration {
	if window <= 0 {
		return 0
	}
	return rand.N(window)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// UnavailableError refuses a call to a server that is down, hanging or shedding load.
// Its text stays the same for the whole outage (Since, not the next probe), so held
// resources write their status once, not at every retry.
type UnavailableError struct {
	Server string
	Cause  error
	Since  time.Time
	After  time.Duration
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("%s unavailable since %s: %v", e.Server, e.Since.UTC().Format(time.RFC3339), e.Cause)
}

func (e *UnavailableError) Unwrap() error { return e.Cause }

// Verdict implements verdict.Classifier: transient, shown in status, announced once per
// server rather than per resource, retried when the server may be back.
func (e *UnavailableError) Verdict() verdict.Verdict {
	return verdict.Verdict{Message: e.Error(), Retry: verdict.RetryAfterDelay, After: e.After, Announced: true}
}

// waitError holds a caller while the first probe of a server is out: no call was made
// and nothing is recorded.
type waitError struct {
	server string
	after  time.Duration
}

func (e *waitError) Error() string {
	return fmt.Sprintf("%s: waiting for its first probe; retrying in %s", e.server, e.after.Round(time.Millisecond))
}

func (e *waitError) Verdict() verdict.Verdict {
	return verdict.Verdict{Message: e.Error(), Retry: verdict.Defer, After: e.after}
}
