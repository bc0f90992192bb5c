#!/usr/bin/env bash
# deploy/kubernetes: the base and every overlay render with kubectl's kustomize (v5). What the rendered
# objects hold (their schemas, the ConfigMaps, Secrets, ports and probe paths they refer to) is checked by
# contract-tests' KubernetesManifestsTest in the test run.
#
#   .ci/checks/kubernetes.sh          the manifests (before the tests, as every check)
#   .ci/checks/kubernetes.sh image    reservation-service's container image: a base from Debian's packages and the
#                                     JDK, then Jib through the Maven profile "image", checked by
#                                     deploy/kubernetes/images/check-image.sh. .ci/run calls it after a passing test
#                                     run, whose build it reuses (deploy/README.md, "Container images").
set -euo pipefail
cd "$(dirname "$0")/../.."

mode=${1:-manifests}
case "$mode" in
  manifests | image) ;;
  *)
    echo "usage: kubernetes.sh [image]" >&2
    exit 2
    ;;
esac

if [ "$mode" = image ]; then
  declare -A package_of=([mmdebstrap]=mmdebstrap [jq]=jq [unshare]=util-linux [chroot]=coreutils)
  for command in "${!package_of[@]}"; do
    if ! PATH="$PATH:/usr/sbin:/sbin" command -v "$command" >/dev/null 2>&1; then
      sudo_cmd=""
      [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
      DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends "${package_of[$command]}"
    fi
  done
  JAVA_HOME=$(./ballast java-home)
  export JAVA_HOME
  version=$(sed -n '0,/<version>/s:.*<version>\(.*\)</version>.*:\1:p' pom.xml)
  started=$SECONDS
  bash deploy/kubernetes/images/base-image.sh target/base-images/jre.tar
  based=$SECONDS
  ./mvnw -B -q -pl reservation-service -am package -DskipTests -Dspotless.check.skip=true -Pimage
  bash deploy/kubernetes/images/check-image.sh reservation-service/target/reservation-service-image.tar \
    "ballast/reservation-service:$version" 10001 8082
  echo "kubernetes: reservation-service's image built and checked in $((SECONDS - started)) s" \
    "(the base $((based - started)) s)"
  exit 0
fi

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
