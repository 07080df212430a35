#!/usr/bin/env bash
# Installs what vipd needs to build and test on Debian 12 (run as root). Idempotent and quiet
# when everything is present already.
#   scripts/install-deps.sh               build, test and interop peers (everything)
#   scripts/install-deps.sh --build-only  what the build needs
#   scripts/install-deps.sh --lab [--gobgp]
#                                         what the homelab demo needs (lab/, docs/lab.md): the
#                                         build and iproute2/procps/jq; --gobgp adds GoBGP, for
#                                         LAB_NODES=gobgp
set -euo pipefail

# What building vipd and vipctl needs (GoogleTest too: the build configures the unit tests).
core_build_packages=(
  build-essential cmake pkg-config
  libasio-dev libmnl-dev libfmt-dev nlohmann-json3-dev libcli11-dev libyaml-cpp-dev
  libreadline-dev libgtest-dev libgmock-dev nettle-dev libcurl4-openssl-dev prometheus-cpp-dev
  libmicrohttpd-dev libre2-dev
)
# And the fuzzers (clang, libFuzzer), `clang-format` and the microbenchmarks.
build_packages=("${core_build_packages[@]}" clang libclang-rt-14-dev clang-format libbenchmark-dev)
# Real peers and tools for the interop tests (nghttp2-server: an HTTP/2 server for the Kubernetes
# client's test; openssl makes its certificates).
peer_packages=(iproute2 iputils-ping iputils-arping procps psmisc tcpdump jq strace curl frr bird2 gobgpd exabgp keepalived openbgpd
  prometheus-frr-exporter prometheus yamllint python3-jsonschema python3-yaml nghttp2-server openssl)
# The homelab demo: namespaces, sysctl, pids, JSON; arping for the L2 drills.
lab_packages=(iproute2 procps jq iputils-arping)

wanted=("${build_packages[@]}")
case "${1:-}" in
  --build-only) ;;
  --lab)
    wanted=("${core_build_packages[@]}" "${lab_packages[@]}")
    [[ "${2:-}" == "--gobgp" ]] && wanted+=(gobgpd)
    ;;
  "") wanted+=("${peer_packages[@]}") ;;
  *) echo "install-deps: unknown option $1 (--build-only, --lab [--gobgp])" >&2; exit 2 ;;
esac

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
