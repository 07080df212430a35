#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# vipd's BFD against BIRD 2's protocol bfd, single hop (RFC 5881), with BGP on top on both sides
# (BIRD: `bfd on`): Up, timers changed live on both sides (birdc configure), link cut -> Down on
# both sides within the detection time, Cease/BFD Down, back Up.
# See bfd_suite.sh for what is checked.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=bfd_suite.sh
source "$here/bfd_suite.sh"

it_init bfd_bird
command -v bird >/dev/null || it_die "BIRD not installed (package bird2)"
run_bfd_suite bird single
it_finish
