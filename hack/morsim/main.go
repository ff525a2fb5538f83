// Command morsim runs the MOR simulator (internal/morsim) as an HTTP server, for the
// demo, end-to-end tests and users' own CI.
//
//	go run ./hack/morsim --listen 127.0.0.1:8086 --seed hack/morsim/seed.example.yaml --state /tmp/morsim.json
//	go run ./hack/morsim --listen 127.0.0.1:8087 --id-offset 1000   # the same names under other ids
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

// options are the command line's settings.
type options struct {
	listen, adminSecret, seedPath, statePath, version string
	latency, addedLatency                             time.Duration
	errorRate, nonXMLRate                             float64
	down                                              bool
	scale                                             morsim.Scale
	idOffset                                          int64
}

// run parses args, serves until ctx is done, and calls ready (if not nil) with the
// address it listens on once it accepts connections.
func run(ctx context.Context, args []string, logw io.Writer, ready func(addr string)) error {
	o, err := parseFlags(args, logw)
	if err != nil {
		return err
	}
	logger := log.New(logw, "morsim: ", log.LstdFlags)
	sim, err := o.simulator(logger)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", o.listen)
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
	if o.statePath != "" {
		logger.Printf("state file: %s", o.statePath)
	}
	if o.scale != (morsim.Scale{}) {
		logger.Printf("scale seed: %d locations of %d hand-made rules, %d DIDs", o.scale.Locations, o.scale.RulesPerLocation, o.scale.DIDs)
	}
	if o.idOffset != 0 {
		logger.Printf("ids of tariffs, LCRs, DIDs and rules offset by %d", o.idOffset)
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

// parseFlags reads and checks the command line.
func parseFlags(args []string, logw io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("morsim", flag.ContinueOnError)
	fs.SetOutput(logw)
	fs.StringVar(&o.listen, "listen", "127.0.0.1:8086", "address to listen on (host:port; port 0 picks one)")
	fs.StringVar(&o.adminSecret, "admin-secret", "", `the admin's API secret key (default: $MORSIM_ADMIN_SECRET, else the seed's, "admin-secret" in the default seed)`)
	fs.StringVar(&o.seedPath, "seed", "", "YAML seed file (structure of morsim.Seed, see hack/morsim/seed.example.yaml); default: the built-in seed")
	fs.StringVar(&o.statePath, "state", "", "state file: loaded at start if it exists, rewritten atomically after every change")
	fs.DurationVar(&o.latency, "latency", 0, "delay before every API answer (e.g. 200ms)")
	fs.Float64Var(&o.errorRate, "error-rate", 0, "fraction of API requests answered HTTP 500 with an HTML page (0..1)")
	fs.Float64Var(&o.nonXMLRate, "non-xml-rate", 0, "fraction of API requests answered 200 with an HTML login page (0..1)")
	fs.BoolVar(&o.down, "down", false, "start refusing API requests (connections are closed without an answer)")
	fs.DurationVar(&o.addedLatency, "added-latency", 0, "fixed delay added to every API request, kept by /_sim/reset (a model of network and MOR time for benchmarks; --latency is a fault)")
	fs.IntVar(&o.scale.Locations, "scale-locations", 0, fmt.Sprintf("add this many admin locations (ids %d...) to the built-in seed (not with --seed)", morsim.ScaleLocationBase+1))
	fs.IntVar(&o.scale.RulesPerLocation, "scale-rules-per-location", 0, `hand-made rules (cut "8<j>") in each --scale-locations location`)
	fs.IntVar(&o.scale.DIDs, "scale-dids", 0, fmt.Sprintf("add this many admin DIDs (ids %d...) to the built-in seed (not with --seed)", morsim.ScaleDIDBase+1))
	fs.Int64Var(&o.idOffset, "id-offset", 0, "add this to the ids of the seed's tariffs, LCRs, DIDs and rules (names and numbers stay): a second simulator then holds the same names under other ids, as a production MOR beside a staging one")
	fs.StringVar(&o.version, "mor-version", "", `the MOR version system_version_get reports, e.g. "X13" (default: the seed's, else X17); methods newer than it answer as an old MOR would`)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	switch {
	case fs.NArg() > 0:
		return o, fmt.Errorf("unexpected arguments: %v", fs.Args())
	case o.errorRate < 0 || o.errorRate > 1 || o.nonXMLRate < 0 || o.nonXMLRate > 1 || o.latency < 0 || o.addedLatency < 0:
		return o, errors.New("--error-rate and --non-xml-rate must be within [0, 1], --latency and --added-latency must not be negative")
	case o.scale.Locations < 0 || o.scale.RulesPerLocation < 0 || o.scale.DIDs < 0:
		return o, errors.New("--scale-* must not be negative")
	case o.idOffset < 0:
		return o, errors.New("--id-offset must not be negative")
	case o.seedPath != "" && o.scale != (morsim.Scale{}):
		return o, errors.New("--scale-* extend the built-in seed: leave out --seed")
	}
	return o, nil
}

// simulator builds the simulator the options describe.
func (o options) simulator(logger *log.Logger) (*morsim.Server, error) {
	seed := morsim.ScaleSeed(o.scale)
	if o.seedPath != "" {
		var err error
		if seed, err = morsim.LoadSeed(o.seedPath); err != nil {
			return nil, err
		}
	}
	seed.OffsetIDs(o.idOffset)
	if o.version != "" {
		seed.Version = o.version
	}
	secret := o.adminSecret
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

	sim := morsim.New(seed)
	sim.SetErrorLog(logger)
	if o.statePath != "" {
		if err := sim.SetStateFile(o.statePath); err != nil {
			return nil, err
		}
		if secret != "" {
			sim.SetAdminSecret(secret)
		}
	}
	sim.SetLatency(o.addedLatency)
	sim.SetFaults(morsim.Faults{Latency: o.latency, ErrorRate: o.errorRate, NonXMLRate: o.nonXMLRate, Down: o.down})
	return sim, nil
}
