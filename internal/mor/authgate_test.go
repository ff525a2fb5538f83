package mor

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mor-operator/mor-operator/internal/morsim"
)

// TestAuthGate: while MOR refuses the key, the server's requests are held, not sent;
// one probe goes through when a short backoff (2 s, then 4 s, ...) ends, and a refusal
// MOR gave says when that is, as a held request does; once MOR accepts the key
// (rotated on MOR's side a little later), everyone passes and the gate says so once.
func TestAuthGate(t *testing.T) {
	sim := morsim.New(morsim.DefaultSeed())
	srv := httptest.NewServer(sim)
	defer srv.Close()
	var accepted []time.Duration
	c, err := New(Config{BaseURL: srv.URL + "/billing", Username: "admin", SecretKey: "new-key", QPS: 1e6, Burst: 1e6,
		OnCredentialsAccepted: func(backoff time.Duration) { accepted = append(accepted, backoff) }})
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Unix(1_800_000_000, 0)
	c.now = func() time.Time { return clock }
	ctx := context.Background()
	sent := func() int { return len(sim.Requests()) }
	refused := func(wantSent int, wantWait time.Duration) {
		t.Helper()
		_, err := c.SystemVersion(ctx)
		e, ok := err.(*Error)
		if !ok || e.Class != Authentication || e.Text != "Incorrect hash" {
			t.Fatalf("err = %v, want MOR's refusal", err)
		}
		if e.RetryAfter != wantWait || sent() != wantSent {
			t.Fatalf("retry after %s with %d requests sent, want %s and %d", e.RetryAfter, sent(), wantWait, wantSent)
		}
	}

	refused(1, 2*time.Second)      // MOR refuses: the gate closes for 2 s
	refused(1, 2*time.Second)      // held: nothing sent
	clock = clock.Add(time.Second) //
	refused(1, time.Second)        // still held
	clock = clock.Add(time.Second) // the backoff ended: one probe
	refused(2, 4*time.Second)      // refused again: 4 s now
	refused(2, 4*time.Second)      //
	// A refusal of a request sent before the gate closed does not lengthen the backoff.
	if wait := c.auth.record(&Error{Class: Authentication, Text: "Incorrect hash"}, clock.Add(time.Second)); wait != 3*time.Second {
		t.Fatalf("a late refusal: next probe in %s, want 3s", wait)
	}
	sim.SetAdminSecret("new-key") // MOR gets the new key
	clock = clock.Add(4 * time.Second)
	if _, err := c.SystemVersion(ctx); err != nil { // the probe passes and opens the gate
		t.Fatal(err)
	}
	if len(accepted) != 1 || accepted[0] != 4*time.Second {
		t.Fatalf("accepted %v, want once, after a 4s backoff", accepted)
	}
	for range 3 {
		if _, err := c.SystemVersion(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if sent() != 6 || len(accepted) != 1 {
		t.Fatalf("%d requests sent and accepted %d times, want 6 and once", sent(), len(accepted))
	}
}
