#!/usr/bin/env bash
# deploy/kubernetes: the base and every overlay render with kubectl's kustomize (v5). What the rendered
# objects hold (their schemas, the ConfigMaps, Secrets, ports and probe paths they refer to) is checked by
# contract-tests' KubernetesManifestsTest in the test run.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v kubectl >/dev/null 2>&1; then
  # Debian 12's kubernetes-client is kubectl 1.20, whose kustomize (v2) reads none of these files.
  echo "kubernetes: kubectl (1.27 or newer, for kustomize v5) is needed and is not installed" >&2
  exit 1
fi
kustomize_version=$(kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\)\..*/\1/p')
if [ "${kustomize_version:-0}" -lt 5 ]; then
  echo "kubernetes: kubectl's kustomize is older than v5 ($(kubectl version --client 2>&1 | tr '\n' ' '))" >&2
  exit 1
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for dir in deploy/kubernetes/base deploy/kubernetes/overlays/*/; do
  dir=${dir%/}
  if ! kubectl kustomize "$dir" >"$out/render.yaml" 2>"$out/errors"; then
    echo "kubernetes: kubectl kustomize $dir failed:" >&2
    cat "$out/errors" >&2
    exit 1
  fi
  # kustomize warns on stderr about what it still reads but will not (deprecated fields): none allowed.
  if [ -s "$out/errors" ]; then
    echo "kubernetes: kubectl kustomize $dir warned:" >&2
    cat "$out/errors" >&2
    exit 1
  fi
  echo "kubernetes: $dir renders $(grep -c '^kind: ' "$out/render.yaml") objects"
done
