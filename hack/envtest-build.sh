#!/usr/bin/env bash
# Builds envtest's etcd and kube-apiserver from Go modules into DIR (the first argument),
# when no released binaries could be downloaded (see docs/envtest.md). hack/envtestassets
# runs it with the versions hack/envtest-assets.sh exports: K8S_VERSION, API_VERSION and
# ETCD_VERSION. Progress goes to stderr.
set -euo pipefail

CACHE=${1:?usage: envtest-build.sh DIR}
: "${K8S_VERSION:?}" "${API_VERSION:?}" "${ETCD_VERSION:?}"
log() { echo "envtest-assets: $*" >&2; }

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
  log "building kube-apiserver $K8S_VERSION from Go modules (about 5 minutes on 2 cores, once)"
  d=$(GONOSUMDB=k8s.io/kubernetes GOFLAGS=-mod=mod fetch_module "k8s.io/kubernetes@$K8S_VERSION")
  unstage "$d" "$API_VERSION"
  (cd "$d" && GONOSUMDB=k8s.io/kubernetes go build -o "$CACHE/kube-apiserver.tmp" ./cmd/kube-apiserver \
    && mv "$CACHE/kube-apiserver.tmp" "$CACHE/kube-apiserver")
fi
