#!/usr/bin/env bash
# Every test of the collection on this machine (Debian 12, as root), set-up included:
#   sanity (ansible-test), ansible-lint (production), docs lint, unit tests, the integration
#   targets and the roles' molecule scenarios on the real libvirtd with the test guest.
# Usage: scripts/test.sh [sanity|lint|docs|units|integration|molecule ...]   (default: all, in that order)
#        INTEGRATION_TARGETS="module_disk module_cpu" scripts/test.sh integration   (some targets only)
# It removes what it created (test domains, the test network, daemons it started) at the end.
set -euo pipefail
# shellcheck source=scripts/common.sh
. "$(dirname "$0")/common.sh"

stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=(sanity lint docs units integration molecule)

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

mkdir -p "$COLLECTION"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard \
    | xargs -0 -I{} sh -c 'test -e "{}" && printf "%s\0" "{}"' \
    | tar --null -T - -cf -) | tar -xf - -C "$COLLECTION"
# ansible-test sanity validates what git tracks; give the copy its own repository.
(cd "$COLLECTION" && git init -q && git add -A && git -c user.email=t@t -c user.name=t commit -qm copy)

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
    (cd "$COLLECTION" && antsibull-docs lint-collection-docs --plugin-docs .)
}

stage_units() {
    (cd "$COLLECTION" && ansible-test units --python 3.11 --local --color no)
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
        expected=$(find "$COLLECTION/tests/integration/targets" -mindepth 1 -maxdepth 1 -type d | wc -l)
    fi
    (cd "$COLLECTION" && ansible-test integration --python 3.11 --local --allow-destructive --color no "${targets[@]}") \
        | tee "$WORK/integration.log"
    ran=$(grep -c "^Running .* integration test role" "$WORK/integration.log" || true)
    if [ "$ran" -ne "$expected" ]; then
        log "only $ran of $expected integration targets ran"
        return 1
    fi
}

stage_molecule() {
    # Each scenario under extensions/molecule runs its role against the local libvirtd with the
    # test guest; every scenario must run.
    local guest expected ran
    touch "$WORK/guest-copied"
    guest=$(build_guest "$IT_WORKDIR/guest")
    printf '{"virtops_test_guest": %s, "virtops_test_workdir": "%s"}\n' "$guest" "$IT_WORKDIR" >"$WORK/molecule-vars.json"
    expected=$(find "$COLLECTION/extensions/molecule" -mindepth 2 -maxdepth 2 -name molecule.yml | wc -l)
    (cd "$COLLECTION" && VIRTOPS_MOLECULE_VARS="$WORK/molecule-vars.json" molecule test --all) 2>&1 \
        | tee "$WORK/molecule.log"
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
