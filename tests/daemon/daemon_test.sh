#!/usr/bin/env bash
# End-to-end test of vipd and vipctl as users run them: config errors, the seed bgpd.conf,
# the control socket, live configuration, write memory, SIGHUP reload, daemon mode and SIGTERM;
# and the seed keepalived.conf (--vrrp-config) on a veth pair of the private namespace.
#
# Everything runs on loopback with files in a private temporary directory. When the test may
# (root, or user namespaces), it re-runs itself in a fresh network namespace that has only `lo`,
# so that the seed's neighbors (192.168.12.x) are never dialed on the host's network.
#
#   VIPD_BIN_DIR=build/bin bash tests/daemon/daemon_test.sh
set -euo pipefail

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN_DIR=$(cd "${VIPD_BIN_DIR:-$SRC_DIR/build/bin}" && pwd)
VIPD=$BIN_DIR/vipd
VIPCTL=$BIN_DIR/vipctl
SEED=$SRC_DIR/tests/data/seed/bgpd.conf

if [[ -z ${VIPD_E2E_NETNS:-} ]]; then
  export VIPD_E2E_NETNS=none
  if [[ $(id -u) == 0 ]] && unshare --net true 2>/dev/null; then
    VIPD_E2E_NETNS=private exec unshare --net bash "${BASH_SOURCE[0]}" "$@"
  elif unshare --map-root-user --net true 2>/dev/null; then
    VIPD_E2E_NETNS=private exec unshare --map-root-user --net bash "${BASH_SOURCE[0]}" "$@"
  fi
fi
if [[ $VIPD_E2E_NETNS == private ]]; then
  ip link set lo up
  echo "note: running in a private network namespace (loopback only)"
else
  echo "note: no private network namespace; vipd may try to reach the seed's neighbors"
fi

for tool in "$VIPD" "$VIPCTL"; do
  [[ -x $tool ]] || { echo "FAIL: $tool is not built"; exit 1; }
done

WORK=$(mktemp -d /tmp/vipd-e2e.XXXXXX)
OURS=()  # pids of the vipd processes this test started (foreground and daemonized)
failures=0

