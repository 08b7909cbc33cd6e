#!/usr/bin/env bash
# setup.sh - install everything bmf needs to build and test, from Debian 12 packages only. Idempotent.
# Usage: scripts/setup.sh            (as root; a no-op for packages already installed)
set -euo pipefail
packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git file bc openssl
  # libraries (headers + static archives for the static agent)
  libboost-dev libprotobuf-dev protobuf-compiler libsqlite3-dev libssl-dev
  nlohmann-json3-dev libcli11-dev libfmt-dev
  libcurl4-openssl-dev libssh2-1-dev libpugixml-dev
  # tests
  libgtest-dev libgmock-dev iproute2 procps util-linux mount lldpd clang libclang-rt-14-dev
  netconfd openssh-server python3-ncclient python3-sushy redfishtool curl prometheus
  # the lab (tests/lab/bmf-lab): a real SLURM per project, and traffic checks
  slurmd slurmctld slurm-client munge iputils-ping
  # the web console's browser tests (playwright-core drives Debian's chromium)
  chromium
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if (( ${#missing[@]} )); then
  [[ $(id -u) -eq 0 ]] || { echo "setup.sh: must run as root to install: ${missing[*]}" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The web console is built with Node.js and npm (its packages come from console/package-lock.json):
# Debian's nodejs/npm unless a Node.js >= 18 is already there.
node_major=$( (node --version 2>/dev/null || true) | sed -n 's/^v\([0-9]*\).*/\1/p')
if [[ -z $node_major || $node_major -lt 18 ]] || ! command -v npm >/dev/null; then
  [[ $(id -u) -eq 0 ]] || { echo "setup.sh: must run as root to install nodejs and npm" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  command -v node >/dev/null || apt-get install -y -qq --no-install-recommends nodejs >/dev/null
  command -v npm >/dev/null || apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
echo "setup.sh: all ${#packages[@]} packages present; node $(node --version), npm $(npm --version)"
