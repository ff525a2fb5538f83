package controllers_test

import (
	"bytes"
	"strings"
	"sync"
	"sync/atomic"

	uberzap "go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// logCapture is a second zap core beside the suite's stderr one: while on, it records
// every entry at every level (V(n) for any n, i.e. more verbose than any flag can set),
// as JSON lines, so a test can read everything the manager logged.
type logCapture struct {
	on  atomic.Bool
	mu  sync.Mutex
	buf bytes.Buffer
}

var capturedLogs = &logCapture{}

// zapOption tees the suite's logger into the capture.
func (c *logCapture) zapOption() uberzap.Option {
	enc := zapcore.NewJSONEncoder(uberzap.NewDevelopmentEncoderConfig())
	core := zapcore.NewCore(enc, zapcore.AddSync(c), uberzap.LevelEnablerFunc(func(zapcore.Level) bool {
		return c.on.Load()
	}))
	return uberzap.WrapCore(func(suite zapcore.Core) zapcore.Core { return zapcore.NewTee(suite, core) })
}

func (c *logCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

// start clears the buffer and records from now on; stop stops recording and returns
// the lines recorded.
func (c *logCapture) start() {
	c.mu.Lock()
	c.buf.Reset()
	c.mu.Unlock()
	c.on.Store(true)
}

func (c *logCapture) stop() []string {
	c.on.Store(false)
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Split(strings.TrimRight(c.buf.String(), "\n"), "\n")
}
