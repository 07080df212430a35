#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# vipd's route maps (inbound and outbound, changed live) as bird sees them: routemap_suite.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=lib.sh
source "$here/lib.sh"
# shellcheck source=peer_suite.sh
source "$here/peer_suite.sh"
# shellcheck source=routemap_suite.sh
source "$here/routemap_suite.sh"
run_routemap_suite bird
it_finish
