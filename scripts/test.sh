#!/usr/bin/env bash
# Every test of the collection on this machine (Debian 12, as root), set-up included:
#   sanity (ansible-test), ansible-lint (production), docs lint and the docs site, unit tests,
#   the built tarball as a user installs it (ansible-doc, execution-environment requirements, the
#   demo), the integration targets and the roles' molecule scenarios on the real libvirtd with
#   the test guest.
# Usage: scripts/test.sh [sanity|lint|docs|units|package|integration|molecule ...]   (default: all, in that order)
#        INTEGRATION_TARGETS="module_disk module_cpu" scripts/test.sh integration   (some targets only)
# It removes what it created (test domains, the test network, daemons it started) at the end.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"

run_alone "$0" "$@"

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(sanity lint docs units package integration molecule)

WORK=$(mktemp -d /tmp/virtops-test.XXXXXX)
STARTED_DAEMONS_FILE="$WORK/started-daemons"
# ansible-test wants the collection at .../ansible_collections/NAMESPACE/NAME: test a copy of the
# working tree (tracked and untracked-but-not-ignored files) so the checkout stays clean.
COLLECTION="$WORK/ansible_collections/virtops/libvirt"
IT_WORKDIR="$CACHE_DIR/it-work"
export ANSIBLE_HOME="$WORK/ansible-home"  # keep ansible-lint/molecule caches out of ~/.ansible

