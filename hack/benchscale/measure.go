package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
)

// apiRequests reads kube-apiserver's apiserver_request_total, summed by verb, for the
// mor.operator.dev group and events (every client's, the bench driver's included).
func apiRequests(ctx context.Context, cfg *rest.Config) (map[string]float64, error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	body, err := cs.RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	verb := regexp.MustCompile(`verb="([A-Z]+)"`)
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		ours := strings.Contains(line, `group="mor.operator.dev"`) || strings.Contains(line, `resource="events"`)
		if !strings.HasPrefix(line, "apiserver_request_total{") || !ours {
			continue
		}
		m := verb.FindStringSubmatch(line)
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if m == nil || err != nil {
			continue
		}
		out[m[1]] += v
	}
	return out, sc.Err()
}

func delta(before, after map[string]float64) map[string]int {
	out := map[string]int{}
	for k, v := range after {
		if d := int(v - before[k]); d != 0 {
			out[k] = d
		}
	}
	return out
}

// proc is a process's CPU seconds so far, peak resident memory, and its resident
// memory now split into anonymous (heap, stacks, runtime) and file-backed pages (mostly
// the executable's own, the same at any N, and reclaimable).
type proc struct {
	CPUSeconds float64
	PeakRSSMiB float64
	AnonRSSMiB float64 `json:",omitempty"`
	FileRSSMiB float64 `json:",omitempty"`
}

func procStats(pid int) (proc, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return proc{}, err
	}
	f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+2:]))
	utime, _ := strconv.ParseFloat(f[11], 64)
	stime, _ := strconv.ParseFloat(f[12], 64)
	p := proc{CPUSeconds: (utime + stime) / 100} // USER_HZ
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return p, err
	}
	for _, line := range strings.Split(string(status), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmHWM:":
			p.PeakRSSMiB = kb / 1024
		case "RssAnon:":
			p.AnonRSSMiB = kb / 1024
		case "RssFile:":
			p.FileRSSMiB = kb / 1024
		}
	}
	return p, nil
}

// waitFor polls cond every interval until it holds or ctx ends.
func waitFor(ctx context.Context, interval time.Duration, cond func() (bool, error)) error {
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(interval):
		}
	}
}

// freeLocalAddr returns a loopback address with a port free right now.
func freeLocalAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer func() { _ = ln.Close() }()
	return ln.Addr().String(), nil
}

// stolenCPU is the CPU seconds the hypervisor has given other guests while this
// machine's were ready to run (/proc/stat's steal), summed over its CPUs: a phase with
// much of it ran on a machine slower than the floor's, and says so beside its time.
func stolenCPU() float64 {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(stat), "\n")
	f := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(f) < 9 {
		return 0
	}
	steal, _ := strconv.ParseFloat(f[8], 64)
	return steal / 100 // USER_HZ
}

// controlPlaneCPU is the CPU seconds so far of envtest's kube-apiserver and etcd (this
// process's children of those names; one control plane runs at a time), so a phase's
// figure says how much of the machine the API server's work took.
func controlPlaneCPU() float64 {
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	var total float64
	for _, t := range tasks {
		b, err := os.ReadFile(t)
		if err != nil {
			continue
		}
		for _, f := range strings.Fields(string(b)) {
			pid, err := strconv.Atoi(f)
			if err != nil {
				continue
			}
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			switch strings.TrimSpace(string(comm)) {
			case "kube-apiserver", "etcd":
				p, _ := procStats(pid)
				total += p.CPUSeconds
			}
		}
	}
	return total
}

// heapProfile writes the manager's heap profile, taken after a GC, to path.
func (w *world) heapProfile(ctx context.Context, path string) error {
	return w.profile(ctx, "heap?gc=1", path)
}

// cpuProfile writes a CPU profile of the manager's next seconds to path.
func (w *world) cpuProfile(ctx context.Context, seconds int, path string) error {
	return w.profile(ctx, fmt.Sprintf("profile?seconds=%d", seconds), path)
}

// apiServerCPUProfile writes a CPU profile of kube-apiserver's next seconds to path.
func apiServerCPUProfile(ctx context.Context, cfg *rest.Config, seconds int, path string) error {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	body, err := cs.RESTClient().Get().AbsPath("/debug/pprof/profile").Param("seconds", strconv.Itoa(seconds)).DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("kube-apiserver's CPU profile: %w", err)
	}
	return os.WriteFile(path, body, 0o644)
}

// profile writes the manager's pprof endpoint query's answer to path.
func (w *world) profile(ctx context.Context, query, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+w.pprof+"/debug/pprof/"+query, nil)
	if err != nil {
		return err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", query, err)
	}
	defer func() { _ = res.Body.Close() }()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: %s", query, res.Status)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// managerStarted waits until the manager has reconciled the bench's MorServer (Ready):
// its caches are synced and its controllers run.
func (w *world) managerStarted(ctx context.Context) error {
	return waitFor(ctx, 100*time.Millisecond, func() (bool, error) {
		var s v1alpha1.MorServer
		if err := w.k8s.Get(ctx, client.ObjectKey{Namespace: namespace, Name: v1alpha1.DefaultServerName}, &s); err != nil {
			return false, err
		}
		return meta.IsStatusConditionTrue(s.Status.Conditions, v1alpha1.ConditionReady), nil
	})
}

// managerReadyGauge is the manager's mor_managed_resources{ready="true"}, summed over
// kinds; 0 while it does not answer yet.
func (w *world) managerReadyGauge(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+w.metrics+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil
	}
	defer func() { _ = res.Body.Close() }()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(res.Body)
	if err != nil {
		return 0, fmt.Errorf("the manager's metrics: %w", err)
	}
	n := 0
	for _, m := range families["mor_managed_resources"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "ready" && l.GetValue() == "true" {
				n += int(m.GetGauge().GetValue())
			}
		}
	}
	return n, nil
}
