package plugin

import (
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxNameLen keeps names within a DNS-1123 label, so they also fit in label values.
const maxNameLen = 63

// ruleName is a LocationRule's metadata.name: "<prefix>l<location>-<slug of the rule
// name>-<rule id>". The rule id makes it unique (MOR's rule ids are unique per server)
// and stable across runs; the slug only helps a reader and is cut to fit 63 characters.
func ruleName(prefix string, locationID, ruleID int64, name string) string {
	head := prefix + "l" + strconv.FormatInt(locationID, 10) + "-"
	tail := "-" + strconv.FormatInt(ruleID, 10)
	slug := slugify(name)
	if room := maxNameLen - len(head) - len(tail); len(slug) > room {
		slug = strings.TrimRight(slug[:max(room, 0)], "-")
	}
	if slug == "" {
		slug = "rule"
	}
	return head + slug + tail
}

// didName is a DIDRate's metadata.name.
func didName(prefix string, didID int64) string {
	return prefix + "did-" + strconv.FormatInt(didID, 10)
}

// slugify lowercases s, drops accents (é → e), turns every run of other characters into
// one "-" and trims "-" at both ends; letters without an ASCII form vanish.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r): // combining accent of the previous letter
			continue
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(unicode.ToLower(r))
		default:
			dash = true
		}
	}
	return b.String()
}
