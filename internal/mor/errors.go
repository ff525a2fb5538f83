package mor

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// authenticationTexts are the MOR error texts that mean "MOR refused who we are"; every
// other MOR error text is Rejected. This list is the only place that decides it.
var authenticationTexts = []string{
	"Incorrect hash",
	"Access Denied",
	"API Requests are disabled",
	"GET Requests are disabled",
	"API must have Secret Key",
}

// classifyText returns the Class of a MOR error text.
func classifyText(text string) Class {
	for _, t := range authenticationTexts {
		if strings.EqualFold(text, t) {
			return Authentication
		}
	}
	return Rejected
}

// IsNotFound reports whether err is MOR saying that the DID or location rule the call
// named does not exist: a Rejected *Error with one of its method's not-found texts (an
// *Error without Method, a hand-made one, matches on the text alone).
func IsNotFound(err error) bool {
	var e *Error
	if !errors.As(err, &e) || e.Class != Rejected {
		return false
	}
	if e.Method != nil {
		return slices.Contains(e.Method.notFound, e.Text)
	}
	for _, m := range methods {
		if slices.Contains(m.notFound, e.Text) {
			return true
		}
	}
	return false
}

// ClassOf returns the Class of err, or 0 when err is not (and does not wrap) an *Error.
func ClassOf(err error) Class {
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	return 0
}

// maxRetryAfter caps a server's Retry-After so a silly value cannot park a resource.
const maxRetryAfter = time.Hour

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP-date, relative to
// now. A missing, malformed or past value gives 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	if d <= 0 {
		return 0
	}
	return min(d, maxRetryAfter)
}
