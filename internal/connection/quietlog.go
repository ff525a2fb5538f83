package connection

import (
	"context"

	"github.com/go-logr/logr"
)

// maxSecretReadV is the most verbose log level left on while a Secret is read.
// client-go logs whole response bodies at V(8) with the context's logger, so a manager
// run with --zap-log-level=8 (or more) would otherwise print the Secret, key and CA
// bundle, into its log (found by controllers' secrets sweep).
const maxSecretReadV = 7

// withoutBodyLogs returns ctx with its logger capped below client-go's body dumps.
func withoutBodyLogs(ctx context.Context) context.Context {
	l, err := logr.FromContext(ctx)
	if err != nil || l.GetSink() == nil {
		return ctx
	}
	return logr.NewContext(ctx, logr.New(cappedSink{l.GetSink()}))
}

// cappedSink is a LogSink that drops V-levels above maxSecretReadV.
type cappedSink struct{ logr.LogSink }

func (s cappedSink) Enabled(level int) bool {
	return level <= maxSecretReadV && s.LogSink.Enabled(level)
}

func (s cappedSink) Info(level int, msg string, kv ...any) {
	if level <= maxSecretReadV {
		s.LogSink.Info(level, msg, kv...)
	}
}

func (s cappedSink) WithValues(kv ...any) logr.LogSink {
	return cappedSink{s.LogSink.WithValues(kv...)}
}

func (s cappedSink) WithName(name string) logr.LogSink {
	return cappedSink{s.LogSink.WithName(name)}
}

// WithCallDepth keeps the caller's file and line correct through the wrapper.
func (s cappedSink) WithCallDepth(depth int) logr.LogSink {
	if d, ok := s.LogSink.(logr.CallDepthLogSink); ok {
		return cappedSink{d.WithCallDepth(depth)}
	}
	return s
}
