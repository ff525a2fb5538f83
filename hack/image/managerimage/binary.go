package managerimage

import (
	"bytes"
	"debug/buildinfo"
	"fmt"
	"strings"
)

// checkBinary reads the Go build information of a manager binary and refuses one built
// for another platform than it is packaged for, or one that needs a C library (the image
// has none). It returns the binary's main module path.
func checkBinary(bin []byte, platform string) (module string, err error) {
	info, err := buildinfo.Read(bytes.NewReader(bin))
	if err != nil {
		return "", fmt.Errorf("not a Go binary: %w", err)
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if got := settings["GOOS"] + "/" + settings["GOARCH"]; got != platform {
		return "", fmt.Errorf("built for %s, packaged for %s", got, platform)
	}
	if settings["CGO_ENABLED"] != "0" {
		return "", fmt.Errorf("built with CGO_ENABLED=%q; the image has no C library, build with CGO_ENABLED=0", settings["CGO_ENABLED"])
	}
	if info.Main.Path == "" || strings.HasSuffix(info.Main.Path, ".test") {
		return "", fmt.Errorf("has no main module (%q)", info.Main.Path)
	}
	return info.Main.Path, nil
}
