#!/usr/bin/env bash
# Benchmarks, each against its named peer in the same run, printing wall times and ratios:
#  1. define N small domains, then re-run (no change): virtops.libvirt.domains (one batch task) and
#     virtops.libvirt.domain (looped) vs community.libvirt's virt (command=define, looped);
#  1b. provision 20 running instances from one base image, then re-run: the instance role vs
#     community.libvirt's virt_cloud_instance (2.1 or newer);
#  2. build 10*N OpenStack config drives: this collection's Python ISO writer vs genisoimage as
#     Nova runs it;
#  3. live-migrate a guest back and forth between two namespaced libvirt hosts: virtops.libvirt.migrate
#     vs bare `virsh migrate --live --p2p` (3 rounds; waits for a running scripts/test.sh: same test bed names);
#  3b. a heavy guest (dirtying faster than the capped link) with the default controls vs strategy auto;
#  4. drain eight guests from one of four namespaced hosts: up to four migrations at once vs one by one;
#  5. the placement planner on synthetic fleets of 50, 500 and 5,000 hosts vs the planner it replaced.
#  6. backups of a running guest's 1 GiB disk: an incremental point vs the full one, the full one vs
#     `qemu-img convert` of the same disk.
# Usage: bash bench/run.sh [N]   (default 100). A measurement, not a test gate.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/../scripts/common.sh"
run_alone "$0" "$@"
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
"$VENV/bin/python" "$ROOT/bench/bench_define.py" --count "${1:-100}" --root "$ROOT" \
    --ours-venv "$VENV" --peer-venv "$PEER_VENV"
# virt_cloud_instance came with community.libvirt 2.1; the ansible package here ships 2.0. The peer
# gets 2.3.0 from ../shared/peers (built from its release tag), else from Galaxy.
PEER_COLLECTIONS="$CACHE_DIR/bench-peer-collections-$peer_key"
if [ ! -d "$PEER_COLLECTIONS/ansible_collections/community/libvirt" ]; then
    peer_tarball="$ROOT/../shared/peers/community-libvirt-2.3.0.tar.gz"
    if [ -f "$peer_tarball" ]; then
        "$PEER_VENV/bin/ansible-galaxy" collection install -p "$PEER_COLLECTIONS" "$peer_tarball" >/dev/null
    else
        "$PEER_VENV/bin/ansible-galaxy" collection install -p "$PEER_COLLECTIONS" 'community.libvirt:>=2.1' >/dev/null
    fi
fi
ensure_apt_packages virtinst qemu-utils
"$VENV/bin/python" "$ROOT/bench/bench_fleet.py" --count 20 --root "$ROOT" --ours-venv "$VENV" \
    --peer-venv "$PEER_VENV" --peer-collections "$PEER_COLLECTIONS" --workdir "$CACHE_DIR"
ensure_apt_packages genisoimage
mkdir -p "$CACHE_DIR/bench-root/ansible_collections/virtops"
ln -sfn "$ROOT" "$CACHE_DIR/bench-root/ansible_collections/virtops/libvirt"
"$VENV/bin/python" "$ROOT/bench/bench_config_drive.py" --count "$((${1:-100} * 2))" --root "$CACHE_DIR/bench-root"
ensure_apt_packages bindfs
"$VENV/bin/python" "$ROOT/bench/bench_migrate.py" --rounds 3 --root "$CACHE_DIR/bench-root" \
    --guest "$(build_guest "$CACHE_DIR/bench-guest")" --cache-dir "$CACHE_DIR/migration-hosts"
"$VENV/bin/python" "$ROOT/bench/bench_strategy.py" --root "$CACHE_DIR/bench-root" \
    --guest "$(build_guest "$CACHE_DIR/bench-guest")" --cache-dir "$CACHE_DIR/migration-hosts"
"$VENV/bin/python" "$ROOT/bench/bench_drain.py" --root "$CACHE_DIR/bench-root" \
    --guest "$(build_guest "$CACHE_DIR/bench-guest")" --cache-dir "$CACHE_DIR/migration-hosts"
"$VENV/bin/python" "$ROOT/bench/bench_planner.py" --root "$CACHE_DIR/bench-root"
"$VENV/bin/python" "$ROOT/bench/bench_backup.py" --root "$CACHE_DIR/bench-root" \
    --guest "$(build_guest "$CACHE_DIR/bench-guest")" --workdir "$CACHE_DIR"
