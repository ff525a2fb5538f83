// Package managerimage assembles the manager's container image in Go, with
// go-containerregistry and without Docker or a base image: one layer holding the static
// manager at /manager, a CA bundle and the /etc/passwd and /etc/group of the non-root user,
// for each platform, in one OCI index written as an OCI image layout.
//
// The same commit gives the same digest: every timestamp is the commit time
// (SOURCE_DATE_EPOCH), the layer's entries are sorted and owned by fixed ids, and the CA
// bundle comes from a pinned Go module rather than from the build machine.
package managerimage
