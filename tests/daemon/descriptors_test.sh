#!/usr/bin/env bash
# vipd out of file descriptors (D4 of issue 15): more configured BGP neighbors than descriptors
# under a low `ulimit -n`. vipd must not spin (BGP listener re-armed at once), must still answer
# vipctl, must exit cleanly on SIGTERM, and must raise a soft limit below the hard one. Also
# checks the control socket's idle timeout (`line vty` / `exec-timeout`).
#
# Runs in a fresh network namespace (root or user namespaces): the neighbors are addresses behind
# a veth there that swallows the SYNs, so every neighbor holds a descriptor in Connect as silent
# neighbors do.
#
#   VIPD_BIN_DIR=build/bin bash tests/daemon/descriptors_test.sh
#   VIPD_WRAPPER="valgrind --error-exitcode=99" ...   (runs vipd under a wrapper)
set -euo pipefail

SRC_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN_DIR=$(cd "${VIPD_BIN_DIR:-$SRC_DIR/build/bin}" && pwd)
VIPD=$BIN_DIR/vipd
VIPCTL=$BIN_DIR/vipctl
NEIGHBORS=${NEIGHBORS:-100}
LIMIT=${LIMIT:-64}

if [[ -z ${VIPD_FD_NETNS:-} ]]; then
  export VIPD_FD_NETNS=private
  if [[ $(id -u) == 0 ]] && unshare --net true 2>/dev/null; then
    exec unshare --net bash "${BASH_SOURCE[0]}" "$@"
  elif unshare --map-root-user --net true 2>/dev/null; then
    exec unshare --map-root-user --net bash "${BASH_SOURCE[0]}" "$@"
  fi
  echo "SKIP: no private network namespace (needs root or user namespaces)"
  exit 0
fi
ip link set lo up
# The namespace is this test's own and goes away with it, with its links. The neighbors
# (10.78/16) are routed to a gateway on a veth whose other end has no address and does not
# forward: their SYNs are swallowed, as by silent neighbors.
ip link add fda$$ type veth peer name fdb$$
ip link set fda$$ up
ip link set fdb$$ up
ip addr add 10.77.0.1/24 dev fda$$
ip neigh add 10.77.0.2 lladdr "$(ip -br link show fdb$$ | awk '{print $3}')" dev fda$$ nud permanent
ip route add 10.78.0.0/16 via 10.77.0.2

for tool in "$VIPD" "$VIPCTL"; do
  [[ -x $tool ]] || { echo "FAIL: $tool is not built"; exit 1; }
done

