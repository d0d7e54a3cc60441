#!/usr/bin/env bash
# Benchmark: define N small domains, then re-run (no change), with virtops.libvirt.domain and with
# community.libvirt's virt (command=define), same machine, same run. Prints wall times and ratios.
# Usage: bash bench/run.sh [N]   (default 20). A measurement, not a test gate.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/../scripts/common.sh"
STARTED_DAEMONS_FILE=$(mktemp)
trap stop_daemons_we_started EXIT
setup_all base
peer_key=$(sha256sum "$ROOT/bench/requirements-peer.txt" | cut -c1-12)
PEER_VENV="$CACHE_DIR/bench-peer-venv-$peer_key"
if [ ! -f "$PEER_VENV/.complete" ]; then
    log "creating the peer's venv $PEER_VENV"
    rm -rf "$PEER_VENV"
    /usr/bin/python3 -m venv "$PEER_VENV"
    "$PEER_VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/bench/requirements-peer.txt"
    touch "$PEER_VENV/.complete"
fi
"$VENV/bin/python" "$ROOT/bench/bench_define.py" --count "${1:-20}" --root "$ROOT" \
    --ours-venv "$VENV" --peer-venv "$PEER_VENV"
