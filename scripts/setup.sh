#!/usr/bin/env bash
# Prepare this machine (Debian 12, as root): apt packages, the pinned venv, libvirtd running.
# Prints the venv's path; put its bin/ first in PATH to use ansible-playbook from it.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"
setup_all base
echo "$VENV"
