# shellcheck shell=bash
# The seed homelab in network namespaces (docs/lab.md). Sourced by lab/up, lab/down, lab/exec and
# lab/demo; every function keeps its state in the LAB_* variables, which lab_save writes to the
# state file ($LAB_STATE) so that another invocation can find the lab again.
#
#   namespace TAG-lan     bridge br0: the flat LAN 192.168.0.0/16
#   TAG-r1 .. TAG-r4      routers 192.168.5.2-5/16 on eth0, vipd (seed bgpd.conf + maximum-paths 8,
#                         seed keepalived.conf; priority 100 on r1, 10 on the others)
#   TAG-k3s-master-1, TAG-k3s-node-1 .. 5
#                         k3s nodes 192.168.12.11-16/16: the MetalLB replacement (vipd, or GoBGP
#                         with LAB_NODES=gobgp) and vipd-lab-server, the kube-proxy stand-in
#   TAG-client            192.168.100.100/16, default route via the VIP 192.168.5.1
#
# Design l2 (MetalLB's L2 mode, lab/metallb-l2.yaml): the same boxes and addresses; the routers
# run only VRRP (no BGP), the nodes answer ARP for the Service IPs 192.168.20.10-16 (inside the
# LAN's 192.168.0.0/16), which they also carry on lo (kube-proxy IPVS's kube-ipvs0), with
# arp_ignore=1 and arp_announce=2 so that only vipd answers ARP for them.
#
# Nothing is configured in the root namespace: the veth pairs are created inside the namespaces.

LAB_ROOT=${LAB_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LAB_BIN=${LAB_BIN:-${VIPD_BIN_DIR:-$LAB_ROOT/build/bin}}
LAB_STATE=${LAB_STATE:-/run/vipd-lab/state}

LAB_ROUTERS=(r1 r2 r3 r4)
LAB_NODE_NAMES=(k3s-master-1 k3s-node-1 k3s-node-2 k3s-node-3 k3s-node-4 k3s-node-5)
LAB_SERVICE_IPS=(10.47.40.0 10.47.40.1 10.47.40.2 10.47.40.3 10.47.40.5 10.47.40.6)
# Design l2: the same six Services, each pinned to 192.168.20.1N instead of 10.47.40.N (the
# seed's L2 pool is 192.168.20.1-250; lab_up rewrites their metallb.io/loadBalancerIPs).
LAB_L2_SERVICE_IPS=(192.168.20.10 192.168.20.11 192.168.20.12 192.168.20.13 192.168.20.15 192.168.20.16)
LAB_VIP=192.168.5.1
LAB_CLIENT_IP=192.168.100.100
LAB_UDP_PORT=9000                 # the prober's port on the Service IPs
LAB_TCP_PORTS=(6379 16379)        # the Services' ports
LAB_CONTROLLER=k3s-master-1       # the one node running vipd --lb-controller
# MetalLB's lowest timers; LAB_HOLD_TIME=default keeps the seed's metallb-bgp.yaml byte for byte
# (no holdTime: MetalLB's 90 s).
LAB_HOLD_TIME=${LAB_HOLD_TIME:-3}

declare -gA LAB_NS=() LAB_ADDR=() LAB_PID=() LAB_SERVER_PID=()
LAB_TAG=""
LAB_DIR=""
LAB_DESIGN=""
LAB_NODES_IMPL=""

lab_log() { printf '[%s lab] %s\n' "$(date +%T.%3N)" "$*" >&2; }
lab_die() { lab_log "error: $*"; exit 1; }

lab_addr_of() {
  case $1 in
    r[1-4]) echo "192.168.5.$((${1#r} + 1))" ;;
    k3s-master-1) echo 192.168.12.11 ;;
    k3s-node-[1-5]) echo "192.168.12.$((11 + ${1#k3s-node-}))" ;;
    client) echo "$LAB_CLIENT_IP" ;;
    *) return 1 ;;
  esac
}

