// Command image builds the manager's container image without Docker, and pushes it:
//
//	go run ./hack/image build -out dist/image -version v0.1.0 -revision $(git rev-parse HEAD) \
//	    -platforms linux/amd64,linux/arm64     # SOURCE_DATE_EPOCH: the commit time
//	go run ./hack/image push -layout dist/image registry.example.com/mor-operator:v0.1.0
//	go run ./hack/image digest -layout dist/image
//
// `make image`, `make image-push IMG=...` and `make release` run it. build compiles the
// manager for each platform with `make manager` and writes an OCI image layout (see
// package managerimage); push uses the default keychain (~/.docker/config.json and
// credential helpers).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/mor-operator/mor-operator/hack/image/managerimage"
)

const usage = `usage:
  image build -out DIR -version V -revision COMMIT [-platforms linux/amd64,linux/arm64] [-created UNIX]
  image push [-layout DIR] REGISTRY/NAME:TAG
  image digest [-layout DIR]`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if len(os.Args) < 2 {
		fail(fmt.Errorf("%s", usage))
	}
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "build":
		err = build(ctx, args)
	case "push":
		err = push(ctx, args)
	case "digest":
		err = digest(args)
	default:
		err = fmt.Errorf("unknown command %q\n%s", cmd, usage)
	}
	fail(err)
}

func fail(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func build(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("build", flag.ExitOnError)
	out := fs.String("out", "dist/image", "directory of the OCI image layout (replaced)")
	platforms := fs.String("platforms", "linux/amd64,linux/arm64", "comma-separated os/arch to build")
	version := fs.String("version", "", "image version, e.g. v0.1.0 (also stamped into the manager)")
	revision := fs.String("revision", "", "commit the image is built from")
	created := fs.String("created", os.Getenv("SOURCE_DATE_EPOCH"), "every timestamp in the image, in Unix seconds: the commit time (default $SOURCE_DATE_EPOCH)")
	_ = fs.Parse(args)
	epoch, err := strconv.ParseInt(*created, 10, 64)
	if err != nil {
		return fmt.Errorf("-created (or SOURCE_DATE_EPOCH) %q: want Unix seconds, e.g. $(git log -1 --format=%%ct)", *created)
	}

	bins, err := os.MkdirTemp("", "manager-image-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bins)
	o := managerimage.Options{Binaries: map[string]string{}, Version: *version, Revision: *revision, Created: time.Unix(epoch, 0)}
	for _, p := range strings.Split(*platforms, ",") {
		bin := filepath.Join(bins, strings.ReplaceAll(p, "/", "-"), "manager")
		if err := managerimage.Compile(ctx, ".", p, *version, bin); err != nil {
			return err
		}
		o.Binaries[p] = bin
	}
	idx, err := managerimage.Build(o)
	if err != nil {
		return err
	}
	if err := managerimage.WriteLayout(*out, idx, *version); err != nil {
		return err
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s (%s, %s)\n", *out, *platforms, d)
	return nil
}

func push(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("push", flag.ExitOnError)
	dir := fs.String("layout", "dist/image", "OCI image layout written by build")
	_ = fs.Parse(args)
	if fs.NArg() != 1 {
		return fmt.Errorf("push needs the image to push to, e.g. registry.example.com/mor-operator:v0.1.0\n%s", usage)
	}
	d, err := managerimage.Push(ctx, *dir, fs.Arg(0), remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		return err
	}
	fmt.Println(d) // registry/name@sha256:..., for IMG= of make build-installer
	return nil
}

func digest(args []string) error {
	fs := flag.NewFlagSet("digest", flag.ExitOnError)
	dir := fs.String("layout", "dist/image", "OCI image layout written by build")
	_ = fs.Parse(args)
	idx, err := managerimage.ReadLayout(*dir)
	if err != nil {
		return err
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	fmt.Println(d)
	return nil
}
