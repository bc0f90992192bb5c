#!/usr/bin/env bash
# deploy/prometheus: the rules and the example configuration load in Prometheus's own checker, and every alert's unit
# tests (ballast-rules.test.yml) pass. promtool comes from the Debian prometheus package, installed when missing.
# Run from the repository root (.ci/run does).
set -euo pipefail

dir=deploy/prometheus

if ! command -v promtool >/dev/null 2>&1; then
  echo "ci: installing prometheus (for promtool)"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -q --no-install-recommends prometheus
fi
promtool --version 2>&1 | sed -n 1p

promtool check rules "$dir/ballast-rules.yml"
promtool check config "$dir/prometheus.yml"
# promtool reads the tests' rule_files relative to the test file
promtool test rules "$dir/ballast-rules.test.yml"
