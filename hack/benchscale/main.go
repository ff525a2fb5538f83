// Command benchscale measures the operator at scale (`make bench-scale`): a real
// control plane (envtest's kube-apiserver and etcd), the MOR simulator as its own
// process (hack/morsim) with a fixed latency per request and at least as many
// hand-made rules as managed ones in the same locations, and the manager as its own
// process built from this tree. MOR requests per phase come from the simulator's
// counters (/_sim/counters), which are never trimmed. Scenarios: cold (apply N
// LocationRules over L locations, N/10 DIDRates and one MorDefaults → all Ready),
// steady (three poll intervals, nothing changed), update (10% edited → all Ready),
// delete (all gone from MOR). Baselines measured in the same run: the MOR floor (a plain
// client making the same N creates at the same concurrency) and the Kubernetes floor (a
// plain client making the writes the operator must make per object, on a fresh control
// plane of its own, as fresh as the one the operator then meets). Results go to a
// JSON file and a markdown table on stdout.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

type config struct {
	N, Locations, Concurrency int
	Latency, Poll, ColdPoll   time.Duration
	RPS                       int
	Out, Manager, Morsim      string
	Profiles                  string // directory for the manager's heap profiles, or ""
	MemLimit                  string // the manager's GOMEMLIMIT, or "" (unset)
	Names                     bool   // references by name rather than by id
	ColdCPUProfile            string // where to write a CPU profile of the manager's cold phase, or ""
	ColdCPUSeconds            int
	ThrottledFloor            bool   // also measure the Kubernetes floor with a 50/s client budget
	ManagerFlags              string // more flags for the manager, space-separated (e.g. --watch-namespaces=bench)
	Runs                      int    // cold phases measured, each against its own floors
	coldOnly                  bool   // a repeat: the floors and the cold phase only
}

func main() {
	var c config
	flag.IntVar(&c.N, "n", 1000, "LocationRules managed (plus n/10 DIDRates and one MorDefaults)")
	flag.IntVar(&c.Locations, "locations", 50, "MOR locations the rules spread over")
	flag.IntVar(&c.Concurrency, "concurrency", 4, "the manager's --max-concurrent-reconciles (4 is its default), and the floors' workers")
	flag.DurationVar(&c.Latency, "latency", 2*time.Millisecond, "added latency of every MOR request")
	flag.DurationVar(&c.Poll, "poll-interval", 10*time.Second, "the manager's --poll-interval after the cold phase (short: the steady state lasts three)")
	flag.DurationVar(&c.ColdPoll, "cold-poll-interval", 10*time.Minute, "the manager's --poll-interval in the cold phase (its default); when it differs from -poll-interval the manager is restarted with that after the cold phase, and given two such intervals to settle")
	flag.IntVar(&c.RPS, "rate-limit", 1000, "the MorServer's requests per second (5 is the default a user gets)")
	flag.StringVar(&c.Out, "out", "bin/bench-scale.json", "where to write the results (JSON)")
	flag.StringVar(&c.Manager, "manager", "bin/manager", "the manager binary (make manager builds it)")
	flag.StringVar(&c.Profiles, "heap-profiles", "", "if set, a directory: the manager serves pprof on a local port and its heap profile (after a GC) is written there at the end of each phase")
	flag.StringVar(&c.MemLimit, "manager-gomemlimit", "", "GOMEMLIMIT of the manager process alone (e.g. 64MiB; the Deployment sets it to the container's memory limit); default unset")
	flag.BoolVar(&c.Names, "names", false, "write every reference by name (tariffName, lcrName; didNumber, ownerTariffName) instead of by id, to compare what names cost MOR")
	flag.StringVar(&c.ColdCPUProfile, "cold-cpu-profile", "", "if set, a file: the manager serves pprof on a local port and a CPU profile of the cold phase's first -cold-cpu-seconds is written there, and kube-apiserver's beside it (apiserver-FILE), and kube-apiserver's of the Kubernetes floor's first as many seconds (apiserver-floor-FILE)")
	flag.IntVar(&c.ColdCPUSeconds, "cold-cpu-seconds", 10, "how long the cold phase's CPU profile lasts (the phase waits for it)")
	flag.BoolVar(&c.ThrottledFloor, "throttled-floor", true, "also measure the Kubernetes floor with a 50/s client budget (3.2N/50 seconds: make bench-scale measures it at N ≤ 1,000 only)")
	flag.StringVar(&c.Morsim, "morsim", "bin/morsim", "the simulator binary (make morsim builds it)")
	flag.StringVar(&c.ManagerFlags, "manager-flags", "", "more flags for the manager, space-separated, to measure an install other than the default (e.g. --watch-namespaces=bench)")
	flag.IntVar(&c.Runs, "runs", 1, "how many times the cold phase is measured against its floors, each time on fresh control planes (the later times without the other phases); cold / floor is reported for each and their median")
	flag.Parse()
	ctrllog.SetLogger(logr.Discard()) // the driver's clients log nothing worth reading

	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Minute)
	defer cancel()
	res, err := run(ctx, c)
	if err == nil {
		err = repeat(ctx, c, res, c.Runs)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
	b, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(c.Out, append(b, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "benchscale:", err)
		os.Exit(1)
	}
	res.markdown(os.Stdout)
}
