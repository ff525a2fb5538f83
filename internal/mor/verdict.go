package mor

import "github.com/mor-operator/mor-operator/internal/verdict"

// Verdict says what the error means for the resource that met it: refused credentials
// and rejections need a person and show MOR's text verbatim; a transient fault retries
// with backoff, or after the server's Retry-After.
func (e *Error) Verdict() verdict.Verdict {
	switch {
	case e.Class == Authentication:
		return verdict.Verdict{Reason: verdict.ReasonAuthenticationFailed, Message: e.Text, Retry: verdict.RetryAuth}
	case e.Class == Rejected:
		return verdict.Verdict{Reason: verdict.ReasonRejected, Message: e.Text, Retry: verdict.RetryPoll}
	case e.RetryAfter > 0:
		return verdict.Verdict{Message: e.Error(), Retry: verdict.RetryAfterDelay, After: e.RetryAfter}
	}
	return verdict.Verdict{Message: e.Error(), Retry: verdict.RetryBackoff}
}