WORK=$(mktemp -d /tmp/vipd-fds.XXXXXX)
OURS=()
HOLDERS=()
failures=0
cleanup() {
  local pid
  for pid in "${HOLDERS[@]}" "${OURS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${OURS[@]}"; do
    for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  ip link del "fda$$" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

# shellcheck source=tests/daemon/lib.sh
source "$SRC_DIR/tests/daemon/lib.sh"
wait_for() {  # wait_for TENTHS COMMAND...: retries for TENTHS tenths of a second at most
  local end=$((SECONDS + ($1 + 9) / 10))
  shift
  while ((SECONDS < end)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  return 1
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
open_fds() { ls "/proc/$1/fd" | wc -l; }

CONF=$WORK/bgpd.conf
{
  echo "router bgp 65000"
  echo " bgp router-id 10.77.0.1"
  for i in $(seq "$NEIGHBORS"); do echo " neighbor 10.78.$((i / 250 + 1)).$((i % 250 + 1)) remote-as 65001"; done
  echo "!"
  echo "line vty"
  echo " exec-timeout 0 2"
} >"$CONF"

# start_vipd NAME ULIMIT_ARGS: vipd in the foreground under `ulimit ULIMIT_ARGS`.
start_vipd() {
  SOCK=$WORK/$1.sock
  LOG=$WORK/$1.log
  PORT=$(free_port)
  # shellcheck disable=SC2086
  (ulimit $2 && exec ${VIPD_WRAPPER:-} "$VIPD" --foreground --bgp-config "$CONF" --socket "$SOCK" \
    --bgp-port "$PORT" --log-file "$LOG" --log-level info) &
  PID=$!
  OURS+=("$PID")
}
ctl() { timeout 10 "$VIPCTL" --socket "$SOCK" --timeout 5 "$@"; }

# ---------------------------------------------------------------------------------------------
echo "== $NEIGHBORS silent neighbors under ulimit -n $LIMIT"
start_vipd low "-n $LIMIT"
if wait_for 150 ctl show ip bgp summary; then
  pass "vipd started with $NEIGHBORS neighbors and answers vipctl"
else
  fail "vipctl gets no answer from vipd with $NEIGHBORS neighbors and $LIMIT descriptors"
  cat "$LOG" || true
fi
check "the log names the limit at start" grep -q "RLIMIT_NOFILE soft limit is $LIMIT" "$LOG"
# Descriptors run out while the neighbors connect (their SYNs are never answered).
check "the descriptors are used up" wait_for 100 test "$(open_fds "$PID")" -ge $((LIMIT - 10))
echo "note: vipd holds $(open_fds "$PID") descriptors of $LIMIT"
check "running out is logged naming the limit" \
  wait_for 50 grep -q "RLIMIT_NOFILE soft limit of $LIMIT descriptors is reached" "$LOG"
# Connections to the BGP port from a host that is no neighbor wait in the listener's backlog; the
# listener cannot take them (or must close them at once) and must not spin meanwhile.
for _ in 1 2 3; do
  python3 -c 'import socket,sys,time
s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); time.sleep(60)' "$PORT" &
  HOLDERS+=("$!")
done
sleep 1
before=$(cpu_ticks "$PID")
sleep 3
after=$(cpu_ticks "$PID")
hz=$(getconf CLK_TCK)
used=$(((after - before) * 1000 / hz))
check "vipd uses little CPU out of descriptors (${used} ms in 3 s, limit 300 ms)" test "$used" -lt 300
check "vipctl still answers out of descriptors" \
  bash -c "timeout 10 '$VIPCTL' --socket '$SOCK' --timeout 5 show ip bgp summary |
    grep -q 'Total number of neighbors $NEIGHBORS'"
accept_lines=$(grep -c "accept.*Too many open files\|refused the connection from" "$LOG" || true)
check "accept failures are logged a few times, not per attempt ($accept_lines lines)" \
  test "$accept_lines" -le 6
connect_lines=$(grep -c "cannot open a connection" "$LOG" || true)
check "connect failures are logged once a minute, not per neighbor ($connect_lines lines)" \
  test "$connect_lines" -le 2

# The control socket's exec-timeout (2 s in the config): an idle client is told and closed.
idle=$(timeout 10 python3 -c 'import socket,sys
s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); data=b""
while True:
  chunk=s.recv(4096)
  if not chunk: break
  data+=chunk
print(data.decode().strip())' "$SOCK" || echo "no close within 10 s")
if grep -q '"close":true' <<<"$idle" && grep -q "idle for 2 s (exec-timeout)" <<<"$idle"; then
  pass "an idle control client is closed after exec-timeout 0 2: $idle"
else
  fail "idle control client: $idle"
fi

for holder in "${HOLDERS[@]}"; do kill "$holder" 2>/dev/null || true; done
kill -TERM "$PID"
status=0
if wait_for 50 bash -c "! kill -0 $PID"; then
  wait "$PID" || status=$?
  check "vipd exits with status 0 on SIGTERM out of descriptors (status $status)" \
    test "$status" -eq 0
else
  fail "vipd did not exit within 5 s of SIGTERM"
fi
check "the log says vipd stopped" grep -q "vipd stopped" "$LOG"

# ---------------------------------------------------------------------------------------------
echo "== the soft limit is raised to the hard limit"
hard=$(ulimit -H -n)
if [[ $hard == unlimited ]] || ((hard <= LIMIT)); then
  echo "note: hard limit $hard; raise check skipped"
else
  start_vipd raise "-S -n $LIMIT"
  check "vipd answers" wait_for 150 ctl show ip bgp summary
  soft=$(awk '/^Max open files/ {print $4}' "/proc/$PID/limits")
  check "the soft limit is the hard limit ($soft, hard $hard)" test "$soft" = "$hard"
  check "the raise is logged with the figures" \
    grep -q "raised the RLIMIT_NOFILE soft limit from $LIMIT to $hard" "$LOG"
  kill -TERM "$PID"
  status=0
  wait "$PID" || status=$?
  check "vipd exits with status 0 (status $status)" test "$status" -eq 0
fi

echo
if ((failures > 0)); then
  echo "descriptors_test: $failures check(s) failed"
  exit 1
fi
echo "descriptors_test: all checks passed"
