#!/usr/bin/env bash
# Installs what vipd needs to build and test on Debian 12 (run as root). Idempotent and quiet
# when everything is present already.
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config clang libclang-rt-14-dev clang-format
  libasio-dev libmnl-dev libfmt-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev
  libreadline-dev libgtest-dev libgmock-dev libbenchmark-dev
)
# Real peers and tools for the interop tests and the lab.
peer_packages=(iproute2 iputils-ping procps psmisc tcpdump jq strace frr bird2 gobgpd exabgp keepalived openbgpd)

wanted=("${build_packages[@]}")
[[ "${1:-}" == "--build-only" ]] || wanted+=("${peer_packages[@]}")

missing=()
for p in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # Daemons from packages must not start system-wide instances: the tests start their own.
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
