package managerimage

import (
	"archive/tar"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"maps"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// The tests build the image for one platform, the machine's own, so the manager taken out
// of it can run; `make image` builds both.
var hostPlatform = "linux/" + runtime.GOARCH

const repoRoot = "../../.."

var (
	compileOnce sync.Once
	compiled    string
	compileErr  error
)

// manager is the manager built once for hostPlatform by `make manager`, as `make image` builds it.
func manager(t *testing.T) string {
	t.Helper()
	compileOnce.Do(func() {
		dir, err := os.MkdirTemp("", "managerimage-test-")
		if err != nil {
			compileErr = err
			return
		}
		compiled = filepath.Join(dir, "manager")
		compileErr = Compile(context.Background(), repoRoot, hostPlatform, "v0.0.0-test", compiled)
	})
	if compileErr != nil {
		t.Fatal(compileErr)
	}
	return compiled
}

func TestMain(m *testing.M) {
	code := m.Run()
	if compiled != "" {
		os.RemoveAll(filepath.Dir(compiled))
	}
	os.Exit(code)
}

func options(bin string) Options {
	return Options{
		Binaries: map[string]string{hostPlatform: bin},
		Version:  "v0.0.0-test",
		Revision: "0123456789abcdef0123456789abcdef01234567",
		Created:  time.Unix(1767225600, 0), // 2026-01-01T00:00:00Z
	}
}

var (
	buildOnce sync.Once
	built     v1.ImageIndex
	buildErr  error
)

// build is the index of options(manager), built once, and its one image.
func build(t *testing.T) (v1.ImageIndex, v1.Image) {
	t.Helper()
	bin := manager(t)
	buildOnce.Do(func() { built, buildErr = Build(options(bin)) })
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	idx := built
	images, err := PlatformImages(idx)
	if err != nil {
		t.Fatal(err)
	}
	if len(images) != 1 || images[hostPlatform] == nil {
		t.Fatalf("index platforms: %v, want only %s", slices.Sorted(maps.Keys(images)), hostPlatform)
	}
	return idx, images[hostPlatform]
}

func TestImageValidates(t *testing.T) {
	idx, img := build(t)
	if err := validate.Index(idx); err != nil {
		t.Errorf("validate.Index: %v", err)
	}
	if err := validate.Image(img); err != nil {
		t.Errorf("validate.Image: %v", err)
	}
}

func TestImageConfig(t *testing.T) {
	idx, img := build(t)
	o := options("")
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	idxType, err := idx.MediaType()
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ what, got, want string }{
		{"index media type", string(idxType), string(types.OCIImageIndex)},
		{"manifest media type", string(m.MediaType), string(types.OCIManifestSchema1)},
		// No artifactType in the index: it is for artifacts, and skopeo 1.9 drops it, changing the digest.
		{"artifact type in the index", im.Manifests[0].ArtifactType, ""},
		{"config media type", string(m.Config.MediaType), string(types.OCIConfigJSON)},
		{"layer media type", string(m.Layers[0].MediaType), string(types.OCILayer)},
		{"os/architecture", cf.OS + "/" + cf.Architecture, hostPlatform},
		{"user", cf.Config.User, "65532:65532"},
		{"entrypoint", strings.Join(cf.Config.Entrypoint, " "), "/manager"},
		{"cmd", strings.Join(cf.Config.Cmd, " "), ""},
		{"created", cf.Created.UTC().Format(time.RFC3339), "2026-01-01T00:00:00Z"},
		{"history created", cf.History[0].Created.UTC().Format(time.RFC3339), "2026-01-01T00:00:00Z"},
		{"source label", cf.Config.Labels["org.opencontainers.image.source"], "https://github.com/mor-operator/mor-operator"},
		{"version label", cf.Config.Labels["org.opencontainers.image.version"], o.Version},
		{"revision label", cf.Config.Labels["org.opencontainers.image.revision"], o.Revision},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.what, c.got, c.want)
		}
	}
	if len(m.Layers) != 1 {
		t.Errorf("%d layers, want 1", len(m.Layers))
	}
}

func TestImageFiles(t *testing.T) {
	_, img := build(t)
	type file struct {
		mode  fs.FileMode
		owner string // uid:gid
	}
	got := map[string]file{}
	var names []string
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	r := tar.NewReader(rc)
	created := options("").Created
	for {
		h, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		got["/"+h.Name] = file{h.FileInfo().Mode(), fmt.Sprintf("%d:%d", h.Uid, h.Gid)}
		if !h.ModTime.Equal(created) {
			t.Errorf("%s: modified %v, want the creation time %v", h.Name, h.ModTime, created)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("layer entries are not sorted: %q", names)
	}
	dir := fs.ModeDir
	want := map[string]file{
		"/etc/":                              {dir | 0o755, "0:0"},
		"/etc/group":                         {0o644, "0:0"},
		"/etc/passwd":                        {0o644, "0:0"},
		"/etc/ssl/":                          {dir | 0o755, "0:0"},
		"/etc/ssl/certs/":                    {dir | 0o755, "0:0"},
		"/etc/ssl/certs/ca-certificates.crt": {0o644, "0:0"},
		"/home/":                             {dir | 0o755, "0:0"},
		"/home/nonroot/":                     {dir | 0o700, "65532:65532"},
		"/manager":                           {0o755, "0:0"},
		"/tmp/":                              {dir | fs.ModeSticky | 0o777, "0:0"},
	}
	for path, w := range want {
		if g, ok := got[path]; !ok {
			t.Errorf("%s: missing", path)
		} else if g != w {
			t.Errorf("%s: %v %s, want %v %s", path, g.mode, g.owner, w.mode, w.owner)
		}
	}
	if len(got) != len(want) {
		t.Errorf("layer entries %q, want only %d", names, len(want))
	}

	for _, c := range []struct{ path, line string }{
		{"/etc/passwd", "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"},
		{"/etc/group", "nonroot:x:65532:\n"},
	} {
		b, err := ReadFile(img, c.path)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), c.line) {
			t.Errorf("%s has no line %q:\n%s", c.path, c.line, b)
		}
	}
	pem, err := ReadFile(img, CABundlePath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) || len(pem) < 100_000 {
		t.Errorf("%s: %d bytes of PEM, want Mozilla's roots", CABundlePath, len(pem))
	}
}