lab_boxes() { echo "${LAB_ROUTERS[@]}" "${LAB_NODE_NAMES[@]}" client; }

# ---------------------------------------------------------------------------------------------
# State file

lab_save() {
  mkdir -p "$(dirname "$LAB_STATE")"
  {
    declare -p LAB_TAG LAB_DIR LAB_DESIGN LAB_NODES_IMPL LAB_BIN LAB_HOLD_TIME
    declare -p LAB_NS LAB_ADDR LAB_PID LAB_SERVER_PID
  } | sed 's/^declare -- /declare -g /; t; s/^declare -\([a-zA-Z]*\) /declare -g\1 /' >"$LAB_STATE.tmp"
  mv "$LAB_STATE.tmp" "$LAB_STATE"
}

lab_load() {
  [[ -f "$LAB_STATE" ]] || lab_die "no lab running (no state file $LAB_STATE; start one with lab/up)"
  # shellcheck disable=SC1090
  source "$LAB_STATE"   # declare -g lines (lab_save)
  [[ $LAB_DESIGN != l2 ]] || LAB_SERVICE_IPS=("${LAB_L2_SERVICE_IPS[@]}")
}

# ---------------------------------------------------------------------------------------------
# Node implementation: vipd (the MetalLB replacement) or GoBGP (stand-in until vipd has it).

lab_vipd_has_lb() { "$LAB_BIN/vipd" --help 2>&1 | grep -q -- '--k8s-dir'; }

lab_pick_nodes_impl() {
  local want=${LAB_NODES:-auto}
  case $want in
    auto)
      if lab_vipd_has_lb; then LAB_NODES_IMPL=vipd; else
        LAB_NODES_IMPL=gobgp
        lab_log "this vipd has no load-balancer module (no --k8s-dir): the k3s nodes run GoBGP (LAB_NODES=gobgp)"
      fi ;;
    vipd)
      lab_vipd_has_lb || lab_die "LAB_NODES=vipd but $LAB_BIN/vipd has no --k8s-dir (load-balancer module not built); try LAB_NODES=gobgp"
      LAB_NODES_IMPL=vipd ;;
    gobgp)
      { command -v gobgpd >/dev/null && command -v gobgp >/dev/null; } ||
        lab_die "LAB_NODES=gobgp needs gobgpd and gobgp (apt-get install gobgpd)"
      LAB_NODES_IMPL=gobgp ;;
    *) lab_die "LAB_NODES must be vipd or gobgp, not '$want'" ;;
  esac
}

# The routers a node peers with, in the current design.
lab_node_peers() {
  if [[ $LAB_DESIGN == seed ]]; then echo "$LAB_VIP"; else echo 192.168.5.2 192.168.5.3 192.168.5.4 192.168.5.5; fi
}

# lab_spawn NAME KEY CMD... : runs CMD in NAME's namespace, detached (own session, so a Ctrl-C
# in the terminal that ran lab/up does not reach it), output into $LAB_DIR/NAME/KEY.out. Prints
# the pid.
lab_spawn() {
  local name=$1 key=$2
  shift 2
  setsid ip netns exec "${LAB_NS[$name]}" "$@" </dev/null >>"$LAB_DIR/$name/$key.out" 2>&1 &
  echo $!
}

lab_node_start() {
  local name=$1
  "_lab_node_start_$LAB_NODES_IMPL" "$name"
  lab_save
}

_lab_node_start_vipd() {
  local name=$1 d="$LAB_DIR/$1" ctl=()
  [[ $name == "$LAB_CONTROLLER" ]] && ctl=(--lb-controller)
  rm -f "$d/vipd.sock"
  LAB_PID[$name]=$(lab_spawn "$name" vipd "$LAB_BIN/vipd" --foreground \
    --lb-config "$LAB_DIR/metallb.yaml" --k8s-dir "$LAB_DIR/k8s" --node-name "$name" "${ctl[@]}" \
    --socket "$d/vipd.sock" --log-file "$d/vipd.log" --pid-file "$d/vipd.pid")
}

