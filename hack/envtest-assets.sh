#!/usr/bin/env bash
# Prints the directory holding envtest's kube-apiserver and etcd, providing them first
# if needed. Order: $KUBEBUILDER_ASSETS, the cache bin/k8s/<version>/, setup-envtest
# (needs the internet), else a build from Go modules (see docs/envtest.md).
# Progress goes to stderr; only the directory goes to stdout. Safe to run twice.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ETCD_VERSION=${ETCD_VERSION:-v3.6.6}
# kube-apiserver follows k8s.io/api in go.mod: v0.X.Y -> v1.X.Y.
API_VERSION=$(cd "$ROOT" && go list -m -f '{{.Version}}' k8s.io/api)
K8S_VERSION=v1.${API_VERSION#v0.}
CACHE=${ENVTEST_CACHE:-$ROOT/bin/k8s/$K8S_VERSION}

log() { echo "envtest-assets: $*" >&2; }
have() { [ -x "$1/kube-apiserver" ] && [ -x "$1/etcd" ]; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ] && have "$KUBEBUILDER_ASSETS"; then
  echo "$KUBEBUILDER_ASSETS"; exit 0
fi
if have "$CACHE"; then
  echo "$CACHE"; exit 0
fi
mkdir -p "$CACHE"

if command -v setup-envtest >/dev/null 2>&1; then
  log "trying setup-envtest for ${K8S_VERSION#v}"
  if dir=$(setup-envtest use -p path --bin-dir "$ROOT/bin/setup-envtest" "${K8S_VERSION#v}" 2>/dev/null) && have "$dir"; then
    cp "$dir/kube-apiserver" "$dir/etcd" "$CACHE/"
    echo "$CACHE"; exit 0
  fi
  log "setup-envtest could not download; building from Go modules"
fi

WORK=$(mktemp -d)
trap 'chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT
export GOWORK=off GOFLAGS=-mod=mod

# unstage DIR VERSION: turn each local "=> ./..." replace into a plain requirement.
unstage() {
  local dir=$1 version=$2 mod
  for mod in $(awk '/=> *\.\.?\// && !/FORBIDDEN_DEPENDENCY/ { if ($1 == "replace") print $2; else print $1 }' "$dir/go.mod"); do
    (cd "$dir" && go mod edit -dropreplace="$mod" -require="$mod@$version")
  done
}

fetch_module() { # module@version -> writable copy under $WORK
  local src
  src=$(go mod download -json "$1" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  local dst="$WORK/$(basename "${1%@*}")"
  cp -r "$src" "$dst"; chmod -R u+w "$dst"
  rm -rf "$dst/vendor" "$dst/go.work" "$dst/go.work.sum"
  echo "$dst"
}

if [ ! -x "$CACHE/etcd" ]; then
  log "building etcd $ETCD_VERSION from Go modules (about a minute)"
  d=$(fetch_module "go.etcd.io/etcd/server/v3@$ETCD_VERSION")
  unstage "$d" "$ETCD_VERSION"
  (cd "$d" && go build -o "$CACHE/etcd.tmp" . && mv "$CACHE/etcd.tmp" "$CACHE/etcd")
fi
if [ ! -x "$CACHE/kube-apiserver" ]; then
  log "building kube-apiserver $K8S_VERSION from Go modules (about 6 minutes on 2 cores, once)"
  d=$(GONOSUMDB=k8s.io/kubernetes GOFLAGS=-mod=mod fetch_module "k8s.io/kubernetes@$K8S_VERSION")
  unstage "$d" "$API_VERSION"
  (cd "$d" && GONOSUMDB=k8s.io/kubernetes go build -o "$CACHE/kube-apiserver.tmp" ./cmd/kube-apiserver \
    && mv "$CACHE/kube-apiserver.tmp" "$CACHE/kube-apiserver")
fi
have "$CACHE" || { log "failed to provide assets in $CACHE"; exit 1; }
log "assets ready in $CACHE"
echo "$CACHE"
