package plugin

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/validation"
)

func TestRuleName(t *testing.T) {
	tests := []struct {
		prefix  string
		loc, id int64
		name    string
		want    string
	}{
		{"", 1, 17, "Seed rule 17", "l1-seed-rule-17-17"},
		{"", 2, 3, "Zürich & Genève = +41", "l2-zurich-geneve-41-3"},
		{"", 3, 9, "東京", "l3-rule-9"},
		{"", 3, 10, "", "l3-rule-10"},
		{"", 3, 11, "  --  ", "l3-rule-11"},
		{"prod-", 1, 5, "UK mobile", "prod-l1-uk-mobile-5"},
		{"", 1, 123456789, strings.Repeat("very long name ", 10), "l1-very-long-name-very-long-name-very-long-name-very-123456789"},
	}
	for _, tt := range tests {
		got := ruleName(tt.prefix, tt.loc, tt.id, tt.name)
		if got != tt.want {
			t.Errorf("ruleName(%q, %d, %d, %q) = %q, want %q", tt.prefix, tt.loc, tt.id, tt.name, got, tt.want)
		}
		if errs := validation.IsDNS1123Label(got); len(errs) > 0 {
			t.Errorf("ruleName(%q) = %q is not a DNS-1123 label: %v", tt.name, got, errs)
		}
	}
}

// Rules whose names differ only in what the slug drops still get distinct names.
func TestRuleNameUnique(t *testing.T) {
	seen := map[string]int64{}
	for id := int64(1); id <= 2000; id++ {
		n := ruleName("", 1, id, []string{"A&B", "a b", "A+B", "a=b", "ä b"}[id%5])
		if prev, dup := seen[n]; dup {
			t.Fatalf("rules %d and %d both named %q", prev, id, n)
		}
		seen[n] = id
	}
}
