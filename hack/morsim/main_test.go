package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/mor-operator/mor-operator/internal/morsim"
)

// TestSeedExample keeps seed.example.yaml equal to morsim.DefaultSeed. Regenerate it
// with MORSIM_UPDATE_SEED=1 go test ./hack/morsim/ -run TestSeedExample.
func TestSeedExample(t *testing.T) {
	if os.Getenv("MORSIM_UPDATE_SEED") == "1" {
		b, err := yaml.Marshal(morsim.DefaultSeed())
		if err != nil {
			t.Fatal(err)
		}
		header := "# Seed of the MOR simulator (hack/morsim --seed FILE): the same data as\n" +
			"# morsim.DefaultSeed(). Maps are keyed by id (users by username). Values are taken\n" +
			"# literally: nothing is defaulted. Regenerate: MORSIM_UPDATE_SEED=1 go test ./hack/morsim/ -run TestSeedExample\n"
		if err := os.WriteFile("seed.example.yaml", append([]byte(header), b...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := morsim.LoadSeed("seed.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, morsim.DefaultSeed()) {
		t.Fatal("seed.example.yaml differs from morsim.DefaultSeed(); regenerate it")
	}
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// start runs the program and returns its base URL; it stops at the end of the test.
func start(t *testing.T, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	addrc := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), logs, func(a string) { addrc <- a })
	}()
	var addr string
	select {
	case addr = <-addrc:
	case err := <-done:
		cancel()
		t.Fatalf("run: %v\n%s", err, logs.String())
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run returned %v", err)
		}
		if !strings.Contains(logs.String(), "stopped") {
			t.Errorf("no stop logged:\n%s", logs.String())
		}
	})
	return "http://" + addr, logs
}

func call(base, method string, p map[string]string, key string) (string, error) {
	p["hash"] = morsim.Sign(method, p, key)
	form := url.Values{}
	for k, v := range p {
		form.Set(k, v)
	}
	res, err := http.PostForm(base+"/billing/api/"+method, form)
	if err != nil {
		return "", err
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}

func TestRun(t *testing.T) {
	const secret = "flag-secret-123"
	state := filepath.Join(t.TempDir(), "state.json")
	base, logs := start(t, "--admin-secret", secret, "--state", state, "--seed", "seed.example.yaml")
	body, err := call(base, "location_rule_create", map[string]string{"u": "admin", "location_id": "1", "name": "from test", "cut": "77"}, secret)
	if err != nil || !strings.Contains(body, "Rule created") {
		t.Fatalf("%v %s", err, body)
	}
	body, _ = call(base, "system_version_get", map[string]string{"u": "admin"}, morsim.DefaultAdminSecret)
	if !strings.Contains(body, "Incorrect hash") {
		t.Fatalf("default key accepted: %s", body)
	}
	res, err := http.Get(base + "/_sim/state")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("/_sim/state: %v", err)
	}
	_ = res.Body.Close()
	if b, _ := os.ReadFile(state); !strings.Contains(string(b), "from test") {
		t.Fatal("state file not written")
	}
	out := logs.String()
	if !strings.Contains(out, "listening on http://127.0.0.1:") {
		t.Fatalf("listen address not logged:\n%s", out)
	}
	if strings.Contains(out, secret) || strings.Contains(out, "hash") {
		t.Fatalf("secret or hash logged:\n%s", out)
	}
}

