// Package verdict classifies what an error means for a resource: progress that needs a
// person (Stalled, with a reason), refused credentials, or a transient failure to retry.
// It is a leaf: the shared loop reads verdicts, and the MOR client, the connection
// resolver and the adapters give them, without knowing each other.
package verdict

import (
	"errors"
	"fmt"
	"time"
)

// Stalled reasons: each needs a person to act.
const (
	ReasonAuthenticationFailed = "AuthenticationFailed"
	ReasonRejected             = "Rejected"
	ReasonServerNotFound       = "ServerNotFound"
	ReasonSecretNotFound       = "SecretNotFound"
	ReasonInvalidServer        = "InvalidServer"
	ReasonConflict             = "Conflict"
	ReasonAdoptedRuleGone      = "AdoptedRuleGone"
	// ReasonAlreadyExists: MOR holds an object identical to the one the resource would
	// create, not made by it; the operator never takes it over unasked.
	ReasonAlreadyExists = "AlreadyExists"
	// ReasonUnsupportedByServer: the server's version lacks a method the resource needs.
	ReasonUnsupportedByServer = "UnsupportedByServer"
	// ReasonTLSVerificationFailed: the server's certificate does not verify (unknown
	// authority, a host name it is not valid for, expired); retrying cannot help until
	// the CA bundle, the URL or the certificate changes.
	ReasonTLSVerificationFailed = "TLSVerificationFailed"
	// ReasonInvalidCABundle: spec.tls.caBundleSecretRef names a Secret key that holds no
	// PEM certificate.
	ReasonInvalidCABundle = "InvalidCABundle"
	// ReasonReferenceNotFound: a name in the spec names nothing on the resource's MOR.
	ReasonReferenceNotFound = "ReferenceNotFound"
	// ReasonAmbiguousReference: a name in the spec names several objects on the MOR.
	ReasonAmbiguousReference = "AmbiguousReference"
)

// ReasonWaitingForServer is the Ready reason of a new resource whose MorServer does not
// exist yet: applied together, it may arrive after the resource (see
// StalledError.WaitReason).
const ReasonWaitingForServer = "WaitingForServer"

// Retry says when to try again.
type Retry int

const (
	// RetryBackoff retries with the workqueue's exponential backoff (transient errors).
	RetryBackoff Retry = iota
	// RetryPoll retries at the resource's poll interval: a person must act first.
	RetryPoll
	// RetryAuth retries at the slow authentication retry interval, or sooner when After
	// says when the server's next probe is due.
	RetryAuth
	// RetryAfterDelay retries after Verdict.After, as the server asked.
	RetryAfterDelay
	// Defer retries after Verdict.After without reporting anything: nothing failed, the
	// work was only postponed (a server's request budget is spent for now).
	Defer
)

// Verdict is what an error means for the resource that met it.
type Verdict struct {
	// Reason is the Stalled condition's reason, or "" when no person needs to act.
	Reason string
	// Message is what status and events show.
	Message string
	Retry   Retry
	// After is the delay for RetryAfterDelay, and the earlier retry for RetryAuth.
	After time.Duration
	// Announced is set when the error is the state of a whole server, announced once by
	// an event on its MorServer: resources show it in status but raise no event each.
	Announced bool
	// WaitReason is StalledError.WaitReason.
	WaitReason string
}

// Classifier is implemented by errors that know their own verdict.
type Classifier interface {
	Verdict() Verdict
}

// Of returns err's verdict: the first Classifier in its chain decides; anything else is
// transient, shown as err.Error().
func Of(err error) Verdict {
	var c Classifier
	if errors.As(err, &c) {
		return c.Verdict()
	}
	return Verdict{Message: err.Error(), Retry: RetryBackoff}
}

// StalledError stops progress until a person acts; Reason becomes the Stalled
// condition's reason.
type StalledError struct {
	Reason  string
	Message string
	// WaitReason, when set, says that what is missing may simply not have arrived yet
	// (objects applied together arrive in any order): a resource created less than a
	// grace period ago waits quietly, Ready False with this reason, before the stall is
	// reported.
	WaitReason string
}

func (e *StalledError) Error() string { return fmt.Sprintf("%s: %s", e.Reason, e.Message) }

// Verdict implements Classifier.
func (e *StalledError) Verdict() Verdict {
	return Verdict{Reason: e.Reason, Message: e.Message, Retry: RetryPoll, WaitReason: e.WaitReason}
}

// Stalled returns a StalledError.
func Stalled(reason, format string, args ...any) error {
	return &StalledError{Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Deferred returns an error that postpones the work by after, reporting nothing.
func Deferred(after time.Duration, format string, args ...any) error {
	return &deferredError{after: after, msg: fmt.Sprintf(format, args...)}
}

type deferredError struct {
	after time.Duration
	msg   string
}

func (e *deferredError) Error() string { return e.msg }

// Verdict implements Classifier.
func (e *deferredError) Verdict() Verdict {
	return Verdict{Message: e.msg, Retry: Defer, After: e.after}
}
