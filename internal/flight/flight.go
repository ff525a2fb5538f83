// Package flight shares one load between every caller asking for the same key at the
// same time (single-flight), the load detached from any one caller: a caller giving up
// returns at once without failing the others, which still get the load's result.
package flight

import (
	"context"

	"golang.org/x/sync/singleflight"
)

// Do runs load once for the callers of key waiting together on g, with a context that
// is not cancelled with ctx (the load's own timeouts bound it), and returns its result,
// or ctx's error when ctx ends first.
func Do[T any](ctx context.Context, g *singleflight.Group, key string, load func(ctx context.Context) (T, error)) (T, error) {
	detached := context.WithoutCancel(ctx)
	ch := g.DoChan(key, func() (any, error) { return load(detached) })
	var zero T
	select {
	case <-ctx.Done():
		return zero, ctx.Err()
	case res := <-ch:
		if res.Err != nil {
			return zero, res.Err
		}
		return res.Val.(T), nil
	}
}
