package reliability

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/testproc"
)

// The storm tests' MorServer budget and poll interval: a short poll so that several
// polls fit in the test, a budget high enough for 100 rules to converge in seconds.
const (
	stormQPS          = 20
	stormBurst        = 10
	stormPollInterval = 4 * time.Second
)

// TestRejectedRuleIsNotRetried: a rule MOR rejects is sent once per poll interval, not
// again and again; three of them beside 100 good rules neither slow the good ones down
// (against a baseline of the same 100 rules alone, in this run) nor take the server past
// its rateLimit over any window.
func TestRejectedRuleIsNotRetried(t *testing.T) {
	g := NewWithT(t)
	ctx := context.Background()

	base, _ := stormWorld(t, "storm-base")
	baseline := timeToReady(t, g, base, goodRules(t, base, 100))

	w, sent := stormWorld(t, "storm")
	bad := make([]*v1alpha1.LocationRule, 3)
	for i := range bad {
		bad[i] = &v1alpha1.LocationRule{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("bad-%d", i), Namespace: w.NS},
			Spec: v1alpha1.LocationRuleSpec{LocationID: 1, Name: ptr.To(fmt.Sprintf("bad %d", i)),
				Cut: ptr.To(fmt.Sprintf("6%d", i)), Add: ptr.To("+"), TariffID: ptr.To(int64(999999))}}
		g.Expect(w.K8s.Create(ctx, bad[i])).To(Succeed())
	}
	for _, lr := range bad {
		g.Eventually(func() string { return stalledReason(ctx, w, lr) }, 30*time.Second, 50*time.Millisecond).
			Should(Equal("Rejected"), "%s goes Stalled", lr.Name)
	}
	firstStalled := time.Now()
	withBad := timeToReady(t, g, w, goodRules(t, w, 100))

	// Several polls later: at most one create per rejected rule per poll interval (each
	// poll may come up to 10% early).
	time.Sleep(time.Until(firstStalled.Add(3 * stormPollInterval)))
	observed := time.Since(firstStalled)
	polls := int(float64(observed)/(0.9*float64(stormPollInterval))) + 1
	creates := map[string]int{}
	for _, r := range w.Sim.Requests() {
		if r.Method == mor.LocationRuleCreate.Name() && strings.HasPrefix(r.Params["name"], "bad ") {
			creates[r.Params["name"]]++
		}
	}
	peak := sent.peak(time.Second)
	t.Logf("summary: 100 rules Ready in %s alone, %s beside 3 rejected; rejected creates %v over %s (%d polls); peak %d requests/s (rateLimit %d/s, burst %d)",
		baseline.Round(time.Millisecond), withBad.Round(time.Millisecond), creates, observed.Round(time.Second), polls, peak, stormQPS, stormBurst)

	g.Expect(withBad).To(BeNumerically("<=", 2*baseline+2*time.Second),
		"100 good rules beside 3 rejected ones took %s, alone %s", withBad, baseline)
	for _, lr := range bad {
		g.Expect(creates[*lr.Spec.Name]).To(BeNumerically("<=", polls),
			"creates of the rejected %s over %s (%d polls)", lr.Name, observed.Round(time.Second), polls)
	}
	g.Expect(peak).To(BeNumerically("<=", stormQPS+stormBurst), "requests MOR received in one second")
	for _, window := range []time.Duration{5 * time.Second, 10 * time.Second} {
		bound := int(stormQPS*window.Seconds()) + stormBurst
		g.Expect(sent.peak(window)).To(BeNumerically("<=", bound), "requests MOR received in %s", window)
	}
}

// stormWorld starts a World whose MorServer has the storm budget, a manager with the
// storm poll interval, and a record of when MOR received each API request.
func stormWorld(t *testing.T, ns string) (*testproc.World, *arrivals) {
	t.Helper()
	sent := &arrivals{}
	w := testproc.Start(t, testproc.Options{Cluster: cluster, Namespace: ns, Wrap: func(sim http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			if strings.Contains(r.URL.Path, "/api/") {
				sent.add(time.Now())
			}
			sim.ServeHTTP(rw, r)
		})
	}})
	ctx := context.Background()
	server := &v1alpha1.MorServer{}
	if err := w.K8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: v1alpha1.DefaultServerName}, server); err != nil {
		t.Fatal(err)
	}
	server.Spec.RateLimit = &v1alpha1.RateLimit{RequestsPerSecond: ptr.To(int32(stormQPS)), Burst: ptr.To(int32(stormBurst))}
	if err := w.K8s.Update(ctx, server); err != nil {
		t.Fatal(err)
	}
	w.StartManager(t, false, "--poll-interval="+stormPollInterval.String())
	return w, sent
}

// goodRules creates n LocationRules MOR accepts.
func goodRules(t *testing.T, w *testproc.World, n int) []*v1alpha1.LocationRule {
	t.Helper()
	return newRules(t, w, "good", n)
}

// timeToReady waits until every rule is Ready and returns how long that took.
func timeToReady(t *testing.T, g Gomega, w *testproc.World, rules []*v1alpha1.LocationRule) time.Duration {
	t.Helper()
	start := time.Now()
	converged(t, g, w, rules, "good", 2*time.Minute)
	return time.Since(start)
}

func stalledReason(ctx context.Context, w *testproc.World, lr *v1alpha1.LocationRule) string {
	got := &v1alpha1.LocationRule{}
	if err := w.K8s.Get(ctx, client.ObjectKeyFromObject(lr), got); err != nil {
		return err.Error()
	}
	if c := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionStalled); c != nil {
		return c.Reason
	}
	return ""
}

// arrivals records when MOR received each request.
type arrivals struct {
	mu    sync.Mutex
	times []time.Time
}

func (a *arrivals) add(at time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.times = append(a.times, at)
}

// peak is the most requests received within any window of the given length.
func (a *arrivals) peak(window time.Duration) int {
	a.mu.Lock()
	times := slices.Clone(a.times)
	a.mu.Unlock()
	slices.SortFunc(times, func(x, y time.Time) int { return x.Compare(y) })
	best, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= window {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}
