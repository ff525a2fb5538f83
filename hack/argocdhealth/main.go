// Command argocdhealth regenerates config/argocd's per-kind health checks and argocd-cm
// patch from config/argocd/health.lua, for the kinds of config/crd/bases (run by
// `make manifests`, after the CRDs).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/mor-operator/mor-operator/internal/argocdhealth"
)

func main() {
	dir := flag.String("dir", "config/argocd", "the Argo CD config directory, holding health.lua")
	crds := flag.String("crds", "config/crd/bases", "the generated CRDs, whose kinds get a health check")
	flag.Parse()
	if err := argocdhealth.Generate(*dir, *crds); err != nil {
		fmt.Fprintln(os.Stderr, "argocdhealth:", err)
		os.Exit(1)
	}
}
