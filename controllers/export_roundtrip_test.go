package controllers_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
	"github.com/mor-operator/mor-operator/internal/plugin"
)

// handMadeNames are rule names as people type them in MOR's GUI.
var handMadeNames = []string{
	"UK mobile", "Zürich & Genève", "東京 → local", "a=b&c=d", "+44 to 0044", "Ñandú 50%",
	"Fax/Modem (old)", "quotes \"x\" and 'y'", "#hash: yes", "- dash first", "null", "123",
}

// TestExportRoundTrip: 300 hand-made rules (odd names, empty optional fields,
// unassigned ids, references by unique and shared names) and two DIDs exported by
// `kubectl mor export`, references by name where the name is unique, applied with the
// manager running: every resource Ready, its names resolved to MOR's ids, not one MOR
// write, and a second export byte-identical.
func TestExportRoundTrip(t *testing.T) {
	const n = 300
	f := newFixture(t)
	f.sim.Update(func(st *morsim.State) {
		st.Rules = map[int64]*morsim.Rule{}
		for i := int64(1); i <= n; i++ {
			r := &morsim.Rule{
				ID: i, LocationID: (i-1)%3 + 1, Name: fmt.Sprintf("%s %d", handMadeNames[i%int64(len(handMadeNames))], i),
				Enabled: int(i % 2), LrType: []string{"dst", "src", "combined"}[i%3],
				Cut: fmt.Sprintf("00%d", i), Add: []string{"+", "", "+44", "0#"}[i%4],
				MinLen: int(i % 10), MaxLen: 99, SrcCut: []string{"", "8"}[i%2], SrcMinLen: 1, SrcMaxLen: 99,
			}
			switch i % 4 {
			case 1:
				r.TariffID = 2 // "Retail"
			case 2:
				r.LcrID, r.DidID = []int64{1, 4, 5}[i%3], 3 // "Primary", "Zürich & 東京 LCR", "Twin" (shared)
			case 3:
				r.TariffID = []int64{8, 10}[(i/4)%2] // "Standard" (user), "Promo" (shared)
			}
			st.Rules[i] = r
		}
		st.NextRuleID = n + 1
	})
	// the test measures the operator, not the client-side limiter
	server := &v1alpha1.MorServer{}
	f.g.Expect(k8s.Get(context.Background(), client.ObjectKey{Namespace: f.ns, Name: v1alpha1.DefaultServerName}, server)).To(Succeed())
	f.update(server, func() {
		server.Spec.RateLimit = &v1alpha1.RateLimit{RequestsPerSecond: ptr(int32(1000)), Burst: ptr(int32(1000))}
	})

	api, err := mor.New(mor.Config{BaseURL: f.srv.URL + "/billing", Username: "admin", SecretKey: morsim.DefaultAdminSecret, QPS: 1e6, Burst: 1e6})
	f.g.Expect(err).NotTo(HaveOccurred())
	export := func() []byte {
		docs, _, err := plugin.Export(context.Background(), api, plugin.ExportOptions{Namespace: f.ns, DIDs: []int64{1, 3}})
		f.g.Expect(err).NotTo(HaveOccurred())
		var b bytes.Buffer
		f.g.Expect(plugin.WriteStream(&b, docs)).To(Succeed())
		return b.Bytes()
	}
	first := export()
	for _, s := range []string{"tariffName: Retail\n", "lcrName: Zürich & 東京 LCR\n", "didNumber: \"37060000003\"\n", "tariffName: Standard\n",
		"# tariffID 10: 2 tariffs are named \"Promo\" on this MOR (ids 10, 11)\n", "# lcrID 5: 2 LCRs are named \"Twin\" on this MOR (ids 5, 6)\n",
		"providerTariffName: Provider B\n", "ownerTariffName: Wholesale\n"} {
		f.g.Expect(string(first)).To(ContainSubstring(s))
	}

	var created []client.Object
	for _, doc := range strings.Split(string(first), "\n---\n") {
		u := &unstructured.Unstructured{}
		f.g.Expect(yaml.Unmarshal([]byte(doc), &u.Object)).To(Succeed())
		f.create(u)
		created = append(created, u)
	}
	f.g.Expect(created).To(HaveLen(n + 2))

	f.g.Eventually(func() int { return f.readyCount() }, 2*time.Minute, 200*time.Millisecond).Should(Equal(n+2),
		"every exported resource Ready (ObserveOnly, MOR already matches)")
	for _, r := range f.sim.Requests() {
		f.g.Expect(strings.HasSuffix(r.Method, "_get")).To(BeTrue(), "MOR %s called: adopting an export must not write", r.Method)
	}
	f.g.Expect(export()).To(Equal(first), "a second export is byte-identical")
}

// readyCount counts the namespace's LocationRules and DIDRates Ready at their generation.
func (f *fixture) readyCount() int {
	n := 0
	for _, list := range []client.ObjectList{&v1alpha1.LocationRuleList{}, &v1alpha1.DIDRateList{}} {
		if err := k8s.List(context.Background(), list, client.InNamespace(f.ns)); err != nil {
			return 0
		}
		_ = meta.EachListItem(list, func(o runtime.Object) error {
			if managed.ReadyForGeneration(o.(managed.Resource)) {
				n++
			}
			return nil
		})
	}
	return n
}
