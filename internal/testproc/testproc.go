// Package testproc runs the manager as a real process (built from the tree) against
// envtest's control plane and the MOR simulator over real HTTP: the plumbing shared by
// the fault suites hack/crash and hack/reliability.
package testproc

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/morsim"
	morscheme "github.com/mor-operator/mor-operator/internal/scheme"
	"github.com/mor-operator/mor-operator/internal/testenv"
)

// Options shape a World.
type Options struct {
	// Cluster, if set, is shared with other tests; else the World starts its own.
	Cluster *Cluster
	// Namespace the resources live in and the manager watches (unique per Cluster).
	Namespace string
	// Wrap, if set, wraps the simulator's handler (e.g. to observe its answers).
	Wrap func(http.Handler) http.Handler
	// ConnState, if set, is the simulator's HTTP server's connection-state hook.
	ConnState func(net.Conn, http.ConnState)
}

// Cluster is envtest, a kubeconfig for manager processes and the manager binary.
type Cluster struct {
	Cfg        *rest.Config
	Env        *envtest.Environment
	K8s        client.Client
	Kubeconfig string
	Manager    string // the manager binary
	dir        string
	apiserver  *exec.Cmd // a kube-apiserver RestartAPIServer started, else nil
}

// StartCluster starts envtest and builds the manager; Stop stops it and removes what it
// wrote.
func StartCluster() (*Cluster, error) {
	ctrllog.SetLogger(logr.Discard()) // envtest's own logs
	c := &Cluster{}
	var err error
	if c.Cfg, c.Env, err = testenv.Start(); err != nil {
		return nil, err
	}
	if err := c.setUp(); err != nil {
		_ = c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) setUp() error {
	var err error
	if c.K8s, err = client.New(c.Cfg, client.Options{Scheme: morscheme.New()}); err != nil {
		return err
	}
	kc, err := testenv.AdminKubeconfig(c.Env, "testproc-admin")
	if err != nil {
		return err
	}
	if c.dir, err = os.MkdirTemp("", "testproc-"); err != nil {
		return err
	}
	c.Kubeconfig = filepath.Join(c.dir, "kubeconfig")
	if err := os.WriteFile(c.Kubeconfig, kc, 0o600); err != nil {
		return err
	}
	c.Manager, err = buildManager(c.dir)
	return err
}

// Stop stops the control plane.
func (c *Cluster) Stop() error {
	if c.apiserver != nil {
		_ = c.apiserver.Process.Signal(syscall.SIGTERM)
		_ = c.apiserver.Wait()
	}
	if c.dir != "" {
		_ = os.RemoveAll(c.dir)
	}
	return c.Env.Stop()
}

// World is a Cluster, the simulator behind a real HTTP server, and a namespace with a
// MorServer using it.
type World struct {
	*Cluster
	Sim *morsim.Server
	Srv *httptest.Server
	NS  string
}

// Start brings up a World; what it started stops when the test ends.
func Start(t testing.TB, o Options) *World {
	t.Helper()
	w := &World{Cluster: o.Cluster, NS: o.Namespace}
	if w.Cluster == nil {
		c, err := StartCluster()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Stop() })
		w.Cluster = c
	}

	w.Sim = morsim.New(morsim.DefaultSeed())
	var h http.Handler = w.Sim
	if o.Wrap != nil {
		h = o.Wrap(h)
	}
	w.Srv = httptest.NewUnstartedServer(h)
	w.Srv.Config.ConnState = o.ConnState
	w.Srv.Start()
	t.Cleanup(w.Srv.Close)

	ctx := context.Background()
	ns, secret, server := testenv.ServerObjects(w.NS, w.Srv.URL, morsim.DefaultAdminSecret)
	for _, obj := range []client.Object{ns, secret, server} {
		if err := w.K8s.Create(ctx, obj); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

// buildManager builds the manager from the tree into dir.
func buildManager(dir string) (string, error) {
	root, err := testenv.RepoRoot()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "manager")
	cmd := exec.Command("go", "build", "-o", path, ".")
	cmd.Dir, cmd.Stderr = root, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %w", err)
	}
	return path, nil
}

// Proc is one running manager process.
type Proc struct {
	Cmd         *exec.Cmd
	MetricsAddr string // host:port of its plain-HTTP metrics endpoint, "" if disabled
	done        chan struct{}
}

// StartManager starts a manager process on the World's namespace with the given extra
// flags; it is killed when the test ends. With metrics set it serves plain-HTTP metrics
// on a free port.
func (w *World) StartManager(t testing.TB, metrics bool, flags ...string) *Proc {
	t.Helper()
	p := &Proc{done: make(chan struct{})}
	args := []string{"--kubeconfig=" + w.Kubeconfig, "--watch-namespaces=" + w.NS,
		"--health-probe-bind-address=0", "--zap-log-level=error"}
	if metrics {
		p.MetricsAddr = FreeAddr(t)
		args = append(args, "--metrics-bind-address="+p.MetricsAddr, "--metrics-secure=false")
	} else {
		args = append(args, "--metrics-bind-address=0")
	}
	p.Cmd = exec.Command(w.Manager, append(args, flags...)...)
	// Its logs (errors only) go to a file, shown when the test fails.
	logs, err := os.CreateTemp(t.TempDir(), "manager-*.log")
	if err != nil {
		t.Fatal(err)
	}
	p.Cmd.Stderr = logs
	if err := p.Cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.Cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.Kill()
		_ = logs.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logs.Name())
			if len(b) > 8<<10 {
				b = b[len(b)-8<<10:]
			}
			t.Logf("manager %d, its last logs:\n%s", p.Cmd.Process.Pid, b)
		}
	})
	return p
}

