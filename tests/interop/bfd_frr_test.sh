#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# vipd's BFD against FRR bfdd, single hop (RFC 5881), with BGP on top on both sides (FRR's
# bgpd registers its sessions with bfdd through zebra): Up, timers changed live on both sides,
# link cut -> Down on both sides within the detection time, Cease/BFD Down, back Up.
# See bfd_suite.sh for what is checked.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=bfd_suite.sh
source "$here/bfd_suite.sh"

it_init bfd_frr
[[ -x /usr/lib/frr/bfdd ]] || it_die "FRR bfdd not installed (package frr)"
run_bfd_suite frr single
it_finish
