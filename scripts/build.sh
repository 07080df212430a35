#!/usr/bin/env bash
# Builds vipd into build/ (binaries in build/bin/).
#   scripts/build.sh [--target T]... [CONFIGURE_ARGS...]
# --target builds only the named targets (e.g. --target vipd --target vipctl); without it,
# everything. Other arguments go to the configure step (e.g. -DVIPD_SANITIZE=ON).
set -euo pipefail
cd "$(dirname "$0")/.."
targets=()
configure=()
while (($#)); do
  case $1 in
    --target) targets+=(--target "$2"); shift 2 ;;
    --target=*) targets+=(--target "${1#--target=}"); shift ;;
    *) configure+=("$1"); shift ;;
  esac
done
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo "${configure[@]}" >/dev/null
cmake --build build -j"$(nproc)" "${targets[@]}"
