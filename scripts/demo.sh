#!/usr/bin/env bash
# The main job on the embedded default: local libvirtd, one small instance booted from the test
# guest (a Debian kernel and busybox), its console output shown. Run as root on Debian 12.
# The instance stays running; remove it with: scripts/demo.sh --cleanup
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"
setup_all base
guest=$(build_guest "$CACHE_DIR/demo/guest")
export ANSIBLE_COLLECTIONS_PATH ANSIBLE_HOME
ANSIBLE_HOME="$CACHE_DIR/ansible-home"
ANSIBLE_COLLECTIONS_PATH="$CACHE_DIR/collections"
mkdir -p "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/virtops"
ln -sfn "$ROOT" "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/virtops/libvirt"
cleanup=false
[ "${1:-}" = "--cleanup" ] && cleanup=true
run_demo "$ROOT/playbooks/demo.yml" \
    "{\"demo_guest\": $guest, \"demo_cleanup\": $cleanup, \"demo_workdir\": \"$CACHE_DIR/demo\"}"
