package managerimage

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Compile builds the manager for platform ("linux/arm64") into out with `make manager`
// run in the repository root: the same static build (flags, -trimpath, version stamp)
// the Dockerfile and the demo run, cross-compiled by GOOS and GOARCH.
func Compile(ctx context.Context, root, platform, version, out string) error {
	goos, goarch, ok := strings.Cut(platform, "/")
	if !ok || goos == "" || goarch == "" {
		return fmt.Errorf("platform %q: want os/arch, e.g. linux/amd64", platform)
	}
	out, err := filepath.Abs(out)
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "make", "--no-print-directory", "-C", root, "manager",
		"MANAGER="+out, "VERSION="+version)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch)
	if output, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("make manager for %s: %w\n%s", platform, err, output)
	}
	return nil
}
