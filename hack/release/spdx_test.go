package main

import (
	"runtime/debug"
	"testing"
	"time"
)

func TestSBOM(t *testing.T) {
	info := &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/mor-operator/mor-operator", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "sigs.k8s.io/controller-runtime", Version: "v0.25.2", Sum: "h1:abc="},
			{Path: "github.com/docker/cli", Version: "v29.7.2+incompatible"},
			{Path: "example.com/old", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v1.0.1"}},
			{Path: "example.com/a_b", Version: "v1.0.0"},
			{Path: "example.com/a.b", Version: "v1.0.0"},
			{Path: "example.com/a/b", Version: "v1.0.0"},
		},
	}
	created := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	doc := sbom(info, []byte("binary"), "linux/arm64", "v0.1.0", created)

	type pkg struct{ version, purl string }
	got := map[string]pkg{}
	ids := map[string]bool{"SPDXRef-DOCUMENT": true}
	for _, p := range doc.Packages {
		if ids[p.SPDXID] {
			t.Errorf("SPDXID %s twice", p.SPDXID)
		}
		ids[p.SPDXID] = true
		if len(p.ExternalRefs) != 1 {
			t.Fatalf("%s: externalRefs %v, want one purl", p.Name, p.ExternalRefs)
		}
		got[p.Name] = pkg{p.VersionInfo, p.ExternalRefs[0].ReferenceLocator}
	}
	for name, want := range map[string]pkg{
		"github.com/mor-operator/mor-operator": {"v0.1.0", "pkg:golang/github.com/mor-operator/mor-operator@v0.1.0"},
		"stdlib":                               {"go1.26.8", "pkg:golang/stdlib@1.26.8"},
		"sigs.k8s.io/controller-runtime":       {"v0.25.2", "pkg:golang/sigs.k8s.io/controller-runtime@v0.25.2"},
		"github.com/docker/cli":                {"v29.7.2+incompatible", "pkg:golang/github.com/docker/cli@v29.7.2%2Bincompatible"},
		"example.com/old":                      {"v1.0.1", "pkg:golang/example.com/fork@v1.0.1"},
		"example.com/a_b":                      {"v1.0.0", "pkg:golang/example.com/a_b@v1.0.0"},
	} {
		if got[name] != want {
			t.Errorf("package %s: %+v, want %+v", name, got[name], want)
		}
	}
	if len(doc.Packages) != 2+len(info.Deps) {
		t.Errorf("%d packages, want the main module, stdlib and %d modules", len(doc.Packages), len(info.Deps))
	}

	for _, c := range []struct{ what, got, want string }{
		{"spdxVersion", doc.SPDXVersion, "SPDX-2.3"},
		{"dataLicense", doc.DataLicense, "CC0-1.0"},
		{"name", doc.Name, "mor-operator-manager-v0.1.0-linux-arm64"},
		{"created", doc.CreationInfo.Created, "2026-01-02T03:04:05Z"},
		{"binary checksum", doc.Packages[0].Checksums[0].ChecksumValue, "9a3a45d01531a20e89ac6ae10b0b0beb0492acd7216a368aa062d1a5fecaf9cd"}, // sha256("binary")
		{"first relationship", doc.Relationships[0].RelationshipType + " " + doc.Relationships[0].RelatedSPDXElement, "DESCRIBES " + doc.Packages[0].SPDXID},
	} {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.what, c.got, c.want)
		}
	}
	if len(doc.Relationships) != len(doc.Packages) {
		t.Errorf("%d relationships, want DESCRIBES and one DEPENDS_ON per package besides the manager", len(doc.Relationships))
	}
	for _, r := range doc.Relationships {
		if !ids[r.SPDXElementID] || !ids[r.RelatedSPDXElement] {
			t.Errorf("relationship %+v names an unknown element", r)
		}
	}
}
