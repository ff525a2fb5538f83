// Command chart makes the Helm chart dist/chart from the kustomize configuration in
// config/, so the chart and dist/install.yaml cannot drift:
//
//	go run ./hack/chart generate    # write dist/chart's generated files (make chart)
//	go run ./hack/chart package -version v1.2.3 -out dist/release  # mor-operator-1.2.3.tgz
//
// Templates, values.yaml and values.schema.json are generated; Chart.yaml, _helpers.tpl,
// NOTES.txt, README.md and .helmignore are written by hand.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: chart generate | chart package -version vX.Y.Z -out DIR [-image REPOSITORY] [-digest sha256:...]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "generate":
		err = writeChart(".")
	case "package":
		fs := flag.NewFlagSet("package", flag.ExitOnError)
		var o packageOptions
		fs.StringVar(&o.version, "version", "", "release version, vX.Y.Z: the chart's version (without the v) and appVersion")
		fs.StringVar(&o.out, "out", "", "directory the .tgz is written to")
		fs.StringVar(&o.repository, "image", "", "image repository to make the default (image.repository)")
		fs.StringVar(&o.digest, "digest", "", "image digest to make the default (image.digest)")
		_ = fs.Parse(os.Args[2:])
		var path string
		if path, err = packageChart(".", o); err == nil {
			fmt.Println(path)
		}
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "chart:", err)
		os.Exit(1)
	}
}

// writeChart writes the generated files into root/dist/chart and removes generated
// files that no longer are.
func writeChart(root string) error {
	files, err := generate(root)
	if err != nil {
		return err
	}
	dir := filepath.Join(root, chartDir)
	stale, err := chartFiles(dir)
	if err != nil {
		return err
	}
	for _, rel := range stale {
		if _, ok := files[rel]; !ok && !slices.Contains(handWritten, rel) {
			if err := os.Remove(filepath.Join(dir, rel)); err != nil {
				return err
			}
		}
	}
	for rel, data := range files {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// staleFiles lists the files of root/dist/chart that differ from what generate writes,
// are missing, or are neither generated nor hand-written.
func staleFiles(root string) ([]string, error) {
	files, err := generate(root)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, chartDir)
	present, err := chartFiles(dir)
	if err != nil {
		return nil, err
	}
	var stale []string
	for rel, want := range files {
		if got, err := os.ReadFile(filepath.Join(dir, rel)); err != nil || !bytes.Equal(got, want) {
			stale = append(stale, rel)
		}
	}
	for _, rel := range present {
		if _, generated := files[rel]; !generated && !slices.Contains(handWritten, rel) {
			stale = append(stale, rel)
		}
	}
	for _, rel := range handWritten {
		if !slices.Contains(present, rel) {
			stale = append(stale, rel)
		}
	}
	slices.Sort(stale)
	return stale, nil
}

// chartFiles lists the files under dir, relative and slash-separated.
func chartFiles(dir string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		out = append(out, filepath.ToSlash(rel))
		return err
	})
	if os.IsNotExist(err) {
		return nil, nil
	}
	return out, err
}
