# Helpers shared by the daemon end-to-end tests (sourced). The caller sets failures=0.

pass() { echo "PASS: $*"; }
fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}
# check NAME COMMAND...: PASS/FAIL by the command's status.
check() {
  local name=$1
  shift
  if "$@" >/dev/null; then pass "$name"; else fail "$name"; fi
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
