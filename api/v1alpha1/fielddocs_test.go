package v1alpha1_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	apiextv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"
)

// prefixPattern is the pattern of cut, add, srcCut and srcAdd: its characters must be
// named in words.
const prefixPattern = `^[0-9A-Za-z+*#]*$`

// TestFieldDocs reads what `kubectl explain` shows of every spec and status field (the
// generated CRDs) and holds it to finished sentences that state the schema's limits in
// words: each description ends with a full stop; it says more than the field's name and
// MOR's parameter in parentheses, and the name is not followed by a preposition ("minLen
// of the destination number" is a fragment); every minimum, maximum, maximum length and
// maximum item count is written out; the prefix fields name the characters they allow.
func TestFieldDocs(t *testing.T) {
	files, err := filepath.Glob("../../config/crd/bases/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("CRDs: %v %v", files, err)
	}
	for _, file := range files {
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var crd apiextv1.CustomResourceDefinition
		if err := yaml.Unmarshal(b, &crd); err != nil {
			t.Fatal(err)
		}
		root := crd.Spec.Versions[0].Schema.OpenAPIV3Schema
		for _, top := range []string{"spec", "status"} {
			s := root.Properties[top]
			walkFields(t, crd.Spec.Names.Kind+"."+top, top, &s)
		}
	}
}

var (
	parenthesised = regexp.MustCompile(`\([^()]*\)`)
	prepositions  = map[string]bool{"of": true, "in": true, "to": true, "for": true, "within": true, "on": true, "at": true}
)

func walkFields(t *testing.T, path, name string, s *apiextv1.JSONSchemaProps) {
	t.Helper()
	if path != "" && !strings.HasSuffix(path, ".spec") && !strings.HasSuffix(path, ".status") && !strings.HasSuffix(path, "[]") {
		checkFieldDoc(t, path, name, s)
	}
	if strings.HasSuffix(path, ".status.conditions") {
		return // metav1.Condition: Kubernetes' own words
	}
	for k, p := range s.Properties {
		walkFields(t, path+"."+k, k, &p)
	}
	if s.Items != nil && s.Items.Schema != nil {
		walkFields(t, path+"[]", name, s.Items.Schema)
	}
}

func checkFieldDoc(t *testing.T, path, name string, s *apiextv1.JSONSchemaProps) {
	t.Helper()
	d := strings.Join(strings.Fields(s.Description), " ")
	if !strings.HasSuffix(d, ".") {
		t.Errorf("%s: %q does not end a sentence", path, d)
	}
	words := strings.Fields(strings.TrimSuffix(strings.TrimSpace(parenthesised.ReplaceAllString(d, "")), "."))
	if len(words) > 0 && strings.TrimRight(words[0], ":,") == name {
		words = words[1:]
	}
	if len(words) < 3 {
		t.Errorf("%s: %q says little more than the field's name", path, d)
	} else if prepositions[words[0]] {
		t.Errorf("%s: %q is a fragment (%q after the name): say what the field is", path, d, words[0])
	}
	var limits []string
	for _, f := range []*float64{s.Minimum, s.Maximum} {
		if f != nil {
			limits = append(limits, strconv.FormatFloat(*f, 'f', -1, 64))
		}
	}
	for _, n := range []*int64{s.MaxLength, s.MaxItems} {
		if n != nil {
			limits = append(limits, strconv.FormatInt(*n, 10))
		}
	}
	for _, l := range limits {
		if !regexp.MustCompile(`(^|[^0-9.])` + regexp.QuoteMeta(l) + `($|[^0-9.]|\.$|\. )`).MatchString(d) {
			t.Errorf("%s: %q does not state the limit %s", path, d, l)
		}
	}
	if s.Pattern == prefixPattern {
		for _, w := range []string{"digit", "letter", "+", "*", "#", "60"} {
			if !strings.Contains(d, w) {
				t.Errorf("%s: %q does not say that it allows %q", path, d, w)
			}
		}
	}
}
