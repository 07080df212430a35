#!/usr/bin/env bash
# `vipd --check` and `vipd --check --strict` exit codes (issue 9, deliverable 6): a keepalived.conf
# keyword vipd does not know or implement is a warning with FILE:LINE (exit 0), an error with
# --strict (exit 1); a real error is an error either way. bgpd.conf's kept lines are notices,
# not warnings; an out-of-scope block is an error that names the feature. --check opens no socket
# and touches no kernel state: the test only reads files in its own temporary directory.
#
#   VIPD_BIN_DIR=build/bin bash tests/daemon/strict_test.sh
set -euo pipefail

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN_DIR=$(cd "${VIPD_BIN_DIR:-$SRC_DIR/build/bin}" && pwd)
VIPD=$BIN_DIR/vipd
source "$SRC_DIR/tests/daemon/lib.sh"

WORK=$(mktemp -d "/tmp/vipd-strict-$$.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
failures=0

# run_check NAME EXPECTED_STATUS EXPECTED_TEXT ARGS...: vipd --check ARGS, status and stderr.
run_check() {
  local name=$1 expected=$2 text=$3
  shift 3
  local status=0 output
  output=$(timeout 20 "$VIPD" --check "$@" 2>&1) || status=$?
  if ((status == expected)) && grep -qF -- "$text" <<<"$output"; then
    pass "$name: status $status"
  else
    fail "$name: status $status (want $expected), output: $output"
  fi
}

KA=$WORK/keepalived.conf
cat >"$KA" <<'CONF'
global_defs {
 router_id LB1
 garp_master_delay 3
}
vrrp_instance VI_1 {
 interface eth0
 virtual_router_id 51
 frobnicate 3
 virtual_ipaddress {
  10.0.0.1
 }
}
virtual_server 10.0.0.1 80 {
 real_server 10.0.1.1 80 {
  TCP_CHECK {
   connect_timeout 3
  }
 }
}
CONF
run_check "unknown keyword is a warning" 0 "$KA:8: Unknown keyword 'frobnicate'" --vrrp-config "$KA"
run_check "garp_master_delay in global_defs is a warning" 0 \
  "$KA:3: Unknown keyword 'garp_master_delay'" --vrrp-config "$KA"
run_check "virtual_server is a warning" 0 "$KA:13: 'virtual_server' configures" --vrrp-config "$KA"
run_check "the file is OK without --strict" 0 "$KA: configuration OK" --vrrp-config "$KA"
run_check "--strict makes warnings errors" 1 \
  "$KA:8: Unknown keyword 'frobnicate' (an error with --strict)" --strict --vrrp-config "$KA"
run_check "--strict: not loaded" 1 "$KA: not loaded" --strict --vrrp-config "$KA"

KA_CLEAN=$WORK/clean.conf
sed '/garp_master_delay/d; /frobnicate/d; /^virtual_server/,$d' "$KA" >"$KA_CLEAN"
run_check "a file without warnings passes --strict" 0 "$KA_CLEAN: configuration OK" \
  --strict --vrrp-config "$KA_CLEAN"

KA_BAD=$WORK/bad.conf
sed 's/^ frobnicate 3$/ priority/' "$KA" >"$KA_BAD"
run_check "a real error fails without --strict" 1 "$KA_BAD:8: missing value after 'priority'" \
  --vrrp-config "$KA_BAD"

BGP=$WORK/frr.conf
cat >"$BGP" <<'CONF'
frr version 8.4.4
frr defaults datacenter
service integrated-vtysh-config
log timestamp precision 3
debug bgp neighbor-events
!
router bgp 65000
 neighbor 127.0.0.2 remote-as 65001
exit
CONF
run_check "kept bgpd.conf lines pass --strict" 0 "$BGP: configuration OK" --strict --bgp-config "$BGP"

BGP_EVPN=$WORK/evpn.conf
cat >"$BGP_EVPN" <<'CONF'
router bgp 65000
 neighbor 127.0.0.2 remote-as 65001
 address-family l2vpn evpn
  neighbor 127.0.0.2 activate
  advertise-all-vni
 exit-address-family
exit
CONF
run_check "EVPN is one error naming it" 1 \
  "$BGP_EVPN:3: vipd does not implement EVPN (address-family l2vpn evpn)" --bgp-config "$BGP_EVPN"
status=0
lines=$(timeout 20 "$VIPD" --check --bgp-config "$BGP_EVPN" 2>&1 | grep -c "$BGP_EVPN:") || status=$?
if [[ $lines == 2 ]]; then # the error and "not loaded"
  pass "the refused block costs one error"
else
  fail "the refused block gave $lines lines"
fi

((failures == 0))
