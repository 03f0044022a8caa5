#!/usr/bin/env bash
# Proves the Dockerfile without a Docker engine or registry access: builds it unchanged with
# buildah from local stand-ins for its base images, runs the image with podman, and prints its size.
#
#   1. debootstrap a Debian bookworm (minbase) and import it as the runtime base (debian:bookworm-slim);
#   2. the builder base (swift:6.3-bookworm) is that plus the Swift toolchain's system dependencies,
#      with the host's toolchain and Swift package mirror mounted read-only at their host paths
#      during the build (the same paths as on the host, so PATH and git's insteadOf work unchanged);
#   3. build the Dockerfile with BUILDER_BASE/RUNTIME_BASE pointing at the stand-ins;
#   4. run the image: `skyferry version`, the shared libraries resolve, user 65532, and
#      `agent --once` against moto_server on 127.0.0.1 (host network), whose credentials the AWS CLI
#      then uses for sts get-caller-identity;
#   5. print the image size; remove every image, container and file it made.
#
# Needs root, podman, buildah, debootstrap and runc (scripts/install-deps.sh installs them) and the
# repo's venv (moto_server, aws). Images live in a private vfs store under the scratch directory,
# so nothing outside it is touched.
# Environment:
#   SKYFERRY_VENV           venv with moto_server and aws (default <repo>/.venv)
#   SKYFERRY_DEBIAN_MIRROR  Debian mirror for debootstrap and apt in the images (default http://deb.debian.org/debian)
#   SKYFERRY_IMAGE_KEEP=1   keep the scratch directory (images, logs) for inspection
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SKYFERRY_VENV:-$repo_root/.venv}"

