# shellcheck shell=bash
# The daemons under test, each configured as a plain eBGP route server that installs nothing in
# the kernel and passes every route of the feeder to every sink. Sourced by run.sh.
#
# For each daemon NAME:
#   NAME_available        true if the daemon is installed
#   NAME_version          prints its version
#   NAME_start DIR        writes its config into DIR and starts it in the router namespace;
#                         sets DAEMON_PID (the process to stop; its children are found through
#                         the namespace)
# Inputs (set by run.sh): RS_NS (router namespace), RS_ADDR (10.0.0.1), RS_AS, FEEDER_ADDR,
# FEEDER_AS, SINK_ADDRS[], SINK_ASES[].
#
# Settings common to all, chosen so that each daemon does the same work:
#   - every neighbor passive (the feeder and the sinks connect);
#   - route-server semantics (no own AS prepended, next hop kept) where the daemon has them;
#   - default eBGP filters opened (RFC 8212 defaults would block everything);
#   - no kernel: BIRD without a kernel protocol, FRR bgpd -Z -n (no zebra) and `bgp no-rib`,
#     GoBGP without zebra, OpenBGPD `fib-update no`, vipd `bgp no-rib`.

# Neighbors as "address as" lines: the feeder first, then the sinks.
rs_neighbors() {
  echo "$FEEDER_ADDR $FEEDER_AS"
  local i
  for i in "${!SINK_ADDRS[@]}"; do echo "${SINK_ADDRS[$i]} ${SINK_ASES[$i]}"; done
}

# rs_launch LOG COMMAND... : starts COMMAND in the router namespace; sets DAEMON_PID (read by
# run.sh).
rs_launch() {
  local log=$1
  shift
  ip netns exec "$RS_NS" "$@" >"$log" 2>&1 &
  # shellcheck disable=SC2034  # read by run.sh
  DAEMON_PID=$!
}

# With --route-maps (RS_ROUTE_MAPS=1), every neighbor gets a 10-clause policy inbound and
# outbound, the kind an IXP route server runs (bogons, too-specific prefixes, AS_TRANS in the
# path, blackhole and no-export-to-peer communities, MED and origin rewrites). None of its deny
# clauses matches the feed (feed.hpp: no bogons, /24 at most, public ASes, no well-known
# communities), so every prefix is still propagated and the phases measure the same work plus
# the evaluation. vipd and FRR read the same text; BIRD gets the same filter in its language.
rs_frr_policy() {
  ((${RS_ROUTE_MAPS:-0})) || return 0
  cat <<'POLICY'
ip prefix-list BOGONS seq 5 permit 0.0.0.0/8 le 32
ip prefix-list BOGONS seq 10 permit 10.0.0.0/8 le 32
ip prefix-list BOGONS seq 15 permit 127.0.0.0/8 le 32
ip prefix-list BOGONS seq 20 permit 169.254.0.0/16 le 32
ip prefix-list BOGONS seq 25 permit 172.16.0.0/12 le 32
ip prefix-list BOGONS seq 30 permit 192.168.0.0/16 le 32
ip prefix-list BOGONS seq 35 permit 224.0.0.0/3 le 32
ip prefix-list TOO-SPECIFIC seq 5 permit 0.0.0.0/0 ge 25
bgp as-path access-list AS-TRANS seq 5 permit _23456_
bgp community-list standard BLACKHOLE seq 5 permit 65535:666
bgp community-list standard NO-EXPORT-RS seq 5 permit 0:65000
bgp community-list expanded PREPEND-ME seq 5 permit ^65000:1[0-9][0-9]$
bgp large-community-list standard DROP-LARGE seq 5 permit 65000:0:0
route-map RS-POLICY deny 10
 match ip address prefix-list BOGONS
route-map RS-POLICY deny 20
 match ip address prefix-list TOO-SPECIFIC
route-map RS-POLICY deny 30
 match as-path AS-TRANS
route-map RS-POLICY deny 40
 match community NO-EXPORT-RS
route-map RS-POLICY deny 50
 match large-community DROP-LARGE
route-map RS-POLICY permit 60
 match community BLACKHOLE
 set community no-export additive
route-map RS-POLICY permit 70
 match community PREPEND-ME
 set as-path prepend 65000
route-map RS-POLICY permit 80
 match metric 4000000000
 set metric 0
route-map RS-POLICY permit 90
 match origin egp
 set origin incomplete
route-map RS-POLICY permit 100
POLICY
}
# The neighbor lines that apply it (inside address-family ipv4 unicast).
rs_frr_policy_neighbor() {
  ((${RS_ROUTE_MAPS:-0})) || return 0
  echo "  neighbor $1 route-map RS-POLICY in"
  echo "  neighbor $1 route-map RS-POLICY out"
}

