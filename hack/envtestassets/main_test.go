package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const version = "v1.37.2"

// archiveOf packs files (path in the archive → content) as a .tar.gz, the way
// controller-tools lays out a release: controller-tools/envtest/<binary>.
func archiveOf(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if err := tw.WriteHeader(&tar.Header{Name: "controller-tools/envtest/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(content))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// releaseServer serves an index listing archive for this platform under the hash given
// ("" for its true SHA-512), and the archive.
func releaseServer(t *testing.T, archive []byte, hash string) *httptest.Server {
	t.Helper()
	if hash == "" {
		sum := sha512.Sum512(archive)
		hash = hex.EncodeToString(sum[:])
	}
	name := fmt.Sprintf("envtest-%s-%s-%s.tar.gz", version, runtime.GOOS, runtime.GOARCH)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	mux.HandleFunc("/envtest-releases.yaml", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintf(w, "releases:\n  v1.30.0:\n    envtest-v1.30.0-linux-amd64.tar.gz:\n      hash: 00\n      selfLink: %s/old.tar.gz\n", srv.URL)
		fmt.Fprintf(w, "  %s:\n    %s:\n      hash: %s\n      selfLink: %s/download/%s\n", version, name, hash, srv.URL, name)
	})
	mux.HandleFunc("/download/"+name, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(archive) })
	return srv
}

var binariesArchive = map[string]string{
	"controller-tools/envtest/kube-apiserver": "apiserver binary",
	"controller-tools/envtest/etcd":           "etcd binary",
	"controller-tools/envtest/kubectl":        "kubectl binary",
}

func TestDownload(t *testing.T) {
	for _, tt := range []struct {
		name    string
		archive map[string]string
		hash    string // "" for the archive's own
		version string
		wantErr string // "" for success
	}{
		{name: "verified", archive: binariesArchive, version: version},
		{name: "checksum mismatch", archive: binariesArchive, hash: strings.Repeat("cd", 64), version: version, wantErr: "refused"},
		{name: "version not released", archive: binariesArchive, version: "v1.99.0", wantErr: "the index lists no envtest-v1.99.0"},
		{name: "archive without etcd", archive: map[string]string{"controller-tools/envtest/kube-apiserver": "x"}, version: version, wantErr: "the archive has no etcd"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := releaseServer(t, archiveOf(t, tt.archive), tt.hash)
			dir := t.TempDir()
			err := download(context.Background(), srv.URL+"/envtest-releases.yaml", tt.version, runtime.GOOS, runtime.GOARCH, dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				if left := entries(t, dir); len(left) > 0 {
					t.Fatalf("a failed download left %v", left)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := entries(t, dir); !equal(got, []string{"etcd", "kube-apiserver"}) {
				t.Fatalf("dir holds %v, want etcd and kube-apiserver only", got)
			}
			for name, want := range map[string]string{"kube-apiserver": "apiserver binary", "etcd": "etcd binary"} {
				path := filepath.Join(dir, name)
				b, err := os.ReadFile(path)
				if err != nil || string(b) != want {
					t.Fatalf("%s = %q, %v; want %q", name, b, err, want)
				}
				if fi, _ := os.Stat(path); fi.Mode()&0o111 == 0 {
					t.Fatalf("%s is not executable: %v", name, fi.Mode())
				}
			}
		})
	}
}

// TestProvideFallsBack: when the index cannot be reached (or the archive is refused),
// the binaries are built instead; a verified download builds nothing.
func TestProvideFallsBack(t *testing.T) {
	unreachable := func() string { // a port nothing listens on any more
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		return srv.URL + "/envtest-releases.yaml"
	}
	for _, tt := range []struct {
		name      string
		index     func(t *testing.T) string
		wantBuild bool
	}{
		{name: "server unreachable", index: func(*testing.T) string { return unreachable() }, wantBuild: true},
		{name: "checksum mismatch", index: func(t *testing.T) string {
			return releaseServer(t, archiveOf(t, binariesArchive), strings.Repeat("ab", 64)).URL + "/envtest-releases.yaml"
		}, wantBuild: true},
		{name: "downloaded", index: func(t *testing.T) string {
			return releaseServer(t, archiveOf(t, binariesArchive), "").URL + "/envtest-releases.yaml"
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "k8s", version)
			built := false
			build := func(_ context.Context, d string) error {
				built = true
				for _, b := range binaries {
					if err := os.WriteFile(filepath.Join(d, b), []byte("built"), 0o755); err != nil {
						return err
					}
				}
				return nil
			}
			if err := provide(context.Background(), tt.index(t), version, dir, build); err != nil {
				t.Fatal(err)
			}
			if built != tt.wantBuild {
				t.Fatalf("built = %v, want %v", built, tt.wantBuild)
			}
			if got := entries(t, dir); !equal(got, []string{"etcd", "kube-apiserver"}) {
				t.Fatalf("dir holds %v, want etcd and kube-apiserver", got)
			}
		})
	}
}

func entries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func equal(a, b []string) bool { return strings.Join(a, ",") == strings.Join(b, ",") }
