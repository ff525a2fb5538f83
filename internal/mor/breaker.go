package mor

import "context"

// Breaker decides whether a call may go to the server at all (a circuit breaker), and
// learns from each call's outcome. Admit never blocks: a refusal is returned to the
// caller as is. done receives the call's error (nil on success).
type Breaker interface {
	Admit(ctx context.Context) (done func(error), err error)
}

// Probe makes one signed system_version_get past the Breaker, the rate limit and the
// authentication hold: the breaker's own check of a server it holds calls from.
func (c *Client) Probe(ctx context.Context) error {
	_, err := c.send(ctx, SystemVersionGet, nil)
	return err
}