log() { printf 'image-test: [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || fail "needs root (podman/buildah with the vfs driver and debootstrap)"
for tool in podman buildah debootstrap runc; do
    command -v "$tool" >/dev/null || fail "$tool not found; run scripts/install-deps.sh"
done
[[ -x $venv/bin/moto_server && -x $venv/bin/aws ]] || fail "no moto_server/aws in $venv; run scripts/install-deps.sh"

# The Swift toolchain directory (the one holding usr/bin/swift) and the local package mirror that
# git's system config substitutes for https://github.com/.
swift_bin="$(command -v swift)" || fail "swift not on PATH"
toolchain="$(dirname "$(dirname "$(readlink -f "$swift_bin")")")"
toolchain="${toolchain%/usr}"
mirror="$(git config --system --get-regexp 'url\..*\.insteadof' | awk '$2 == "https://github.com/" { print $1; exit }')"
mirror="${mirror#url.}"
mirror="${mirror%.insteadof}"
mirror="${mirror%/}"
[[ -x $toolchain/usr/bin/swift ]] || fail "cannot find the Swift toolchain directory (got '$toolchain')"
[[ -n $mirror && -d $mirror ]] || fail "no Swift package mirror in git's system config (url.<dir>/.insteadOf https://github.com/)"
debian_mirror="${SKYFERRY_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
log "toolchain $toolchain, package mirror $mirror, Debian mirror $debian_mirror"

scratch="$(mktemp -d "${TMPDIR:-/var/tmp}/skyferry-image-test.XXXXXX")"
moto_pid=""
# A private image store: vfs (no overlay in this sandbox), runc (crun cannot run here), lowered
# ulimits (no CAP_SYS_RESOURCE), host network (no bridge). See shared/reference/feasibility.md §4.
store=(--root "$scratch/storage" --runroot "$scratch/run" --storage-driver vfs)
pod() { podman "${store[@]}" --runtime runc "$@"; }
run_image() {
    pod run --rm --ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --network host \
        -e HTTPS_PROXY=http://127.0.0.1:9 -e HTTP_PROXY=http://127.0.0.1:9 -e NO_PROXY=127.0.0.1,localhost "$@"
}

cleanup() {
    local status=$?
    if [[ -n $moto_pid ]]; then
        kill "$moto_pid" 2>/dev/null || true
        wait "$moto_pid" 2>/dev/null || true
    fi
    pod rm --all --force >/dev/null 2>&1 || true
    pod rmi --all --force >/dev/null 2>&1 || true
    if [[ ${SKYFERRY_IMAGE_KEEP:-0} == 1 ]]; then
        log "kept $scratch"
    else
        rm -rf "$scratch"
    fi
    exit "$status"
}
trap cleanup EXIT

# --- 1. runtime base: debootstrap'd bookworm ------------------------------------------------------
log "debootstrap bookworm (minbase)"
debootstrap --variant=minbase bookworm "$scratch/rootfs" "$debian_mirror" >"$scratch/debootstrap.log" 2>&1 \
    || { tail -n 20 "$scratch/debootstrap.log" >&2; fail "debootstrap failed (log above)"; }
# Like the real debian:bookworm-slim: updates and security suites too.
cat >"$scratch/rootfs/etc/apt/sources.list" <<EOF
deb $debian_mirror bookworm main
deb $debian_mirror bookworm-updates main
deb ${debian_mirror%/debian}/debian-security bookworm-security main
EOF
rm -rf "$scratch/rootfs/var/cache/apt/archives/"*.deb "$scratch/rootfs/var/lib/apt/lists/"*
tar -C "$scratch/rootfs" -c . | pod import --quiet - localhost/skyferry-test/bookworm >/dev/null
rm -rf "$scratch/rootfs"

# --- 2. builder base: the toolchain's system dependencies; the toolchain itself is mounted ------
log "builder stand-in (swift:6.3-bookworm)"
mkdir -p "$scratch/builder"
cat >"$scratch/builder/Containerfile" <<EOF
FROM localhost/skyferry-test/bookworm
RUN apt-get update \\
 && apt-get install -y --no-install-recommends binutils gcc libc6-dev libstdc++-12-dev libgcc-12-dev \\
      libcurl4 libxml2 libsqlite3-0 libncurses6 libedit2 libuuid1 zlib1g-dev tzdata git ca-certificates pkg-config \\
 && rm -rf /var/lib/apt/lists/*
RUN git config --system url.$mirror/.insteadOf https://github.com/ && git config --system --add safe.directory '*'
ENV PATH=$toolchain/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
buildah "${store[@]}" bud --quiet --isolation chroot --network host \
    -f "$scratch/builder/Containerfile" -t localhost/skyferry-test/swift-builder "$scratch/builder" >/dev/null

# --- 3. the real Dockerfile, unchanged --------------------------------------------------------------
log "build Dockerfile (release, --static-swift-stdlib; about 5 min on 2 cores)"
build_start=$SECONDS
buildah "${store[@]}" bud --isolation chroot --network host --layers \
    -v "$toolchain:$toolchain:ro" -v "$mirror:$mirror:ro" \
    --build-arg BUILDER_BASE=localhost/skyferry-test/swift-builder \
    --build-arg RUNTIME_BASE=localhost/skyferry-test/bookworm \
    -t localhost/skyferry:image-test -f "$repo_root/Dockerfile" "$repo_root" >"$scratch/build.log" 2>&1 \
    || { tail -n 40 "$scratch/build.log" >&2; fail "image build failed (log above)"; }
log "image built in $((SECONDS - build_start)) s"
image=localhost/skyferry:image-test

# --- 4. run it --------------------------------------------------------------------------------------
user="$(pod image inspect --format '{{.Config.User}}' "$image")"
[[ $user == 65532:65532 ]] || fail "image user is '$user', expected 65532:65532"
entrypoint="$(pod image inspect --format '{{json .Config.Entrypoint}}' "$image")"
[[ $entrypoint == '["/usr/local/bin/skyferry"]' ]] || fail "entrypoint is $entrypoint"

version="$(run_image "$image" version)"
log "skyferry version -> $version"
[[ $version == "skyferry "* ]] || fail "unexpected version output '$version'"

libs="$(run_image --entrypoint /usr/bin/ldd "$image" /usr/local/bin/skyferry)"
if grep -q 'not found' <<<"$libs"; then
    printf '%s\n' "$libs" >&2
    fail "the runtime image lacks shared libraries the binary needs"
fi
log "linked: $(awk '$1 ~ /^lib/ { printf "%s ", $1 }' <<<"$libs")"

# agent --once: a projected-token stand-in (moto does not verify it) exchanged at moto's STS.
port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$scratch/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do
    curl -fsS --noproxy '*' -o /dev/null "http://127.0.0.1:$port/moto-api/" 2>/dev/null && break
    kill -0 "$moto_pid" 2>/dev/null || { cat "$scratch/moto.log" >&2; fail "moto_server exited"; }
    sleep 0.2
done

b64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
now="$(date +%s)"
header="$(printf '{"alg":"RS256","typ":"JWT","kid":"image-test"}' | b64url)"
payload="$(printf '{"iss":"https://oidc.example.invalid","sub":"system:serviceaccount:default:image-test","aud":["sts.amazonaws.com"],"iat":%d,"nbf":%d,"exp":%d}' \
    "$now" "$now" $((now + 3600)) | b64url)"
mkdir -p "$scratch/pod/token" "$scratch/pod/out"
printf '%s.%s.%s' "$header" "$payload" "$(printf 'not-a-real-signature' | b64url)" >"$scratch/pod/token/token"
cat >"$scratch/pod/agent.yaml" <<EOF
source:
  tokenFile: /pod/token/token
targets:
  - name: image-test
    aws:
      roleArn: arn:aws:iam::111122223333:role/skyferry-image-test
      region: us-east-1
      stsEndpoint: http://127.0.0.1:$port
    outputs:
      awsCredentialsFile: {path: /pod/out/aws/credentials}
EOF
chmod 0644 "$scratch/pod/token/token" "$scratch/pod/agent.yaml"
chown 65532:65532 "$scratch/pod/out"

log "agent --once against moto on 127.0.0.1:$port"
run_image -v "$scratch/pod:/pod" "$image" agent --config /pod/agent.yaml --once \
    || fail "agent --once failed"
[[ -s $scratch/pod/out/aws/credentials ]] || fail "agent wrote no credentials file"
owner="$(stat -c '%u %a' "$scratch/pod/out/aws/credentials")"
[[ $owner == "65532 600" ]] || fail "credentials file has owner/mode '$owner', expected '65532 600'"

arn="$(HOME="$scratch" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE="$scratch/pod/out/aws/credentials" \
    AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL="http://127.0.0.1:$port" \
    HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost \
    "$venv/bin/aws" sts get-caller-identity --query Arn --output text)"
log "aws sts get-caller-identity with the agent's credentials -> $arn"
[[ $arn == *":assumed-role/skyferry-image-test/"* ]] || fail "unexpected caller identity '$arn'"

# --- 5. size ------------------------------------------------------------------------------------------
size_bytes="$(pod image inspect --format '{{.Size}}' "$image")"
binary_bytes="$(run_image --entrypoint /usr/bin/stat "$image" -c %s /usr/local/bin/skyferry)"
base_bytes="$(pod image inspect --format '{{.Size}}' localhost/skyferry-test/bookworm)"
printf 'image-test: image size %d MB (runtime base %d MB, skyferry binary %d MB); total %d s\n' \
    $((size_bytes / 1000000)) $((base_bytes / 1000000)) $((binary_bytes / 1000000)) "$SECONDS"
echo "image-test: OK"
