package plugin

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/mor-operator/mor-operator/api/v1alpha1"
)

// Document is one exported resource.
type Document struct {
	Kind, Name string
	// YAML is the manifest, a comment line first; byte-identical for the same input.
	YAML []byte
	// Skeleton marks a manifest to be filled in before it is applied: applied as
	// exported, it would remove what a user manages. A stream carries it commented out;
	// --output-dir writes its file but leaves it out of kustomization.yaml.
	Skeleton bool
}

// manifest is what is written: no status, no creationTimestamp.
type manifest struct {
	APIVersion string   `json:"apiVersion"`
	Kind       string   `json:"kind"`
	Metadata   metadata `json:"metadata"`
	Spec       any      `json:"spec"`
}

type metadata struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// newManifest is resource name of kind in namespace, declaring spec.
func newManifest(kind, name, namespace string, spec any) manifest {
	return manifest{
		APIVersion: v1alpha1.GroupVersion.String(),
		Kind:       kind,
		Metadata:   metadata{Name: name, Namespace: namespace},
		Spec:       spec,
	}
}

// newDoc is a manifest whose comment says what it is about, then each note.
func newDoc(m manifest, about string, notes ...string) Document {
	comment := "# " + about + ", exported by kubectl mor export.\n"
	for _, n := range notes {
		comment += "# " + n + "\n"
	}
	return newDocWithComment(m, comment)
}

func newDocWithComment(m manifest, comment string) Document {
	b, err := yaml.Marshal(m)
	if err != nil { // only plain structs of strings, numbers and bools are marshalled
		panic(fmt.Sprintf("marshalling %s %s: %v", m.Kind, m.Metadata.Name, err))
	}
	return Document{Kind: m.Kind, Name: m.Metadata.Name, YAML: append([]byte(comment), b...)}
}

// defaultsDoc is a MorDefaults skeleton with nothing set: MOR cannot report these
// settings, and applied empty it would replace a MorDefaults spec someone wrote.
func defaultsDoc(o ExportOptions) Document {
	spec := v1alpha1.MorDefaultsSpec{ServerRef: serverRef(o.Server)}
	comment := `# MorDefaults skeleton. MOR has no method to read the Default User and Default Device
# settings back (conflines_update only writes), so nothing could be exported here.
# Fill in spec.user and spec.device with the values MOR should have (see
# kubectl explain mordefaults.spec); once applied, the operator writes every set field
# on each change and every reapplyInterval. Applied empty, it would replace the spec of
# a MorDefaults of that name with nothing: it is not applied until you fill it in. Keep
# the filled-in manifest outside an --output-dir: an export rewrites the files it wrote.
`
	d := newDocWithComment(newManifest("MorDefaults", o.NamePrefix+"default", o.Namespace, spec), comment)
	d.Skeleton = true
	return d
}

// WriteStream writes the documents as one YAML stream. A skeleton is written as
// comment lines, so that applying the stream as it is cannot apply it.
func WriteStream(w io.Writer, docs []Document) error {
	var buf bytes.Buffer
	wrote := false
	for _, d := range docs {
		if d.Skeleton {
			buf.Write(commentedOut(d.YAML))
			buf.WriteString("\n")
			continue
		}
		if wrote {
			buf.WriteString("---\n")
		}
		buf.Write(d.YAML)
		wrote = true
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// commentedOut turns every line that is not a comment yet into one ("# " first).
func commentedOut(yaml []byte) []byte {
	var b bytes.Buffer
	for _, line := range strings.SplitAfter(string(yaml), "\n") {
		if line != "" && !strings.HasPrefix(line, "#") {
			b.WriteString("# ")
		}
		b.WriteString(line)
	}
	return b.Bytes()
}