_lab_node_start_gobgp() {
  local name=$1 d="$LAB_DIR/$1" peer ip hold=$LAB_HOLD_TIME ka=1
  [[ $hold == default ]] && hold=90 ka=30
  {
    echo "[global.config]"
    echo "  as = 65009"
    echo "  router-id = \"${LAB_ADDR[$name]}\""
    echo "  port = 179"
    for peer in $(lab_node_peers); do
      echo "[[neighbors]]"
      echo "  [neighbors.config]"
      echo "    neighbor-address = \"$peer\""
      echo "    peer-as = 65000"
      echo "  [neighbors.timers.config]"
      echo "    connect-retry = 1"
      echo "    hold-time = $hold"
      echo "    keepalive-interval = $ka"
      echo "    idle-hold-time-after-reset = 1"
      echo "  [neighbors.transport.config]"
      echo "    local-address = \"${LAB_ADDR[$name]}\""
      echo "  [[neighbors.afi-safis]]"
      echo "    [neighbors.afi-safis.config]"
      echo "      afi-safi-name = \"ipv4-unicast\""
    done
  } >"$d/gobgpd.toml"
  LAB_PID[$name]=$(lab_spawn "$name" gobgpd gobgpd -f "$d/gobgpd.toml" --api-hosts 127.0.0.1:50051 --log-level=info)
  for _ in $(seq 1 50); do
    ip netns exec "${LAB_NS[$name]}" gobgp global >/dev/null 2>&1 && break
    sleep 0.1
  done
  # What MetalLB announces: every Service IP as a /32, next hop self.
  for ip in "${LAB_SERVICE_IPS[@]}"; do
    ip netns exec "${LAB_NS[$name]}" gobgp global rib add -a ipv4 "$ip/32" origin igp >/dev/null ||
      lab_die "gobgp on $name: rib add $ip/32"
  done
}

lab_node_kill9() {
  local name=$1 pid=${LAB_PID[$1]}
  kill -KILL "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.02; done
}

# Prints what the node announces (vipd: show lb services; GoBGP: its RIB).
lab_node_show() {
  local name=$1
  if [[ $LAB_NODES_IMPL == vipd ]]; then
    lab_vipctl "$name" show lb services
  else
    ip netns exec "${LAB_NS[$name]}" gobgp global rib
  fi
}

# ---------------------------------------------------------------------------------------------
# Building and removing the lab

