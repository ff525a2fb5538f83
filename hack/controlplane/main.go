// Command controlplane runs a local Kubernetes control plane (envtest's kube-apiserver
// and etcd) for the demo, and carries the demo's small helpers so it needs nothing but
// Go and kubectl.
//
//	controlplane run --assets DIR --kubeconfig FILE [--ready-file FILE]
//	    starts the control plane, writes an admin kubeconfig (user demo-admin, group
//	    system:masters), prints "ready" (and writes the ready file), serves until
//	    SIGINT/SIGTERM, then stops kube-apiserver and etcd and removes their data.
//	controlplane freeport
//	    prints a TCP port that is free on 127.0.0.1.
//	controlplane get URL
//	    prints the body of GET URL; fails on an error or a non-2xx status.
//	controlplane post URL [KEY=VALUE...]
//	    POSTs the pairs as a form and prints the body, failing likewise (the demo's
//	    hand edit of a simulator rule: /_sim/rules/<id>).
//	controlplane diff BEFORE.json AFTER.json
//	    prints what changed between two simulator states (GET /_sim/state): conflines per
//	    owner and parameter, other entities (DIDs, rules, ...) per id and field. Users
//	    are left out: they hold secret keys.
//	controlplane calls REQUESTS.json
//	    summarises the simulator's request log (GET /_sim/requests): calls per MOR
//	    method, with the outcome of those that failed.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mor-operator/mor-operator/internal/testenv"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

func main() {
	if err := dispatch(os.Args[1:], os.Stdout); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "controlplane:", err)
		os.Exit(1)
	}
}

func dispatch(args []string, out io.Writer) error {
	cmd := "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "run":
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		return run(ctx, args, out)
	case "freeport":
		return freePort(out)
	case "get":
		if len(args) != 1 {
			return errors.New("usage: controlplane get URL")
		}
		return get(args[0], out)
	case "post":
		if len(args) < 1 {
			return errors.New("usage: controlplane post URL [KEY=VALUE...]")
		}
		return post(args[0], args[1:], out)
	case "diff":
		if len(args) != 2 {
			return errors.New("usage: controlplane diff BEFORE.json AFTER.json")
		}
		return diffFiles(args[0], args[1], out)
	case "calls":
		if len(args) != 1 {
			return errors.New("usage: controlplane calls REQUESTS.json")
		}
		return calls(args[0], out)
	default:
		return fmt.Errorf("unknown command %q (run, freeport, get, post, diff, calls)", cmd)
	}
}

// run starts the control plane and blocks until ctx is done.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("controlplane run", flag.ContinueOnError)
	assets := fs.String("assets", os.Getenv("KUBEBUILDER_ASSETS"), "directory holding kube-apiserver and etcd (hack/envtest-assets.sh prints it)")
	kubeconfig := fs.String("kubeconfig", "", "where to write the admin kubeconfig (required)")
	readyFile := fs.String("ready-file", "", `file written (content "ready") once the control plane serves and the kubeconfig is written`)
	startTimeout := fs.Duration("start-timeout", 3*time.Minute, "how long kube-apiserver and etcd each may take to start")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *kubeconfig == "" || *assets == "" {
		return errors.New("--kubeconfig and --assets (or $KUBEBUILDER_ASSETS) are required")
	}
	for _, f := range []string{*kubeconfig, *readyFile} {
		if f != "" {
			if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}

	env := &envtest.Environment{
		BinaryAssetsDirectory:    *assets,
		ControlPlaneStartTimeout: *startTimeout,
		ControlPlaneStopTimeout:  time.Minute,
	}
	if _, err := env.Start(); err != nil {
		// Start may have left etcd running when kube-apiserver failed.
		_ = env.Stop()
		return fmt.Errorf("starting the control plane: %w", err)
	}
	err := serve(ctx, env, *kubeconfig, *readyFile, out)
	fmt.Fprintln(out, "stopping the control plane")
	if stopErr := env.Stop(); stopErr != nil && err == nil {
		err = fmt.Errorf("stopping the control plane: %w", stopErr)
	}
	if err == nil {
		fmt.Fprintln(out, "stopped")
	}
	return err
}

func serve(ctx context.Context, env *envtest.Environment, kubeconfig, readyFile string, out io.Writer) error {
	kc, err := testenv.AdminKubeconfig(env, "demo-admin")
	if err != nil {
		return err
	}
	if err := writeAtomic(kubeconfig, kc, 0o600); err != nil {
		return err
	}
	fmt.Fprintf(out, "kube-apiserver at %s, kubeconfig %s\n", env.Config.Host, kubeconfig)
	if readyFile != "" {
		if err := writeAtomic(readyFile, []byte("ready\n"), 0o644); err != nil {
			return err
		}
	}
	fmt.Fprintln(out, "ready")
	<-ctx.Done()
	return nil
}

// writeAtomic writes data so a reader polling for path never sees it half written.
func writeAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func freePort(out io.Writer) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer func() { _ = ln.Close() }()
	_, err = fmt.Fprintln(out, ln.Addr().(*net.TCPAddr).Port)
	return err
}

func get(url string, out io.Writer) error {
	return do(http.MethodGet, url, nil, out)
}

