package mor

import (
	"sync"
	"time"
)

// While MOR refuses our credentials (often a key rotated in the Secret before MOR), a
// server's requests are held rather than sent: one probe goes through when the backoff
// ends, which starts short and doubles up to maxAuthRetry. A probe that MOR accepts
// opens the gate for everyone at once; a new key builds a new Client, with a new gate.
const (
	firstAuthRetry = 2 * time.Second
	maxAuthRetry   = 5 * time.Minute
	probeWait      = time.Second // how long others wait for a probe's answer
)

type authGate struct {
	// accepted, if set, is told when MOR accepts the credentials again after refusing
	// them, with the backoff the gate was closed for.
	accepted func(backoff time.Duration)

	mu       sync.Mutex
	failures int
	until    time.Time // the next probe
	backoff  time.Duration
	probing  bool
	last     Error // the refusal that closed the gate
}

// held returns, while the gate is closed, the refusal to answer instead of a request
// (with how long to wait); nil lets the request through, as the probe when it was
// closed.
func (g *authGate) held(method *Method, now time.Time) *Error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failures == 0 {
		return nil
	}
	wait := g.until.Sub(now)
	if wait <= 0 {
		if !g.probing {
			g.probing = true
			return nil
		}
		wait = probeWait
	}
	e := g.last
	e.Method, e.RetryAfter = method, wait
	return &e
}

// record learns from an answer: a refusal closes the gate for longer, anything MOR
// answered otherwise (success or another error) opens it. For a refusal it returns
// how long until the next probe, so that the caller comes back to make it.
func (g *authGate) record(err *Error, now time.Time) time.Duration {
	var reopened func()
	defer func() { // after the unlock below
		if reopened != nil {
			reopened()
		}
	}()
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case err != nil && err.Class == Authentication:
		// A refusal of a request sent before the gate closed (workers in flight) says
		// nothing new: only the first refusal and the probe's answer set the backoff.
		if g.failures == 0 || !now.Before(g.until) {
			g.probing = false
			g.failures++
			g.backoff = min(firstAuthRetry<<min(g.failures-1, 20), maxAuthRetry)
			g.until = now.Add(g.backoff)
			g.last = Error{Class: err.Class, Text: err.Text, Details: err.Details}
		}
		return g.until.Sub(now)
	case err == nil || err.Text != "": // an answer from MOR itself
		if g.failures > 0 && g.accepted != nil {
			backoff := g.backoff
			reopened = func() { g.accepted(backoff) }
		}
		g.failures, g.backoff = 0, 0
	}
	g.probing = false
	return 0
}

// unsent is told that a request held() let through was not sent after all (the budget
// or the server's breaker refused it): another may probe.
func (g *authGate) unsent() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.probing = false
}
