// Command release finishes a release directory that `make release` filled with the image
// layout (image/), install.yaml and the chart: it writes an SPDX SBOM of the manager of
// each platform, read from the binary in the image, and SHA256SUMS over every file.
//
//	go run ./hack/release -dir dist/release -version v0.1.0
//
// Check a downloaded release with `sha256sum --check SHA256SUMS` in its directory.
package main

import (
	"bytes"
	"debug/buildinfo"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mor-operator/mor-operator/hack/image/managerimage"
)

// imageDir is the image layout's place in a release directory.
const imageDir = "image"

func main() {
	dir := flag.String("dir", "dist/release", "release directory holding image/ (make image's layout)")
	version := flag.String("version", "", "release version, e.g. v0.1.0")
	flag.Parse()
	if err := assemble(*dir, *version); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

// assemble writes the SBOMs and then SHA256SUMS into dir.
func assemble(dir, version string) error {
	if version == "" {
		return fmt.Errorf("-version is required")
	}
	if err := writeSBOMs(dir, version); err != nil {
		return err
	}
	return writeSums(dir)
}

// writeSBOMs writes manager-<os>-<arch>.spdx.json for each platform of the image: the
// modules compiled into the binary the image ships, not those go.mod lists.
func writeSBOMs(dir, version string) error {
	idx, err := managerimage.ReadLayout(filepath.Join(dir, imageDir))
	if err != nil {
		return err
	}
	images, err := managerimage.PlatformImages(idx)
	if err != nil {
		return err
	}
	for _, platform := range slices.Sorted(maps.Keys(images)) {
		img := images[platform]
		bin, err := managerimage.ReadFile(img, managerimage.ManagerPath)
		if err != nil {
			return fmt.Errorf("%s: %w", platform, err)
		}
		info, err := buildinfo.Read(bytes.NewReader(bin))
		if err != nil {
			return fmt.Errorf("%s: %s: %w", platform, managerimage.ManagerPath, err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return err
		}
		doc := sbom(info, bin, platform, version, cf.Created.Time)
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			return err
		}
		name := "manager-" + strings.ReplaceAll(platform, "/", "-") + ".spdx.json"
		if err := os.WriteFile(filepath.Join(dir, name), append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}
