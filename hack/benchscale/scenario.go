package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

// phase is one scenario's figures.
type phase struct {
	Name        string         `json:"name"`
	Seconds     float64        `json:"seconds"`
	MORRequests map[string]int `json:"morRequests"`
	K8sRequests map[string]int `json:"k8sRequests"`
	Manager     proc           `json:"manager"`   // CPU seconds used in the phase, peak RSS so far, RSS at its end
	Simulator   proc           `json:"simulator"` // the same of the MOR simulator
	// ControlPlaneCPU is kube-apiserver's and etcd's CPU seconds in the phase.
	ControlPlaneCPU float64 `json:"controlPlaneCPUSeconds"`
	StolenCPU       float64 `json:"stolenCPUSeconds"` // by the hypervisor, in the phase
}

type results struct {
	Config   config  `json:"config"`
	Phases   []phase `json:"phases"`
	MORFloor float64 `json:"morFloorSeconds"`
	K8sFloor float64 `json:"k8sFloorSeconds"` // no client-side budget: the API server's pace
	// K8sThrottled is the same Kubernetes floor with a client budget of 50/s, burst 100
	// (the manager's default until it relied on API Priority and Fairness).
	K8sThrottled float64 `json:"k8sFloorThrottledSeconds"`
	// K8sFloorControlPlaneCPU is kube-apiserver's and etcd's CPU seconds in the
	// (unthrottled) Kubernetes floor, to compare with the cold phase's.
	K8sFloorControlPlaneCPU float64 `json:"k8sFloorControlPlaneCPUSeconds"`
	K8sFloorStolenCPU       float64 `json:"k8sFloorStolenCPUSeconds"`
	ColdToFloor             float64 `json:"coldOverFloor"` // cold seconds / max(MOR floor, Kubernetes floor)
	// Runs are this run's cold phase and floors, then those of the repeats (-runs), each
	// on fresh control planes; ColdToFloorMedian is their ratios' median.
	Runs              []coldRun `json:"runs"`
	ColdToFloorMedian float64   `json:"coldOverFloorMedian"`
}

// coldRun is one measurement of the cold phase against its floors.
type coldRun struct {
	ColdSeconds   float64 `json:"coldSeconds"`
	FloorSeconds  float64 `json:"floorSeconds"` // max(MOR floor, Kubernetes floor)
	ColdOverFloor float64 `json:"coldOverFloor"`
	StolenCPU     float64 `json:"stolenCPUSeconds"` // in the floor and the cold phase
}

// repeat measures the cold phase and its floors runs-1 more times, each in a world of
// its own, and adds them to res with the median of all ratios: on a shared 2-core
// machine one run's ratio moves by ±15% (the same requests cost the API server 10%
// more CPU from one run to the next), which a median of three steadies.
func repeat(ctx context.Context, c config, res *results, runs int) error {
	res.Runs = []coldRun{res.coldRun()}
	c.coldOnly, c.ThrottledFloor, c.Profiles, c.ColdCPUProfile = true, false, "", ""
	c.Out = strings.TrimSuffix(c.Out, ".json") + "-repeat.json" // its manager log beside
	for i := 1; i < runs; i++ {
		r, err := run(ctx, c)
		if err != nil {
			return fmt.Errorf("repeat %d: %w", i, err)
		}
		res.Runs = append(res.Runs, r.coldRun())
		fmt.Fprintf(os.Stderr, "benchscale: repeat %d: cold / floor = %.2f\n", i, r.ColdToFloor)
	}
	ratios := make([]float64, len(res.Runs))
	for i, r := range res.Runs {
		ratios[i] = r.ColdOverFloor
	}
	slices.Sort(ratios)
	res.ColdToFloorMedian = ratios[len(ratios)/2]
	return nil
}

func (r *results) coldRun() coldRun {
	return coldRun{ColdSeconds: r.Phases[0].Seconds, FloorSeconds: max(r.MORFloor, r.K8sFloor),
		ColdOverFloor: r.ColdToFloor, StolenCPU: r.K8sFloorStolenCPU + r.Phases[0].StolenCPU}
}

