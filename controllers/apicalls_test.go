package controllers_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// apiCall is what RBAC decides on: a verb on a group's resource (or subresource).
type apiCall struct{ verb, group, resource string }

func (c apiCall) String() string {
	if c.group == "" {
		return c.verb + " " + c.resource
	}
	return c.verb + " " + c.resource + "." + c.group
}

// apiCalls records every request a rest.Config's clients send (through WrapTransport)
// as RBAC sees it, and every request the API server answered 403.
type apiCalls struct {
	mu        sync.Mutex
	calls     map[apiCall]int
	forbidden []string
	nonRes    map[string]int // discovery and other non-resource paths
}

func newAPICalls() *apiCalls {
	return &apiCalls{calls: map[apiCall]int{}, nonRes: map[string]int{}}
}

func (a *apiCalls) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		// Recorded before it is sent: the API server may have done it (and a test seen
		// the effect) before the answer comes back.
		call, ok := parseAPICall(req)
		a.mu.Lock()
		if !ok {
			a.nonRes[req.Method+" "+req.URL.Path]++
		} else {
			a.calls[call]++
		}
		a.mu.Unlock()
		resp, err := rt.RoundTrip(req)
		a.mu.Lock()
		defer a.mu.Unlock()
		if err == nil && resp.StatusCode == http.StatusForbidden {
			a.forbidden = append(a.forbidden, fmt.Sprintf("%s (%s %s)", call, req.Method, req.URL.Path))
		}
		return resp, err
	})
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// parseAPICall reads the verb, group and resource of a resource request from its path
// and method, as the API server's RequestInfo does for the paths clients send:
// /api/v1[/namespaces/NS]/RESOURCE[/NAME[/SUB]] and /apis/GROUP/VERSION/....
func parseAPICall(req *http.Request) (apiCall, bool) {
	parts := strings.Split(strings.Trim(req.URL.Path, "/"), "/")
	var group string
	switch {
	case len(parts) >= 3 && parts[0] == "api":
		parts = parts[2:]
	case len(parts) >= 4 && parts[0] == "apis":
		group, parts = parts[1], parts[3:]
	default:
		return apiCall{}, false
	}
	if len(parts) >= 3 && parts[0] == "namespaces" {
		parts = parts[2:] // a namespaced resource
	}
	resource, name := parts[0], ""
	if len(parts) >= 2 {
		name = parts[1]
	}
	if len(parts) >= 3 {
		resource += "/" + parts[2]
	}
	var verb string
	switch req.Method {
	case http.MethodGet:
		switch {
		case name != "":
			verb = "get"
		case req.URL.Query().Get("watch") == "true" || req.URL.Query().Get("watch") == "1":
			verb = "watch"
		default:
			verb = "list"
		}
	case http.MethodPost:
		verb = "create"
	case http.MethodPut:
		verb = "update"
	case http.MethodPatch:
		verb = "patch"
	case http.MethodDelete:
		verb = "delete"
		if name == "" {
			verb = "deletecollection"
		}
	default:
		return apiCall{}, false
	}
	return apiCall{verb, group, resource}, true
}

// snapshot returns the calls made so far, sorted, with their counts.
func (a *apiCalls) snapshot() (calls map[apiCall]int, forbidden []string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	calls = make(map[apiCall]int, len(a.calls))
	for k, v := range a.calls {
		calls[k] = v
	}
	return calls, append([]string(nil), a.forbidden...)
}

func sortedCalls(calls map[apiCall]int) []string {
	var out []string
	for c, n := range calls {
		out = append(out, fmt.Sprintf("%s ×%d", c, n))
	}
	sort.Strings(out)
	return out
}

// cleanupManager stops a test's extra manager at cleanup, waiting at most 10 s: a
// manager whose informers are Forbidden (the failure these RBAC tests look for) can take
// minutes to stop, and the failure should be reported, not turned into a test timeout.
func cleanupManager(t *testing.T, stop func()) {
	t.Cleanup(func() {
		done := make(chan struct{})
		go func() { stop(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Log("the manager did not stop within 10s; left running")
		}
	})
}
