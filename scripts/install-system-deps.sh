#!/usr/bin/env bash
# Installs the Debian packages the integration tests run for real (as root, or via sudo):
#   chromium          - renders the backtest report page in tests
#   prometheus        - the real Prometheus server (and promtool) the collector and e2e tests use
#   victoria-metrics  - a second real backend speaking the Prometheus HTTP API
#   r-cran-forecast   - R's forecast package: the stlf peer of the accuracy benchmark (its
#                       wrapper has tests too)
set -euo pipefail
pkgs=(chromium prometheus victoria-metrics r-cran-forecast docker-compose)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -eq 0 ]; then echo "system packages present: ${pkgs[*]}"; exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