func run(ctx context.Context, c config) (*results, error) {
	res := &results{Config: c}
	if err := k8sFloors(ctx, c, res); err != nil {
		return nil, err
	}
	w, err := start(ctx, c)
	defer w.stop()
	if err != nil {
		return nil, err
	}
	if res.MORFloor, err = morFloor(ctx, w, c); err != nil {
		return nil, fmt.Errorf("the MOR floor: %w", err)
	}
	if err := w.startManager(ctx, c, c.ColdPoll); err != nil {
		return nil, err
	}
	if err := w.managerStarted(ctx); err != nil {
		return nil, err
	}

	rules, dids := objects(c)
	var coldEnd time.Time // when the manager's gauge counted all Ready, as the list then confirmed
	phases := []struct {
		name string
		act  func() error
		done func() (bool, error)
	}{
		{"cold: apply all → all Ready", func() error { return createAll(ctx, w.k8s, everything(rules, dids, namespace)) }, func() (bool, error) { return coldReady(ctx, w, c, &coldEnd) }},
		{"steady: three poll intervals", func() error { time.Sleep(3 * c.Poll); return nil }, nil},
		{"update: 10% edited → all Ready", func() error { return editTenth(ctx, w, rules) }, func() (bool, error) { return allReady(ctx, w, c) }},
		{"delete: all gone from MOR", func() error { return deleteAll(ctx, w) }, func() (bool, error) { return allGone(ctx, w) }},
	}
	cpu, _ := procStats(w.manager.Process.Pid)
	simCPU, _ := procStats(w.sim.cmd.Process.Pid)
	cpCPU, stolen := controlPlaneCPU(), stolenCPU()
	for i, p := range phases {
		api0, err := apiRequests(ctx, w.cfg)
		if err != nil {
			return nil, err
		}
		mor0, err := w.sim.counts(ctx)
		if err != nil {
			return nil, err
		}
		t0 := time.Now()
		profiled := make(chan error, 2)
		if i == 0 && c.ColdCPUProfile != "" {
			go func() { profiled <- w.cpuProfile(ctx, c.ColdCPUSeconds, c.ColdCPUProfile) }()
			apiPath := filepath.Join(filepath.Dir(c.ColdCPUProfile), "apiserver-"+filepath.Base(c.ColdCPUProfile))
			go func() { profiled <- apiServerCPUProfile(ctx, w.cfg, c.ColdCPUSeconds, apiPath) }()
		} else {
			profiled <- nil
			profiled <- nil
		}
		if err := p.act(); err != nil {
			return nil, fmt.Errorf("%s: %w", p.name, err)
		}
		if p.done != nil {
			if err := waitFor(ctx, 100*time.Millisecond, p.done); err != nil {
				return nil, fmt.Errorf("%s: %w", p.name, err)
			}
		}
		ph := phase{Name: p.name, Seconds: time.Since(t0).Seconds()}
		if i == 0 {
			ph.Seconds = coldEnd.Sub(t0).Seconds() // the confirming list is the driver's, not the operator's
		}
		mor1, err := w.sim.counts(ctx)
		if err != nil {
			return nil, err
		}
		ph.MORRequests = delta(mor0, mor1)
		api1, err := apiRequests(ctx, w.cfg)
		if err != nil {
			return nil, err
		}
		ph.K8sRequests = delta(api0, api1)
		now, _ := procStats(w.manager.Process.Pid)
		ph.Manager = now
		ph.Manager.CPUSeconds -= cpu.CPUSeconds
		cpu = now
		simNow, _ := procStats(w.sim.cmd.Process.Pid)
		ph.Simulator = proc{CPUSeconds: simNow.CPUSeconds - simCPU.CPUSeconds, PeakRSSMiB: simNow.PeakRSSMiB}
		simCPU = simNow
		cpNow := controlPlaneCPU()
		ph.ControlPlaneCPU, cpCPU = cpNow-cpCPU, cpNow
		stolenNow := stolenCPU()
		ph.StolenCPU, stolen = stolenNow-stolen, stolenNow
		for range 2 {
			if err := <-profiled; err != nil {
				return nil, err
			}
		}
		if c.Profiles != "" {
			if err := w.heapProfile(ctx, filepath.Join(c.Profiles, fmt.Sprintf("heap-%d-%s.pb.gz", len(res.Phases)+1, strings.TrimSuffix(strings.Fields(p.name)[0], ":")))); err != nil {
				return nil, err
			}
		}
		res.Phases = append(res.Phases, ph)
		if c.coldOnly {
			break
		}
		if i == 0 {
			// The later phases' ends are read from an informer cache, started only now: a
			// watch of every write in the cold phase costs the API server about as much
			// as the manager's own watch (each watcher added 12–16% to the Kubernetes
			// floor's time, measured), which neither the operator nor the floor spends.
			if w.watched, err = watch(ctx, w.cfg, w.k8s.Scheme()); err != nil {
				return nil, err
			}
			// Polling every resource every 10 s while N are being created is work a user
			// with the default poll interval does not have (it grows with N × the phase's
			// length); the phases after the cold one need the short interval.
			if c.ColdPoll != c.Poll {
				if err := w.restartManager(ctx, c, c.Poll); err != nil {
					return nil, err
				}
				time.Sleep(2 * c.Poll) // the restart observes every resource once
			}
			cpu, _ = procStats(w.manager.Process.Pid)
			cpCPU, stolen = controlPlaneCPU(), stolenCPU()
			simCPU, _ = procStats(w.sim.cmd.Process.Pid)
		}
		fmt.Fprintf(os.Stderr, "benchscale: %s: %.1f s\n", ph.Name, ph.Seconds) // a later failure keeps this
	}
	res.ColdToFloor = res.Phases[0].Seconds / max(res.MORFloor, res.K8sFloor)
	return res, nil
}

