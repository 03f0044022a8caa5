#!/usr/bin/env bash
# Installs what building and testing Skyferry needs on Debian 12, idempotently:
#   - Debian packages: the C libraries the Swift targets link (libcurl, libcrypto, libyaml),
#     pkg-config, python3-venv, binutils (strip, for bench), shellcheck (lint) and wrk (endpoint load bench);
#   - yamllint (deployment checks) and podman, buildah, debootstrap, runc (scripts/image-test.sh);
#   - a Python venv at <repo>/.venv with the pinned test peers from scripts/requirements-test.txt
#     (moto, awscli, boto3, pytest, PyJWT, azure-identity);
#   - a second venv at <repo>/.venv-az with the Azure CLI from scripts/requirements-az.txt (its pins clash
#     with the main venv's; ~4 minutes the first time; SKYFERRY_SKIP_AZ_CLI=1 skips it).
# apt runs only when a package is missing; pip runs only when the requirements changed.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo_root/.venv"
requirements="$repo_root/scripts/requirements-test.txt"
az_venv="$repo_root/.venv-az"
az_requirements="$repo_root/scripts/requirements-az.txt"

apt_packages=(
    libcurl4-openssl-dev
    libssl-dev
    libyaml-dev
    pkg-config
    python3-venv
    binutils
    shellcheck
    wrk
    yamllint
    podman
    buildah
    debootstrap
    runc
)

log() { printf 'install-deps: %s\n' "$*" >&2; }

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo "$@"
    else
        log "need root (or sudo) to run: $*"
        return 1
    fi
}

install_apt_packages() {
    local missing=() pkg
    for pkg in "${apt_packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
            missing+=("$pkg")
        fi
    done
    if [[ ${#missing[@]} -eq 0 ]]; then
        log "Debian packages present"
        return 0
    fi
    log "installing Debian packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# The interpreter for the venv: the python3 on PATH if it can make venvs, else Debian's.
pick_python() {
    local candidate
    for candidate in "$(command -v python3 || true)" /usr/bin/python3; do
        if [[ -n $candidate && -x $candidate ]] && "$candidate" -c 'import venv, ensurepip' 2>/dev/null; then
            printf '%s\n' "$candidate"
            return 0
        fi
    done
    log "no python3 with the venv module found"
    return 1
}

# install_venv VENV REQUIREMENTS IMPORT_CHECK: (re)installs REQUIREMENTS into VENV unless the stamp in VENV
# says they (and the interpreter) are unchanged and IMPORT_CHECK still runs there.
install_venv() {
    local venv_dir="$1" requirements_file="$2" import_check="$3"
    local stamp_file="$venv_dir/.skyferry-requirements.sha256" python want have=""
    python="$(pick_python)"
    want="$( { sha256sum "$requirements_file" | cut -d' ' -f1; "$python" -c 'import sys; print(sys.version)'; } \
        | sha256sum | cut -d' ' -f1)"
    if [[ -f $stamp_file ]]; then
        have="$(cat "$stamp_file")"
    fi
    if [[ $have == "$want" && -x $venv_dir/bin/python ]] && "$venv_dir/bin/python" -c "$import_check" 2>/dev/null; then
        log "venv up to date: $venv_dir"
        return 0
    fi
    if [[ ! -x $venv_dir/bin/python ]] || ! "$venv_dir/bin/python" -c 'import sys' 2>/dev/null; then
        log "creating venv $venv_dir with $python"
        rm -rf "$venv_dir"
        "$python" -m venv "$venv_dir"
    fi
    log "installing $requirements_file into $venv_dir"
    rm -f "$stamp_file"
    "$venv_dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements_file"
    printf '%s\n' "$want" >"$stamp_file"
}

install_apt_packages
install_venv "$venv" "$requirements" 'import moto, boto3, awscli, jwt, pytest, azure.identity'
if [[ ${SKYFERRY_SKIP_AZ_CLI:-0} == 1 ]]; then
    log "skipping the Azure CLI venv (SKYFERRY_SKIP_AZ_CLI=1)"
else
    install_venv "$az_venv" "$az_requirements" 'import azure.cli.core'
fi
