package connection

import (
	"context"
	"testing"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
)

// Secret reads keep the caller's logger but never at client-go's body-dump level.
func TestWithoutBodyLogs(t *testing.T) {
	var got []string
	l := funcr.New(func(_, args string) { got = append(got, args) }, funcr.Options{Verbosity: 10})
	ctx := withoutBodyLogs(logr.NewContext(context.Background(), l))
	capped := logr.FromContextOrDiscard(ctx).WithName("client").WithValues("k", "v")
	for _, tt := range []struct {
		v       int
		enabled bool
	}{{0, true}, {6, true}, {7, true}, {8, false}, {10, false}} {
		if e := capped.V(tt.v).Enabled(); e != tt.enabled {
			t.Errorf("V(%d).Enabled() = %v, want %v", tt.v, e, tt.enabled)
		}
		capped.V(tt.v).Info("body")
	}
	if len(got) != 3 {
		t.Errorf("%d lines logged, want 3 (V0, V6, V7): %v", len(got), got)
	}
	if ctx := withoutBodyLogs(context.Background()); ctx != context.Background() {
		t.Error("a context without a logger should be returned as is")
	}
}
