// Package memlimit sets the Go runtime's soft memory limit to a fraction of the
// container's memory limit.
package memlimit

import (
	"os"
	"runtime/debug"
	"strconv"
)

// Fraction of the container limit given to the Go heap and runtime: the rest is left
// for what GOMEMLIMIT does not count (the binary's mapped pages, thread stacks), so the
// collector works hard before the kernel's OOM killer does.
const Fraction = 0.75

// Apply sets the limit to Fraction of the bytes in the environment variable env (the
// Deployment fills it from limits.memory). An explicit GOMEMLIMIT wins; no or a bad
// value leaves the runtime alone. It returns the limit set, or 0.
func Apply(env string) int64 {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0
	}
	limit, err := strconv.ParseInt(os.Getenv(env), 10, 64)
	if err != nil || limit <= 0 {
		return 0
	}
	soft := int64(float64(limit) * Fraction)
	debug.SetMemoryLimit(soft)
	return soft
}
