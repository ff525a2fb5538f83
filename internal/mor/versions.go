package mor

import (
	"regexp"
	"strconv"
)

// sinceX is the MOR X version that introduced a method the client calls, from
// Kolmisoft's wiki pages; methods not listed are older than every X version.
var sinceX = map[string]int{
	methodLocationRuleUpdate:    14,
	methodDIDRatesDetailsGet:    17,
	methodDIDRatesDetailsUpdate: 17,
}

var xVersion = regexp.MustCompile(`(?i)\bX(\d+)`)

// Supports reports whether a MOR reporting version (system_version_get) has method,
// and otherwise the version needed. An empty or unrecognised version is assumed to
// have it: the call then shows MOR's own answer. A version without "X<n>" (the
// numbering before X1, e.g. "12.0.26") predates every X method.
func Supports(version, method string) (ok bool, needed string) {
	since, listed := sinceX[method]
	if !listed || version == "" {
		return true, ""
	}
	needed = "X" + strconv.Itoa(since)
	if m := xVersion.FindStringSubmatch(version); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n >= since, needed
	}
	if regexp.MustCompile(`^\d+(\.\d+)*`).MatchString(version) {
		return false, needed
	}
	return true, ""
}
