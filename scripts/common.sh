#!/usr/bin/env bash
# Shared by scripts/*.sh: the machine set-up (apt packages, pinned venv, libvirt daemons).
# Sourced, not run. Everything here is idempotent: a second call finds the work done.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${VIRTOPS_CACHE_DIR:-/var/cache/virtops-libvirt}
# Every libvirt daemon the tests, the demo and the benchmarks start inherits it. With GLib before
# 2.76 (Debian 12 has 2.74) the slice allocator's lock is not fork-safe, and libvirt's lockd lock
# manager allocates in the forked child before it execs QEMU: an incoming migration into a daemon
# restarted a few seconds before hung in that child (g_slice_alloc under virDomainLockProcessStart),
# and the rolling maintenance test with it. GLib's slices from malloc are fork-safe.
export G_SLICE=always-malloc

# What the collection and its demo need on a hypervisor.
APT_PACKAGES=(
    # libvirt and QEMU (the hypervisor under test), with QEMU's iSCSI/RBD block drivers and
    # libvirt's rbd and iscsi-direct pool backends
    libvirt-daemon-system libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86 qemu-utils
    qemu-block-extra libvirt-daemon-driver-storage-rbd libvirt-daemon-driver-storage-iscsi-direct
    ovmf dnsmasq-base iproute2 dosfstools e2fsprogs
    # building libvirt-python in the venv
    python3 python3-venv python3-dev libvirt-dev pkg-config gcc
    # the test guest is built from these packages' files (downloaded, not installed) and depmod
    kmod
    git
)
# What only the tests need: the storage they attach (an iSCSI target, a single-node Ceph
# cluster) and the sanity tests' shellcheck.
# genisoimage (isoinfo) and mtools read config drive images independently of the module;
# open-iscsi is the host initiator of iscsi pools (used where the kernel has iscsi_tcp).
# bindfs mounts the migration hosts' shared directory as a cluster filesystem (see
# tests/testbed/migration_hosts.py).
# nfs-ganesha (with its VFS backend) and rpcbind serve NFS volumes to QEMU's own NFS client.
TEST_APT_PACKAGES=(tgt ceph-mon ceph-osd ceph-common shellcheck genisoimage mtools open-iscsi bindfs swtpm swtpm-tools
                   nfs-ganesha nfs-ganesha-vfs rpcbind libnbd-bin)

log() { printf '>>> %s\n' "$*" >&2; }

# One test or benchmark run at a time on a machine: the test bed's daemons, ports, namespaces and
# work directory are shared. Re-executes the calling script (run_alone "$0" "$@") under flock, which
# holds the lock itself (-o: the daemons a run starts do not inherit it); a second run waits.
run_alone() {
    [ -z "${VIRTOPS_LOCK_HELD:-}" ] || return 0
    mkdir -p "$CACHE_DIR"
    flock -n "$CACHE_DIR/test.lock" true \
        || log "another test or benchmark run on this machine holds $CACHE_DIR/test.lock: waiting for it"
    VIRTOPS_LOCK_HELD=1 exec flock -o -w 5400 "$CACHE_DIR/test.lock" bash "$@"
}

ensure_apt_packages() {
    local missing=()
    for package in "$@"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$package")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing Debian packages: ${missing[*]}"
        apt-get update -q >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
        # Under systemd the package starts its NFS server on every address; the test bed runs its
        # own on 127.0.0.1 only, so the one this install just started is stopped and not enabled.
        if [[ " ${missing[*]} " == *" nfs-ganesha "* ]] && [ -d /run/systemd/system ]; then
            systemctl disable --now nfs-ganesha.service >/dev/null 2>&1 || true
        fi
    fi
}

