package main

import (
	"testing"
)

// TestChartUpToDate fails when dist/chart is not what hack/chart generates from config/
// and main.go: run `make chart` and commit the result.
func TestChartUpToDate(t *testing.T) {
	stale, err := staleFiles(repoRoot(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range stale {
		t.Errorf("%s/%s is stale, missing or unknown: run make chart", chartDir, rel)
	}
}

// TestGenerateRefusesUnplacedObjects: an object config/ renders that the chart does not
// place is an error, not a silently missing template.
func TestGenerateRefusesUnplacedObjects(t *testing.T) {
	saved := placement["ClusterRole/metrics-reader"]
	delete(placement, "ClusterRole/metrics-reader")
	defer func() { placement["ClusterRole/metrics-reader"] = saved }()
	if _, err := generate(repoRoot(t)); err == nil {
		t.Fatal("generate succeeded without a place for ClusterRole metrics-reader")
	}
}
