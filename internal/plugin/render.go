package plugin

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
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

func newDoc(kind, name, namespace string, spec any, about string) Document {
	return newDocWithComment(kind, name, namespace, spec, "# "+about+", exported by kubectl mor export.\n")
}

func newDocWithComment(kind, name, namespace string, spec any, comment string) Document {
	b, err := yaml.Marshal(manifest{
		APIVersion: v1alpha1.GroupVersion.String(),
		Kind:       kind,
		Metadata:   metadata{Name: name, Namespace: namespace},
		Spec:       spec,
	})
	if err != nil { // only plain structs of strings, numbers and bools are marshalled
		panic(fmt.Sprintf("marshalling %s %s: %v", kind, name, err))
	}
	return Document{Kind: kind, Name: name, YAML: append([]byte(comment), b...)}
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
# a MorDefaults of that name with nothing: it is not applied until you fill it in.
`
	d := newDocWithComment("MorDefaults", o.NamePrefix+"default", o.Namespace, spec, comment)
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

// FileName is the file a document is written to in --output-dir.
func FileName(d Document) string {
	return strings.ToLower(d.Kind) + "-" + d.Name + ".yaml"
}

// WriteDir writes one file per document and a kustomization.yaml listing them into
// dir (created if missing). Everything is written to a staging directory inside dir
// first and moved into place only when all of it was written, so an error leaves dir
// as it was. Files of an earlier export that are not written again are left, but not
// listed in kustomization.yaml.
func WriteDir(dir string, docs []Document) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return &inputError{what: "--output-dir " + dir, fix: "choose a directory you can write", err: err}
	}
	stage, err := os.MkdirTemp(dir, ".kubectl-mor-export-")
	if err != nil {
		return &inputError{what: "--output-dir " + dir, fix: "choose a directory you can write", err: err}
	}
	defer os.RemoveAll(stage) //nolint:errcheck // best effort; empty after success

	var names []string
	files := map[string][]byte{}
	for _, d := range docs {
		n := FileName(d)
		if _, dup := files[n]; dup {
			return fmt.Errorf("two resources would be written to %s", n)
		}
		files[n], names = d.YAML, append(names, n)
	}
	kust := "# Written by kubectl mor export: kubectl apply -k .\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
	for i, n := range names {
		if docs[i].Skeleton { // applied only once filled in
			kust += "# - " + n + " (fill in spec.user/spec.device first)\n"
			continue
		}
		kust += "- " + n + "\n"
	}
	files["kustomization.yaml"], names = []byte(kust), append(names, "kustomization.yaml")

	for _, n := range names {
		if err := writeSynced(filepath.Join(stage, n), files[n]); err != nil {
			return &inputError{what: "--output-dir " + dir, fix: "check free space and permissions", err: err}
		}
	}
	var errs []error
	for _, n := range names {
		if err := os.Rename(filepath.Join(stage, n), filepath.Join(dir, n)); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close() //nolint:errcheck // the write error is the one to report
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close() //nolint:errcheck // the sync error is the one to report
		return err
	}
	return f.Close()
}
