#!/usr/bin/env bash
# Checks a service's container image, a tarball in `docker save` format as the Maven profile "image" writes it:
# its manifest (one image, its tag, every layer present and its uncompressed SHA-256 the configuration's diff id),
# its configuration (amd64/linux, the entrypoint `java ... -jar quarkus-run.jar`, the ports exposed, the user),
# and its files: the layers unpacked, quarkus-run.jar is in the working directory and the image's own java runs
# as the image's user (unshare and chroot: needs root).
#
#   deploy/kubernetes/images/check-image.sh IMAGE.tar TAG USER PORT...
#   check-image.sh reservation-service/target/reservation-service-image.tar ballast/reservation-service:0.1.0-SNAPSHOT 10001 8082
set -euo pipefail

fail() {
  echo "check-image: $*" >&2
  exit 1
}

[ $# -ge 4 ] || fail "usage: check-image.sh IMAGE.tar TAG USER PORT..."
image=$1 tag=$2 user=$3
shift 3
ports=("$@")
[ -f "$image" ] || fail "$image: no such file"
command -v jq >/dev/null 2>&1 || fail "needs jq"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xf "$image" -C "$work" manifest.json || fail "$image has no manifest.json"
[ "$(jq length "$work/manifest.json")" -eq 1 ] || fail "the manifest holds $(jq length "$work/manifest.json") images, not 1"
[ "$(jq -r '.[0].RepoTags | join(",")' "$work/manifest.json")" = "$tag" ] ||
  fail "tagged $(jq -c '.[0].RepoTags' "$work/manifest.json"), not $tag"
config=$(jq -r '.[0].Config' "$work/manifest.json")
tar -xf "$image" -C "$work" "$config" || fail "the configuration $config is not in the tarball"
config="$work/$config"

mapfile -t layers < <(jq -r '.[0].Layers[]' "$work/manifest.json")
mapfile -t diff_ids < <(jq -r '.rootfs.diff_ids[]' "$config")
if [ "${#layers[@]}" -eq 0 ] || [ "${#layers[@]}" -ne "${#diff_ids[@]}" ]; then
  fail "${#layers[@]} layers for ${#diff_ids[@]} diff ids"
fi
mkdir "$work/root"
for i in "${!layers[@]}"; do
  tar -xf "$image" -C "$work" "${layers[$i]}" || fail "layer ${layers[$i]} is not in the tarball"
  digest=sha256:$(gzip -dc "$work/${layers[$i]}" | sha256sum | cut -d' ' -f1)
  [ "$digest" = "${diff_ids[$i]}" ] || fail "layer $i (${layers[$i]}) unpacks to $digest, not ${diff_ids[$i]}"
  tar --warning=no-unknown-keyword -xzf "$work/${layers[$i]}" -C "$work/root"
  rm "$work/${layers[$i]}"
done

[ "$(jq -r '.architecture + "/" + .os' "$config")" = amd64/linux ] ||
  fail "built for $(jq -r '.architecture + "/" + .os' "$config"), not amd64/linux"
entrypoint=$(jq -c '.config.Entrypoint' "$config")
jq -e '.config.Entrypoint | .[0] == "java" and .[-2:] == ["-jar", "quarkus-run.jar"]' "$config" >/dev/null ||
  fail "the entrypoint is $entrypoint, not java ... -jar quarkus-run.jar"
expected_ports=$(printf '"%s/tcp"\n' "${ports[@]}" | sort | jq -sc .)
actual_ports=$(jq -c '.config.ExposedPorts // {} | keys | sort' "$config")
[ "$actual_ports" = "$expected_ports" ] || fail "exposes $actual_ports, not $expected_ports"
[ "$(jq -r '.config.User' "$config")" = "$user" ] || fail "runs as user $(jq -r '.config.User' "$config"), not $user"
workdir=$(jq -r '.config.WorkingDir' "$config")
[ -f "$work/root$workdir/quarkus-run.jar" ] || fail "no quarkus-run.jar in the working directory $workdir"

# As a container runs it: its own /proc (java finds its libraries through /proc/self/exe), the image's PATH.
mkdir -p "$work/root/proc"
java_path=$(jq -r '.config.Env[] | select(startswith("PATH=")) | sub("^PATH="; "")' "$config")
if ! version=$(unshare --mount --pid --fork --mount-proc="$work/root/proc" \
  env -i PATH="$java_path:/usr/sbin:/usr/bin" chroot --userspec="$user:$user" "$work/root" java -version 2>&1); then
  fail "the image's java does not run as user $user: $version"
fi
version=$(head -1 <<<"$version")
echo "check-image: $tag: ${#layers[@]} layers, entrypoint $entrypoint, ports $actual_ports, user $user, $workdir/quarkus-run.jar, $version"
