// Package crash kills the manager (SIGKILL, a real process) right after MOR created a
// rule and before the operator could record it, again and again, and checks that every
// LocationRule ends with exactly one rule in MOR. `make test` runs a few kill points;
// `make test-crash` runs CRASH_POINTS of them (default 25).
package crash

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/testproc"
)

func killPoints() int {
	if n, err := strconv.Atoi(os.Getenv("CRASH_POINTS")); err == nil && n > 0 {
		return n
	}
	return 4
}

func TestSIGKILLBetweenCreateAndStatus(t *testing.T) {
	g := NewWithT(t)
	points := killPoints()
	ctx := context.Background()

	// The simulator; after each location_rule_create it has answered, the manager dies.
	created := make(chan struct{}, 1000)
	ns := "crash"
	w := testproc.Start(t, testproc.Options{Namespace: ns, Wrap: func(sim http.Handler) http.Handler {
		return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			sim.ServeHTTP(rw, r)
			if strings.HasSuffix(r.URL.Path, "/api/location_rule_create") {
				if f, ok := rw.(http.Flusher); ok {
					f.Flush() // the answer is on its way: the rule exists, status does not know it yet
				}
				created <- struct{}{}
			}
		})
	}})
	k8s := w.K8s
	var rules []*v1alpha1.LocationRule
	for i := range points {
		lr := &v1alpha1.LocationRule{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("crash-%d", i), Namespace: ns},
			Spec: v1alpha1.LocationRuleSpec{LocationID: 1 + int64(i%3), Name: ptr.To(fmt.Sprintf("crash %d", i)), Cut: ptr.To(fmt.Sprintf("7%d", i)), Add: ptr.To("+")}}
		g.Expect(k8s.Create(ctx, lr)).To(Succeed())
		rules = append(rules, lr)
	}

	start := func() *testproc.Proc {
		// one worker: each run gets as far as one create, then dies
		return w.StartManager(t, false, "--poll-interval=2s", "--max-concurrent-reconciles=1")
	}
	inMOR := func() int { return len(w.RulesNamed("crash ")) }
	kills := 0
	for kills < points && inMOR() < points {
		for len(created) > 0 { // creates of the killed manager's last moments
			<-created
		}
		cmd := start()
		select {
		case <-created:
			cmd.Kill() // SIGKILL: no shutdown, no last write
			kills++
		case <-time.After(2 * time.Minute):
			cmd.Kill()
			t.Fatalf("no create after %d kills", kills)
		}
	}
	start() // and now let it finish

	g.Eventually(func() []string { return w.NotReady(ctx, rules) }, 2*time.Minute, 250*time.Millisecond).Should(BeEmpty())
	named := w.RulesNamed("crash ")
	for _, lr := range rules {
		g.Expect(named[*lr.Spec.Name]).To(Equal(1), "exactly one MOR rule for %s after %d kills", lr.Name, kills)
	}
	g.Expect(kills).To(BeNumerically(">=", points-1), "the kills hit the window between create and status")
	t.Logf("%d SIGKILLs right after a create: %d resources, %d MOR rules, no duplicate", kills, len(rules), inMOR())
}