func TestRunEnvSecretAndFaults(t *testing.T) {
	t.Setenv("MORSIM_ADMIN_SECRET", "env-secret-456")
	base, logs := start(t, "--error-rate", "1")
	res, err := http.PostForm(base+"/billing/api/system_version_get", url.Values{"u": {"admin"}, "hash": {morsim.Sign("system_version_get", nil, "env-secret-456")}})
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != 500 {
		t.Fatalf("error rate 1: status %d", res.StatusCode)
	}
	// Clear the faults through the test endpoint; the env key signs.
	res, err = http.Post(base+"/_sim/faults", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	body, err := call(base, "system_version_get", map[string]string{"u": "admin"}, "env-secret-456")
	if err != nil || !strings.Contains(body, "<version>X17</version>") {
		t.Fatalf("%v %s", err, body)
	}
	if strings.Contains(logs.String(), "env-secret-456") {
		t.Fatal("secret logged")
	}

	downBase, _ := start(t, "--down")
	if _, err := call(downBase, "system_version_get", map[string]string{"u": "admin"}, "env-secret-456"); err == nil {
		t.Fatal("--down answered")
	}
}

func TestRunBadArguments(t *testing.T) {
	for _, args := range [][]string{
		{"--error-rate", "2"},
		{"--non-xml-rate", "-1"},
		{"--seed", "/nonexistent/seed.yaml"},
		{"--listen", "not an address"},
		{"--no-such-flag"},
		{"extra"},
		{"--added-latency", "-1s"},
		{"--scale-locations", "-1"},
		{"--scale-locations", "2", "--seed", "seed.example.yaml"},
		{"--id-offset", "-1"},
	} {
		var logs syncBuffer
		if err := run(context.Background(), append([]string{"--listen", "127.0.0.1:0"}, args...), &logs, nil); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
}

// --scale-* seed hand-made rules in extra locations; --added-latency delays every
// request and outlives /_sim/reset; /_sim/counters counts by method.
func TestRunScaleAndAddedLatency(t *testing.T) {
	const d = 40 * time.Millisecond
	base, logs := start(t, "--scale-locations", "3", "--scale-rules-per-location", "5", "--scale-dids", "2", "--added-latency", d.String())
	res, err := http.Post(base+"/_sim/reset", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	t0 := time.Now()
	body, err := call(base, "location_rules_get", map[string]string{"u": "admin", "location_id": fmt.Sprint(morsim.ScaleLocationBase + 3)}, morsim.DefaultAdminSecret)
	if err != nil || strings.Count(body, "<location_rule>") != 5 {
		t.Fatalf("%v %s", err, body)
	}
	if el := time.Since(t0); el < d {
		t.Fatalf("answered in %v after reset, want at least %v", el, d)
	}
	res, err = http.Get(base + "/_sim/counters")
	if err != nil {
		t.Fatal(err)
	}
	var c morsim.Counters
	err = json.NewDecoder(res.Body).Decode(&c)
	_ = res.Body.Close()
	if err != nil || c.Total != 1 || c.Of("location_rules_get") != 1 {
		t.Fatalf("counters %+v (%v)", c, err)
	}
	if out := logs.String(); !strings.Contains(out, "scale seed: 3 locations of 5 hand-made rules, 2 DIDs") || !strings.Contains(out, "added latency per request: 40ms") {
		t.Fatalf("scale or latency not logged:\n%s", out)
	}
}

// --id-offset: the same names under other ids, through the API a MOR client uses.
func TestRunIDOffset(t *testing.T) {
	base, logs := start(t, "--id-offset", "1000")
	body, err := call(base, "tariffs_get", map[string]string{"u": "admin"}, morsim.DefaultAdminSecret)
	if err != nil || !regexp.MustCompile(`<id>1009</id>\s*<name>Zürich &amp; 東京 retail</name>`).MatchString(body) {
		t.Fatalf("%v %s", err, body)
	}
	body, err = call(base, "did_rates_details_get", map[string]string{"u": "admin", "did_id": "1003"}, morsim.DefaultAdminSecret)
	if err != nil || !strings.Contains(body, "<provider_tariff_id>1003</provider_tariff_id>") {
		t.Fatalf("%v %s", err, body)
	}
	body, err = call(base, "location_rule_create", map[string]string{"u": "admin", "location_id": "1", "name": "from test", "cut": "77"}, morsim.DefaultAdminSecret)
	if err != nil || !strings.Contains(body, "<rule_id>1021</rule_id>") {
		t.Fatalf("%v %s", err, body)
	}
	if out := logs.String(); !strings.Contains(out, "ids of tariffs, LCRs, DIDs and rules offset by 1000") {
		t.Fatalf("offset not logged:\n%s", out)
	}
}
