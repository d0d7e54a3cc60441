#!/usr/bin/env bash
# Build the collection's docs site (every module, the role, the scenario guides) with antsibull-docs.
# Usage: scripts/docsite.sh [DEST]   (default: docs/build; open DEST/build/html/index.html)
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"
ensure_venv
ensure_dependency_collections
dest=$(realpath -m "${1:-$ROOT/docs/build}")
work=$(mktemp -d /tmp/virtops-docsite.XXXXXX)
trap 'rm -rf "$work"' EXIT
# antsibull-docs reads the collection from a collections path.
mkdir -p "$work/ansible_collections/virtops"
ln -s "$ROOT" "$work/ansible_collections/virtops/libvirt"
build_docsite "$work:$DEPENDENCY_COLLECTIONS" "$dest"