# The venv is keyed by the lock file, so a changed pin gets a fresh venv and clones share one.
ensure_venv() {
    local key
    key=$(sha256sum "$ROOT/requirements/dev.txt" | cut -c1-12)
    VENV=${VIRTOPS_VENV:-$CACHE_DIR/venv-$key}
    if [ ! -x "$VENV/bin/ansible-playbook" ] || [ ! -f "$VENV/.complete" ]; then
        log "creating the Python venv $VENV (pinned in requirements/dev.txt)"
        rm -rf "$VENV"
        /usr/bin/python3 -m venv "$VENV"
        "$VENV/bin/pip" install -q --disable-pip-version-check -r "$ROOT/requirements/dev.txt"
        touch "$VENV/.complete"
    fi
    export PATH="$VENV/bin:$PATH"
}

# The collections this one depends on (galaxy.yml), for the tests and the test bed. Galaxy is out
# of reach here; PyPI's ansible package ships them, so they are taken from its pinned wheel
# (checked by hash) into a collections path of their own: $DEPENDENCY_COLLECTIONS.
DEPENDENCY_WHEEL="ansible==12.2.0"
DEPENDENCY_WHEEL_SHA256=daafa5c528317f60f68033ad70c59733f4a7548b6255759183cfc7cf422c7fda
DEPENDENCY_COLLECTIONS_WANTED=("community.crypto 3.0.5")
ensure_dependency_collections() {
    export DEPENDENCY_COLLECTIONS="$CACHE_DIR/collections-${DEPENDENCY_WHEEL_SHA256:0:12}"
    [ -f "$DEPENDENCY_COLLECTIONS/.complete" ] && return 0
    log "taking ${DEPENDENCY_COLLECTIONS_WANTED[*]} from PyPI's $DEPENDENCY_WHEEL"
    local download="$CACHE_DIR/dependency-wheel" wheel wanted name version path
    rm -rf "$DEPENDENCY_COLLECTIONS" && mkdir -p "$download" "$DEPENDENCY_COLLECTIONS"
    "$VENV/bin/pip" download -q --disable-pip-version-check --no-deps -d "$download" "$DEPENDENCY_WHEEL"
    wheel=$(echo "$download"/ansible-"${DEPENDENCY_WHEEL#ansible==}"-*.whl)
    echo "$DEPENDENCY_WHEEL_SHA256  $wheel" | sha256sum --quiet -c -
    for wanted in "${DEPENDENCY_COLLECTIONS_WANTED[@]}"; do
        read -r name version <<<"$wanted"
        path="ansible_collections/${name%%.*}/${name#*.}"
        "$VENV/bin/python" - "$wheel" "$path/" "$DEPENDENCY_COLLECTIONS" "$version" <<'EOF_PY'
import json, sys, zipfile
wheel, prefix, dest, version = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    archive.extractall(dest, [member for member in archive.namelist() if member.startswith(prefix)])
found = json.load(open(dest + "/" + prefix + "MANIFEST.json"))["collection_info"]["version"]
sys.exit(None if found == version else "%s in the wheel is %s, not %s" % (prefix, found, version))
EOF_PY
    done
    rm -rf "$download"
    touch "$DEPENDENCY_COLLECTIONS/.complete"
}

libvirt_answers() {
    timeout 10 virsh -c qemu:///system version >/dev/null 2>&1
}

# Start virtlogd and libvirtd unless they already run (there is no systemd on these machines).
# A caller that wants to stop them again sets STARTED_DAEMONS_FILE: what this call started is
# recorded there, so stop_daemons_we_started stops exactly that and nothing else. The machine's
# own daemons are the ones of the pid files in /run: the test bed's hosts run theirs in namespaces.
STARTED_DAEMONS_FILE=${STARTED_DAEMONS_FILE:-/dev/null}
daemon_pid() {
    local pid
    pid=$(cat "/run/$1.pid" 2>/dev/null) || return 1
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] && echo "$pid"
}
ensure_libvirtd() {
    if ! daemon_pid virtlogd >/dev/null; then
        log "starting virtlogd"
        virtlogd --daemon
        echo virtlogd >>"$STARTED_DAEMONS_FILE"
    fi
    if ! libvirt_answers; then
        log "starting libvirtd"
        libvirtd --daemon
        echo libvirtd >>"$STARTED_DAEMONS_FILE"
        for _ in $(seq 1 60); do libvirt_answers && break; sleep 0.5; done
        libvirt_answers || { log "libvirtd did not answer on qemu:///system"; return 1; }
    fi
}

