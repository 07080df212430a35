#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# vipd against frr: eBGP and iBGP over IPv4 and IPv6 transport, prefixes received, routes
# propagated both ways and checked from frr's own side (attributes, next hops, withdrawal, a
# restarted peer), sessions stable past several keepalive periods, Cease on SIGTERM. See
# peer_suite.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=peer_suite.sh
source "$here/peer_suite.sh"
run_peer_suite frr
it_finish
