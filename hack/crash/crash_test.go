// Package crash kills the manager (SIGKILL, a real process) right after MOR created a
// rule and before the operator could record it, again and again, and checks that every
// LocationRule ends with exactly one rule in MOR. `make test` runs a few kill points;
// `make test-crash` runs CRASH_POINTS of them (default 25).
package crash

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/managed"
	"github.com/mor-operator/mor-operator/internal/morsim"
	morscheme "github.com/mor-operator/mor-operator/internal/scheme"
	"github.com/mor-operator/mor-operator/internal/testenv"
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

	cfg, env, err := testenv.Start()
	g.Expect(err).NotTo(HaveOccurred())
	t.Cleanup(func() { _ = env.Stop() })
	k8s, err := client.New(cfg, client.Options{Scheme: morscheme.New()})
	g.Expect(err).NotTo(HaveOccurred())
	dir := t.TempDir()
	user, err := env.AddUser(envtest.User{Name: "crash-admin", Groups: []string{"system:masters"}}, nil)
	g.Expect(err).NotTo(HaveOccurred())
	kc, err := user.KubeConfig()
	g.Expect(err).NotTo(HaveOccurred())
	kubeconfig := filepath.Join(dir, "kubeconfig")
	g.Expect(os.WriteFile(kubeconfig, kc, 0o600)).To(Succeed())
	manager := filepath.Join(dir, "manager")
	build := exec.Command("go", "build", "-o", manager, "../..")
	build.Stderr = os.Stderr
	g.Expect(build.Run()).To(Succeed())

	// The simulator; after each location_rule_create it has answered, the manager dies.
	sim := morsim.New(morsim.DefaultSeed())
	created := make(chan struct{}, 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sim.ServeHTTP(w, r)
		if strings.HasSuffix(r.URL.Path, "/api/location_rule_create") {
			if f, ok := w.(http.Flusher); ok {
				f.Flush() // the answer is on its way: the rule exists, status does not know it yet
			}
			created <- struct{}{}
		}
	}))
	t.Cleanup(srv.Close)

	ns := "crash"
	for _, o := range []client.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "mor-api-key", Namespace: ns}, StringData: map[string]string{"secretKey": morsim.DefaultAdminSecret}},
		&v1alpha1.MorServer{ObjectMeta: metav1.ObjectMeta{Name: v1alpha1.DefaultServerName, Namespace: ns},
			Spec: v1alpha1.MorServerSpec{URL: srv.URL + "/billing", Username: "admin", AllowInsecureHTTP: true,
				SecretKeyRef: v1alpha1.SecretKeySelector{Name: "mor-api-key", Key: "secretKey"}}},
	} {
		g.Expect(k8s.Create(ctx, o)).To(Succeed())
	}
	var rules []*v1alpha1.LocationRule
	for i := range points {
		lr := &v1alpha1.LocationRule{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("crash-%d", i), Namespace: ns},
			Spec: v1alpha1.LocationRuleSpec{LocationID: 1 + int64(i%3), Name: ptr(fmt.Sprintf("crash %d", i)), Cut: ptr(fmt.Sprintf("7%d", i)), Add: ptr("+")}}
		g.Expect(k8s.Create(ctx, lr)).To(Succeed())
		rules = append(rules, lr)
	}

	start := func() *exec.Cmd {
		// one worker: each run gets as far as one create, then dies
		cmd := exec.Command(manager, "--kubeconfig="+kubeconfig, "--watch-namespaces="+ns, "--poll-interval=2s", "--max-concurrent-reconciles=1",
			"--metrics-bind-address=0", "--health-probe-bind-address=0", "--zap-log-level=error")
		cmd.Stderr = os.Stderr
		g.Expect(cmd.Start()).To(Succeed())
		return cmd
	}
	inMOR := func() int {
		n := 0
		for _, r := range sim.Snapshot().Rules {
			if strings.HasPrefix(r.Name, "crash ") {
				n++
			}
		}
		return n
	}
	kills := 0
	for kills < points && inMOR() < points {
		for len(created) > 0 { // creates of the killed manager's last moments
			<-created
		}
		cmd := start()
		select {
		case <-created:
			_ = cmd.Process.Kill() // SIGKILL: no shutdown, no last write
			_ = cmd.Wait()
			kills++
		case <-time.After(2 * time.Minute):
			_ = cmd.Process.Kill()
			t.Fatalf("no create after %d kills", kills)
		}
	}
	cmd := start() // and now let it finish
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	g.Eventually(func(g Gomega) {
		for _, lr := range rules {
			got := &v1alpha1.LocationRule{}
			g.Expect(k8s.Get(ctx, client.ObjectKeyFromObject(lr), got)).To(Succeed())
			g.Expect(managed.ReadyForGeneration(got)).To(BeTrue(), "%s not Ready", lr.Name)
		}
	}, 2*time.Minute, 250*time.Millisecond).Should(Succeed())
	named := map[string]int{}
	for _, r := range sim.Snapshot().Rules {
		named[r.Name]++
	}
	for _, lr := range rules {
		g.Expect(named[*lr.Spec.Name]).To(Equal(1), "exactly one MOR rule for %s after %d kills", lr.Name, kills)
	}
	g.Expect(kills).To(BeNumerically(">=", points-1), "the kills hit the window between create and status")
	t.Logf("%d SIGKILLs right after a create: %d resources, %d MOR rules, no duplicate", kills, len(rules), inMOR())
}

func ptr[T any](v T) *T { return &v }
