package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	dir := t.TempDir()
	before := `{
	  "users": {"admin": {"username": "admin", "secretKey": "old-secret"}},
	  "conflines": {"reseller": {"default_user_balance": "1"}},
	  "dids": {"3": {"id": 3, "ownerTariffID": 4, "allowCallReject": 1},
	           "4": {"id": 4, "ownerTariffID": 2}},
	  "rules": {"2": {"id": 2, "name": "old"}, "10": {"id": 10, "name": "kept"}},
	  "currencies": ["USD"],
	  "nextRuleID": 11
	}`
	after := `{
	  "users": {"admin": {"username": "admin", "secretKey": "new-secret"}},
	  "conflines": {"admin": {"default_user_balance": "5", "default_device_type": "SIP"},
	                "reseller": {"default_user_balance": "1"}},
	  "dids": {"3": {"id": 3, "ownerTariffID": 5, "allowCallReject": 1},
	           "4": {"id": 4, "ownerTariffID": 2}},
	  "rules": {"10": {"id": 10, "name": "kept"}, "11": {"id": 11, "name": "new", "cut": "00"}},
	  "currencies": ["USD", "EUR"],
	  "nextRuleID": 12
	}`
	bp, ap := filepath.Join(dir, "before.json"), filepath.Join(dir, "after.json")
	if err := os.WriteFile(bp, []byte(before), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ap, []byte(after), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := dispatch([]string{"diff", bp, ap}, &out); err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`  conflines[admin].default_device_type: (unset) -> "SIP"`,
		`  conflines[admin].default_user_balance: (unset) -> "5"`,
		`  dids[3].ownerTariffID: 4 -> 5`,
		`  rules[2]: deleted {"id":2,"name":"old"}`,
		`  rules[11]: created {"cut":"00","id":11,"name":"new"}`,
	}, "\n") + "\n"
	if out.String() != want {
		t.Errorf("diff:\n%s\nwant:\n%s", out.String(), want)
	}
	if strings.Contains(out.String(), "secret") {
		t.Error("the diff shows users' secret keys")
	}

	out.Reset()
	if err := dispatch([]string{"diff", bp, bp}, &out); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); got != "  (no changes)\n" {
		t.Errorf("diff of equal states: %q", got)
	}
}

func TestCalls(t *testing.T) {
	p := filepath.Join(t.TempDir(), "requests.json")
	reqs := `[
	  {"method": "system_version_get", "ok": true, "outcome": "read"},
	  {"method": "conflines_update", "ok": false, "outcome": "Incorrect hash"},
	  {"method": "system_version_get", "ok": true, "outcome": "read"},
	  {"method": "conflines_update", "ok": true, "outcome": "Settings updated"}
	]`
	if err := os.WriteFile(p, []byte(reqs), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := dispatch([]string{"calls", p}, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 ||
		!strings.HasPrefix(strings.TrimSpace(lines[0]), "system_version_get") || !strings.HasSuffix(lines[0], " 2 ok") ||
		!strings.HasSuffix(lines[1], ` 1 ok, 1 failed: "Incorrect hash"`) {
		t.Errorf("calls:\n%s", out.String())
	}
}

func TestFreePort(t *testing.T) {
	var out bytes.Buffer
	if err := dispatch([]string{"freeport"}, &out); err != nil {
		t.Fatal(err)
	}
	if p := strings.TrimSpace(out.String()); p == "" || p == "0" {
		t.Errorf("freeport printed %q", p)
	}
}

func TestPost(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if r.PostForm.Get("add") == "" {
			http.Error(w, "Rule must have add\nsecond line", http.StatusUnprocessableEntity)
			return
		}
		_, _ = w.Write([]byte("add=" + r.PostForm.Get("add") + " name=" + r.PostForm.Get("name")))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name, out, err string
		args           []string
	}{
		{name: "form sent, answer printed", args: []string{"post", srv.URL, "add=0044", "name=a=b c"}, out: "add=0044 name=a=b c"},
		{name: "non-2xx fails with the answer's first line", args: []string{"post", srv.URL, "name=x"},
			err: "422 Unprocessable Entity: Rule must have add"},
		{name: "pairs only", args: []string{"post", srv.URL, "add"}, err: `"add" is not KEY=VALUE`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := dispatch(tc.args, &out)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "second line") {
					t.Fatalf("err = %v, want one line containing %q", err, tc.err)
				}
				return
			}
			if err != nil || out.String() != tc.out {
				t.Fatalf("out, err = %q, %v; want %q", out.String(), err, tc.out)
			}
		})
	}
}
