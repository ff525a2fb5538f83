// Command kubectl-mor is a kubectl plugin (kubectl mor ...) for moving a hand-configured
// MOR to the mor-operator: export MOR's configuration as manifests, and plan what the
// operator would write. The logic is in internal/plugin.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/mor-operator/mor-operator/internal/plugin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := plugin.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
