package mor

import (
	"regexp"
	"strconv"
)

var (
	xVersion   = regexp.MustCompile(`(?i)\bX(\d+)`)
	preXNumber = regexp.MustCompile(`^\d+(\.\d+)*`)
)

// Supports reports whether a MOR reporting version (system_version_get) has method,
// and otherwise the version needed. An empty or unrecognised version is assumed to
// have it: the call then shows MOR's own answer. A version without "X<n>" (the
// numbering before X1, e.g. "12.0.26") predates every X method.
func Supports(version string, method *Method) (ok bool, needed string) {
	since := method.sinceX
	if since == 0 || version == "" {
		return true, ""
	}
	needed = "X" + strconv.Itoa(since)
	if m := xVersion.FindStringSubmatch(version); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n >= since, needed
	}
	if preXNumber.MatchString(version) {
		return false, needed
	}
	return true, ""
}
