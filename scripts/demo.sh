#!/usr/bin/env bash
# The seed homelab in network namespaces, every box running vipd (docs/lab.md): four routers
# r1..r4 (vipd: the seed's bgpd.conf + maximum-paths 8, the seed's keepalived.conf, VRRP VIP
# 192.168.5.1), six k3s nodes announcing the six LoadBalancer Services, a client behind the VIP.
# Installs what the demo needs, builds vipd, vipctl and the lab's tools, then runs lab/demo: the
# routers' view, the client reaching every Service IP over ECMP, and four failover drills
# measured by a 1 ms prober, for both designs (nodes peering with the VIP, or with every router),
# ending with one table of outages. Everything it creates is removed when it ends.
#
# Usage: scripts/demo.sh [--no-build] [lab/demo options, e.g. --design every-router]
#   --no-build  skip scripts/install-deps.sh and scripts/build.sh (use the existing build/)
# LAB_NODES=vipd|gobgp picks what runs on the k3s nodes (default: vipd when it has the
# load-balancer module, else GoBGP, which is then installed). Needs root (network namespaces).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

build=1
args=()
for arg in "$@"; do
  case $arg in
    --no-build) build=0 ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) args+=("$arg") ;;
  esac
done
[[ $EUID -eq 0 ]] || { echo "demo: needs root (network namespaces); try: sudo $0 $*" >&2; exit 1; }

if ((build)); then
  echo "== installing dependencies (scripts/install-deps.sh --lab)"
  "$root/scripts/install-deps.sh" --lab
  echo "== building vipd vipctl vipd-lab-server vipd-lab-probe (scripts/build.sh)"
  "$root/scripts/build.sh" --target vipd --target vipctl --target vipd-lab-server --target vipd-lab-probe
fi
export VIPD_BIN_DIR=${VIPD_BIN_DIR:-$root/build/bin}

# Without the load-balancer module in vipd, the k3s nodes run GoBGP: install it then.
if [[ ${LAB_NODES:-} == gobgp ]] ||
  { [[ -z ${LAB_NODES:-} ]] && ! "$VIPD_BIN_DIR/vipd" --help 2>&1 | grep -q -- '--k8s-dir'; }; then
  if ! command -v gobgpd >/dev/null; then
    if ((build)); then
      echo "== vipd has no load-balancer module yet: installing GoBGP for the k3s nodes"
      "$root/scripts/install-deps.sh" --lab --gobgp
    else
      echo "demo: the k3s nodes need GoBGP (vipd has no load-balancer module): scripts/install-deps.sh --lab --gobgp" >&2
      exit 1
    fi
  fi
fi

exec "$root/lab/demo" "${args[@]}"
