package memlimit

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestApply(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	for _, tc := range []struct {
		name, gomemlimit, limit string
		want                    int64
	}{
		{"three quarters of the container limit", "", "268435456", 201326592},
		{"an explicit GOMEMLIMIT wins", "64MiB", "268435456", 0},
		{"no limit", "", "", 0},
		{"not a number", "", "256Mi", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetMemoryLimit(math.MaxInt64)
			t.Setenv("GOMEMLIMIT", tc.gomemlimit)
			t.Setenv("TEST_MEMORY_LIMIT", tc.limit)
			if got := Apply("TEST_MEMORY_LIMIT"); got != tc.want {
				t.Fatalf("Apply = %d, want %d", got, tc.want)
			}
			want := tc.want
			if want == 0 {
				want = math.MaxInt64
			}
			if got := debug.SetMemoryLimit(-1); got != want {
				t.Fatalf("runtime limit = %d, want %d", got, want)
			}
		})
	}
}
