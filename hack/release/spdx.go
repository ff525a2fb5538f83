package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"runtime/debug"
	"strings"
	"time"
)

// SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/), only the fields we fill.
type spdxDocument struct {
	SPDXVersion       string             `json:"spdxVersion"`
	DataLicense       string             `json:"dataLicense"`
	SPDXID            string             `json:"SPDXID"`
	Name              string             `json:"name"`
	DocumentNamespace string             `json:"documentNamespace"`
	CreationInfo      spdxCreationInfo   `json:"creationInfo"`
	Packages          []spdxPackage      `json:"packages"`
	Relationships     []spdxRelationship `json:"relationships"`
}

type spdxCreationInfo struct {
	Created  string   `json:"created"`
	Creators []string `json:"creators"`
}

type spdxPackage struct {
	Name                  string            `json:"name"`
	SPDXID                string            `json:"SPDXID"`
	VersionInfo           string            `json:"versionInfo"`
	DownloadLocation      string            `json:"downloadLocation"`
	FilesAnalyzed         bool              `json:"filesAnalyzed"`
	PrimaryPackagePurpose string            `json:"primaryPackagePurpose"`
	Checksums             []spdxChecksum    `json:"checksums,omitempty"`
	ExternalRefs          []spdxExternalRef `json:"externalRefs"`
	Comment               string            `json:"comment,omitempty"`
}

type spdxChecksum struct {
	Algorithm     string `json:"algorithm"`
	ChecksumValue string `json:"checksumValue"`
}

type spdxExternalRef struct {
	ReferenceCategory string `json:"referenceCategory"`
	ReferenceType     string `json:"referenceType"`
	ReferenceLocator  string `json:"referenceLocator"`
}

type spdxRelationship struct {
	SPDXElementID      string `json:"spdxElementId"`
	RelationshipType   string `json:"relationshipType"`
	RelatedSPDXElement string `json:"relatedSpdxElement"`
}

// sbom describes the manager binary bin built for platform: the main module at the release
// version (with the binary's SHA-256), the Go standard library it was compiled with and
// every module linked into it, as info (debug/buildinfo of bin) lists them. created is the
// image's creation time, so that one commit gives one SBOM.
func sbom(info *debug.BuildInfo, bin []byte, platform, version string, created time.Time) spdxDocument {
	sum := sha256.Sum256(bin)
	binSHA := hex.EncodeToString(sum[:])
	ids := spdxIDs{}
	name := "mor-operator-manager-" + version + "-" + strings.ReplaceAll(platform, "/", "-")
	manager := spdxPackage{
		Name:                  info.Main.Path,
		SPDXID:                ids.of(info.Main.Path),
		VersionInfo:           version,
		DownloadLocation:      "NOASSERTION",
		PrimaryPackagePurpose: "APPLICATION",
		Checksums:             []spdxChecksum{{Algorithm: "SHA256", ChecksumValue: binSHA}},
		ExternalRefs:          []spdxExternalRef{purl(info.Main.Path, version)},
		Comment:               "the manager binary (" + platform + "), built with " + info.GoVersion,
	}
	doc := spdxDocument{
		SPDXVersion:       "SPDX-2.3",
		DataLicense:       "CC0-1.0",
		SPDXID:            "SPDXRef-DOCUMENT",
		Name:              name,
		DocumentNamespace: "https://" + info.Main.Path + "/spdx/" + name + "-" + binSHA,
		CreationInfo: spdxCreationInfo{
			Created:  created.UTC().Format(time.RFC3339),
			Creators: []string{"Tool: " + info.Main.Path + "/hack/release"},
		},
		Packages: []spdxPackage{manager, {
			Name:                  "stdlib",
			SPDXID:                ids.of("stdlib"),
			VersionInfo:           info.GoVersion,
			DownloadLocation:      "NOASSERTION",
			PrimaryPackagePurpose: "LIBRARY",
			ExternalRefs:          []spdxExternalRef{purl("stdlib", strings.TrimPrefix(info.GoVersion, "go"))},
		}},
		Relationships: []spdxRelationship{{"SPDXRef-DOCUMENT", "DESCRIBES", manager.SPDXID}},
	}
	for _, dep := range info.Deps {
		p := spdxPackage{
			Name:                  dep.Path,
			SPDXID:                ids.of(dep.Path),
			VersionInfo:           dep.Version,
			DownloadLocation:      "NOASSERTION",
			PrimaryPackagePurpose: "LIBRARY",
		}
		if r := dep.Replace; r != nil {
			// What was compiled is the replacement; the name stays the one imported.
			p.VersionInfo = r.Version
			p.Comment = fmt.Sprintf("%s %s replaced by %s %s", dep.Path, dep.Version, r.Path, r.Version)
			p.ExternalRefs = []spdxExternalRef{purl(r.Path, r.Version)}
		} else {
			p.ExternalRefs = []spdxExternalRef{purl(dep.Path, dep.Version)}
		}
		doc.Packages = append(doc.Packages, p)
	}
	for _, p := range doc.Packages[1:] {
		doc.Relationships = append(doc.Relationships, spdxRelationship{manager.SPDXID, "DEPENDS_ON", p.SPDXID})
	}
	return doc
}

// notIDChar is what an SPDX identifier may not hold: it is letters, digits, "." and "-".
var notIDChar = regexp.MustCompile(`[^A-Za-z0-9.-]`)

// spdxIDs makes each package's SPDX identifier from its name, unique in one document even
// for two names that differ only in characters an identifier may not hold.
type spdxIDs map[string]bool

func (ids spdxIDs) of(name string) string {
	base := "SPDXRef-Package-" + notIDChar.ReplaceAllString(name, "-")
	id := base
	for n := 2; ids[id]; n++ {
		id = fmt.Sprintf("%s-%d", base, n)
	}
	ids[id] = true
	return id
}

// purl is the Package URL of a Go module (https://github.com/package-url/purl-spec, type golang).
func purl(path, version string) spdxExternalRef {
	segments := strings.Split(path, "/")
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	return spdxExternalRef{
		ReferenceCategory: "PACKAGE-MANAGER",
		ReferenceType:     "purl",
		ReferenceLocator:  "pkg:golang/" + strings.Join(segments, "/") + "@" + strings.ReplaceAll(url.PathEscape(version), "+", "%2B"),
	}
}
