// Package mor is the operator's only way to talk to a Kolmisoft MOR server: signed POST
// calls of the legacy API (see docs/mor-api.md), typed errors, a per-server rate
// limit. The secret key and request hashes never leave this package.
package mor

import (
	"fmt"
	"net/http"
	"time"
)

// Fields holds MOR parameters by their MOR names (e.g. "tariff_id" → "3"): what a get
// answers and what an update or create sends. An unassigned id reads as "".
type Fields map[string]string

// Class says how a caller should react to an error.
type Class int

const (
	// Transient: network, timeout, 5xx, 429, a body that is not XML. Retry with backoff.
	Transient Class = iota + 1
	// Authentication: MOR refused who we are (hash, access, API or GET disabled, no key).
	Authentication
	// Rejected: any other MOR error answer, e.g. "Tariff was not found".
	Rejected
)

func (c Class) String() string {
	switch c {
	case Transient:
		return "Transient"
	case Authentication:
		return "Authentication"
	case Rejected:
		return "Rejected"
	}
	return "Unknown"
}

// Error is every error a Client returns. Text is MOR's error text verbatim (empty for
// transport faults); Err is the underlying cause, already free of secrets.
type Error struct {
	Class      Class
	Method     *Method // nil in a hand-made Error
	Text       string
	Details    []string      // sibling <message> elements, when MOR sends them
	RetryAfter time.Duration // from a 429/503 Retry-After header, else 0
	Err        error
}

func (e *Error) Error() string {
	if e.Text != "" {
		return fmt.Sprintf("MOR %s: %s", e.Method, e.Text)
	}
	return fmt.Sprintf("MOR %s: %v", e.Method, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// RequestObserver is told about every request a Client makes, for metrics.
// outcome is "success", or the error Class in lower case ("transient", ...).
type RequestObserver func(method, outcome string, elapsed time.Duration)

// Config is everything needed to build a Client for one MOR server.
type Config struct {
	BaseURL            string // e.g. https://mor.example.com/billing; "/api/<method>" is appended
	Username           string
	SecretKey          string
	Timeout            time.Duration // per request; 0 means 30s
	CACertPEM          []byte        // extra CAs to trust, PEM
	InsecureSkipVerify bool
	QPS                float64 // client-side rate limit; 0 means 5
	Burst              int     // 0 means 10
	Breaker            Breaker // optional: the server's circuit breaker
	Observer           RequestObserver
	// OnCredentialsAccepted, if set, is called when MOR accepts the key again after
	// refusing it, with how long the refusal had held requests back last.
	OnCredentialsAccepted func(backoff time.Duration)
	HTTPClient            *http.Client // optional; overrides Timeout and TLS settings (tests)
}
