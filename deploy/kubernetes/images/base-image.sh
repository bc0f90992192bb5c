#!/usr/bin/env bash
# Builds a base image for Ballast's container images, as a tarball in `docker save` format, from Debian's
# packages and a local JDK 25: no container daemon and no image registry. Its layers: a Debian root file system
# (glibc, and the packages named), a JRE linked from the JDK in /opt/java, and the user ballast (10001).
#
#   deploy/kubernetes/images/base-image.sh OUTPUT.tar [PACKAGE...]
#
#   base-image.sh target/base-images/jre.tar                    # reservation-service, guest-gateway
#   base-image.sh target/base-images/libvirt.tar libvirt0       # inventory-service
#   base-image.sh target/base-images/worker.tar libvirt0 e2fsprogs ntfs-3g util-linux   # resize-worker
#
# Environment: JAVA_HOME (the JDK the JRE is linked from; else ./ballast java-home), BALLAST_DEBIAN_SUITE
# (bookworm), BALLAST_DEBIAN_MIRROR (http://deb.debian.org/debian), BALLAST_BASE_TAG (the image's name in the
# tarball). Needs root and mmdebstrap.
set -euo pipefail

die() {
  echo "base-image: $*" >&2
  exit 1
}

[ $# -ge 1 ] || die "usage: base-image.sh OUTPUT.tar [PACKAGE...]"
output=$(realpath -m "$1")
shift
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
suite=${BALLAST_DEBIAN_SUITE:-bookworm}
mirror=${BALLAST_DEBIAN_MIRROR:-http://deb.debian.org/debian}
tag=${BALLAST_BASE_TAG:-ballast/base:$(basename "$output" .tar)}
java_home=${JAVA_HOME:-$("$root/ballast" java-home)}
[ -x "$java_home/bin/jlink" ] || die "no jlink in $java_home (JAVA_HOME must be a JDK 25)"
command -v mmdebstrap >/dev/null 2>&1 || die "needs mmdebstrap (apt-get install mmdebstrap)"
[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap --mode=root)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/image" "$work/jre/opt" "$work/user/etc" "$work/user/tmp"

# Layer 1: Debian. Without further packages only glibc is extracted (the JRE needs nothing else); with packages, an
# essential system is installed with them, their maintainer scripts run.
packages=(libc6 "$@")
variant=extract
[ $# -eq 0 ] || variant=essential
include=$(IFS=,; echo "${packages[*]}")
mmdebstrap --quiet --variant="$variant" --include="$include" --skip=output/dev --mode=root \
  "$suite" "$work/debian.tar" "$mirror"

# Layer 2: the JRE: the JDK's modules but its development tools (a JDK without jmods links from its own run-time
# image, which cannot hold jlink), without debug symbols, headers and man pages.
modules=$("$java_home/bin/java" --list-modules | sed 's/@.*//' |
  grep -Evx 'jdk\.(jlink|jpackage|incubator\..*|javadoc|jshell|jdi|jdwp\.agent|jconsole|jartool|jdeps|hotspot\.agent|jstatd|editpad|internal\.ed|internal\.le|internal\.opt|graal\.compiler.*|accessibility)' |
  paste -sd, -)
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
  --output "$work/jre/opt/java"

# Layer 3: the user the services run as (and /tmp), on top of the accounts Debian's layer has, if any.
tar -xf "$work/debian.tar" -C "$work/user" ./etc/passwd ./etc/group 2>/dev/null || true
[ -s "$work/user/etc/passwd" ] || echo 'root:x:0:0:root:/root:/bin/sh' >"$work/user/etc/passwd"
[ -s "$work/user/etc/group" ] || echo 'root:x:0:' >"$work/user/etc/group"
echo 'ballast:x:10001:10001:ballast:/tmp:/usr/sbin/nologin' >>"$work/user/etc/passwd"
echo 'ballast:x:10001:' >>"$work/user/etc/group"
chmod 1777 "$work/user/tmp"

# The same bytes from the same inputs: sorted names, one time stamp, numeric owners.
layer() {
  tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf "$2" .
}
cp "$work/debian.tar" "$work/image/debian.tar"
layer "$work/jre" "$work/image/jre.tar"
layer "$work/user" "$work/image/user.tar"

diff_ids=()
for name in debian jre user; do
  diff_ids+=("\"sha256:$(sha256sum "$work/image/$name.tar" | cut -d' ' -f1)\"")
done
java_version=$(sed -n 's/^JAVA_RUNTIME_VERSION="\(.*\)"/\1/p' "$java_home/release")
cat >"$work/image/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"Env":["PATH=/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","JAVA_HOME=/opt/java","LANG=C.UTF-8"],
  "Labels":{"io.ballast.base.debian":"$suite: $include","io.ballast.base.java":"$java_version"}},
 "rootfs":{"type":"layers","diff_ids":[$(IFS=,; echo "${diff_ids[*]}")]},
 "history":[{"created_by":"mmdebstrap --variant=$variant --include=$include $suite"},
  {"created_by":"jlink ($java_version): the JDK but its development tools"},{"created_by":"user ballast (10001)"}]}
JSON
cat >"$work/image/manifest.json" <<JSON
[{"Config":"config.json","RepoTags":["$tag"],"Layers":["debian.tar","jre.tar","user.tar"]}]
JSON
mkdir -p "$(dirname "$output")"
# Its entries by plain name (Jib refuses an entry "./").
tar --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$work/image" -cf "$output.partial" \
  manifest.json config.json debian.tar jre.tar user.tar
mv "$output.partial" "$output"
echo "base-image: $output ($tag; $(du -h "$output" | cut -f1))"