cleanup() {
  local pid
  for pid in "${OURS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${OURS[@]}"; do
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=tests/daemon/lib.sh
source "$SRC_DIR/tests/daemon/lib.sh"


ctl() { timeout 20 "$VIPCTL" --socket "$SOCK" "$@"; }

# wait_for COMMAND...: retries for up to 10 s.
wait_for() {
  for _ in $(seq 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}

gone_within() {  # gone_within SECONDS PID
  local tenths=$(($1 * 10))
  for _ in $(seq "$tenths"); do
    kill -0 "$2" 2>/dev/null || return 0
    sleep 0.1
  done
  return 1
}

# Number of lines of the log matching a pattern (reloads are awaited by counting them).
log_count() { grep -c -- "$2" "$1" 2>/dev/null || true; }
wait_log_count() {  # wait_log_count LOG PATTERN MIN
  for _ in $(seq 100); do
    (($(log_count "$1" "$2") >= $3)) && return 0
    sleep 0.1
  done
  return 1
}

# ---------------------------------------------------------------------------------------------
echo "== configuration errors"
bad_config() {  # bad_config NAME LINE EXPECTED_MESSAGE TEXT
  local file=$WORK/$1.conf output status=0
  printf '%s' "$4" >"$file"
  output=$(timeout 10 "$VIPD" --foreground --bgp-config "$file" --socket "$WORK/bad.sock" \
    --bgp-port "$(free_port)" 2>&1) || status=$?
  if ((status == 0 || status == 124)); then
    fail "$1: vipd exited with status $status (expected a failure): $output"
  elif ! grep -qF -- "$file:$2: $3" <<<"$output"; then
    fail "$1: expected '$file:$2: $3', got: $output"
  else
    pass "$1: status $status, '$output'"
  fi
}
bad_config unknown-command 3 "Unknown command: frobnicate 42" \
  $'router bgp 65000\n bgp router-id 192.0.2.1\n frobnicate 42\n neighbor 192.0.2.2 remote-as 1\n'
bad_config bad-address 4 "Create the peer-group or interface first" \
  $'!\nrouter bgp 65000\n neighbor 192.0.2.2 remote-as 65001\n neighbor 192.0.2.300 remote-as 65001\n'
bad_config description-first 2 "Specify remote-as or peer-group commands first" \
  $'router bgp 65000\n neighbor 192.0.2.2 description "too early"\n neighbor 192.0.2.2 remote-as 1\n'

# ---------------------------------------------------------------------------------------------
echo "== vipd --check (-t)"
KA_SEED=$SRC_DIR/tests/data/seed/keepalived.conf
status=0
output=$("$VIPD" --check --bgp-config "$SEED" --vrrp-config "$KA_SEED" 2>&1) || status=$?
if ((status == 0)) && grep -qF "$SEED: configuration OK" <<<"$output" &&
  grep -qF "$KA_SEED: configuration OK" <<<"$output"; then
  pass "the seed bgpd.conf and keepalived.conf check OK: $(tr '\n' ' ' <<<"$output")"
else
  fail "check of the seed files: status $status, output: $output"
fi
MULTI=$WORK/multi-error.conf
printf '!\nrouter bgp 65000\n frobnicate 42\n neighbor 192.0.2.2 remote-as 65001\n neighbor 192.0.2.300 remote-as 1\n' >"$MULTI"
status=0
output=$("$VIPD" -t --bgp-config "$MULTI" 2>&1) || status=$?
if ((status == 1)) && grep -qF "$MULTI:3: Unknown command: frobnicate 42" <<<"$output" &&
  grep -qF "$MULTI:5: Create the peer-group or interface first" <<<"$output"; then
  pass "every bad line is reported as FILE:LINE, status 1"
else
  fail "check of a file with two bad lines: status $status, output: $output"
fi
status=0
output=$("$VIPD" --check --vrrp-config "$KA_SEED" --bgp-config "$MULTI" 2>&1) || status=$?
check "a bad bgpd.conf fails the check of both files" test "$status" -eq 1
if command -v strace >/dev/null; then
  # Parsing only: no socket of any kind, no netlink, nothing written in the kernel.
  calls=$(strace -f -qq -e trace=socket,bind,connect "$VIPD" --check --bgp-config "$SEED" \
    --vrrp-config "$KA_SEED" --socket "$WORK/check.sock" 2>&1 >/dev/null | grep -cE '^(\[pid +[0-9]+\] )?(socket|bind|connect)\(' || true)
  check "--check opens no socket ($calls socket/bind/connect calls)" test "$calls" -eq 0
fi
check "--check leaves no control socket" test ! -e "$WORK/check.sock"

# ---------------------------------------------------------------------------------------------
echo "== seed configuration (tests/data/seed/bgpd.conf, verbatim)"
CONF=$WORK/bgpd.conf
SOCK=$WORK/vipd.sock
LOG=$WORK/vipd.log
cp "$SEED" "$CONF"
chmod 0640 "$CONF"
PORT=$(free_port)
"$VIPD" --foreground --bgp-config "$CONF" --socket "$SOCK" --bgp-port "$PORT" --log-file "$LOG" &
FG_PID=$!
OURS+=("$FG_PID")
if ! wait_for ctl show running-config; then
  fail "vipd did not answer on $SOCK"
  cat "$LOG" || true
  exit 1
fi

running=$(ctl show running-config)
check "running-config has the six neighbors" \
  test "$(grep -c '^ neighbor 192\.168\.12\.1[1-6] remote-as 65009$' <<<"$running")" -eq 6
check 'running-config keeps the description "k3s-node-4 verbatim' \
  grep -qx ' neighbor 192.168.12.15 description "k3s-node-4' <<<"$running"
summary=$(ctl show ip bgp summary)
check "summary has the quagga header line" grep -qxF \
  'Neighbor        V         AS MsgRcvd MsgSent   TblVer  InQ OutQ Up/Down  State/PfxRcd' \
  <<<"$summary"
check "summary says Total number of neighbors 6" \
  grep -qx 'Total number of neighbors 6' <<<"$summary"
check "show ip bgp summary json parses" \
  bash -c "timeout 20 '$VIPCTL' --socket '$SOCK' show ip bgp summary json | python3 -m json.tool >/dev/null"
check "show running-config json parses" \
  bash -c "timeout 20 '$VIPCTL' --socket '$SOCK' show running-config json | python3 -m json.tool >/dev/null"
check "show modules lists bgp only (no VRRP module without --vrrp-config)" \
  bash -c "timeout 20 '$VIPCTL' --socket '$SOCK' show modules json |
    python3 -c 'import json,sys; m=json.load(sys.stdin); assert list(m) == [\"bgp\"], m; assert m[\"bgp\"][\"neighbors\"] == 6, m'"

# ---------------------------------------------------------------------------------------------
echo "== control socket"
check "control socket is mode 0600" test "$(stat -c %a "$SOCK")" = 600
second_status=0
second_out=$(timeout 10 "$VIPD" --foreground --bgp-config "$CONF" --socket "$SOCK" \
  --bgp-port "$(free_port)" 2>&1) || second_status=$?
if ((second_status != 0 && second_status != 124)) && grep -q "already listening" <<<"$second_out"; then
  pass "a second vipd on the same socket fails: $second_out"
else
  fail "a second vipd on the same socket: status $second_status, output: $second_out"
fi
check "the first vipd keeps its socket" test -S "$SOCK"
check "the first vipd keeps answering" ctl show ip bgp summary

# ---------------------------------------------------------------------------------------------
echo "== live configuration with vipctl -c"
configure() { ctl -c 'configure terminal' -c 'router bgp 65000' "$@" -c end >/dev/null; }
has_neighbor() { ctl show ip bgp summary | grep -q "^$1 "; }
neighbor_count() { ctl show ip bgp summary | grep -qx "Total number of neighbors $1"; }

check "vipctl -c adds neighbor 127.0.0.9" configure -c 'neighbor 127.0.0.9 remote-as 65010'
check "127.0.0.9 is in the summary" has_neighbor 127.0.0.9
check "the summary counts 7 neighbors" neighbor_count 7
check "vipctl -c 'no neighbor 127.0.0.9'" configure -c 'no neighbor 127.0.0.9'
check "127.0.0.9 is gone from the summary" bash -c "! timeout 20 '$VIPCTL' --socket '$SOCK' \
  show ip bgp summary | grep -q '^127\.0\.0\.9 '"
check "vipctl -c adds 127.0.0.9 again" configure -c 'neighbor 127.0.0.9 remote-as 65010'
before_write=$(ctl show running-config)
if write_out=$(ctl write memory 2>&1); then pass "write memory: $write_out"; else
  fail "write memory: $write_out"
fi
check "the written file has the new neighbor" grep -qx ' neighbor 127.0.0.9 remote-as 65010' "$CONF"
check "the written file is the running configuration" \
  test "$(cat "$CONF")" = "$before_write"
check "write memory keeps the file mode (0640)" test "$(stat -c %a "$CONF")" = 640
reloads=$(log_count "$LOG" "configuration reloaded")
kill -HUP "$FG_PID"
check "SIGHUP reloads the written file" wait_log_count "$LOG" "configuration reloaded" $((reloads + 1))
check "the reloaded configuration is unchanged" test "$(ctl show running-config)" = "$before_write"

# ---------------------------------------------------------------------------------------------
echo "== piped interactive mode"
piped_status=0
piped_out=$(printf 'configure terminal\nrouter bgp 65000\nneighbor 127.0.0.8 remote-as 65011\nend\n' |
  timeout 20 "$VIPCTL" --socket "$SOCK" 2>&1) || piped_status=$?
if ((piped_status == 0)); then pass "piped commands succeed"; else
  fail "piped commands: status $piped_status: $piped_out"
fi
check "127.0.0.8 is in the summary" has_neighbor 127.0.0.8

# ---------------------------------------------------------------------------------------------
echo "== SIGHUP with an edited file"
# A quagga-era file may hold a Latin-1 description (not UTF-8).
{
  cat "$SEED"
  echo " neighbor 127.0.0.7 remote-as 65020"
  printf ' neighbor 127.0.0.7 description caf\xe9\n'
} >"$CONF"
reloads=$(log_count "$LOG" "configuration reloaded")
kill -HUP "$FG_PID"
check "SIGHUP reloads the edited file" wait_log_count "$LOG" "configuration reloaded" $((reloads + 1))
check "the added 127.0.0.7 is in the summary" has_neighbor 127.0.0.7
check "show running-config json with a Latin-1 description parses" \
  bash -c "timeout 20 '$VIPCTL' --socket '$SOCK' show running-config json | python3 -m json.tool >/dev/null"
check "127.0.0.9 and 127.0.0.8 are gone (not in the file)" \
  bash -c "! timeout 20 '$VIPCTL' --socket '$SOCK' show ip bgp summary | grep -q '^127\.0\.0\.[89] '"
grep -v '192\.168\.12\.16' "$SEED" >"$CONF"
reloads=$(log_count "$LOG" "configuration reloaded")
kill -HUP "$FG_PID"
check "SIGHUP reloads the shortened file" \
  wait_log_count "$LOG" "configuration reloaded" $((reloads + 1))
check "the removed 192.168.12.16 is gone" \
  bash -c "! timeout 20 '$VIPCTL' --socket '$SOCK' show ip bgp summary | grep -q '^192\.168\.12\.16 '"
check "the summary counts 5 neighbors" neighbor_count 5

before_broken=$(ctl show running-config)
printf 'router bgp 65000\n neighbor 192.168.12.11 remote-as 65009\n neighbor 10.1.1.1 bogus\n' >"$CONF"
failed_reloads=$(log_count "$LOG" "reload failed")
kill -HUP "$FG_PID"
check "SIGHUP with a broken file logs the error" \
  wait_log_count "$LOG" "reload failed" $((failed_reloads + 1))
check "the log names $CONF:3" grep -q "reload failed.*$CONF:3: " "$LOG"
check "the running configuration is kept" test "$(ctl show running-config)" = "$before_broken"
check "vipd still runs after the broken reload" kill -0 "$FG_PID"

# ---------------------------------------------------------------------------------------------
echo "== vipctl exit status"
status=0
out=$(ctl frobnicate the router 2>&1) || status=$?
if ((status != 0)) && grep -q "Unknown command" <<<"$out"; then
  pass "unknown command: status $status, '$out'"
else
  fail "unknown command: status $status, output: $out"
fi
status=0
out=$(timeout 20 "$VIPCTL" --socket "$WORK/missing.sock" show ip bgp summary 2>&1) || status=$?
if ((status != 0 && status != 124)) && grep -q "missing.sock" <<<"$out"; then
  pass "missing socket: status $status, '$out'"
else
  fail "missing socket: status $status, output: $out"
fi

# ---------------------------------------------------------------------------------------------
echo "== SIGTERM (foreground)"
kill -TERM "$FG_PID"
check "foreground vipd exits within 3 s of SIGTERM" gone_within 3 "$FG_PID"
fg_status=0
wait "$FG_PID" || fg_status=$?
check "foreground vipd exit status is 0 (was $fg_status)" test "$fg_status" -eq 0
check "the socket file is removed" test ! -e "$SOCK"
check "the log says Terminating on signal SIGTERM" grep -q "Terminating on signal SIGTERM" "$LOG"

# ---------------------------------------------------------------------------------------------
echo "== daemon mode"
cp "$SEED" "$CONF"
SOCK=$WORK/daemon.sock
PID_FILE=$WORK/daemon.pid
DLOG=$WORK/daemon.log
status=0
timeout 20 "$VIPD" --bgp-config "$CONF" --socket "$SOCK" --pid-file "$PID_FILE" --log-file "$DLOG" \
  --bgp-port "$(free_port)" || status=$?
check "vipd returns after daemonizing (status $status)" test "$status" -eq 0
DAEMON_PID=$(cat "$PID_FILE" 2>/dev/null || true)
if [[ $DAEMON_PID =~ ^[0-9]+$ ]] && [[ $(readlink "/proc/$DAEMON_PID/exe" 2>/dev/null) == "$(readlink -f "$VIPD")" ]]; then
  OURS+=("$DAEMON_PID")
  pass "the pid file holds the daemon's pid ($DAEMON_PID)"
else
  fail "the pid file holds '$DAEMON_PID', not a running vipd"
  DAEMON_PID=
fi
check "the daemon answers vipctl" wait_for ctl show ip bgp summary
check "the daemon has no controlling terminal" \
  test "$(ps -o tty= -p "${DAEMON_PID:-0}" | tr -d ' ')" = "?"

# A second daemon on the same socket must say so with its exit status, and must leave the
# running daemon's pid file alone.
status=0
timeout 20 "$VIPD" --bgp-config "$CONF" --socket "$SOCK" --pid-file "$PID_FILE" \
  --log-file "$WORK/second-daemon.log" --bgp-port "$(free_port)" 2>"$WORK/second.err" || status=$?
if ((status != 0 && status != 124)); then
  pass "a second daemon on the same socket fails (status $status: $(cat "$WORK/second.err"))"
else
  fail "a second daemon on the same socket returned status $status"
  sleep 1
  second=$(cat "$PID_FILE" 2>/dev/null || true)
  [[ -n $second && $second != "$DAEMON_PID" ]] && OURS+=("$second")
fi
check "the first daemon's pid file is intact" test "$(cat "$PID_FILE" 2>/dev/null)" = "$DAEMON_PID"
check "the first daemon keeps answering" ctl show ip bgp summary

if [[ -n $DAEMON_PID ]]; then
  kill -TERM "$DAEMON_PID"
  check "the daemon exits within 3 s of SIGTERM" gone_within 3 "$DAEMON_PID"
fi
check "the pid file is removed" test ! -e "$PID_FILE"
check "the socket file is removed" test ! -e "$SOCK"
check "the log says Terminating on signal SIGTERM" grep -q "Terminating on signal SIGTERM" "$DLOG"

# Relative paths: the daemon changes to / but must keep using the files it was given.
echo "== daemon mode with relative paths"
mkdir "$WORK/rel"
cp "$SEED" "$WORK/rel/bgpd.conf"
status=0
(cd "$WORK/rel" && timeout 20 "$VIPD" --bgp-config bgpd.conf --socket rel.sock --pid-file rel.pid \
  --log-file rel.log --bgp-port "$(free_port)") || status=$?
check "vipd with relative paths returns (status $status)" test "$status" -eq 0
REL_PID=$(cat "$WORK/rel/rel.pid" 2>/dev/null || true)
[[ $REL_PID =~ ^[0-9]+$ ]] && OURS+=("$REL_PID")
SOCK=$WORK/rel/rel.sock
check "the socket is created in the starting directory" wait_for test -S "$SOCK"
check "write memory writes the given file" \
  bash -c "timeout 20 '$VIPCTL' --socket '$SOCK' -c 'configure terminal' -c 'router bgp 65000' \
    -c 'neighbor 127.0.0.6 remote-as 65030' -c end -c 'write memory' >/dev/null &&
    grep -q '127.0.0.6' '$WORK/rel/bgpd.conf'"
if [[ $REL_PID =~ ^[0-9]+$ ]]; then
  kill -HUP "$REL_PID"
  check "SIGHUP reloads the given file" wait_log_count "$WORK/rel/rel.log" "configuration reloaded" 1
  kill -TERM "$REL_PID"
  check "the daemon exits on SIGTERM" gone_within 3 "$REL_PID"
else
  fail "no pid in rel.pid"
fi
check "its pid file and socket are removed" test ! -e "$WORK/rel/rel.pid" -a ! -e "$SOCK"

# ---------------------------------------------------------------------------------------------
echo "== VRRP (--vrrp-config)"
KA_BAD=$WORK/bad-keepalived.conf
printf 'vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 51\n priority\n}\n' >"$KA_BAD"
status=0
output=$(timeout 10 "$VIPD" --foreground --vrrp-config "$KA_BAD" --socket "$WORK/bad.sock" 2>&1) ||
  status=$?
if ((status == 1)) && grep -qF -- "$KA_BAD:4: missing value after 'priority'" <<<"$output"; then
  pass "keepalived.conf error: status 1, '$output'"
else
  fail "keepalived.conf error: status $status, '$output'"
fi
if [[ $VIPD_E2E_NETNS == private ]] && ip link add vr0 type veth peer name vr1 2>/dev/null; then
  # The seed's keepalived.conf on a veth end of this private namespace, with the BGP seed beside
  # it: alone on the link, the instance becomes master after Master_Down_Interval (3.96 s).
  ip link set vr1 up && ip link set vr0 up && ip addr add 192.168.5.5/16 dev vr0
  KA=$WORK/keepalived.conf
  sed 's/interface eth0/interface vr0/; s/dev eth0/dev vr0/' \
    "$SRC_DIR/tests/data/seed/keepalived.conf" >"$KA"
  SOCK=$WORK/vrrp.sock
  VLOG=$WORK/vrrp.log
  "$VIPD" --foreground --vrrp-config "$KA" --bgp-config "$SEED" --bgp-port "$(free_port)" \
    --socket "$SOCK" --log-file "$VLOG" &
  VRRP_PID=$!
  OURS+=("$VRRP_PID")
  wait_for test -s "$VLOG" || true
  check "VRRP starts in BACKUP" wait_log_count "$VLOG" "(VI_1) Entering BACKUP STATE (init)" 1
  check "VRRP alone becomes MASTER" wait_log_count "$VLOG" "(VI_1) Entering MASTER STATE" 1
  check "the VIP is on vr0" wait_for bash -c "ip -4 addr show dev vr0 | grep -q 'inet 192.168.5.1/16'"
  check "show vrrp says MASTER" bash -c "timeout 20 '$VIPCTL' --socket '$SOCK' show vrrp |
    grep -qx '   State = MASTER'"
  check "show vrrp VI_1 json parses" bash -c "timeout 20 '$VIPCTL' --socket '$SOCK' show vrrp VI_1 json |
    python3 -c 'import json,sys; assert json.load(sys.stdin)[0][\"state\"] == \"MASTER\"'"
  check "BGP runs beside VRRP" bash -c "timeout 20 '$VIPCTL' --socket '$SOCK' show ip bgp summary |
    grep -q 'Total number of neighbors 6'"
  check "running-config json has the vrrp part" bash -c "timeout 20 '$VIPCTL' --socket '$SOCK' \
    show running-config json | python3 -c 'import json,sys; json.load(sys.stdin)[\"vrrp\"][\"vrrp_instances\"][0]'"
  check "vrrp VI_1 priority 200" bash -c "timeout 20 '$VIPCTL' --socket '$SOCK' vrrp VI_1 priority 200 &&
    timeout 20 '$VIPCTL' --socket '$SOCK' show vrrp | grep -qx '   Effective priority = 200'"
  kill -HUP "$VRRP_PID"
  check "SIGHUP reloads keepalived.conf" wait_log_count "$VLOG" "configuration reloaded from $KA" 1
  check "an unchanged instance stays MASTER over a reload" \
    test "$(log_count "$VLOG" "Entering MASTER STATE")" -eq 1
  kill -TERM "$VRRP_PID"
  check "vipd with VRRP exits on SIGTERM" gone_within 3 "$VRRP_PID"
  check "the VIP is removed on SIGTERM" bash -c "! ip -4 addr show dev vr0 | grep -q 192.168.5.1"
  # VRRP alone: the BGP module is not built (no speaker, no FIB, no BGP commands).
  SOCK=$WORK/vrrp-only.sock
  OLOG=$WORK/vrrp-only.log
  "$VIPD" --foreground --vrrp-config "$KA" --socket "$SOCK" --log-file "$OLOG" &
  ONLY_PID=$!
  OURS+=("$ONLY_PID")
  check "VRRP-only vipd answers" wait_for bash -c "timeout 20 '$VIPCTL' --socket '$SOCK' show vrrp >/dev/null"
  check "VRRP-only vipd: show modules lists vrrp only" bash -c "timeout 20 '$VIPCTL' --socket '$SOCK' \
    show modules json | python3 -c 'import json,sys; assert list(json.load(sys.stdin)) == [\"vrrp\"]'"
  check "VRRP-only vipd has no BGP commands" bash -c "! timeout 20 '$VIPCTL' --socket '$SOCK' show ip bgp summary"
  check "VRRP-only vipd logs no BGP FIB line" bash -c "! grep -q 'best paths go to' '$OLOG'"
  check "VRRP-only vipd start line names VRRP only" grep -q "started: VRRP with 1 instances" "$OLOG"
  kill -TERM "$ONLY_PID"
  check "VRRP-only vipd exits on SIGTERM" gone_within 5 "$ONLY_PID"
  ip link del vr0 2>/dev/null || true
else
  echo "note: no private network namespace; VRRP runtime checks skipped"
fi

echo
if ((failures > 0)); then
  echo "daemon_e2e: $failures check(s) failed"
  exit 1
fi
echo "daemon_e2e: all checks passed"