lab_ns_new() {
  local name=$1 ns="$LAB_TAG-$1"
  ip netns add "$ns" || lab_die "ip netns add $ns"
  LAB_NS[$name]=$ns
  lab_save
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
    net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

# lab_plug NAME : eth0 in NAME's namespace, its peer a port of br0 in the LAN namespace.
lab_plug() {
  local name=$1 ns=${LAB_NS[$1]} port
  port="p-$1"
  ip -n "$ns" link add eth0 type veth peer name "$port" netns "${LAB_NS[lan]}" || lab_die "veth for $name"
  ip -n "${LAB_NS[lan]}" link set "$port" master br0 up
  ip -n "$ns" addr add "${LAB_ADDR[$name]}/16" dev eth0
  ip -n "$ns" link set eth0 up
}

# The routers' bgpd.conf: the seed's, plus ECMP and BFD (docs/bfd.md: a `neighbor A bfd` line
# per node and a profile with 50 ms x 3). A router's BFD session stays Down, and BGP unaffected,
# until the node runs BFD too (lab_nodes_bfd_on).
LAB_BFD_MS=50
lab_router_bgpd_conf() {
  local seed="$LAB_ROOT/tests/data/seed/bgpd.conf"
  cat "$seed"
  echo " maximum-paths 8"
  sed -n 's/^ *neighbor \([0-9.]*\) remote-as .*/ neighbor \1 bfd profile fast/p' "$seed"
  printf 'exit\n!\nbfd\n profile fast\n  transmit-interval %s\n  receive-interval %s\n exit\nexit\n' \
    "$LAB_BFD_MS" "$LAB_BFD_MS"
}

# lab_nodes_bfd_on : MetalLB's BFDProfile (50 ms x 3) for every BGPPeer of the nodes'
# configuration (`bfdProfile: fast`), reloaded on every node (SIGHUP). vipd nodes only.
lab_nodes_bfd_on() {
  local name
  sed -i 's/^  peerAddress: .*/&\n  bfdProfile: fast/' "$LAB_DIR/metallb.yaml"
  cat >>"$LAB_DIR/metallb.yaml" <<YAML
---
apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata:
  name: fast
  namespace: metallb-system
spec:
  receiveInterval: $LAB_BFD_MS
  transmitInterval: $LAB_BFD_MS
  detectMultiplier: 3
YAML
  for name in "${LAB_NODE_NAMES[@]}"; do kill -HUP "${LAB_PID[$name]}"; done
}

# lab_bfd_up ROUTER N : N of ROUTER's BFD sessions are Up.
lab_bfd_up() {
  [[ "$(lab_vipctl "$1" show bfd peers json 2>/dev/null | jq '[.[] | select(.status == "up")] | length')" == "$2" ]]
}

# lab_up DESIGN : builds the whole lab and waits until it has converged.
lab_up() {
  LAB_DESIGN=$1
  [[ $LAB_DESIGN == seed || $LAB_DESIGN == every-router || $LAB_DESIGN == l2 ]] ||
    lab_die "design must be seed, every-router or l2"
  [[ $LAB_DESIGN != l2 ]] || LAB_SERVICE_IPS=("${LAB_L2_SERVICE_IPS[@]}")
  [[ $EUID -eq 0 ]] || lab_die "needs root (network namespaces)"
  [[ -x "$LAB_BIN/vipd" && -x "$LAB_BIN/vipctl" && -x "$LAB_BIN/vipd-lab-server" && -x "$LAB_BIN/vipd-lab-probe" ]] ||
    lab_die "vipd, vipctl, vipd-lab-server, vipd-lab-probe not all in $LAB_BIN (scripts/build.sh vipd vipctl vipd-lab-server vipd-lab-probe)"
  if [[ -f "$LAB_STATE" ]]; then
    local old_tag
    old_tag=$(sed -n 's/^declare -g LAB_TAG="\(.*\)"$/\1/p' "$LAB_STATE")
    if [[ -n "$old_tag" ]] && ip netns list | grep -q "^$old_tag-"; then
      lab_die "a lab ($old_tag) is already up with state $LAB_STATE: lab/down first, or set LAB_STATE"
    fi
  fi
  lab_pick_nodes_impl
  [[ $LAB_DESIGN != l2 || $LAB_NODES_IMPL == vipd ]] || lab_die "design l2 needs vipd on the nodes (GoBGP has no L2 mode)"
  local name
  # A short tag that no namespace uses yet.
  while :; do
    LAB_TAG=${LAB_TAG_WANTED:-vl$(printf '%04x' $((RANDOM % 65536)))}
    ip netns list | grep -q "^$LAB_TAG-" || break
    [[ -z ${LAB_TAG_WANTED:-} ]] || lab_die "namespaces with tag $LAB_TAG exist already"
  done
  LAB_DIR=$(mktemp -d "/tmp/vipd-lab-$LAB_TAG.XXXXXX")
  chmod 755 "$LAB_DIR"
  lab_save
  lab_log "building lab $LAB_TAG (design $LAB_DESIGN, nodes $LAB_NODES_IMPL) in $LAB_DIR"

  # The LAN: one bridge in a namespace of its own.
  lab_ns_new lan
  ip -n "${LAB_NS[lan]}" link add br0 type bridge
  ip -n "${LAB_NS[lan]}" link set br0 type bridge stp_state 0 forward_delay 0 2>/dev/null || true
  ip -n "${LAB_NS[lan]}" link set br0 up

  for name in $(lab_boxes); do
    LAB_ADDR[$name]=$(lab_addr_of "$name")
    lab_ns_new "$name"
    mkdir -p "$LAB_DIR/$name"
    lab_plug "$name"
  done
  for name in "${LAB_ROUTERS[@]}"; do
    # Forward, spread flows by L4 hash over the ECMP next hops, and no ICMP redirects: the
    # client and the nodes share the LAN, a redirect would send the client straight to a node.
    ip netns exec "${LAB_NS[$name]}" sysctl -qw net.ipv4.ip_forward=1 \
      net.ipv4.fib_multipath_hash_policy=1 net.ipv4.conf.all.send_redirects=0 \
      net.ipv4.conf.default.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0 >/dev/null
  done
  for name in "${LAB_NODE_NAMES[@]}"; do
    if [[ $LAB_DESIGN == l2 ]]; then
      # kube-proxy's part in IPVS mode: every Service IP on a local interface (kube-ipvs0 there,
      # lo here: vipd looks for the Service IP's subnet on Ethernet interfaces only), and the
      # kernel answers no ARP for it (arp_ignore=1: only for addresses of the interface asked;
      # arp_announce=2: never as the sender of its own requests). vipd alone answers for the
      # owner.
      ip netns exec "${LAB_NS[$name]}" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
        net.ipv4.conf.all.arp_announce=2 >/dev/null
      for ip in "${LAB_SERVICE_IPS[@]}"; do ip -n "${LAB_NS[$name]}" addr add "$ip/32" dev lo; done
    else
      # kube-proxy's part: every pool address is local, so the stand-in server answers for all.
      ip -n "${LAB_NS[$name]}" route add local 10.47.40.0/24 dev lo
    fi
    ip -n "${LAB_NS[$name]}" route add default via "$LAB_VIP"
  done
  ip -n "${LAB_NS[client]}" route add default via "$LAB_VIP"

  # Configuration files: the seed's, verbatim but for what the lab needs.
  local seed="$LAB_ROOT/tests/data/seed"
  for name in "${LAB_ROUTERS[@]}"; do
    lab_router_bgpd_conf >"$LAB_DIR/$name/bgpd.conf"
    if [[ $name == r1 ]]; then
      sed 's/^\(    priority \)10$/\1100/' "$seed/keepalived.conf" >"$LAB_DIR/$name/keepalived.conf"
    else
      cp "$seed/keepalived.conf" "$LAB_DIR/$name/keepalived.conf"
    fi
  done
  if [[ $LAB_DESIGN == l2 ]]; then
    cp "$LAB_ROOT/lab/metallb-l2.yaml" "$LAB_DIR/metallb.yaml"
  elif [[ $LAB_DESIGN == seed ]]; then
    if [[ $LAB_HOLD_TIME == default ]]; then
      cp "$seed/metallb-bgp.yaml" "$LAB_DIR/metallb.yaml"
    else
      # The seed file with MetalLB's timers added to its one BGPPeer.
      sed "/^  peerAddress: /a\\  holdTime: ${LAB_HOLD_TIME}s\\n  keepaliveTime: 1s" \
        "$seed/metallb-bgp.yaml" >"$LAB_DIR/metallb.yaml"
    fi
  else
    if [[ $LAB_HOLD_TIME == default ]]; then
      grep -v -E '^  (holdTime|keepaliveTime):' "$LAB_ROOT/lab/metallb-every-router.yaml" >"$LAB_DIR/metallb.yaml"
    else
      sed "s/^  holdTime: .*/  holdTime: ${LAB_HOLD_TIME}s/" "$LAB_ROOT/lab/metallb-every-router.yaml" >"$LAB_DIR/metallb.yaml"
    fi
  fi
  mkdir -p "$LAB_DIR/k8s"
  cp "$LAB_ROOT"/lab/k8s/*.yaml "$LAB_DIR/k8s/"
  if [[ $LAB_DESIGN == l2 ]]; then
    sed -i 's|^\(    metallb\.io/loadBalancerIPs: \)10\.47\.40\.\([0-9]\)$|\1192.168.20.1\2|' "$LAB_DIR"/k8s/service-*.yaml
  fi

  # Routers: one vipd each, BGP and VRRP (l2: VRRP only, nobody speaks BGP).
  local bgp=()
  for name in "${LAB_ROUTERS[@]}"; do
    [[ $LAB_DESIGN == l2 ]] || bgp=(--bgp-config "$LAB_DIR/$name/bgpd.conf")
    LAB_PID[$name]=$(lab_spawn "$name" vipd "$LAB_BIN/vipd" --foreground \
      "${bgp[@]}" --vrrp-config "$LAB_DIR/$name/keepalived.conf" \
      --socket "$LAB_DIR/$name/vipd.sock" --log-file "$LAB_DIR/$name/vipd.log" \
      --pid-file "$LAB_DIR/$name/vipd.pid")
  done
  lab_save
  # Nodes: the kube-proxy stand-in, then the BGP speaker.
  for name in "${LAB_NODE_NAMES[@]}"; do
    LAB_SERVER_PID[$name]=$(lab_spawn "$name" server "$LAB_BIN/vipd-lab-server" --name "$name" \
      --tcp "${LAB_TCP_PORTS[0]}" --tcp "${LAB_TCP_PORTS[1]}" --udp "$LAB_UDP_PORT")
  done
  lab_save
  for name in "${LAB_ROUTERS[@]}"; do
    lab_wait 10 lab_vipctl "$name" show vrrp json || lab_die "vipd on $name does not answer (log: $LAB_DIR/$name/vipd.log)"
  done
  if [[ $LAB_DESIGN == l2 ]]; then
    # The controller first, the others once it has assigned all six addresses: a node's L2
    # placement keeps what it placed before (src/lb/l2/placement.hpp, `previous`), so nodes that
    # see the Services' addresses arrive in different batches can settle on different plans
    # (seen in this lab: two nodes master for one address) and stay there. Started on the
    # finished assignment, every node computes the same plan.
    lab_node_start "$LAB_CONTROLLER"
    lab_wait 10 lab_l2_all_planned "$LAB_CONTROLLER" ||
      lab_die "the controller did not assign the six Service IPs in 10 s (log: $LAB_DIR/$LAB_CONTROLLER/vipd.log)"
    for name in "${LAB_NODE_NAMES[@]}"; do
      [[ $name == "$LAB_CONTROLLER" ]] || lab_node_start "$name"
    done
  else
    for name in "${LAB_NODE_NAMES[@]}"; do lab_node_start "$name"; done
  fi
  lab_save
  if [[ $LAB_DESIGN == l2 ]]; then
    lab_log "waiting for r1 to be VRRP master and every Service IP to have its planned owner"
    lab_wait 20 lab_l2_converged || lab_die "the lab did not converge in 20 s (logs in $LAB_DIR)"
    lab_log "lab $LAB_TAG up (state $LAB_STATE)"
    return 0
  fi
  lab_log "waiting for r1 to be VRRP master with six Established neighbors and the Service routes"
  lab_wait 40 lab_converged r1 6 || lab_die "the lab did not converge in 40 s (logs in $LAB_DIR)"
  if [[ $LAB_DESIGN == every-router ]]; then
    lab_log "waiting for the backups' six neighbors and routes too"
    for name in r2 r3 r4; do
      lab_wait 30 lab_routes_ready "$name" 6 || lab_die "$name did not get its six neighbors and routes in 30 s (logs in $LAB_DIR)"
    done
  fi
  lab_log "lab $LAB_TAG up (state $LAB_STATE)"
}

# lab_down : stops every process the lab started (by pid) and deletes its namespaces.
lab_down() {
  local name pid pids=() ns
  for name in "${!LAB_PID[@]}"; do pids+=("${LAB_PID[$name]}"); done
  for name in "${!LAB_SERVER_PID[@]}"; do pids+=("${LAB_SERVER_PID[$name]}"); done
  for pid in "${pids[@]}"; do
    [[ -n "$pid" ]] || continue
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
  done
  for _ in $(seq 1 40); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  # Anything else living in the lab's namespaces was started by the lab too (lab/exec, a prober).
  for ns in "${LAB_NS[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
  done
  for ns in "${LAB_NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  if [[ -n "$LAB_DIR" && -d "$LAB_DIR" && -z "${LAB_KEEP_DIR:-}" ]]; then rm -rf "$LAB_DIR"; fi
  rm -f "$LAB_STATE"
}

# lab_leftovers : prints the lab's namespaces and processes that still exist; fails if any.
lab_leftovers() {
  local left=0 pid
  if ip netns list | grep "^$LAB_TAG-"; then left=1; fi
  for pid in "${LAB_PID[@]}" "${LAB_SERVER_PID[@]}"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then echo "process $pid still running"; left=1; fi
  done
  ((left == 0))
}

# ---------------------------------------------------------------------------------------------
# Looking at the lab

lab_vipctl() {
  local name=$1
  shift
  ip netns exec "${LAB_NS[$name]}" "$LAB_BIN/vipctl" --socket "$LAB_DIR/$name/vipd.sock" --timeout 5 "$@"
}

# lab_wait TIMEOUT_S CMD... : polls CMD every 0.1 s until it succeeds.
lab_wait() {
  local timeout=$1
  shift
  local deadline=$(($(date +%s%N) + timeout * 1000000000))
  while :; do
    "$@" >/dev/null 2>&1 && return 0
    (($(date +%s%N) >= deadline)) && return 1
    sleep 0.1
  done
}

lab_vrrp_state() { lab_vipctl "$1" show vrrp json 2>/dev/null | jq -r '.[0].state'; }

# Routers whose VRRP instance is MASTER, one a line.
lab_masters() {
  local r
  for r in "${LAB_ROUTERS[@]}"; do
    [[ "$(lab_vrrp_state "$r")" == MASTER ]] && echo "$r"
  done
  return 0
}

lab_master() {
  local m
  m=$(lab_masters)
  [[ -n "$m" && $(wc -l <<<"$m") -eq 1 ]] || return 1
  echo "$m"
}

lab_established() {
  lab_vipctl "$1" show ip bgp summary json 2>/dev/null |
    jq '[.ipv4Unicast.peers // {} | .[] | select(.state == "Established")] | length'
}

# Kernel routes of the Service IPs in ROUTER's namespace: "PREFIX N" (N next hops), one a line.
lab_kernel_routes() {
  ip -n "${LAB_NS[$1]}" -j route show root 10.47.40.0/24 2>/dev/null |
    jq -r '.[] | "\(.dst) \(if .nexthops then (.nexthops | length) else 1 end)"'
}

# lab_kernel_paths_are ROUTER N : every Service IP has a kernel route with N next hops.
lab_kernel_paths_are() {
  local routes ip
  routes=$(lab_kernel_routes "$1")
  for ip in "${LAB_SERVICE_IPS[@]}"; do
    grep -qx "$ip $2" <<<"$routes" || return 1
  done
}

# lab_routes_ready ROUTER N : N neighbors Established, every Service IP with N next hops.
lab_routes_ready() {
  [[ "$(lab_established "$1")" == "$2" ]] && lab_kernel_paths_are "$1" "$2"
}

# lab_converged ROUTER N : ROUTER is the one VRRP master, has N neighbors Established and every
# Service IP in the kernel with N next hops.
lab_converged() {
  [[ "$(lab_master)" == "$1" ]] && [[ "$(lab_established "$1")" == "$2" ]] && lab_kernel_paths_are "$1" "$2"
}

# ---------------------------------------------------------------------------------------------
# Design l2

# lab_l2_owners [NODE...] : "IP NODE" for every Service IP a node's vipd says it owns (its
# virtual router is master there), over NODE... (default: every node), one a line. A node whose
# vipd does not answer is skipped.
lab_l2_owners() {
  local name nodes=("$@")
  ((${#nodes[@]})) || nodes=("${LAB_NODE_NAMES[@]}")
  for name in "${nodes[@]}"; do
    lab_vipctl "$name" show lb l2 json 2>/dev/null |
      jq -r --arg n "$name" '.services[] | select(.owner == $n) | "\(.ip) \(.owner)"' 2>/dev/null || true
  done
}

# lab_l2_planned : "IP NODE" for every Service IP and its planned owner (the first node whose
# vipd answers; all compute the same plan).
lab_l2_planned() {
  local name out
  for name in "${LAB_NODE_NAMES[@]}"; do
    out=$(lab_vipctl "$name" show lb l2 json 2>/dev/null) || continue
    jq -r '.services[] | "\(.ip) \(.plannedOwner // "-")"' <<<"$out"
    return 0
  done
  return 1
}

# lab_l2_all_planned NODE : NODE's plan has every Service IP with a planned owner.
lab_l2_all_planned() {
  [[ $(lab_vipctl "$1" show lb l2 json 2>/dev/null | jq '[.services[] | select(.plannedOwner)] | length') == "${#LAB_SERVICE_IPS[@]}" ]]
}

# lab_l2_plan NODE : NODE's plan, "IP VRID CANDIDATE(PRIORITY)..." a line.
lab_l2_plan() {
  lab_vipctl "$1" show lb l2 json |
    jq -r '.services[] | "\(.ip) \(.virtualRouter // "-") \([.candidates[] | "\(.node)(\(.priority // "-"))"] | join(" "))"' | sort
}

# lab_l2_plans_agree : every node computes the same plan (virtual routers, priorities).
lab_l2_plans_agree() {
  local name first="" plan
  for name in "${LAB_NODE_NAMES[@]}"; do
    plan=$(lab_l2_plan "$name") || return 1
    if [[ -z $first ]]; then first=$plan; elif [[ $plan != "$first" ]]; then
      echo "  $name's plan differs from ${LAB_NODE_NAMES[0]}'s:"
      diff <(echo "$first") <(echo "$plan") | sed 's/^/    /'
      return 1
    fi
  done
}

# lab_l2_one_owner_each [NODE...] : every Service IP has exactly one owner among NODE...
lab_l2_one_owner_each() {
  local owners ip
  owners=$(lab_l2_owners "$@")
  for ip in "${LAB_SERVICE_IPS[@]}"; do
    [[ $(grep -c "^$ip " <<<"$owners") == 1 ]] || return 1
  done
}

# lab_l2_at_plan : every Service IP has exactly one owner, its planned owner.
lab_l2_at_plan() {
  local owners planned ip
  owners=$(lab_l2_owners) && planned=$(lab_l2_planned) || return 1
  for ip in "${LAB_SERVICE_IPS[@]}"; do
    [[ $(grep -c "^$ip " <<<"$owners") == 1 ]] || return 1
    grep -qx "$(grep "^$ip " <<<"$planned")" <<<"$owners" || return 1
  done
}

# lab_l2_converged : r1 is the routers' one VRRP master, every Service IP with its planned owner.
lab_l2_converged() { [[ "$(lab_master)" == r1 ]] && lab_l2_at_plan; }

# lab_l2_owner_of IP : the node that owns IP by its vipd's account (the first, if several).
lab_l2_owner_of() { lab_l2_owners | awk -v ip="$1" '$1 == ip { print $2; exit }'; }

lab_mac_of() { ip -n "${LAB_NS[$1]}" -j link show eth0 | jq -r '.[0].address'; }
