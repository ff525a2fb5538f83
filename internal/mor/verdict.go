package mor

import (
	"errors"
	"strings"

	"github.com/mor-operator/mor-operator/internal/verdict"
)

// Verdict says what the error means for the resource that met it: refused credentials
// and rejections need a person and show MOR's text verbatim; a transient fault retries
// with backoff, or after the server's Retry-After.
func (e *Error) Verdict() verdict.Verdict {
	var c verdict.Classifier // a cause that knows better: the server's breaker
	if e.Err != nil && errors.As(e.Err, &c) {
		return c.Verdict()
	}
	if v, ok := tlsVerdict(e.Err); ok {
		return v
	}
	switch {
	case e.Class == Authentication:
		return verdict.Verdict{Reason: verdict.ReasonAuthenticationFailed, Message: CredentialsRefused(e.Message(), serverCredentials),
			Retry: verdict.RetryAuth, After: e.RetryAfter}
	case e.Class == Rejected:
		return verdict.Verdict{Reason: verdict.ReasonRejected, Message: e.Message(), Retry: verdict.RetryPoll}
	case e.RetryAfter > 0:
		return verdict.Verdict{Message: e.Error(), Retry: verdict.RetryAfterDelay, After: e.RetryAfter}
	}
	return verdict.Verdict{Message: e.Error(), Retry: verdict.RetryBackoff}
}

// serverCredentials is where a resource's status sends a user whose credentials MOR
// refused.
const serverCredentials = "spec.username and the key in spec.secretKeyRef of the MorServer"

// Message is MOR's error text verbatim, then any <message> details MOR sent beside it
// (e.g. "Rule must be unique: Conflicts with rule 12"): all of MOR's words.
func (e *Error) Message() string {
	m := e.Text
	if len(e.Details) > 0 {
		m += ": " + strings.Join(e.Details, "; ")
	}
	if len(m) > maxMessage { // a condition message over 32768 bytes fails the whole status write
		m = strings.ToValidUTF8(m[:maxMessage], "") + "…"
	}
	return m
}

// maxMessage bounds what status and events carry of one MOR answer.
const maxMessage = 4096
