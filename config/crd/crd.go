// Package crd carries the CRDs that `make manifests` generates into bases/ from the
// markers in api/v1alpha1, so a binary can validate objects against the very schemas
// the API server enforces (the kubectl plugin's export does).
package crd

import "embed"

// Bases holds bases/*.yaml, one CustomResourceDefinition a file.
//
//go:embed bases/*.yaml
var Bases embed.FS
