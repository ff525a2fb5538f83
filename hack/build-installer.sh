#!/usr/bin/env bash
# Renders config/default with the manager image set to $IMG into one file (default
# dist/install.yaml), as `kubectl apply -f` installs it. A temporary overlay sets the
# image, so nothing under config/ changes. Needs kubectl (its built-in kustomize).
set -euo pipefail
out=${1:-dist/install.yaml}
img=${IMG:?set IMG, e.g. IMG=registry.example.com/mor-operator:v0.1.0}
root=$(cd "$(dirname "$0")/.." && pwd)

# Split IMG (name[:tag][@sha256:digest]) into name, tag and digest: the tag is after the
# last ":" that follows the last "/" (a registry port is not a tag). With a digest the
# image is pinned: `make image-push` prints name@digest, `make release` writes name:tag@digest.
name=$img tag= digest=
if [[ $name == *@* ]]; then
  digest=${name#*@} name=${name%@*}
  if [[ ! $digest =~ ^sha256:[0-9a-f]{64}$ ]]; then
    echo "IMG=$img: the digest after @ must be sha256:<64 hex digits>" >&2
    exit 1
  fi
fi
if [[ ${name##*/} == *:* ]]; then
  tag=${name##*:} name=${name%:*}
fi

# kustomize takes only relative paths to bases: the overlay lives in the repo briefly.
overlay=$(mktemp -d "$root/config/.installer-XXXXXX")
trap 'rm -rf "$overlay"' EXIT
{
  echo "apiVersion: kustomize.config.k8s.io/v1beta1"
  echo "kind: Kustomization"
  echo "resources:"
  echo "- ../default"
  echo "images:"
  echo "- name: controller"
  echo "  newName: $name"
  [[ -n $tag ]] && echo "  newTag: \"$tag\""
  [[ -n $digest ]] && echo "  digest: $digest"
} >"$overlay/kustomization.yaml"

mkdir -p "$(dirname "$out")"
kubectl kustomize "$overlay" >"$overlay/install.yaml"
mv "$overlay/install.yaml" "$out"
echo "wrote $out (image $img)" >&2
