#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# vipd's BFD against BIRD 2's protocol bfd, multihop (RFC 5883) through a transit namespace, with
# eBGP multihop on top on both sides (BIRD: `multihop`, `bfd graceful` and a bfd `neighbor ... multihop`):
# Up, timers changed live on both sides, link cut -> Down on both sides within the detection
# time, Cease/BFD Down, back Up.
# See bfd_suite.sh for what is checked.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=bfd_suite.sh
source "$here/bfd_suite.sh"

it_init bfd_bird_multihop
command -v bird >/dev/null || it_die "BIRD not installed (package bird2)"
# `bfd graceful`: a BFD Down is a graceful restart of the BGP session where one was negotiated
# (vipd negotiates none here, so BIRD closes the session).
# shellcheck disable=SC2034  # read by lib.sh (bird_start)
BIRD_BFD_MODE=graceful
run_bfd_suite bird multihop
it_finish
