package plugin

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// writtenBy is the first line of every file --output-dir writes: the mark that lets a
// later export rewrite or remove the file. A file without it is never touched.
const writtenBy = "# Written by kubectl mor export; a later export into this directory rewrites or removes this file."

// kustomization is the file that lists the resources for kubectl apply -k.
const kustomization = "kustomization.yaml"

// FileName is the file a document is written to in --output-dir.
func FileName(d Document) string {
	return strings.ToLower(d.Kind) + "-" + d.Name + ".yaml"
}

// WriteDir makes dir (created if missing) mirror docs: one file per document and a
// kustomization.yaml listing them, and no file an earlier export wrote that this one
// does not (a rule deleted in MOR); it returns the names of the files removed. Files
// without the writtenBy mark are never touched: one in the way of a file to write is
// an error. Everything is written to a staging directory inside dir first and moved
// into place only when all of it was written, so an error leaves dir as it was.
func WriteDir(dir string, docs []Document) (removed []string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, &inputError{what: "--output-dir " + dir, fix: "choose a directory you can write", err: err}
	}
	files, names, err := dirFiles(docs)
	if err != nil {
		return nil, err
	}
	ours, err := writtenFiles(dir)
	if err != nil {
		return nil, &inputError{what: "--output-dir " + dir, fix: "choose a directory you can read", err: err}
	}
	for _, n := range names {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil && !ours[n] {
			return nil, &inputError{what: "--output-dir " + dir, fix: "move it away or choose another directory",
				err: fmt.Errorf("%s is there and was not written by kubectl mor export (its first line is not %q)", n, writtenBy)}
		}
	}

	stage, err := os.MkdirTemp(dir, ".kubectl-mor-export-")
	if err != nil {
		return nil, &inputError{what: "--output-dir " + dir, fix: "choose a directory you can write", err: err}
	}
	defer os.RemoveAll(stage) //nolint:errcheck // best effort; empty after success
	for _, n := range names {
		if err := writeSynced(filepath.Join(stage, n), files[n]); err != nil {
			return nil, &inputError{what: "--output-dir " + dir, fix: "check free space and permissions", err: err}
		}
	}
	var errs []error
	for _, n := range names {
		if err := os.Rename(filepath.Join(stage, n), filepath.Join(dir, n)); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 { // keep what the earlier export wrote: the new one is incomplete
		return nil, errors.Join(errs...)
	}
	for n := range ours {
		if _, keep := files[n]; keep {
			continue
		}
		if err := os.Remove(filepath.Join(dir, n)); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, n)
	}
	slices.Sort(removed)
	return removed, errors.Join(errs...)
}

// dirFiles is the content of every file to write, by name, and the names in order,
// kustomization.yaml last.
func dirFiles(docs []Document) (files map[string][]byte, names []string, err error) {
	files = map[string][]byte{}
	kust := writtenBy + "\n# kubectl apply -k .\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n"
	for _, d := range docs {
		n := FileName(d)
		if _, dup := files[n]; dup || n == kustomization {
			return nil, nil, fmt.Errorf("two resources would be written to %s", n)
		}
		files[n], names = append([]byte(writtenBy+"\n"), d.YAML...), append(names, n)
		if d.Skeleton { // applied only once filled in
			kust += "# - " + n + " (fill in spec.user/spec.device first)\n"
		} else {
			kust += "- " + n + "\n"
		}
	}
	files[kustomization], names = []byte(kust), append(names, kustomization)
	return files, names, nil
}

// writtenFiles are the regular files directly in dir that an export wrote (first line
// writtenBy).
func writtenFiles(dir string) (map[string]bool, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		ok, err := startsWith(filepath.Join(dir, e.Name()), writtenBy)
		if err != nil {
			return nil, err
		}
		if ok {
			out[e.Name()] = true
		}
	}
	return out, nil
}

func startsWith(path, line string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close() //nolint:errcheck // read only
	first, err := bufio.NewReader(f).ReadString('\n')
	if err != nil && first == "" {
		return false, nil // empty file
	}
	return strings.TrimRight(first, "\r\n") == line, nil
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
