package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/mor-operator/mor-operator/internal/morsim"
)

// simulator is the MOR simulator running as its own process (hack/morsim), so its CPU
// and memory are not the benchmark driver's nor the manager's: a fixed latency per
// request (--added-latency, kept by /_sim/reset) and a hand-made seed of at least as
// many rules as managed ones, spread over the same locations (--scale-*).
type simulator struct {
	cmd  *exec.Cmd
	base string // http://host:port
}

// simScale is the simulator's seed: the bench locations, ⌈N/L⌉ hand-made rules in each
// (at least N in all), and a DID per DIDRate.
func simScale(c config) morsim.Scale {
	return morsim.Scale{Locations: c.Locations, RulesPerLocation: (c.N + c.Locations - 1) / c.Locations, DIDs: max(c.N/10, 1)}
}

// startSimulator runs the binary at path and waits until it listens.
func startSimulator(ctx context.Context, path string, c config) (*simulator, error) {
	sc := simScale(c)
	cmd := exec.CommandContext(ctx, path, "--listen=127.0.0.1:0", "--added-latency="+c.Latency.String(),
		fmt.Sprintf("--scale-locations=%d", sc.Locations), fmt.Sprintf("--scale-rules-per-location=%d", sc.RulesPerLocation),
		fmt.Sprintf("--scale-dids=%d", sc.DIDs))
	logs, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("simulator %s: %w (make morsim builds it)", path, err)
	}
	s := &simulator{cmd: cmd}
	addr := make(chan string, 1)
	go func() { // find the address in the log, then pass the log on
		sc := bufio.NewScanner(logs)
		for sc.Scan() {
			line := sc.Text()
			if _, rest, ok := strings.Cut(line, "listening on http://"); ok {
				select {
				case addr <- strings.Fields(rest)[0]:
				default:
				}
			}
			fmt.Fprintln(os.Stderr, line)
		}
		close(addr)
	}()
	select {
	case a, ok := <-addr:
		if !ok {
			s.stop()
			return nil, fmt.Errorf("simulator %s exited before listening", path)
		}
		s.base = "http://" + a
		return s, nil
	case <-time.After(time.Minute):
		s.stop()
		return nil, fmt.Errorf("simulator %s: not listening after a minute", path)
	}
}

func (s *simulator) stop() {
	if s != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
	}
}

// do sends a request to one of the simulator's test endpoints and decodes a JSON
// answer into out (if not nil).
func (s *simulator) do(ctx context.Context, verb, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, verb, s.base+path, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
		return fmt.Errorf("%s %s: %s %s", verb, path, res.Status, b)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(res.Body).Decode(out)
}

// reset puts the simulator back to its seed (and zeroes its counters); the added
// latency stays.
func (s *simulator) reset(ctx context.Context) error {
	return s.do(ctx, http.MethodPost, "/_sim/reset", nil)
}

// counts returns the API requests by method so far (the simulator's counters, which
// unlike its request log are never trimmed). A phase's requests are the difference of
// two readings: nothing is lost between phases, as it could be by zeroing them.
func (s *simulator) counts(ctx context.Context) (map[string]float64, error) {
	var c morsim.Counters
	if err := s.do(ctx, http.MethodGet, "/_sim/counters", &c); err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for m, n := range c.Methods {
		out[m] = float64(n.Total)
	}
	return out, nil
}

// state returns the simulator's whole state.
func (s *simulator) state(ctx context.Context) (morsim.State, error) {
	var st morsim.State
	err := s.do(ctx, http.MethodGet, "/_sim/state", &st)
	return st, err
}
