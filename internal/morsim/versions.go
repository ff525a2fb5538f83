package morsim

import (
	"regexp"
	"strconv"
)

// sinceX is the MOR X version that introduced a method, from Kolmisoft's wiki pages
// (location_rule_update from X14, did_rates_details_* from X17); methods not listed
// exist in every version the simulator plays.
var sinceX = map[string]int{
	"location_rule_update":     14,
	"did_rates_details_get":    17,
	"did_rates_details_update": 17,
}

var xVersion = regexp.MustCompile(`(?i)\bX(\d+)`)

// SinceX is the MOR X version that introduced method, 0 when every version has it.
func SinceX(method string) int { return sinceX[method] }

func versionOf(st *State) string {
	if st.Version != "" {
		return st.Version
	}
	return Version
}

// hasMethod reports whether the MOR version the state plays has the method. A version
// without "X<n>" (the numbering before X1, e.g. "12.0") predates every X method.
func hasMethod(st *State, method string) bool {
	since, ok := sinceX[method]
	if !ok {
		return true
	}
	m := xVersion.FindStringSubmatch(versionOf(st))
	if m == nil {
		return false
	}
	n, _ := strconv.Atoi(m[1])
	return n >= since
}