// objects are the managed resources: N LocationRules over the bench locations, N/10
// DIDRates, and one MorDefaults.
func objects(c config) ([]*v1alpha1.LocationRule, []client.Object) {
	rules := make([]*v1alpha1.LocationRule, c.N)
	for i := range rules {
		rules[i] = &v1alpha1.LocationRule{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("rule-%d", i), Namespace: namespace},
			Spec: v1alpha1.LocationRuleSpec{LocationID: int64(morsim.ScaleLocationBase + 1 + i%c.Locations), Name: ptr.To(fmt.Sprintf("managed %d", i)),
				Cut: ptr.To(fmt.Sprintf("9%d", i)), Add: ptr.To("+"), TariffID: ptr.To(int64(2)), LCRID: ptr.To(int64(1))}}
		if c.Names { // the same tariff and LCR by name
			rules[i].Spec.TariffID, rules[i].Spec.LCRID = nil, nil
			rules[i].Spec.TariffName, rules[i].Spec.LCRName = ptr.To("Retail"), ptr.To("Primary")
		}
	}
	others := []client.Object{&v1alpha1.MorDefaults{ObjectMeta: metav1.ObjectMeta{Name: "defaults", Namespace: namespace},
		Spec: v1alpha1.MorDefaultsSpec{User: &v1alpha1.DefaultUser{Currency: ptr.To("EUR")}}}}
	for i := 0; i < max(c.N/10, 1); i++ {
		d := &v1alpha1.DIDRate{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("did-%d", i), Namespace: namespace},
			Spec: v1alpha1.DIDRateSpec{DIDID: ptr.To(int64(morsim.ScaleDIDBase + 1 + i)), OwnerTariffID: ptr.To(int64(4))}}
		if c.Names { // the same DID and tariff by number and name
			d.Spec.DIDID, d.Spec.DIDNumber = nil, ptr.To(fmt.Sprintf("3709%07d", 1+i))
			d.Spec.OwnerTariffID, d.Spec.OwnerTariffName = nil, ptr.To("Wholesale")
		}
		others = append(others, d)
	}
	return rules, others
}

// parallel runs fn over items with n workers, returning the first error.
func parallel[T any](n int, items []T, fn func(T) error) error {
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		next  = make(chan T)
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range next {
				if err := fn(it); err != nil {
					once.Do(func() { first = err })
				}
			}
		}()
	}
	for _, it := range items {
		next <- it
	}
	close(next)
	wg.Wait()
	return first
}

func createAll(ctx context.Context, k8s client.Client, all []client.Object) error {
	return parallel(8, all, func(o client.Object) error { return k8s.Create(ctx, o) })
}

// everything is the cold phase's objects in the order the driver creates them, in
// namespace ns.
func everything(rules []*v1alpha1.LocationRule, others []client.Object, ns string) []client.Object {
	all := append(make([]client.Object, 0, len(rules)+len(others)), others...)
	for _, r := range rules {
		all = append(all, r)
	}
	for i, o := range all {
		all[i] = o.DeepCopyObject().(client.Object)
		all[i].SetNamespace(ns)
	}
	return all
}