# ----- vipd (FRR syntax) -----

vipd_available() { [[ -x "$VIPD_BIN_DIR/vipd" ]]; }
vipd_version() {
  echo "vipd $("$VIPD_BIN_DIR/vipd" --version 2>/dev/null) (binary of $(date -u -r "$VIPD_BIN_DIR/vipd" +%Y-%m-%dT%H:%MZ), tree $RS_COMMIT)"
}

vipd_start() {
  local d=$1 addr as
  {
    echo "bgp no-rib"
    echo "router bgp $RS_AS"
    echo " bgp router-id $RS_ADDR"
    while read -r addr as; do
      echo " neighbor $addr remote-as $as"
      echo " neighbor $addr passive"
    done < <(rs_neighbors)
    echo " address-family ipv4 unicast"
    while read -r addr as; do
      echo "  neighbor $addr route-server-client"
      rs_frr_policy_neighbor "$addr"
    done < <(rs_neighbors)
    echo " exit-address-family"
    rs_frr_policy
  } >"$d/vipd.conf"
  rs_launch "$d/stdout.log" "$VIPD_BIN_DIR/vipd" --foreground --bgp-config "$d/vipd.conf" \
    --socket "$d/vipd.sock" --log-file "$d/vipd.log" --pid-file "$d/vipd.pid" --log-level notice
}

# ----- BIRD 2 -----

bird_available() { command -v bird >/dev/null; }
bird_version() { bird --version 2>&1 | head -1; }

bird_start() {
  local d=$1 addr as n=0
  {
    echo "log \"$d/bird.log\" { info, warning, error, fatal, bug };"
    echo "router id $RS_ADDR;"
    # Interfaces, so that direct eBGP neighbors and next hops resolve; no kernel protocol.
    echo "protocol device { scan time 60; }"
    local filter=all
    if ((${RS_ROUTE_MAPS:-0})); then
      # RS-POLICY of rs_frr_policy(), clause for clause.
      filter="filter rs_policy"
      cat <<'POLICY'
filter rs_policy {
  if net ~ [ 0.0.0.0/8+, 10.0.0.0/8+, 127.0.0.0/8+, 169.254.0.0/16+, 172.16.0.0/12+,
             192.168.0.0/16+, 224.0.0.0/3+ ] then reject;
  if net.len > 24 then reject;
  if bgp_path ~ [= * 23456 * =] then reject;
  if (0, 65000) ~ bgp_community then reject;
  if (65000, 0, 0) ~ bgp_large_community then reject;
  if (65535, 666) ~ bgp_community then { bgp_community.add((65535, 65281)); accept; }
  if bgp_community ~ [(65000, 100..199)] then { bgp_path.prepend(65000); accept; }
  if defined(bgp_med) then if bgp_med = 4000000000 then { bgp_med = 0; accept; }
  if bgp_origin = ORIGIN_EGP then { bgp_origin = ORIGIN_INCOMPLETE; accept; }
  accept;
}
POLICY
    fi
    echo "template bgp rs_client {"
    echo "  local $RS_ADDR as $RS_AS;"
    echo "  passive on;"
    echo "  rs client;"
    echo "  ipv4 { import $filter; export $filter; };"
    echo "}"
    while read -r addr as; do
      echo "protocol bgp peer$n from rs_client { neighbor $addr as $as; }"
      n=$((n + 1))
    done < <(rs_neighbors)
  } >"$d/bird.conf"
  rs_launch "$d/stdout.log" bird -f -c "$d/bird.conf" -s "$d/bird.ctl" -P "$d/bird.pid"
}

# ----- FRR 8 bgpd, without zebra -----

frr_available() { [[ -x /usr/lib/frr/bgpd ]]; }
frr_version() { echo "FRR bgpd $(/usr/lib/frr/bgpd --version 2>/dev/null | sed -n 's/.*version \([^ ]*\).*/\1/p' | head -1)"; }