cleanup() {
    local rc=$?
    if [ -f "$WORK/testbed-up" ]; then
        python3 "$ROOT/tests/testbed/testbed.py" down --workdir "$IT_WORKDIR" || rc=1
    elif [ -f "$WORK/molecule-hosts-up" ]; then
        python3 "$ROOT/tests/testbed/migration_hosts.py" --workdir "$IT_WORKDIR" down || rc=1
    fi
    stop_daemons_we_started
    if [ -f "$WORK/guest-copied" ]; then
        rm -rf "$IT_WORKDIR"
    fi
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT

setup_all test

# Holding the lock, an integration work directory can only be what an interrupted run left
# (killed, or the machine restarted): its daemons, namespaces and virtops-it-* objects go first.
if [ -d "$IT_WORKDIR" ] && [[ " ${stages[*]} " =~ \ (package|integration|molecule)\  ]]; then
    log "removing what an interrupted test run left in $IT_WORKDIR"
    python3 "$ROOT/tests/testbed/testbed.py" down --workdir "$IT_WORKDIR"
fi

mkdir -p "$COLLECTION"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
    | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' \
    | tar --null -T - -cf -) | tar -xf - -C "$COLLECTION"
# ansible-test sanity validates what git tracks; give the copy its own repository.
(cd "$COLLECTION" && git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm copy)
# The collections this one depends on, beside it in the same tree: ansible-test, ansible-lint and
# molecule find them there.
for dependency in "$DEPENDENCY_COLLECTIONS"/ansible_collections/*/*; do
    mkdir -p "$WORK/ansible_collections/$(basename "$(dirname "$dependency")")"
    cp -a "$dependency" "$WORK/ansible_collections/$(basename "$(dirname "$dependency")")/"
done

# ansible-test builds per-test venvs with a pip bootstrap script it would download; this machine
# reaches only package registries, so provide the same pip from PyPI and a stand-in script.
prepare_ansible_test_pip() {
    local cache=~/.ansible/test/cache
    mkdir -p "$cache"
    [ -f "$cache/pip-24.2-py3-none-any.whl" ] \
        || pip download -q --no-deps --only-binary=:all: -d "$cache" pip==24.2
    cp "$ROOT/tests/testbed/get_pip_standin.py" "$cache/get_pip_24_2.py"
}

run_stage() {
    local name=$1 start
    start=$(date +%s)
    log "stage $name"
    "stage_$name"
    log "stage $name passed in $(($(date +%s) - start)) s"
}

stage_sanity() {
    prepare_ansible_test_pip
    (cd "$COLLECTION" && ansible-test sanity --python 3.11 --requirements --color no)
}

stage_lint() {
    # Resolve this collection's modules from the copy, not from anything installed elsewhere.
    (cd "$COLLECTION" && ANSIBLE_COLLECTIONS_PATH="$WORK" ansible-lint --profile production --offline)
}

stage_docs() {
    # ANSIBLE_COLLECTIONS_PATH: the dependencies (community.crypto) beside it, which ansible-doc reads too
    (cd "$COLLECTION" && ANSIBLE_COLLECTIONS_PATH="$WORK" antsibull-docs lint-collection-docs --plugin-docs .)
    # The docs site (scripts/docsite.sh) builds without warnings and has a page for every module,
    # the role and every scenario guide.
    build_docsite "$WORK" "$WORK/docsite"
    local html="$WORK/docsite/build/html/collections/virtops/libvirt" page lacking=0
    for page in "$COLLECTION"/plugins/modules/*.py "$COLLECTION"/plugins/connection/*.py "$COLLECTION"/plugins/inventory/*.py \
            "$COLLECTION"/roles/* "$COLLECTION"/docs/docsite/rst/*.rst; do
        case $page in
            */plugins/modules/*) page="$(basename "$page" .py)_module.html" ;;
            */plugins/connection/*) page="$(basename "$page" .py)_connection.html" ;;
            */plugins/inventory/*) page="$(basename "$page" .py)_inventory.html" ;;
            */roles/*) page="$(basename "$page")_role.html" ;;
            *) page="docsite/$(basename "$page" .rst).html" ;;
        esac
        [ -s "$html/$page" ] || { log "the docs site has no $page"; lacking=1; }
    done
    return $lacking
}

stage_units() {
    (cd "$COLLECTION" && ansible-test units --python 3.11 --local --color no)
}

stage_package() {
    # The tarball a user installs: what it holds, every module's and role's docs, the
    # requirements an execution environment gets from it, and the demo run from it.
    local dist="$WORK/dist" installed="$WORK/installed" tarball path module lacking=0 guest
    (cd "$COLLECTION" && ansible-galaxy collection build --output-path "$dist" >/dev/null)
    tarball=$(echo "$dist"/virtops-libvirt-*.tar.gz)
    tar -tzf "$tarball" >"$WORK/tarball-files"
    for path in LICENSE README.md meta/runtime.yml meta/execution-environment.yml meta/ee-requirements.txt \
            meta/ee-bindep.txt playbooks/demo.yml playbooks/molecule_create.yml playbooks/molecule_destroy.yml \
            plugins/connection/agent.py roles/instance/meta/argument_specs.yml \
            roles/evacuate/meta/argument_specs.yml roles/hypervisor/meta/argument_specs.yml \
            docs/docsite/extra-docs.yml changelogs/changelog.yaml; do
        grep -qx "$path" "$WORK/tarball-files" || { log "the tarball lacks $path"; lacking=1; }
    done
    for path in scripts bench requirements extensions tests/testbed .ci .ansible-lint .gitignore; do
        grep -q "^$path\(/\|$\)" "$WORK/tarball-files" && { log "the tarball ships $path"; lacking=1; }
    done
    [ $lacking -eq 0 ] || return 1
    # --force: a run whose molecule stage came first has this version in ANSIBLE_HOME already
    # Its dependencies (galaxy.yml) come from their local copies: Galaxy is out of reach here.
    ansible-galaxy collection install --force -p "$installed" "$tarball" \
        "$DEPENDENCY_COLLECTIONS"/ansible_collections/*/* >/dev/null
    [ -d "$installed/ansible_collections/community/crypto" ] || { log "community.crypto was not installed"; return 1; }
    export ANSIBLE_COLLECTIONS_PATH="$installed"  # this stage sees only the installed collection
    for module in "$installed"/ansible_collections/virtops/libvirt/plugins/modules/*.py; do
        ansible-doc "virtops.libvirt.$(basename "$module" .py)" >/dev/null
    done
    for plugin in connection/agent inventory/libvirt; do
        ansible-doc -t "${plugin%/*}" "virtops.libvirt.${plugin#*/}" >/dev/null
    done
    for role in "$installed"/ansible_collections/virtops/libvirt/roles/*; do
        ansible-doc -t role "virtops.libvirt.$(basename "$role")" >/dev/null
    done
    # Execution environment: ansible-builder finds the Python and system requirements in the
    # installed collection, and builds a context for an image holding the tarball.
    ansible-builder introspect --sanitize "$installed" >"$WORK/introspect.yml"
    for requirement in "libvirt-python" "lxml" "libvirt0 \[platform:dpkg\]" "libvirt-libs \[platform:rpm\]"; do
        grep -q "^- '$requirement" "$WORK/introspect.yml" \
            || { log "ansible-builder introspect does not find $requirement"; cat "$WORK/introspect.yml" >&2; return 1; }
    done
    mkdir -p "$WORK/ee"
    cat >"$WORK/ee/execution-environment.yml" <<EOF_EE
version: 3
images:
  base_image:
    name: quay.io/fedora/fedora:41
dependencies:
  ansible_core:
    package_pip: ansible-core==2.19.14
  ansible_runner:
    package_pip: ansible-runner
  galaxy:
    collections:
      - name: /build/collections/$(basename "$tarball")
        type: file
additional_build_files:
  - src: $tarball
    dest: collections
additional_build_steps:
  prepend_galaxy:
    - COPY _build/collections/ /build/collections/
EOF_EE
    ansible-builder create -f "$WORK/ee/execution-environment.yml" -c "$WORK/ee/context" --output-filename Containerfile >/dev/null
    grep -q "ansible-galaxy collection install" "$WORK/ee/context/Containerfile"
    [ -s "$WORK/ee/context/_build/collections/$(basename "$tarball")" ]
    # The demo playbook of the installed collection, then its cleanup (in the integration work
    # directory: QEMU's user cannot enter this run's private mktemp directory).
    touch "$WORK/guest-copied"
    guest=$(build_guest "$IT_WORKDIR/guest")
    local vars="{\"demo_guest\": $guest, \"demo_workdir\": \"$IT_WORKDIR/demo\", \"demo_name\": \"virtops-it-demo\", \"demo_pool\": \"virtops-it-demo\""
    local demo_rc=0
    run_demo virtops.libvirt.demo "$vars, \"demo_cleanup\": false}" || demo_rc=$?
    run_demo virtops.libvirt.demo "$vars, \"demo_cleanup\": true}"
    unset ANSIBLE_COLLECTIONS_PATH
    return $demo_rc
}

stage_integration() {
    local guest
    touch "$WORK/testbed-up"
    touch "$WORK/guest-copied"
    guest=$(build_guest "$IT_WORKDIR/guest")
    python3 "$ROOT/tests/testbed/testbed.py" up --guest "$guest" --workdir "$IT_WORKDIR" \
        --cache-dir "$CACHE_DIR/migration-hosts" --config "$COLLECTION/tests/integration/integration_config.yml"
    # The targets create and remove only their own virtops-it-* objects, so they may run on this
    # host ("destructive" in ansible-test's terms). A run that skipped a target must not pass.
    local expected ran
    local targets=()
    read -r -a targets <<<"${INTEGRATION_TARGETS:-}"
    if [ ${#targets[@]} -gt 0 ]; then
        expected=${#targets[@]}
    else
        # setup_* targets are roles the others include, never run on their own
        expected=$(find "$COLLECTION/tests/integration/targets" -mindepth 1 -maxdepth 1 -type d ! -name 'setup_*' | wc -l)
    fi
    local status=0
    (cd "$COLLECTION" && ansible-test integration --python 3.11 --local --allow-destructive --color no "${targets[@]}") \
        | python3 "$ROOT/tests/testbed/target_times.py" "$COLLECTION/tests/output/junit" | tee "$WORK/integration.log" || status=$?
    if [ "$status" -ne 0 ]; then
        # A long log is shown by its start and end: repeat the failed tasks where they are seen.
        python3 "$ROOT/tests/testbed/failed_tasks.py" "$WORK/integration.log" >&2
        return "$status"
    fi
    ran=$(grep -c "^Running .* integration test role" "$WORK/integration.log" || true)
    if [ "$ran" -ne "$expected" ]; then
        log "only $ran of $expected integration targets ran"
        return 1
    fi
}

stage_molecule() {
    # Each scenario under extensions/molecule runs its role against the local libvirtd with the
    # test guest; every scenario must run.
    local guest expected ran status=0
    touch "$WORK/guest-copied"
    guest=$(build_guest "$IT_WORKDIR/guest")
    # The evacuate and rolling_maintenance scenarios use the four namespaced libvirt hosts; started
    # afresh here (after the integration stage they replace its hosts), stopped by cleanup().
    touch "$WORK/molecule-hosts-up"
    python3 "$ROOT/tests/testbed/migration_hosts.py" --workdir "$IT_WORKDIR" \
        --cache-dir "$CACHE_DIR/migration-hosts" up >"$WORK/migration-hosts.json"
    printf '{"virtops_test_guest": %s, "virtops_test_workdir": "%s", "virtops_test_migration": %s}\n' \
        "$guest" "$IT_WORKDIR" "$(cat "$WORK/migration-hosts.json")" >"$WORK/molecule-vars.json"
    expected=$(find "$COLLECTION/extensions/molecule" -mindepth 2 -maxdepth 2 -name molecule.yml | wc -l)
    # ANSIBLE_COLLECTIONS_PATH: molecule finds this collection's dependencies (community.crypto) beside
    # it instead of asking Galaxy, which is out of reach here.
    (cd "$COLLECTION" && ANSIBLE_COLLECTIONS_PATH="$WORK" VIRTOPS_MOLECULE_VARS="$WORK/molecule-vars.json" \
        molecule test --all) 2>&1 \
        | tee "$WORK/molecule.log" || status=$?
    if [ "$status" -ne 0 ]; then
        python3 "$ROOT/tests/testbed/failed_tasks.py" "$WORK/molecule.log" >&2
        return "$status"
    fi
    ran=$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/molecule.log" | grep -c "^INFO .* verify: Executed: Successful" || true)
    if [ "$ran" -ne "$expected" ]; then
        log "only $ran of $expected molecule scenarios verified"
        return 1
    fi
}

for stage in "${stages[@]}"; do
    run_stage "$stage"
done
log "all stages passed: ${stages[*]}"
echo "stages: ${#stages[@]} passed, 0 failed"