// TestManagerRuns takes the manager out of the layer and asks it for its flags.
func TestManagerRuns(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skipf("the image's manager is a linux binary; this is %s", runtime.GOOS)
	}
	_, img := build(t)
	bin, err := ReadFile(img, ManagerPath)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "manager")
	if err := os.WriteFile(path, bin, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--help").CombinedOutput()
	if err != nil {
		t.Fatalf("manager --help: %v\n%s", err, out)
	}
	for _, flag := range []string{"-poll-interval", "-metrics-bind-address", "-server-selector", "-leader-elect"} {
		if !strings.Contains(string(out), flag) {
			t.Errorf("manager --help does not list %s:\n%s", flag, out)
		}
	}
}

// TestReproducible builds the manager a second time and the image from it: one digest.
// A different creation time changes it, so the digest does depend on the timestamps.
func TestReproducible(t *testing.T) {
	first, _ := build(t)
	second := filepath.Join(t.TempDir(), "manager")
	if err := Compile(context.Background(), repoRoot, hostPlatform, "v0.0.0-test", second); err != nil {
		t.Fatal(err)
	}
	again, err := Build(options(second))
	if err != nil {
		t.Fatal(err)
	}
	later := options(second)
	later.Created = later.Created.Add(time.Second)
	other, err := Build(later)
	if err != nil {
		t.Fatal(err)
	}
	d1, d2, d3 := digest(t, first), digest(t, again), digest(t, other)
	if d1 != d2 {
		t.Errorf("two builds of one commit: %s and %s", d1, d2)
	}
	if d1 == d3 {
		t.Errorf("a build one second later has the same digest %s", d1)
	}
}

func digest(t *testing.T, idx v1.ImageIndex) v1.Hash {
	t.Helper()
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestBuildRefuses(t *testing.T) {
	bin := manager(t)
	notGo := filepath.Join(t.TempDir(), "manager")
	if err := os.WriteFile(notGo, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	otherPlatform := map[bool]string{true: "linux/arm64", false: "linux/amd64"}[runtime.GOARCH == "amd64"]
	for _, c := range []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"another platform's binary", func(o *Options) { o.Binaries = map[string]string{otherPlatform: bin} }, "built for " + hostPlatform + ", packaged for " + otherPlatform},
		{"not a Go binary", func(o *Options) { o.Binaries = map[string]string{hostPlatform: notGo} }, "not a Go binary"},
		{"no platform", func(o *Options) { o.Binaries = nil }, "no platform"},
		{"no version", func(o *Options) { o.Version = "" }, "version, revision and creation time are required"},
		{"no creation time", func(o *Options) { o.Created = time.Time{} }, "version, revision and creation time are required"},
	} {
		t.Run(c.name, func(t *testing.T) {
			o := options(bin)
			c.edit(&o)
			_, err := Build(o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Build: %v, want an error containing %q", err, c.want)
			}
		})
	}
}

// TestLayoutAndPush writes the layout, pushes it to an in-process registry and pulls back
// the same digest.
func TestLayoutAndPush(t *testing.T) {
	idx, _ := build(t)
	dir := filepath.Join(t.TempDir(), "image")
	if err := WriteLayout(dir, idx, "v0.0.0-test"); err != nil {
		t.Fatal(err)
	}
	fromLayout, err := ReadLayout(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(fromLayout); err != nil {
		t.Errorf("validate.Index of the layout: %v", err)
	}
	want := digest(t, idx)
	if got := digest(t, fromLayout); got != want {
		t.Errorf("layout digest %s, built %s", got, want)
	}

	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ref := u.Host + "/mor-operator:v0.0.0-test"
	pushed, err := Push(context.Background(), dir, ref, remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		t.Fatal(err)
	}
	if pushed.DigestStr() != want.String() {
		t.Errorf("Push returned %s, want the layout's %s", pushed, want)
	}
	tag, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	pulled, err := remote.Index(tag)
	if err != nil {
		t.Fatal(err)
	}
	if got := digest(t, pulled); got != want {
		t.Errorf("pulled %s, pushed %s", got, want)
	}
	if err := validate.Index(pulled); err != nil {
		t.Errorf("validate.Index of the pulled index: %v", err)
	}
}

// TestDockerfileSameLayout: the Dockerfile, for those who build with Docker, runs the
// manager at the same path as the same user.
func TestDockerfileSameLayout(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"USER " + User, `ENTRYPOINT ["` + ManagerPath + `"]`} {
		if !slices.Contains(strings.Split(string(b), "\n"), line) {
			t.Errorf("Dockerfile has no line %q", line)
		}
	}
}