frr_start() {
  local d=$1 addr as
  {
    echo "frr defaults traditional"
    echo "hostname rs-frr"
    # Errors only: without zebra, bgpd's nexthop registration fails and is retried for every
    # new path, each time logging the warning "sendmsg_nexthop: zclient_send_message() failed"
    # (one line per prefix, about 0.1 s of CPU per 50,000 prefixes); with zebra it registers
    # the feeder's one next hop once. The routes stay valid: with no zebra connection ever
    # made, bgpd treats every next hop as reachable (bgp_nht.c).
    echo "log file $d/bgpd.log errors"
    echo "bgp no-rib"
    # The policy before the neighbors that name it. bgpd binds `neighbor X route-map NAME` to
    # the map when it reads that line; a map defined later is bound only when the route-map
    # delay timer (default 5 s) fires, and until then every route from X is denied (an
    # unbound map denies) and dropped: without soft-reconfiguration inbound nothing is kept
    # to re-evaluate, and the ROUTE-REFRESH bgpd then sends is not answered by bgp_feeder.
    # A feed announced in those 5 s was lost entirely. Delay 0: a map change is applied at
    # once and triggers no re-announcement or ROUTE-REFRESH in the middle of a phase.
    if ((${RS_ROUTE_MAPS:-0})); then
      echo "bgp route-map delay-timer 0"
      rs_frr_policy
    fi
    echo "router bgp $RS_AS"
    echo " bgp router-id $RS_ADDR"
    echo " no bgp ebgp-requires-policy"
    while read -r addr as; do
      echo " neighbor $addr remote-as $as"
      echo " neighbor $addr passive"
      # The default eBGP MRAI (RFC 4271 §9.2.1.1) would pace the sinks' updates; BIRD,
      # GoBGP and OpenBGPD send as soon as they can, so FRR does too.
      echo " neighbor $addr advertisement-interval 0"
    done < <(rs_neighbors)
    echo " address-family ipv4 unicast"
    while read -r addr as; do
      echo "  neighbor $addr route-server-client"
      rs_frr_policy_neighbor "$addr"
    done < <(rs_neighbors)
    echo " exit-address-family"
    echo "line vty"
  } >"$d/bgpd.conf"
  chmod 777 "$d"
  rs_launch "$d/stdout.log" /usr/lib/frr/bgpd -f "$d/bgpd.conf" -i "$d/bgpd.pid" \
    --vty_socket "$d" -Z -n -S -P 0 -u root -g root
}

# ----- GoBGP 3 -----

gobgp_available() { command -v gobgpd >/dev/null; }
gobgp_version() { gobgpd --version 2>&1 | head -1; }

gobgp_start() {
  local d=$1 addr as
  {
    echo "[global.config]"
    echo "  as = $RS_AS"
    echo "  router-id = \"$RS_ADDR\""
    echo "  port = 179"
    echo "  local-address-list = [\"$RS_ADDR\"]"
    while read -r addr as; do
      echo "[[neighbors]]"
      echo "  [neighbors.config]"
      echo "    neighbor-address = \"$addr\""
      echo "    peer-as = $as"
      echo "  [neighbors.transport.config]"
      echo "    passive-mode = true"
      echo "  [neighbors.route-server.config]"
      echo "    route-server-client = true"
      echo "  [[neighbors.afi-safis]]"
      echo "    [neighbors.afi-safis.config]"
      echo "      afi-safi-name = \"ipv4-unicast\""
    done < <(rs_neighbors)
  } >"$d/gobgpd.toml"
  # No zebra section: GoBGP then touches no kernel table.
  rs_launch "$d/gobgpd.log" gobgpd -f "$d/gobgpd.toml" --api-hosts 127.0.0.1:50051 \
    --pprof-disable -l warn -p
}

# ----- OpenBGPD 7 -----

openbgpd_available() { [[ -x /usr/sbin/bgpd && -x /usr/sbin/bgpctl ]]; }
openbgpd_version() { /usr/sbin/bgpd -V 2>&1 | head -1; }

openbgpd_start() {
  local d=$1 addr as
  {
    echo "AS $RS_AS"
    echo "router-id $RS_ADDR"
    echo "listen on $RS_ADDR"
    echo "fib-update no"
    echo "socket \"$d/bgpd.sock\""
    # Route server: do not prepend our AS towards the (eBGP) clients.
    echo "transparent-as yes"
    echo "group \"clients\" {"
    echo "  passive"
    while read -r addr as; do echo "  neighbor $addr { remote-as $as }"; done < <(rs_neighbors)
    echo "}"
    # OpenBGPD denies everything without a filter rule (RFC 8212).
    echo "allow from any"
    echo "allow to any"
  } >"$d/bgpd.conf"
  chmod 644 "$d/bgpd.conf"
  # The unprivileged processes chroot to the _openbgpd user's home (/run/openbgpd, which
  # systemd would create as the service's RuntimeDirectory).
  local home
  home=$(getent passwd _openbgpd | cut -d: -f6)
  [[ -n "$home" && -d "$home" ]] || mkdir -p "${home:-/run/openbgpd}"
  rs_launch "$d/bgpd.log" /usr/sbin/bgpd -d -f "$d/bgpd.conf"
}