func editTenth(ctx context.Context, w *world, rules []*v1alpha1.LocationRule) error {
	var tenth []*v1alpha1.LocationRule
	for i := 0; i < len(rules); i += 10 {
		tenth = append(tenth, rules[i])
	}
	return parallel(8, tenth, func(r *v1alpha1.LocationRule) error {
		patch := []byte(`{"spec":{"add":"00"}}`)
		return w.k8s.Patch(ctx, &v1alpha1.LocationRule{ObjectMeta: metav1.ObjectMeta{Name: r.Name, Namespace: namespace}},
			client.RawPatch("application/merge-patch+json", patch))
	})
}

// deleteAll deletes every resource of the namespace, a collection per kind. A
// collection delete that the API server cut off (its request timeout, on a loaded
// machine) is sent again: what it deleted stays deleted.
func deleteAll(ctx context.Context, w *world) error {
	for _, o := range []client.Object{&v1alpha1.LocationRule{}, &v1alpha1.DIDRate{}, &v1alpha1.MorDefaults{}} {
		var err error
		for range 3 {
			if err = w.k8s.DeleteAllOf(ctx, o, client.InNamespace(namespace)); err == nil {
				break
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// allReady: every LocationRule and DIDRate Ready at its generation (MorDefaults too),
// as the driver's informers last saw them.
func allReady(ctx context.Context, w *world, c config) (bool, error) {
	return countReady(c, atOnce(ctx, w.watched))
}

// coldReady: the cold phase's end, without a watch of every write (see run). The
// manager's own gauge (mor_managed_resources, set after each status write) says when
// all are Ready; the API server's answer confirms it: a list, in pages, of every
// resource. The phase ends at the gauge's reading (end), as confirmed.
func coldReady(ctx context.Context, w *world, c config, end *time.Time) (bool, error) {
	n, err := w.managerReadyGauge(ctx)
	read := time.Now()
	if err != nil || n < want(c) {
		return false, err
	}
	ok, err := countReady(c, inPages(ctx, w.k8s))
	if ok {
		*end = read
	}
	return ok, err
}

func want(c config) int { return c.N + max(c.N/10, 1) + 1 }

// countReady reports whether all the bench namespace's resources are Ready for their
// generation.
func countReady(c config, lists lister) (bool, error) {
	ready := 0
	for _, list := range []client.ObjectList{&v1alpha1.LocationRuleList{}, &v1alpha1.DIDRateList{}, &v1alpha1.MorDefaultsList{}} {
		if err := lists(list, func() error {
			return meta.EachListItem(list, func(o runtime.Object) error {
				if managed.ReadyForGeneration(o.(managed.Resource)) {
					ready++
				}
				return nil
			})
		}); err != nil {
			return false, err
		}
	}
	return ready == want(c), nil
}

// A lister lists the bench namespace's objects of list's kind into list, calling each
// after every page it reads.
type lister func(list client.ObjectList, each func() error) error

// inPages lists from the API server, 500 objects a page.
func inPages(ctx context.Context, r client.Reader) lister {
	return func(list client.ObjectList, each func() error) error {
		for page := []client.ListOption{client.InNamespace(namespace), client.Limit(500)}; ; {
			if err := r.List(ctx, list, page...); err != nil {
				return err
			}
			if err := each(); err != nil {
				return err
			}
			if list.GetContinue() == "" {
				return nil
			}
			page = []client.ListOption{client.InNamespace(namespace), client.Limit(500), client.Continue(list.GetContinue())}
		}
	}
}

// atOnce lists from a cache, which answers in one page (and refuses a continue token).
func atOnce(ctx context.Context, r client.Reader) lister {
	return func(list client.ObjectList, each func() error) error {
		if err := r.List(ctx, list, client.InNamespace(namespace)); err != nil {
			return err
		}
		return each()
	}
}

// allGone: no resource left in the namespace. A resource goes only once its finalizer
// has deleted its MOR object, so this is checked against the simulator once, at the
// end, rather than by reading its whole state on every poll.
func allGone(ctx context.Context, w *world) (bool, error) {
	for _, list := range []client.ObjectList{&v1alpha1.LocationRuleList{}, &v1alpha1.DIDRateList{}, &v1alpha1.MorDefaultsList{}} {
		if err := w.watched.List(ctx, list, client.InNamespace(namespace)); err != nil {
			return false, err
		}
		if meta.LenList(list) > 0 {
			return false, nil
		}
	}
	st, err := w.sim.state(ctx)
	if err != nil {
		return false, err
	}
	for _, r := range st.Rules {
		if strings.HasPrefix(r.Name, "managed ") {
			return false, fmt.Errorf("every resource is gone but MOR still holds rule %d %q", r.ID, r.Name)
		}
	}
	return true, nil
}
