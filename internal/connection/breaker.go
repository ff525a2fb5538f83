package connection

import (
	"context"
	"errors"
	"net"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/breaker"
	"github.com/mor-operator/mor-operator/internal/metrics"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/verdict"
)

// morBreaker is a server's circuit breaker seen as a mor.Breaker: it reads MOR's errors as
// outcomes for the breaker.
type morBreaker struct{ b *breaker.Breaker }

func (g morBreaker) Admit(ctx context.Context) (func(error), error) {
	t, err := g.b.Admit()
	if err != nil {
		return nil, err
	}
	return func(err error) {
		o, retryAfter := outcome(ctx, err)
		t.Done(o, retryAfter, err)
	}, nil
}

// outcome is what a call's error says about the server: any answer of MOR's, even a
// refusal of the request or of our key, shows it is there, and so does a certificate
// that does not verify (a person must act; holding would hide it); only a transport
// failure, a 429/5xx or an answer that is not MOR's say otherwise. A caller that gave
// up says nothing.
func outcome(ctx context.Context, err error) (breaker.Outcome, time.Duration) {
	if err == nil {
		return breaker.Success, 0
	}
	var e *mor.Error
	if !errors.As(err, &e) {
		return breaker.Failure, 0
	}
	if e.Class != mor.Transient || e.Text != "" || verdict.Of(err).Reason != "" {
		return breaker.Success, 0 // MOR's answer, or a fault a person must fix (TLS): it is there
	}
	if ctx.Err() != nil {
		return breaker.Ignored, 0
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return breaker.Hung, 0
	}
	return breaker.Failure, e.RetryAfter
}

// newBreaker builds the breaker of one server; probe checks it (its client's Probe).
// Opening and closing are announced by one event each on the MorServer, not one per
// resource.
func newBreaker(server *v1alpha1.MorServer, recorder events.EventRecorder, probe func(context.Context) error) morBreaker {
	ref := server.DeepCopy()
	cfg := breaker.Config{
		Name: "MOR server " + server.Namespace + "/" + server.Name,
		Probe: func(ctx context.Context) (breaker.Outcome, time.Duration, error) {
			err := probe(ctx)
			o, retryAfter := outcome(ctx, err)
			return o, retryAfter, err
		},
	}
	name := server.Namespace + "/" + server.Name
	cfg.OnOpen = func(cause error, retryAt time.Time) {
		metrics.ServerHeld(name, true)
		if recorder != nil {
			recorder.Eventf(ref, nil, corev1.EventTypeWarning, "ServerUnavailable", "Probe",
				"MOR server unavailable: %v; its resources are held until a probe succeeds (next at %s)",
				cause, retryAt.UTC().Format(time.RFC3339))
		}
	}
	cfg.OnClose = func() {
		metrics.ServerHeld(name, false)
		if recorder != nil {
			recorder.Eventf(ref, nil, corev1.EventTypeNormal, "ServerAvailable", "Probe",
				"MOR server answers again; its resources are released")
		}
	}
	return morBreaker{b: breaker.New(cfg)}
}
