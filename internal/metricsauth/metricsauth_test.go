package metricsauth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-logr/logr"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"

	"github.com/mor-operator/mor-operator/internal/testenv"
)

// TestMetricsAccess: against a real API server, a ServiceAccount bound to
// config/rbac/metrics_reader_role reads /metrics, one without the binding is
// forbidden, and a request without a valid token is unauthorized.
func TestMetricsAccess(t *testing.T) {
	if testing.Short() {
		t.Skip("envtest is not started with -short")
	}
	cfg, env, err := testenv.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = env.Stop() }()
	cs := kubernetes.NewForConfigOrDie(cfg)
	ctx := context.Background()

	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, "config", "rbac", "metrics_reader_role.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var role rbacv1.ClusterRole
	if err := yaml.Unmarshal(b, &role); err != nil {
		t.Fatal(err)
	}
	must(t, create(ctx, cs.RbacV1().ClusterRoles().Create, &role))
	ns := testenv.NamespaceName(t.Name())
	must(t, create(ctx, cs.CoreV1().Namespaces().Create, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}))
	token := map[string]string{}
	for _, sa := range []string{"scraper", "other"} {
		must(t, create(ctx, cs.CoreV1().ServiceAccounts(ns).Create, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: sa}}))
		tr, err := cs.CoreV1().ServiceAccounts(ns).CreateToken(ctx, sa, &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
		must(t, err)
		token[sa] = tr.Status.Token
	}
	must(t, create(ctx, cs.RbacV1().ClusterRoleBindings().Create, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-metrics-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: role.Name},
		Subjects:   []rbacv1.Subject{{Kind: "ServiceAccount", Namespace: ns, Name: "scraper"}},
	}))

	handler := newHandler(t, cfg)
	for _, tc := range []struct {
		name, authorization, path string
		want                      int
	}{
		{"bound to metrics-reader", "Bearer " + token["scraper"], "/metrics", http.StatusOK},
		{"bound to metrics-reader, again (cached)", "Bearer " + token["scraper"], "/metrics", http.StatusOK},
		{"bound, but another path", "Bearer " + token["scraper"], "/debug", http.StatusForbidden},
		{"not bound", "Bearer " + token["other"], "/metrics", http.StatusForbidden},
		{"no token", "", "/metrics", http.StatusUnauthorized},
		{"not a bearer token", "Basic " + token["scraper"], "/metrics", http.StatusUnauthorized},
		{"an invalid token", "Bearer not-a-token", "/metrics", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := get(handler, tc.authorization, tc.path); got != tc.want {
				t.Fatalf("status %d, want %d", got, tc.want)
			}
		})
	}
}

// TestMetricsAccessCached: a scrape repeated within the cache's lifetime costs no API
// request; an error of the API server is not cached.
func TestMetricsAccessCached(t *testing.T) {
	cs := fake.NewClientset()
	calls, fail := 0, true
	cs.PrependReactor("create", "tokenreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		calls++
		if fail {
			return true, nil, context.DeadlineExceeded
		}
		return true, &authenticationv1.TokenReview{Status: authenticationv1.TokenReviewStatus{
			Authenticated: true, User: authenticationv1.UserInfo{Username: "scraper"}}}, nil
	})
	cs.PrependReactor("create", "subjectaccessreviews", func(k8stesting.Action) (bool, runtime.Object, error) {
		calls++
		return true, &authorizationv1.SubjectAccessReview{Status: authorizationv1.SubjectAccessReviewStatus{Allowed: true}}, nil
	})
	clock := time.Now()
	f := &filter{cs: cs, now: func() time.Time { return clock }, cache: map[cacheKey]decision{}}
	check := func() int {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		r.Header.Set("Authorization", "Bearer t")
		code, _ := f.check(r)
		return code
	}
	for _, step := range []struct {
		name      string
		advance   time.Duration
		fail      bool
		want      int
		wantCalls int
	}{
		{"API server error: 500, not cached", 0, true, http.StatusInternalServerError, 1},
		{"allowed", 0, false, http.StatusOK, 3},
		{"cached", 30 * time.Second, false, http.StatusOK, 3},
		{"expired: asked again", cacheTTL, false, http.StatusOK, 5},
	} {
		clock = clock.Add(step.advance)
		fail = step.fail
		if got := check(); got != step.want || calls != step.wantCalls {
			t.Fatalf("%s: status %d after %d API calls, want %d after %d", step.name, got, calls, step.want, step.wantCalls)
		}
	}
}

func newHandler(t *testing.T, cfg *rest.Config) http.Handler {
	hc, err := rest.HTTPClientFor(cfg)
	must(t, err)
	provide, err := WithAuthenticationAndAuthorization(cfg, hc)
	must(t, err)
	h, err := provide(logr.Discard(), http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
	}))
	must(t, err)
	return h
}

func get(h http.Handler, authorization, path string) int {
	r := httptest.NewRequest(http.MethodGet, path, nil)
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code
}

func create[T any](ctx context.Context, f func(context.Context, T, metav1.CreateOptions) (T, error), obj T) error {
	_, err := f(ctx, obj, metav1.CreateOptions{})
	return err
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
