// Command envtestassets puts envtest's kube-apiserver and etcd for one Kubernetes
// version into a directory: the released binaries listed in controller-tools' envtest
// index (the one setup-envtest reads), their archive's SHA-512 checked against the
// index, or, when that fails (no network, no release for this version or platform, a
// bad checksum), the build from Go modules that -build runs. hack/envtest-assets.sh
// calls it when its cache is empty; see docs/envtest.md.
//
//	go run ./hack/envtestassets -version v1.37.2 -dir bin/k8s/v1.37.2 -build hack/envtest-build.sh
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// defaultIndex is setup-envtest's default index: controller-tools publishes a release
// of envtest binaries per Kubernetes version and lists each archive with its SHA-512.
const defaultIndex = "https://raw.githubusercontent.com/kubernetes-sigs/controller-tools/HEAD/envtest-releases.yaml"

// binaries are the files envtest needs from an archive (it also holds kubectl).
var binaries = []string{"kube-apiserver", "etcd"}

// Limits: an index is about 30 KB and an archive about 60 MB; a machine without the
// internet fails at once (no name resolves), one behind a black hole within the dial
// timeout.
const (
	maxIndex        = 8 << 20
	maxArchive      = 1 << 30
	downloadTimeout = 10 * time.Minute
)

func main() {
	var (
		version = flag.String("version", "", "Kubernetes version, e.g. v1.37.2")
		dir     = flag.String("dir", "", "directory to put kube-apiserver and etcd in")
		index   = flag.String("index", envOr("ENVTEST_INDEX_URL", defaultIndex), "URL of the envtest release index (default: $ENVTEST_INDEX_URL, else controller-tools')")
		build   = flag.String("build", "", "command building the binaries into -dir when the download fails (run as: <build> <dir>)")
	)
	flag.Parse()
	if *version == "" || *dir == "" || *build == "" {
		fmt.Fprintln(os.Stderr, "envtestassets: -version, -dir and -build are required")
		os.Exit(2)
	}
	if err := provide(context.Background(), *index, *version, *dir, runBuild(*build)); err != nil {
		fmt.Fprintln(os.Stderr, "envtestassets:", err)
		os.Exit(1)
	}
}

// provide downloads the binaries into dir, or builds them there when that fails.
func provide(ctx context.Context, index, version, dir string, build func(ctx context.Context, dir string) error) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	logf("downloading envtest %s for %s/%s (index %s)", version, runtime.GOOS, runtime.GOARCH, index)
	start := time.Now()
	err := download(ctx, index, version, runtime.GOOS, runtime.GOARCH, dir)
	if err == nil {
		logf("downloaded and verified in %s", time.Since(start).Round(time.Second))
		return nil
	}
	logf("no download (%v): building from Go modules instead", err)
	return build(ctx, dir)
}

// runBuild runs the build command with dir as its argument, its output on stderr.
func runBuild(command string) func(context.Context, string) error {
	return func(ctx context.Context, dir string) error {
		cmd := exec.CommandContext(ctx, command, dir)
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", command, err)
		}
		return nil
	}
}

// releaseIndex is the index's shape (see setup-envtest's remote.Index):
//
//	releases:
//	  v1.30.0:
//	    envtest-v1.30.0-linux-amd64.tar.gz:
//	      hash: <SHA-512, hex>
//	      selfLink: <URL of the archive>
type releaseIndex struct {
	Releases map[string]map[string]struct {
		Hash     string `json:"hash"`
		SelfLink string `json:"selfLink"`
	} `json:"releases"`
}

// download fetches the index, then the archive of version for goos/goarch, checks its
// SHA-512 and unpacks the binaries into dir. Nothing is left in dir on failure.
func download(ctx context.Context, index, version, goos, goarch, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, downloadTimeout)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
	}}

	var body bytes.Buffer
	if err := getTo(ctx, client, index, &body, maxIndex); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	var idx releaseIndex
	if err := yaml.Unmarshal(body.Bytes(), &idx); err != nil {
		return fmt.Errorf("index %s: %w", index, err)
	}
	name := fmt.Sprintf("envtest-%s-%s-%s.tar.gz", version, goos, goarch)
	archive, ok := idx.Releases[version][name]
	if !ok || archive.SelfLink == "" || archive.Hash == "" {
		return fmt.Errorf("the index lists no %s", name)
	}

	tmp, err := os.CreateTemp(dir, ".download-*.tar.gz")
	if err != nil {
		return err
	}
	defer func() { _ = tmp.Close(); _ = os.Remove(tmp.Name()) }()
	sum := sha512.New()
	if err := getTo(ctx, client, archive.SelfLink, io.MultiWriter(tmp, sum), maxArchive); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if got := hex.EncodeToString(sum.Sum(nil)); !strings.EqualFold(got, archive.Hash) {
		return fmt.Errorf("%s: SHA-512 %s, the index says %s: refused", name, got, archive.Hash)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return unpack(tmp, dir)
}

// getTo copies a URL's body, at most limit bytes, to w.
func getTo(ctx context.Context, client *http.Client, url string, w io.Writer, limit int64) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	n, err := io.Copy(w, io.LimitReader(resp.Body, limit+1))
	if err == nil && n > limit {
		err = fmt.Errorf("GET %s: larger than %d bytes", url, limit)
	}
	return err
}

// unpack writes the binaries of a .tar.gz (found by base name, wherever they are in it)
// into dir, each under a temporary name first, so that dir never holds a partial set.
func unpack(archive io.Reader, dir string) error {
	gz, err := gzip.NewReader(archive)
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	found := map[string]string{} // binary → its temporary file
	defer func() {
		for _, tmp := range found {
			_ = os.Remove(tmp)
		}
	}()
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("reading the archive: %w", err)
		}
		name := filepath.Base(h.Name)
		if h.Typeflag != tar.TypeReg || !slices.Contains(binaries, name) {
			continue
		}
		tmp := filepath.Join(dir, "."+name+".tmp")
		if err := writeFile(tmp, tr); err != nil {
			return err
		}
		found[name] = tmp
	}
	for _, name := range binaries {
		if _, ok := found[name]; !ok {
			return fmt.Errorf("the archive has no %s", name)
		}
	}
	for _, name := range binaries {
		if err := os.Rename(found[name], filepath.Join(dir, name)); err != nil {
			return err
		}
		delete(found, name)
	}
	return nil
}

func writeFile(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, io.LimitReader(r, maxArchive)); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "envtest-assets: "+format+"\n", args...)
}
