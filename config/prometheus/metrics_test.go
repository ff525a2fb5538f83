package prometheus_test

import (
	"context"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/testproc"
)

// prometheusOwn are series Prometheus makes itself, not scraped from the manager.
var prometheusOwn = []string{"up"}

// TestMetricsAreExported runs the real manager against envtest and the simulator, makes
// it export every family of its own (a MorServer probed, a DIDRate made Ready, its drift
// corrected, MOR down until the breaker holds), and checks that every metric an alert
// or a dashboard panel uses is on its /metrics.
func TestMetricsAreExported(t *testing.T) {
	used := map[string][]string{} // metric → where it is used
	for _, r := range loadRules(t) {
		for _, m := range metricNames(t, r.Expr) {
			used[m] = append(used[m], "alert "+r.Alert)
		}
	}
	for name, expr := range dashboardExprs(t, loadDashboard(t)) {
		for _, m := range metricNames(t, expr) {
			used[m] = append(used[m], "panel "+name)
		}
	}

	g := NewWithT(t)
	w := testproc.Start(t, testproc.Options{Namespace: "metrics"})
	p := w.StartManager(t, true, "--poll-interval=1s")
	ctx := context.Background()
	did := &v1alpha1.DIDRate{
		ObjectMeta: metav1.ObjectMeta{Name: "did-3", Namespace: w.NS},
		Spec:       v1alpha1.DIDRateSpec{DIDID: ptr.To[int64](3), OwnerTariffID: ptr.To[int64](2)},
	}
	g.Expect(w.K8s.Create(ctx, did)).To(Succeed())
	g.Eventually(func() bool {
		got := &v1alpha1.DIDRate{}
		return w.K8s.Get(ctx, client.ObjectKeyFromObject(did), got) == nil && managed.ReadyForGeneration(got)
	}, time.Minute, 50*time.Millisecond).Should(BeTrue(), "DIDRate Ready")
	metric := func(name string) func() (float64, error) { return func() (float64, error) { return p.Metric(name) } }
	w.Sim.Update(func(st *morsim.State) { st.DIDs[3].OwnerTariffID = 4 }) // a hand edit in MOR
	g.Eventually(metric("mor_drift_corrections_total"), time.Minute, 50*time.Millisecond).Should(BeNumerically(">=", 1))
	w.Sim.SetFaults(morsim.Faults{Down: true})
	g.Eventually(metric("mor_server_held"), time.Minute, 50*time.Millisecond).Should(BeNumerically("==", 1))

	exported := scrape(t, "http://"+p.MetricsAddr+"/metrics")
	for _, m := range slices.Sorted(maps.Keys(used)) {
		if !slices.Contains(exported, m) && !slices.Contains(prometheusOwn, m) {
			t.Errorf("%s (used by %s) is not on the manager's /metrics", m, strings.Join(used[m], ", "))
		}
	}
	t.Logf("%d metrics used by the alerts and the dashboard, all exported: %v", len(used), slices.Sorted(maps.Keys(used)))
}

// scrape returns the series names a /metrics endpoint serves: each family's name, and
// for histograms and summaries its _bucket, _sum and _count series.
func scrape(t *testing.T, url string) []string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name, f := range families {
		names = append(names, name)
		if len(f.GetMetric()) > 0 && (f.GetMetric()[0].Histogram != nil || f.GetMetric()[0].Summary != nil) {
			names = append(names, name+"_bucket", name+"_sum", name+"_count")
		}
	}
	return names
}
