#!/usr/bin/env bash
# One pass of the peers' harness (../shared/peers, or PEERS_HARNESS) with Fundus measured by
# the peer scripts of this folder, which follow the project (the shared ones stay as they
# were): the harness is copied to $PEERS_WORK/harness (default /tmp/peers), this folder's
# fundus, fundus-confirm and fundus-sqlite replace its own, fundus-sqlite-confirm (confirms on
# SQLite) joins them, and Fundus is built from this checkout (FUNDUS_SRC). Arguments and knobs
# are the harness's (its README):
#
#   bench/peers/run.sh                      # every peer, about 12 minutes
#   RUNS=3 bench/peers/run.sh fundus pgledger
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
harness=${PEERS_HARNESS:-$src/../shared/peers}
work=${PEERS_WORK:-/tmp/peers}
[ -x "$harness/run.sh" ] || { echo "error: no harness in $harness (set PEERS_HARNESS)" >&2; exit 1; }
rm -rf "$work/harness"
mkdir -p "$work/harness"
cp -r "$harness/." "$work/harness/"
rm -rf "$work/harness"/fundus*
cp -r "$here"/fundus* "$work/harness/"
rm -f "$work/fundus/fundus" # built again, from FUNDUS_SRC
export FUNDUS_SRC=${FUNDUS_SRC:-$src} PEERS_WORK=$work
[ -z "${PREPARE_ONLY:-}" ] || exit 0 # profile.sh: the harness ready, nothing run
exec "$work/harness/run.sh" "$@"
