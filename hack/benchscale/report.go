package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

func (r *results) markdown(out io.Writer) {
	c := r.Config
	sc := simScale(c)
	fmt.Fprintf(out, "N = %d LocationRules over %d locations (+%d DIDRates, 1 MorDefaults), %d hand-made rules in the same locations; MOR latency %s, rate limit %d/s, poll %s, concurrency %d\n\n",
		c.N, c.Locations, max(c.N/10, 1), sc.Locations*sc.RulesPerLocation, c.Latency, c.RPS, c.Poll, c.Concurrency)
	fmt.Fprintln(out, "| scenario | seconds | MOR requests | Kubernetes requests (mor.operator.dev + events) | manager CPU s | manager peak RSS MiB | manager RSS at end MiB (anon + file) | simulator CPU s | API server + etcd CPU s | CPU s stolen by the hypervisor |")
	fmt.Fprintln(out, "|---|---|---|---|---|---|---|---|---|---|")
	for _, p := range r.Phases {
		fmt.Fprintf(out, "| %s | %.1f | %s | %s | %.1f | %.0f | %.0f + %.0f | %.1f | %.1f | %.1f |\n", p.Name, p.Seconds, counts(p.MORRequests), counts(p.K8sRequests),
			p.Manager.CPUSeconds, p.Manager.PeakRSSMiB, p.Manager.AnonRSSMiB, p.Manager.FileRSSMiB, p.Simulator.CPUSeconds, p.ControlPlaneCPU, p.StolenCPU)
	}
	fmt.Fprintf(out, "\nMOR floor %.1f s, Kubernetes floor %.1f s (API server + etcd CPU %.1f s, stolen %.1f s; with a 50/s client budget: %.1f s); cold / max(floors) = %.2f\n",
		r.MORFloor, r.K8sFloor, r.K8sFloorControlPlaneCPU, r.K8sFloorStolenCPU, r.K8sThrottled, r.ColdToFloor)
	if len(r.Runs) > 1 {
		var each []string
		for _, run := range r.Runs {
			each = append(each, fmt.Sprintf("%.2f (%.1f / %.1f s, %.1f CPU s stolen)", run.ColdOverFloor, run.ColdSeconds, run.FloorSeconds, run.StolenCPU))
		}
		fmt.Fprintf(out, "cold / floor over %d runs: %s; median %.2f\n", len(r.Runs), strings.Join(each, ", "), r.ColdToFloorMedian)
	}
}

func counts(m map[string]int) string {
	if len(m) == 0 {
		return "0"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
