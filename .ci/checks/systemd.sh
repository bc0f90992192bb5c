#!/usr/bin/env bash
# deploy/systemd: both units, installed as deploy/README.md ("Hosts") installs them, pass `systemd-analyze verify`
# with nothing to say (systemd only warns about an unknown key or a value it cannot parse, and ignores the line: any
# output fails the check), and neither unit's exposure (`systemd-analyze security`) rises over what it is today.
# systemd-analyze comes from the Debian systemd package, installed when missing; systemd need not be running.
# Run from the repository root (.ci/run does).
#
# verify checks that each command a unit runs is an executable file, and where a unit's other files are looked for,
# against the machine it runs on. It runs here on a scratch root (--root): this machine's own units (the targets the
# units order themselves against), the two units in /etc/systemd/system, and the layout the README installs, as empty
# stand-ins: the Java runtime links, the jars and the configuration files. So a unit that names a path the README does
# not install fails here, and so does one that systemd cannot parse.
set -euo pipefail

dir=deploy/systemd
units=(ballast-guest-agent.service ballast-resize-worker.service)
# The highest overall exposure level each unit may score, in tenths (systemd's --threshold: 0 to 100 for levels 0.0 to
# 10.0, lower is safer); today 2.7 (agent) and 2.8 (worker).
max_exposure=30

# What deploy/README.md installs: executables, then other files.
layout_executables=(
  /opt/ballast-agent/jre/bin/java
  /opt/ballast/jre/bin/java
)
layout_files=(
  /opt/ballast-agent/guest-agent.jar
  /etc/ballast-agent/agent.properties
  /opt/ballast/resize-worker/quarkus-run.jar
  /etc/ballast/resize-worker.env
)

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "ci: installing systemd (for systemd-analyze)"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends systemd
fi
systemd-analyze --version | sed -n 1p

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

system_units=""
for candidate in /usr/lib/systemd/system /lib/systemd/system; do
  if [ -f "$candidate/multi-user.target" ]; then
    system_units=$candidate
    break
  fi
done
[ -n "$system_units" ] || {
  echo "systemd: no system units (multi-user.target) under /usr/lib/systemd/system or /lib/systemd/system" >&2
  exit 1
}
mkdir -p "$root/usr/lib/systemd" "$root/etc/systemd/system"
cp -a "$system_units" "$root/usr/lib/systemd/system"
for unit in "${units[@]}"; do
  cp "$dir/$unit" "$root/etc/systemd/system/$unit"
done
for file in "${layout_executables[@]}" "${layout_files[@]}"; do
  mkdir -p "$root$(dirname "$file")"
  : >"$root$file"
done
for file in "${layout_executables[@]}"; do
  chmod 0755 "$root$file"
done

status=0

# Every absolute path a unit's commands and EnvironmentFile= name (a jar, a configuration file) must be in the layout:
# verify itself only looks at each command's program.
for unit in "${units[@]}"; do
  while IFS= read -r path; do
    if [ ! -e "$root$path" ]; then
      echo "systemd: $dir/$unit names $path, which deploy/README.md does not install (layout in $0)" >&2
      status=1
    fi
  done < <(sed -e ':joined' -e '/\\$/{N; s/\\\n//; b joined' -e '}' "$dir/$unit" |
    sed -n -e 's/^Exec[A-Za-z]*=[-@:+!]*//p' -e 's/^EnvironmentFile=//p' |
    tr -s '[:blank:]' '\n' | sed -n 's|^\(/[^=]*\)$|\1|p')
done

output=$(systemd-analyze verify --root="$root" "${units[@]}" 2>&1) || status=1
if [ -n "$output" ]; then
  echo "$output" >&2
  status=1
fi

for unit in "${units[@]}"; do
  if ! report=$(systemd-analyze security --offline=true --root="$root" --threshold="$max_exposure" "$unit" 2>&1); then
    echo "$report" >&2
    echo "systemd: $unit is exposed over $max_exposure tenths (above); tighten it, or raise max_exposure in $0 saying why" >&2
    status=1
  fi
  echo "systemd: $unit: $(echo "$report" | sed -n 's/^→ Overall exposure level for [^:]*: //p')"
done

exit "$status"
