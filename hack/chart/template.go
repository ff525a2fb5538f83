package main

import (
	"fmt"
	"strings"

	"sigs.k8s.io/yaml"
)

// A templater turns an object into Helm template text. The object is marshalled as
// YAML with markers standing where template text goes: a map key or a list item
// "zzzblockN" is replaced by a block of template lines at its indentation, and the
// inline markers below by template expressions. (Keys are marshalled sorted: "zzz" puts
// a marker last in its map, never on a list item's "- " line.)
type templater struct {
	blocks map[string]func(indent int) string
}

// Inline markers: strings the object may contain, and what they become.
var inline = strings.NewReplacer(
	"__NS__", "{{ $.Release.Namespace }}",
	"__FULLNAME__", `{{ include "mor-operator.fullname" $ }}`,
	"__WATCHED__", "{{ $ns }}",
	"__REPLICAS__", "{{ $.Values.replicas }}",
	"__IMAGE__", `{{ include "mor-operator.image" $ }}`,
	"__DASHBOARD_NS__", "{{ $.Values.dashboard.namespace | default $.Release.Namespace }}",
)

// escape keeps text from the sources that looks like a template action (Prometheus's
// and Grafana's own {{ }}) literal through Helm.
var escape = strings.NewReplacer("{{", "{{`{{`}}", "}}", "{{`}}`}}")

func newTemplater() *templater { return &templater{blocks: map[string]func(int) string{}} }

// block returns a marker for a block of template text written for the given indentation.
func (t *templater) block(text func(indent int) string) string {
	key := fmt.Sprintf("zzzblock%d", len(t.blocks))
	t.blocks[key] = text
	return key
}

// render marshals obj and replaces its markers.
func (t *templater) render(obj map[string]any) (string, error) {
	b, err := yaml.Marshal(obj)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for line := range strings.Lines(string(b)) {
		trimmed := strings.TrimLeft(line, " ")
		indent := len(line) - len(trimmed)
		key := strings.TrimSpace(strings.TrimPrefix(strings.TrimSuffix(strings.TrimSpace(trimmed), `: ""`), "- "))
		text, ok := t.blocks[key]
		if !ok {
			out.WriteString(line)
			continue
		}
		delete(t.blocks, key)
		out.WriteString(indentLines(text(indent), indent))
	}
	if len(t.blocks) > 0 {
		return "", fmt.Errorf("markers not placed: %v", t.blocks)
	}
	return inline.Replace(out.String()), nil
}

// indentLines prefixes every non-empty line of s with n spaces and ends it with a newline.
func indentLines(s string, n int) string {
	var out strings.Builder
	pad := strings.Repeat(" ", n)
	for line := range strings.Lines(strings.TrimSuffix(s, "\n") + "\n") {
		if strings.TrimSpace(line) != "" {
			out.WriteString(pad)
		}
		out.WriteString(line)
	}
	return out.String()
}

// toYAML marshals v for a block, ending in a newline.
func toYAML(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		panic(err) // only called on values decoded from YAML
	}
	return string(b)
}

// yamlScalar is s as one YAML scalar (quoted where YAML needs it).
func yamlScalar(s string) string { return strings.TrimSuffix(toYAML(s), "\n") }

// with is the usual optional field: key: <the value's YAML> when the value is set.
func with(value, key string) func(int) string {
	return func(indent int) string {
		return fmt.Sprintf("{{- with %s }}\n%s:\n  {{- toYaml . | nindent %d }}\n{{- end }}", value, key, indent+2)
	}
}

// always is key: <the value's YAML>.
func always(value, key string) func(int) string {
	return func(indent int) string {
		return fmt.Sprintf("%s:\n  {{- toYaml %s | nindent %d }}", key, value, indent+2)
	}
}

// includeBlock is the named template's lines at the block's indentation.
func includeBlock(name string) func(int) string {
	return func(indent int) string {
		return fmt.Sprintf(`{{- include %q $ | nindent %d }}`, name, indent)
	}
}

// withLabels merges a values map of extra labels.
func withLabels(value string) func(int) string {
	return func(indent int) string {
		return fmt.Sprintf("{{- with %s }}\n{{- toYaml . | nindent %d }}\n{{- end }}", value, indent)
	}
}

// wrap makes a whole file conditional.
func wrap(cond, body string) string {
	if cond == "" {
		return body
	}
	return "{{- if " + cond + " }}\n" + body + "{{- end }}\n"
}
