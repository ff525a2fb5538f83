package mor

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/mor-operator/mor-operator/internal/verdict"
)

// Gate decides whether a call may go to the server at all (a circuit breaker), and
// learns from each call's outcome. Admit never blocks: a refusal is returned to the
// caller as is. done receives the call's error (nil on success).
type Gate interface {
	Admit(ctx context.Context) (done func(error), err error)
}

// admit takes one request from the server's budget without waiting: when the budget is
// spent, the call is deferred to when it allows, plus a jitter of up to the time the
// budget takes to refill, so the callers deferred together do not all come back for the
// same token. A refusal reserves nothing. A borrowing call (a further page of a
// listing under way, a write) takes the token even when it is not there yet: its cost
// delays the calls after it instead. The returned func gives the token back when the
// call is not sent after all.
func (c *Client) admit(method *Method, borrow bool) (giveBack func(), err error) {
	now := c.now()
	r := c.limiter.ReserveN(now, 1)
	if !r.OK() {
		return nil, &Error{Class: Transient, Method: method, Err: errors.New("the client rate limit allows no request")}
	}
	if d := r.DelayFrom(now); d > 0 && !borrow {
		r.CancelAt(now)
		d += c.refillJitter()
		return nil, verdict.Deferred(d, "MOR %s: this server's request budget is spent; retrying in %s", method, d.Round(time.Millisecond))
	}
	return func() { r.CancelAt(now) }, nil
}

// refillJitter is a random delay of up to the time an empty budget takes to refill.
func (c *Client) refillJitter() time.Duration {
	refill := time.Duration(float64(c.limiter.Burst()) / float64(c.limiter.Limit()) * float64(time.Second))
	if refill <= 0 {
		return 0
	}
	return rand.N(min(refill, maxRefillJitter))
}

const maxRefillJitter = 10 * time.Second

// Probe makes one signed system_version_get past the Gate, the rate limit and the
// authentication hold: the gate's own check of a server it holds calls from.
func (c *Client) Probe(ctx context.Context) error {
	_, err := c.send(ctx, SystemVersionGet, nil)
	return err
}