func post(target string, pairs []string, out io.Writer) error {
	form := url.Values{}
	for _, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			return fmt.Errorf("post: %q is not KEY=VALUE", p)
		}
		form.Add(k, v)
	}
	return do(http.MethodPost, target, form, out)
}

// do makes the request and copies a 2xx answer to out; otherwise it fails with the
// status and the answer's first line.
func do(method, target string, form url.Values, out io.Writer) error {
	c := &http.Client{Timeout: 10 * time.Second}
	var (
		resp *http.Response
		err  error
	)
	if form == nil {
		resp, err = c.Get(target)
	} else {
		resp, err = c.PostForm(target, form)
	}
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		msg, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
		return fmt.Errorf("%s %s: %s: %s", method, target, resp.Status, msg)
	}
	_, err = io.Copy(out, resp.Body)
	return err
}

func diffFiles(beforePath, afterPath string, out io.Writer) error {
	before, err := readState(beforePath)
	if err != nil {
		return err
	}
	after, err := readState(afterPath)
	if err != nil {
		return err
	}
	lines := diffStates(before, after)
	if len(lines) == 0 {
		_, err = fmt.Fprintln(out, "  (no changes)")
		return err
	}
	for _, l := range lines {
		if _, err := fmt.Fprintln(out, "  "+l); err != nil {
			return err
		}
	}
	return nil
}

func readState(path string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var s map[string]any
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// skipped sections: users hold secret keys; the rest is not configuration.
var skipped = map[string]bool{"users": true}

// diffStates lists the changes between two simulator states, one line each:
//
//	conflines[admin].default_user_tax: (unset) -> "5"
//	dids[3].ownerTariffID: 4 -> 2
//	rules[7]: created {"add":"370",...}
//	rules[7]: deleted {...}
//
// Conflines are compared per owner and parameter; every other section that is an
// object of entities per id, per entity and field. Sections that are not objects
// (lists, counters) are left out.
func diffStates(before, after map[string]any) []string {
	var lines []string
	for _, section := range sortedKeys(before, after) {
		if skipped[section] {
			continue
		}
		b, bok := asObject(before[section])
		a, aok := asObject(after[section])
		if (!bok && before[section] != nil) || (!aok && after[section] != nil) {
			continue
		}
		for _, id := range sortedKeys(b, a) {
			prefix := fmt.Sprintf("%s[%s]", section, id)
			bv, inBefore := b[id]
			av, inAfter := a[id]
			bo, bIsObj := asObject(bv)
			ao, aIsObj := asObject(av)
			switch {
			case section == "conflines" || (inBefore && inAfter && bIsObj && aIsObj):
				for _, field := range sortedKeys(bo, ao) {
					bf, hadField := bo[field]
					af, hasField := ao[field]
					if hadField && hasField && equal(bf, af) {
						continue
					}
					lines = append(lines, fmt.Sprintf("%s.%s: %s -> %s", prefix, field, show(bf, hadField), show(af, hasField)))
				}
			case !inBefore:
				lines = append(lines, fmt.Sprintf("%s: created %s", prefix, show(av, true)))
			case !inAfter:
				lines = append(lines, fmt.Sprintf("%s: deleted %s", prefix, show(bv, true)))
			case !equal(bv, av):
				lines = append(lines, fmt.Sprintf("%s: %s -> %s", prefix, show(bv, true), show(av, true)))
			}
		}
	}
	return lines
}

func asObject(v any) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	return m, ok
}

func equal(a, b any) bool {
	return show(a, true) == show(b, true)
}

// show renders a JSON value compactly, keys sorted; absent values as (unset).
func show(v any, present bool) string {
	if !present {
		return "(unset)"
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(data)
}

// sortedKeys returns the union of the maps' keys, numeric ids in numeric order.
func sortedKeys(maps ...map[string]any) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range maps {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, aErr := strconv.ParseInt(keys[i], 10, 64)
		b, bErr := strconv.ParseInt(keys[j], 10, 64)
		if aErr == nil && bErr == nil {
			return a < b
		}
		return keys[i] < keys[j]
	})
	return keys
}

// calls prints, per MOR method in the order first called, how many requests the
// simulator received, and the outcomes of the failed ones.
func calls(path string, out io.Writer) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var reqs []struct {
		Method  string `json:"method"`
		Outcome string `json:"outcome"`
		OK      bool   `json:"ok"`
	}
	if err := json.Unmarshal(data, &reqs); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	type tally struct {
		ok       int
		failures map[string]int
	}
	var order []string
	byMethod := map[string]*tally{}
	for _, r := range reqs {
		t := byMethod[r.Method]
		if t == nil {
			t = &tally{failures: map[string]int{}}
			byMethod[r.Method] = t
			order = append(order, r.Method)
		}
		if r.OK {
			t.ok++
		} else {
			t.failures[r.Outcome]++
		}
	}
	if len(order) == 0 {
		_, err = fmt.Fprintln(out, "  (no API calls)")
		return err
	}
	for _, m := range order {
		t := byMethod[m]
		line := fmt.Sprintf("  %-28s %d ok", m, t.ok)
		for _, o := range sortedKeys(toAny(t.failures)) {
			line += fmt.Sprintf(", %d failed: %q", t.failures[o], o)
		}
		if _, err := fmt.Fprintln(out, line); err != nil {
			return err
		}
	}
	return nil
}

func toAny(m map[string]int) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