// Kill sends SIGKILL (no shutdown, no last write) and waits for the process to end.
func (p *Proc) Kill() {
	_ = p.Cmd.Process.Kill()
	<-p.done
}

// Running reports whether the process has not exited.
func (p *Proc) Running() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// Metric sums the samples of a metric family (all its label values) on the process's
// metrics endpoint. A family not (yet) exported sums to 0.
func (p *Proc) Metric(name string) (float64, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get("http://" + p.MetricsAddr + "/metrics")
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	sum := 0.0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, name)
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '{') {
			continue
		}
		if end := strings.Index(rest, "}"); strings.HasPrefix(rest, "{") && end > 0 {
			rest = rest[end+1:]
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", line, err)
		}
		sum += v
	}
	return sum, sc.Err()
}

// FreeAddr returns a 127.0.0.1 address with a port free right now.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }()
	return l.Addr().String()
}

// RulesNamed counts the simulator's rules by name, for names with the prefix.
func (w *World) RulesNamed(prefix string) map[string]int {
	named := map[string]int{}
	for _, r := range w.Sim.Snapshot().Rules {
		if strings.HasPrefix(r.Name, prefix) {
			named[r.Name]++
		}
	}
	return named
}

// MORRules returns the simulator's rules by name, for names with the prefix (the last
// one of each name; RulesNamed tells duplicates).
func (w *World) MORRules(prefix string) map[string]morsim.Rule {
	out := map[string]morsim.Rule{}
	for _, r := range w.Sim.Snapshot().Rules {
		if strings.HasPrefix(r.Name, prefix) {
			out[r.Name] = *r
		}
	}
	return out
}

// NotReady describes the LocationRules not Ready for their generation (or not
// readable), each by name and status.
func (w *World) NotReady(ctx context.Context, rules []*v1alpha1.LocationRule) []string {
	var out []string
	for _, lr := range rules {
		got := &v1alpha1.LocationRule{}
		if err := w.K8s.Get(ctx, client.ObjectKeyFromObject(lr), got); err != nil {
			out = append(out, fmt.Sprintf("%s: %v", lr.Name, err))
		} else if !managed.ReadyForGeneration(got) {
			out = append(out, notReadyBecause(got))
		}
	}
	return out
}

// notReadyBecause names a resource with what its status says, so that a resource that
// never became Ready fails a test with its reason rather than its name alone.
func notReadyBecause(o *v1alpha1.LocationRule) string {
	s := fmt.Sprintf("%s (generation %d, observed %d)", o.Name, o.Generation, o.Status.ObservedGeneration)
	for _, c := range o.Status.Conditions {
		s += fmt.Sprintf("; %s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message)
	}
	return s
}

// CountRequests counts the simulator's recorded API requests that match.
func (w *World) CountRequests(match func(morsim.Request) bool) int {
	n := 0
	for _, r := range w.Sim.Requests() {
		if match(r) {
			n++
		}
	}
	return n
}

// RestartAPIServer stops the Cluster's kube-apiserver (SIGTERM, then SIGKILL), waits down, and starts
// it again with the same command line: same port, certificates and etcd, so clients keep
// their configuration. Stop stops the new process.
func (c *Cluster) RestartAPIServer(down time.Duration) error {
	pid, args, err := c.apiServerProcess()
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGTERM); err != nil {
		return err
	}
	// It stops listening at once but may linger in its graceful shutdown: after a few
	// seconds, SIGKILL.
	for deadline := time.Now().Add(5 * time.Second); !exited(pid); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		if time.Now().After(deadline.Add(10 * time.Second)) {
			return fmt.Errorf("kube-apiserver %d did not stop", pid)
		}
	}
	if c.apiserver != nil {
		_ = c.apiserver.Wait()
	}
	time.Sleep(down)
	cmd := exec.Command(args[0], args[1:]...)
	if err := cmd.Start(); err != nil {
		return err
	}
	c.apiserver = cmd
	return nil
}

// apiServerProcess finds the running kube-apiserver: the one RestartAPIServer started,
// or envtest's (a child of this process), and its command line.
func (c *Cluster) apiServerProcess() (int, []string, error) {
	pid := 0
	if c.apiserver != nil {
		pid = c.apiserver.Process.Pid
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range stats {
		if pid != 0 {
			break
		}
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndex(s, ")")
		if i < 0 || !strings.Contains(s[:i], "(kube-apiserver") {
			continue
		}
		if f := strings.Fields(s[i+1:]); len(f) > 1 && f[1] == strconv.Itoa(os.Getpid()) && f[0] != "Z" {
			pid, _ = strconv.Atoi(filepath.Base(filepath.Dir(p)))
		}
	}
	if pid == 0 {
		return 0, nil, fmt.Errorf("no kube-apiserver child process")
	}
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return 0, nil, err
	}
	return pid, strings.Split(string(bytes.TrimRight(cmdline, "\x00")), "\x00"), nil
}

// exited reports whether a process is gone or a zombie (envtest reaps its own only on
// Stop).
func exited(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndex(s, ")")+1:])
	return len(f) == 0 || f[0] == "Z"
}