stop_daemons_we_started() {
    [ -f "$STARTED_DAEMONS_FILE" ] || return 0
    local daemon pid
    for daemon in $(tac "$STARTED_DAEMONS_FILE" | awk '!seen[$0]++'); do
        log "stopping $daemon (started by this run)"
        pid=$(daemon_pid "$daemon") || continue
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
    done
    rm -f "$STARTED_DAEMONS_FILE"
}

# The small test guest: a Debian cloud kernel and a busybox initramfs (tests/testbed/guest_image.py),
# copied into directory $1 so that the guests of one run never use the cache's own files.
build_guest() {
    # 'apt-get download' needs package lists; a machine that never ran 'apt-get update' has none.
    apt-cache show linux-image-cloud-amd64 >/dev/null 2>&1 || apt-get update -q >/dev/null
    python3 "$ROOT/tests/testbed/guest_image.py" --cache-dir "$CACHE_DIR/guest" --install-dir "$1"
}

# The demo playbook $1 (a path, or virtops.libvirt.demo from an installed collection) on this
# machine with the venv's Python; $2 is its variables as JSON (demo_guest, demo_workdir, demo_cleanup, ...).
run_demo() {
    ansible-playbook -i localhost, -c local "$1" -e "ansible_python_interpreter=$VENV/bin/python" -e "$2"
}

# setup_all base|test: with "test", also what only the tests need.
setup_all() {
    if [ "$1" = "test" ]; then
        ensure_apt_packages "${APT_PACKAGES[@]}" "${TEST_APT_PACKAGES[@]}"
    else
        ensure_apt_packages "${APT_PACKAGES[@]}"
    fi
    ensure_venv
    ensure_dependency_collections
    ensure_libvirtd
}

# The docs site (antsibull-docs + Sphinx) of the collection found in collections path $1, built into
# directory $2 (its HTML in $2/build/html). Offline: without intersphinx inventories, references to
# ansible-core's own docs cannot resolve; every other Sphinx warning fails the build.
REMOTE_DOC_LABELS="undefined label: '(common_return_values|ansible_configuration_settings|ansible_collections\.ansible\.builtin\.[a-z_]+)'"
build_docsite() {
    local collections=$1 dest=$2 warnings
    rm -rf "$dest"
    mkdir -p "$dest" && chmod 700 "$dest"
    ANSIBLE_COLLECTIONS_PATH=$collections antsibull-docs sphinx-init --use-current --fail-on-error \
        --lenient --dest-dir "$dest" --project virtops.libvirt --title "virtops.libvirt" virtops.libvirt >/dev/null
    sed -i '/^intersphinx_mapping = {/,/^}/c\intersphinx_mapping = {}' "$dest/conf.py"
    mkdir -p "$dest/rst" && chmod 700 "$dest/rst"
    ANSIBLE_COLLECTIONS_PATH=$collections antsibull-docs --config-file "$dest/antsibull-docs.cfg" collection \
        --cleanup everything --fail-on-error --use-current --dest-dir "$dest/rst" virtops.libvirt
    warnings="$dest/sphinx-warnings.txt"
    # Its warnings go to the file, checked below.
    sphinx-build -q --keep-going -w "$warnings" -b html "$dest/rst" "$dest/build/html" -c "$dest" 2>/dev/null \
        || { cat "$warnings" >&2; return 1; }
    if grep -vE "$REMOTE_DOC_LABELS" "$warnings" | grep -q .; then
        log "the docs site has warnings:"
        grep -vE "$REMOTE_DOC_LABELS" "$warnings" >&2
        return 1
    fi
    log "docs site: $dest/build/html/index.html"
}
