package mor

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/mor-operator/mor-operator/internal/verdict"
)

// admit takes one request from the server's budget. No call is sent before its token is
// there, so over any window of length T the server receives at most rate×T + burst
// requests, however many resources want it.
//
// A read never waits: when the budget is spent it is deferred to when the budget
// allows, plus a jitter of up to the time the budget takes to refill, so the callers
// deferred together do not all come back for the same token; the refusal reserves
// nothing. A borrowing call (a write, or a further page of a listing under way) follows
// the read that decided it, and deferring it would cost that read again: it reserves
// the next token and waits for it instead — reads cannot take a token reserved ahead of
// them, so the wait is short unless many writes queue. Only a token further off than
// maxBorrowWait (a very low rateLimit) or than the call's deadline defers it after all.
// The returned func gives the token back when the call is not sent after all.
func (c *Client) admit(ctx context.Context, method *Method, borrow bool) (giveBack func(), err error) {
	now := c.now()
	r := c.limiter.ReserveN(now, 1)
	if !r.OK() {
		return nil, &Error{Class: Transient, Method: method, Err: errors.New("the client rate limit allows no request")}
	}
	d := r.DelayFrom(now)
	if d > 0 && (!borrow || d > maxBorrowWait || beyondDeadline(ctx, now.Add(d))) {
		r.CancelAt(now)
		d += c.refillJitter()
		return nil, verdict.Deferred(d, "MOR %s: this server's request budget is spent; retrying in %s", method, d.Round(time.Millisecond))
	}
	if d > 0 {
		if err := c.sleep(ctx, d); err != nil {
			r.CancelAt(now)
			return nil, &Error{Class: Transient, Method: method, Err: err}
		}
	}
	return func() { r.CancelAt(now) }, nil
}

// maxBorrowWait is the longest a borrowing call waits for its token.
const maxBorrowWait = 5 * time.Second

func beyondDeadline(ctx context.Context, t time.Time) bool {
	deadline, ok := ctx.Deadline()
	return ok && t.After(deadline)
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
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
