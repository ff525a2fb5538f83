package verdict_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/mor-operator/mor-operator/internal/verdict"
)

type classified struct{ v verdict.Verdict }

func (c classified) Error() string            { return "classified" }
func (c classified) Verdict() verdict.Verdict { return c.v }

func TestOf(t *testing.T) {
	after := verdict.Verdict{Message: "busy", Retry: verdict.RetryAfterDelay, After: 3 * time.Second}
	for _, tc := range []struct {
		name string
		err  error
		want verdict.Verdict
	}{
		{"plain error is transient, shown as is", errors.New("dial tcp: refused"),
			verdict.Verdict{Message: "dial tcp: refused", Retry: verdict.RetryBackoff}},
		{"stalled waits for the poll, message without the reason prefix",
			verdict.Stalled(verdict.ReasonConflict, "owned by %q", "a"),
			verdict.Verdict{Reason: verdict.ReasonConflict, Message: `owned by "a"`, Retry: verdict.RetryPoll}},
		{"a wrapped classifier decides", fmt.Errorf("observe: %w", classified{after}), after},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verdict.Of(tc.err); got != tc.want {
				t.Errorf("Of() = %+v, want %+v", got, tc.want)
			}
		})
	}
}
