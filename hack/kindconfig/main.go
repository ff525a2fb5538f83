// Command kindconfig regenerates what config/ holds per kind (internal/kindconfig) from
// the CRDs in config/crd/bases (run by `make manifests`, after controller-gen).
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/mor-operator/mor-operator/internal/kindconfig"
)

func main() {
	dir := flag.String("config", "config", "the kustomize config directory")
	flag.Parse()
	if err := kindconfig.Generate(*dir); err != nil {
		fmt.Fprintln(os.Stderr, "kindconfig:", err)
		os.Exit(1)
	}
}
