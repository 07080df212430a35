#!/bin/sh
# Configuration load at scale (docs/benchmarks.md "Configuration load"): bench_config_load on
# generated bgpd.conf files of 100k, 400k and 1M prefix-list lines (200 passive neighbors with
# an inbound list each; nothing is sent anywhere), then bench_keepalived_load on a
# keepalived.conf of 2,000 instances and a 100k-address virtual_ipaddress_excluded block.
# The BGP reload replaces the file by one with one more neighbor, so that it applies a change.
#   cmake -S . -B build-bench -DVIPD_BENCH=ON
#   cmake --build build-bench --target bench_config_load bench_keepalived_load
#   bench/config-load/run.sh [BUILD_DIR] [LINES...]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-build-bench}
[ $# -gt 0 ] && shift
sizes=${*:-100000 400000 1000000}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT INT TERM
for n in $sizes; do
  python3 "$here/gen_bgpd.py" "$n" 200 >"$dir/bgpd.conf"
  python3 "$here/gen_bgpd.py" "$n" 201 >"$dir/changed.conf"
  echo "== bgpd.conf, $n prefix-list lines"
  "$build/bench/bench_config_load" "$dir/bgpd.conf" "$dir/changed.conf"
done
python3 "$here/gen_keepalived.py" 2000 100000 >"$dir/keepalived.conf"
echo "== keepalived.conf, 2000 instances, 100000 excluded addresses"
"$build/bench/bench_keepalived_load" "$dir/keepalived.conf"
