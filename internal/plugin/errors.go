package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// inputError is an error about something the user chose (a location, a DID, a
// directory), with what to fix.
type inputError struct {
	what, fix string
	err       error
}

func (e *inputError) Error() string { return fmt.Sprintf("%s: %v", e.what, e.err) }
func (e *inputError) Unwrap() error { return e.err }

// serverError is an error met reading the MOR of one MorServer, when a command reads
// several (plan): the message names that one.
type serverError struct {
	namespace, server string
	err               error
}

func (e *serverError) Error() string { return e.err.Error() }
func (e *serverError) Unwrap() error { return e.err }

// Message turns any error of the plugin into one line that names what to fix. MOR's
// texts are quoted verbatim; the client never puts the key or a hash in an error.
func Message(err error, server string) string {
	var ie *inputError
	var me *mor.Error
	switch {
	case errors.As(err, &ie) && errors.As(err, &me) && me.Class == mor.Rejected:
		return oneLine(fmt.Sprintf("%s: MOR answered %q; %s", ie.what, me.Text, ie.fix))
	case errors.As(err, &me) && me.Class == mor.Authentication:
		return oneLine(mor.CredentialsRefused(me.Message(), server))
	case errors.As(err, &me) && verdict.Of(me).Reason == verdict.ReasonTLSVerificationFailed:
		// the operator's own words for it, not "cannot reach MOR" and Go's x509 chain
		return oneLine(fmt.Sprintf("%s (%s)", verdict.Of(me).Message, server))
	case errors.As(err, &me) && me.Class == mor.Transient:
		return oneLine(fmt.Sprintf("cannot reach MOR (%s): check the URL and that MOR is running: %v", server, me.Err))
	case errors.As(err, &ie):
		return oneLine(fmt.Sprintf("%v; %s", err, ie.fix))
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out: raise --mor-timeout or check that MOR answers"
	}
	return oneLine(err.Error())
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
