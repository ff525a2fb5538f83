package mor

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestRedactURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://mor.example.com/billing/api/x", "https://mor.example.com/billing/api/x"},
		{"https://user:pw@mor.example.com/billing/api/x?u=admin&hash=abc#frag", "https://mor.example.com/billing/api/x"},
		{"http://mor.example.com/login?", "http://mor.example.com/login"},
		{"://bad url with hash=abc", "[unparseable URL]"},
	}
	for _, tt := range tests {
		if got := redactURL(tt.in); got != tt.want {
			t.Errorf("redactURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactError(t *testing.T) {
	const key, hash = "the-key-123", "0123456789abcdef0123456789abcdef01234567"
	tests := []struct {
		name  string
		err   error
		leaks []string
		isCtx bool
	}{
		{"url.Error with query and userinfo", &url.Error{Op: "Post", URL: "https://u:pw@h/api/x?hash=" + hash + "&k=" + key, Err: context.DeadlineExceeded}, []string{key, hash, "pw"}, true},
		{"secret in a plain error", errors.New("server said " + key + " and " + hash), []string{key, hash}, false},
		{"clean error kept as is", context.Canceled, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := redactError(tt.err, key, hash, "")
			for _, s := range tt.leaks {
				if strings.Contains(got.Error(), s) {
					t.Errorf("%q leaks %q", got, s)
				}
			}
			if tt.isCtx && !errors.Is(got, context.DeadlineExceeded) && !errors.Is(got, context.Canceled) {
				t.Errorf("%v lost its context cause", got)
			}
		})
	}
	if redactError(nil, key) != nil {
		t.Error("redactError(nil) != nil")
	}
}
