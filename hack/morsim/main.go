// Command morsim runs the MOR simulator (internal/morsim) as an HTTP server, for the
// demo, end-to-end tests and users' own CI.
//
//	go run ./hack/morsim --listen 127.0.0.1:8086 --seed hack/morsim/seed.example.yaml --state /tmp/morsim.json
//
// The API is served at /billing/api/<method> (and /api/<method>); unauthenticated test
// endpoints at /_sim/state, /_sim/requests, /_sim/counters, /_sim/reset and /_sim/faults.
// Never expose it beyond a test network. It serves until SIGINT or SIGTERM.
//
// The admin's secret key comes from --admin-secret, else from the environment variable
// MORSIM_ADMIN_SECRET (keeps it out of the process list), else from the seed (with the
// default seed: "admin-secret"). With --state, a key set by flag or environment replaces
// the one in the state file; otherwise the state file's key (possibly rotated through
// conflines_update) is kept. Keys and hashes are never logged.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mor-operator/mor-operator/internal/morsim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "morsim:", err)
		os.Exit(1)
	}
}

// run parses args, serves until ctx is done, and calls ready (if not nil) with the
// address it listens on once it accepts connections.
func run(ctx context.Context, args []string, logw io.Writer, ready func(addr string)) error {
	fs := flag.NewFlagSet("morsim", flag.ContinueOnError)
	fs.SetOutput(logw)
	listen := fs.String("listen", "127.0.0.1:8086", "address to listen on (host:port; port 0 picks one)")
	adminSecret := fs.String("admin-secret", "", `the admin's API secret key (default: $MORSIM_ADMIN_SECRET, else the seed's, "admin-secret" in the default seed)`)
	seedPath := fs.String("seed", "", "YAML seed file (structure of morsim.Seed, see hack/morsim/seed.example.yaml); default: the built-in seed")
	statePath := fs.String("state", "", "state file: loaded at start if it exists, rewritten atomically after every change")
	latency := fs.Duration("latency", 0, "delay before every API answer (e.g. 200ms)")
	errorRate := fs.Float64("error-rate", 0, "fraction of API requests answered HTTP 500 with an HTML page (0..1)")
	nonXMLRate := fs.Float64("non-xml-rate", 0, "fraction of API requests answered 200 with an HTML login page (0..1)")
	down := fs.Bool("down", false, "start refusing API requests (connections are closed without an answer)")
	addedLatency := fs.Duration("added-latency", 0, "fixed delay added to every API request, kept by /_sim/reset (a model of network and MOR time for benchmarks; --latency is a fault)")
	var scale morsim.Scale
	fs.IntVar(&scale.Locations, "scale-locations", 0, fmt.Sprintf("add this many admin locations (ids %d...) to the built-in seed (not with --seed)", morsim.ScaleLocationBase+1))
	fs.IntVar(&scale.RulesPerLocation, "scale-rules-per-location", 0, `hand-made rules (cut "8<j>") in each --scale-locations location`)
	fs.IntVar(&scale.DIDs, "scale-dids", 0, fmt.Sprintf("add this many admin DIDs (ids %d...) to the built-in seed (not with --seed)", morsim.ScaleDIDBase+1))
	version := fs.String("mor-version", "", `the MOR version system_version_get reports, e.g. "X13" (default: the seed's, else X17); methods newer than it answer as an old MOR would`)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if *errorRate < 0 || *errorRate > 1 || *nonXMLRate < 0 || *nonXMLRate > 1 || *latency < 0 || *addedLatency < 0 {
		return errors.New("--error-rate and --non-xml-rate must be within [0, 1], --latency and --added-latency must not be negative")
	}
	if scale.Locations < 0 || scale.RulesPerLocation < 0 || scale.DIDs < 0 {
		return errors.New("--scale-* must not be negative")
	}
	if *seedPath != "" && scale != (morsim.Scale{}) {
		return errors.New("--scale-* extend the built-in seed: leave out --seed")
	}

	seed := morsim.ScaleSeed(scale)
	if *seedPath != "" {
		var err error
		if seed, err = morsim.LoadSeed(*seedPath); err != nil {
			return err
		}
	}
	if *version != "" {
		seed.Version = *version
	}
	secret := *adminSecret
	if secret == "" {
		secret = os.Getenv("MORSIM_ADMIN_SECRET")
	}
	if secret != "" {
		for _, u := range seed.Users {
			if u.Role == morsim.RoleAdmin {
				u.SecretKey = secret
			}
		}
	}

	logger := log.New(logw, "morsim: ", log.LstdFlags)
	sim := morsim.New(seed)
	sim.SetErrorLog(logger)
	if *statePath != "" {
		if err := sim.SetStateFile(*statePath); err != nil {
			return err
		}
		if secret != "" {
			sim.SetAdminSecret(secret)
		}
	}
	sim.SetLatency(*addedLatency)
	sim.SetFaults(morsim.Faults{Latency: *latency, ErrorRate: *errorRate, NonXMLRate: *nonXMLRate, Down: *down})

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           sim,
		ReadHeaderTimeout: 10 * time.Second,
		// Requests waiting out an injected latency end when the server stops.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	addr := ln.Addr().String()
	logger.Printf("listening on http://%s (API: /billing/api/<method>, test endpoints: /_sim/)", addr)
	if *statePath != "" {
		logger.Printf("state file: %s", *statePath)
	}
	if scale != (morsim.Scale{}) {
		logger.Printf("scale seed: %d locations of %d hand-made rules, %d DIDs", scale.Locations, scale.RulesPerLocation, scale.DIDs)
	}
	if d := sim.Latency(); d > 0 {
		logger.Printf("added latency per request: %v", d)
	}
	if f := sim.Faults(); f != (morsim.Faults{}) {
		logger.Printf("faults: latency %v, error rate %g, non-XML rate %g, down %v", f.Latency, f.ErrorRate, f.NonXMLRate, f.Down)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	if ready != nil {
		ready(addr)
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		_ = srv.Close()
	}
	logger.Printf("stopped")
	return nil
}
