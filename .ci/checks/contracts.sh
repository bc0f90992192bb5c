#!/usr/bin/env bash
# Contracts against their committed baselines, so that a change that breaks a client fails the build: the v1
# protobuf contracts (proto/src/main/proto) against proto/baseline/v1.binpb, a buf image, with `buf breaking` and the
# rules of proto/buf.yaml (FILE); a compatible change (an addition) fails too, until the baseline is refreshed.
#
#   contracts.sh [check]   compares; what CI runs
#   contracts.sh refresh   writes the baseline from the sources as they are: a deliberate change of contract,
#                          committed with the change that makes it
#
# ./ballast contracts check|refresh runs this script. docs/development.md ("Contracts") says what counts as breaking.
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=${1:-check}
case "$mode" in
  check | refresh) ;;
  *)
    echo "contracts: usage: ./ballast contracts [check|refresh]" >&2
    exit 2
    ;;
esac
refresh="./ballast contracts refresh"

# buf at the version .ci/run pins, installed the way .ci/run installs it when missing.
buf=$PWD/.ci/tools/node_modules/.bin/buf
if [ ! -x "$buf" ]; then
  buf_version=$(sed -n 's/^BUF_VERSION=//p' .ci/run)
  npm install --prefix .ci/tools --no-save --no-package-lock --no-audit --no-fund "@bufbuild/buf@$buf_version" >/dev/null
fi

if [ "$mode" = refresh ]; then
  (cd proto && "$buf" build --exclude-source-info -o baseline/v1.binpb)
  echo "contracts: baseline written from the sources as they are; what changed:"
  git status --short -- proto/baseline | sed 's/^/  /'
  echo "contracts: commit it with the change of contract, saying why no client breaks or how the clients follow"
  exit 0
fi

status=0
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
if ! (cd proto && "$buf" breaking --against baseline/v1.binpb); then
  echo "contracts: the v1 protobuf contracts break clients built on proto/baseline/v1.binpb (each break above)."
  echo "  Keep the old field numbers, names and types (add a new field, reserve a removed one) or make a v2 package;"
  echo "  a break made on purpose, with every client changed with it: $refresh"
  status=1
elif ! (cd proto && "$buf" build --exclude-source-info -o "$scratch/v1.binpb") || ! cmp -s "$scratch/v1.binpb" proto/baseline/v1.binpb; then
  # Comments and layout are not in the image: only what a client can see makes it differ.
  echo "contracts: the v1 protobuf contracts changed compatibly since proto/baseline/v1.binpb (additions, no break)."
  since=$(git log -1 --format=%h -- proto/baseline/v1.binpb 2>/dev/null || true)
  if [ -n "$since" ]; then
    echo "  The contract files changed since the baseline was written ($since):"
    git diff --stat "$since" -- proto/src/main/proto | sed 's/^/  /' || true
  fi
  echo "  Additive: refresh the baseline and commit it with the change: $refresh"
  status=1
fi

exit "$status"
