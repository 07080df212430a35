#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test: unit + interop (build/), the unit suite
# under ASan+UBSan (build-asan/), and each libFuzzer target briefly (build-fuzz/).
# Ends with one line "tests: N passed, M failed" and a non-zero exit if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh || exit 1

jobs=$(nproc)
fuzz_seconds=${VIPD_FUZZ_SECONDS:-15}
set -e
# Unity builds (CMake merges up to 16 sources of a target into one): the headers every source
# includes (Asio, fmt, GoogleTest, the standard library) are compiled once per batch, which
# halves the suite's compile time on a 2-core machine.
unity=(-DCMAKE_UNITY_BUILD=ON -DCMAKE_UNITY_BUILD_BATCH_SIZE=16)
# Line tables only (-g1): enough for file:line in backtraces and sanitizer reports, and a third
# less compile time than full debug information (-g), which the suite never reads.
cmake -S . -B build "${unity[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" >/dev/null
cmake --build build -j"$jobs"
cmake -S . -B build-asan "${unity[@]}" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g1" -DVIPD_SANITIZE=ON \
  -DVIPD_INTEROP=OFF -DVIPD_LAB=OFF >/dev/null
cmake --build build-asan -j"$jobs"
cmake -S . -B build-fuzz "${unity[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVIPD_FUZZ=ON -DVIPD_TESTS=OFF \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG" -DVIPD_LAB=OFF \
  -DVIPD_FUZZ_SECONDS="$fuzz_seconds" -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build build-fuzz -j"$jobs" --target fuzzers
set +e

passed=0
failed=0
run_ctest() {
  local name=$1
  shift
  echo "=== $name"
  local log
  log=$(mktemp)
  ctest "$@" --output-on-failure 2>&1 | tee "$log"
  # ctest: "100% tests passed, 0 tests failed out of 12"
  local line
  line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n1)
  if [[ -n "$line" ]]; then
    local total fail
    total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<<"$line")
    fail=$(sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/' <<<"$line")
    passed=$((passed + total - fail))
    failed=$((failed + fail))
  elif ! grep -q 'No tests were found' "$log"; then
    failed=$((failed + 1))
  fi
  rm -f "$log"
}

run_ctest "unit + interop tests" --test-dir build -j"$jobs"
run_ctest "unit tests under ASan+UBSan" --test-dir build-asan -L unit -j"$jobs"
run_ctest "fuzz targets (${fuzz_seconds}s each)" --test-dir build-fuzz -L fuzz -j"$jobs"

echo "tests: $passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]
