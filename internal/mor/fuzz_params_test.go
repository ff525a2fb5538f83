package mor_test

import (
	"context"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
	"github.com/mor-operator/mor-operator/internal/mor"
	"github.com/mor-operator/mor-operator/internal/morsim"
)

// FuzzLocationRuleParams: any LocationRule spec the CRD admits maps to MOR parameters
// that carry each value exactly, and, created in MOR over HTTP, reads back with no
// difference (no write at the next poll) — or MOR refuses it in its own words.
func FuzzLocationRuleParams(f *testing.F) {
	for _, name := range roundTripNames {
		f.Add(name, "0044", "44", uint8(1), uint8(99), true)
	}
	f.Add("x", "", "", uint8(0), uint8(0), false)
	f.Add(" ", "+*#", "#", uint8(100), uint8(100), true)
	admits := crdAdmits(f, "name", "cut", "add")
	if !admits("name", " a\tb ") || admits("name", "a\x01b") || admits("name", "  ") || admits("cut", "0-1") {
		f.Fatal("the CRD's rules are not read as they are written")
	}
	sim := morsim.New(morsim.DefaultSeed())
	srv := httptest.NewServer(sim)
	f.Cleanup(srv.Close)
	c, err := mor.New(mor.Config{BaseURL: srv.URL + "/billing", Username: "admin", SecretKey: morsim.DefaultAdminSecret, QPS: 1e9, Burst: 1e9})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()

	f.Fuzz(func(t *testing.T, name, cut, add string, minLen, maxLen uint8, enabled bool) {
		minLen, maxLen = min(minLen%101, maxLen%101), max(minLen%101, maxLen%101)
		spec := v1alpha1.LocationRuleSpec{Name: &name, Cut: &cut, Add: &add, Enabled: &enabled,
			MinLen: ptr.To(int32(minLen)), MaxLen: ptr.To(int32(maxLen))}
		if !admits("name", name) || !admits("cut", cut) || !admits("add", add) {
			return
		}
		p := mor.ParamsOf(&spec)
		fields := p.Fields()
		for param, want := range map[string]string{"name": name, "cut": cut, "add": add} {
			if fields[param] != want {
				t.Fatalf("%s: sent %q, spec says %q", param, fields[param], want)
			}
		}
		if d := p.Diff(fields); len(d) != 0 {
			t.Fatalf("a MOR echoing what was sent differs in %v", d)
		}
		id, err := c.CreateLocationRule(ctx, 2, fields)
		if err != nil {
			if mor.ClassOf(err) != mor.Rejected {
				t.Fatalf("create: %v", err)
			}
			return // MOR's own refusal (e.g. not unique), shown verbatim
		}
		defer func() { _ = c.DeleteLocationRule(ctx, id) }()
		got, err := c.GetLocationRule(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if d := p.Diff(got); len(d) != 0 {
			t.Fatalf("read back differs in %v: sent %q, read %q", d, mor.Only(fields, d), mor.Only(got, d))
		}
	})
}

// crdAdmits checks the named LocationRule spec string fields against the generated
// CRD's own rules (length, pattern, and the `!self.matches('…')` CEL rules; all RE2, as
// Go's).
func crdAdmits(tb testing.TB, fields ...string) func(field, value string) bool {
	raw, err := os.ReadFile("../../config/crd/bases/mor.operator.dev_locationrules.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	var crd struct { // the few parts of the CRD read here (not apiextensions: fuzz builds instrument every import)
		Spec struct {
			Versions []struct {
				Schema struct {
					OpenAPIV3Schema struct {
						Properties map[string]struct {
							Properties map[string]fieldSchema `json:"properties"`
						} `json:"properties"`
					} `json:"openAPIV3Schema"`
				} `json:"schema"`
			} `json:"versions"`
		} `json:"spec"`
	}
	if err := yaml.Unmarshal(raw, &crd); err != nil {
		tb.Fatal(err)
	}
	props := crd.Spec.Versions[0].Schema.OpenAPIV3Schema.Properties["spec"].Properties
	cel := regexp.MustCompile(`^!self\.matches\('(.*)'\)$`)
	type check struct {
		schema   fieldSchema
		pattern  *regexp.Regexp   // must match, when set
		excluded []*regexp.Regexp // must not match (the CEL rules)
	}
	checks := map[string]check{}
	for _, field := range fields {
		s, ok := props[field]
		if !ok {
			tb.Fatalf("the CRD has no spec.%s", field)
		}
		c := check{schema: s}
		if s.Pattern != "" {
			c.pattern = regexp.MustCompile(s.Pattern)
		}
		for _, v := range s.XValidations {
			m := cel.FindStringSubmatch(v.Rule)
			if m == nil {
				tb.Fatalf("spec.%s: CEL rule %q not understood by this test", field, v.Rule)
			}
			c.excluded = append(c.excluded, regexp.MustCompile(strings.ReplaceAll(m[1], `\\`, `\`)))
		}
		checks[field] = c
	}
	return func(field, value string) bool {
		c := checks[field]
		n := int64(utf8.RuneCountInString(value))
		switch {
		case !utf8.ValidString(value):
			return false // the API server refuses a body that is not UTF-8
		case c.schema.MaxLength != nil && n > *c.schema.MaxLength, c.schema.MinLength != nil && n < *c.schema.MinLength:
			return false
		case c.pattern != nil && !c.pattern.MatchString(value):
			return false
		}
		for _, re := range c.excluded {
			if re.MatchString(value) {
				return false
			}
		}
		return true
	}
}

type fieldSchema struct {
	MaxLength    *int64 `json:"maxLength"`
	MinLength    *int64 `json:"minLength"`
	Pattern      string `json:"pattern"`
	XValidations []struct {
		Rule string `json:"rule"`
	} `json:"x-kubernetes-validations"`
}
