#!/usr/bin/env bash
# Prints the directory holding envtest's kube-apiserver and etcd, providing them first
# if needed. Order: $KUBEBUILDER_ASSETS, the cache bin/k8s/<version>/, else
# hack/envtestassets: the released binaries (controller-tools' envtest index, SHA-512
# checked), or when they cannot be had, a build from Go modules (hack/envtest-build.sh;
# see docs/envtest.md). Progress goes to stderr; only the directory goes to stdout.
# Safe to run twice.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export ETCD_VERSION=${ETCD_VERSION:-v3.6.6}
# kube-apiserver follows k8s.io/api in go.mod: v0.X.Y -> v1.X.Y.
API_VERSION=$(cd "$ROOT" && go list -m -f '{{.Version}}' k8s.io/api)
export API_VERSION K8S_VERSION=v1.${API_VERSION#v0.}
CACHE=${ENVTEST_CACHE:-$ROOT/bin/k8s/$K8S_VERSION}

have() { [ -x "$1/kube-apiserver" ] && [ -x "$1/etcd" ]; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ] && have "$KUBEBUILDER_ASSETS"; then
  echo "$KUBEBUILDER_ASSETS"; exit 0
fi
if have "$CACHE"; then
  echo "$CACHE"; exit 0
fi
(cd "$ROOT" && go run ./hack/envtestassets -version "$K8S_VERSION" -dir "$CACHE" -build "$ROOT/hack/envtest-build.sh")
have "$CACHE" || { echo "envtest-assets: failed to provide assets in $CACHE" >&2; exit 1; }
echo "envtest-assets: assets ready in $CACHE" >&2
echo "$CACHE"
