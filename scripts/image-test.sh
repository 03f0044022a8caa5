#!/usr/bin/env bash
# Proves the Dockerfile without a Docker engine or registry access: builds it unchanged with
# buildah from local stand-ins for its base images, runs the image with podman, and prints its size.
#
#   1. debootstrap a Debian bookworm (minbase);
#   2. the builder base (swift:6.3-bookworm) is that plus the Swift toolchain's system dependencies,
#      with the host's toolchain and Swift package mirror mounted read-only at their host paths
#      during the build (the same paths as on the host, so PATH and git's insteadOf work unchanged);
#   3. build the Dockerfile with BUILDER_BASE pointing at the stand-in (the runtime is `scratch`);
#   4. run the image in every role, host network, as uid 65532:
#      - `skyferry version`; no shell in the image; the image's own dynamic loader resolves every
#        shared object of the binary (`ld.so --list`);
#      - `agent --once` against moto_server on 127.0.0.1, whose credentials the AWS CLI then uses
#        for sts get-caller-identity;
#      - `webhook` with a test certificate, listening on a host name that only the container's
#        /etc/hosts knows (getaddrinfo through glibc's NSS in the scratch image): GET /healthz over
#        HTTPS from the host at 127.0.0.1, verified against the certificate;
#      - a long-running `agent` with an `awsContainerEndpoint` output: `skyferry probe` of /readyz
#        inside the container (the exec probe of a shell-less image), then the AWS CLI on the host
#        with AWS_CONTAINER_CREDENTIALS_FULL_URI and the token file the agent wrote to a host dir;
#        both servers stop on SIGTERM;
#   5. print the image size, its layers and its largest files, and fail above SKYFERRY_IMAGE_MAX_MB;
#      remove every image, container and file it made.
#
# Needs root, podman, buildah, debootstrap and runc (scripts/install-deps.sh installs them) and the
# repo's venv (moto_server, aws). Images live in a private vfs store under the scratch directory,
# so nothing outside it is touched.
# Environment:
#   SKYFERRY_VENV           venv with moto_server and aws (default <repo>/.venv)
#   SKYFERRY_DEBIAN_MIRROR  Debian mirror for debootstrap and apt in the images (default http://deb.debian.org/debian)
#   SKYFERRY_IMAGE_KEEP=1   keep the scratch directory (images, logs) for inspection
#   SKYFERRY_IMAGE_MAX_MB   largest image size accepted, in MB of 10^6 bytes (default 50, the target)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${SKYFERRY_VENV:-$repo_root/.venv}"

log() { printf 'image-test: [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*" >&2; }
fail() { log "FAIL: $*"; exit 1; }

[[ $(id -u) -eq 0 ]] || fail "needs root (podman/buildah with the vfs driver and debootstrap)"
for tool in podman buildah debootstrap runc openssl readelf; do
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
max_mb="${SKYFERRY_IMAGE_MAX_MB:-50}"
log "toolchain $toolchain, package mirror $mirror, Debian mirror $debian_mirror"

scratch="$(mktemp -d "${TMPDIR:-/var/tmp}/skyferry-image-test.XXXXXX")"
moto_pid=""
# A private image store: vfs (no overlay in this sandbox), runc (crun cannot run here), lowered
# ulimits (no CAP_SYS_RESOURCE), host network (no bridge). See shared/reference/feasibility.md §4.
store=(--root "$scratch/storage" --runroot "$scratch/run" --storage-driver vfs)
pod() { podman "${store[@]}" --runtime runc "$@"; }
# A host name only the container's /etc/hosts maps (to 127.0.0.1): the webhook binds it (getaddrinfo).
# The agent's STS endpoint stays 127.0.0.1: plain http:// is refused for any other name.
name_host=webhook.image-test.invalid
# shellcheck disable=SC2054 # NO_PROXY takes a comma-separated list: one argument
run_opts=(--ulimit nofile=1024:1024 --ulimit nproc=4096:4096 --network host
    --add-host "$name_host:127.0.0.1"
    -e HTTPS_PROXY=http://127.0.0.1:9 -e HTTP_PROXY=http://127.0.0.1:9 -e NO_PROXY=127.0.0.1,localhost)
run_image() { pod run --rm "${run_opts[@]}" "$@"; }
free_port() {
    "$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# wait_for URL [curl options]: until it answers 200 (30 s).
wait_for() {
    local url=$1
    shift
    for _ in $(seq 1 150); do
        curl -fsS --noproxy '*' -o /dev/null "$@" "$url" 2>/dev/null && return 0
        sleep 0.2
    done
    return 1
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

# --- 1. debootstrap'd bookworm, the base of the builder stand-in ------------------------------------
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

# The image's file system, for the checks below and the size breakdown.
pod create --name skyferry-export "$image" >/dev/null
pod export skyferry-export >"$scratch/image.tar"
pod rm skyferry-export >/dev/null
mkdir "$scratch/image-root"
tar -C "$scratch/image-root" -xf "$scratch/image.tar"
for shell in bin/sh bin/bash bin/busybox usr/bin/apt-get usr/bin/dpkg; do
    [[ ! -e $scratch/image-root/$shell && ! -L $scratch/image-root/$shell ]] || fail "the image holds /$shell"
done
if run_image --entrypoint /bin/sh "$image" -c true >/dev/null 2>&1; then fail "/bin/sh ran in the image"; fi
for file in etc/ssl/certs/ca-certificates.crt etc/passwd etc/group etc/nsswitch.conf; do
    [[ -s $scratch/image-root/$file ]] || fail "the image lacks /$file"
done
# The dynamic loader the binary names, run from the image as the entrypoint: it resolves the closure.
interp="$(readelf -l "$scratch/image-root/usr/local/bin/skyferry" \
    | sed -n 's/.*Requesting program interpreter: \(.*\)]$/\1/p')"
[[ -n $interp && -e $scratch/image-root$interp ]] || fail "the image lacks the binary's loader '$interp'"
libs="$(run_image --entrypoint "$interp" "$image" --list /usr/local/bin/skyferry)" \
    || { printf '%s\n' "$libs" >&2; fail "$interp --list failed in the image"; }
if grep -q 'not found' <<<"$libs"; then
    printf '%s\n' "$libs" >&2
    fail "the runtime image lacks shared libraries the binary needs"
fi
log "linked ($interp --list in the image): $(awk '$1 ~ /^lib/ { printf "%s ", $1 }' <<<"$libs")"

# agent --once: a projected-token stand-in (moto does not verify it) exchanged at moto's STS.
port="$(free_port)"
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

# webhook: HTTPS with a test certificate for 127.0.0.1, GET /healthz verified against that certificate.
mkdir -p "$scratch/webhook"
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
    -keyout "$scratch/webhook/tls.key" -out "$scratch/webhook/tls.crt" 2>/dev/null
webhook_port="$(free_port)"
cat >"$scratch/webhook/webhook.yaml" <<EOF
listen: "$name_host:$webhook_port"
tls: {certFile: /webhook/tls.crt, keyFile: /webhook/tls.key}
agent:
  image: localhost/skyferry:image-test
EOF
chown -R 65532:65532 "$scratch/webhook"
chmod 0400 "$scratch/webhook/tls.key"
log "webhook listening on $name_host:$webhook_port (127.0.0.1 in the container's /etc/hosts)"
pod run -d --name skyferry-webhook "${run_opts[@]}" -v "$scratch/webhook:/webhook:ro" "$image" \
    webhook --config /webhook/webhook.yaml >/dev/null
if ! wait_for "https://127.0.0.1:$webhook_port/healthz" --cacert "$scratch/webhook/tls.crt"; then
    pod logs skyferry-webhook >&2 || true
    fail "the webhook's /healthz did not answer 200 over HTTPS"
fi
log "webhook https://127.0.0.1:$webhook_port/healthz -> 200, verified against the test certificate"

# Long-running agent serving the AWS container-credentials endpoint; the token file lands in a host dir.
endpoint_port="$(free_port)"
health_port="$(free_port)"
mkdir -p "$scratch/pod/endpoint"
chown 65532:65532 "$scratch/pod/endpoint"
cat >"$scratch/pod/endpoint.yaml" <<EOF
source:
  tokenFile: /pod/token/token
health: {listen: "127.0.0.1:$health_port"}
targets:
  - name: image-test
    aws:
      roleArn: arn:aws:iam::111122223333:role/skyferry-image-test
      region: us-east-1
      stsEndpoint: http://127.0.0.1:$port
    outputs:
      awsContainerEndpoint: {listen: "127.0.0.1:$endpoint_port", authTokenFile: /pod/endpoint/token}
EOF
chmod 0644 "$scratch/pod/endpoint.yaml"
log "agent with awsContainerEndpoint on 127.0.0.1:$endpoint_port"
pod run -d --name skyferry-agent "${run_opts[@]}" -v "$scratch/pod:/pod" "$image" \
    agent --config /pod/endpoint.yaml >/dev/null
if ! wait_for "http://127.0.0.1:$health_port/readyz"; then
    pod logs skyferry-agent >&2 || true
    fail "the agent's /readyz did not answer 200"
fi
pod exec skyferry-agent /usr/local/bin/skyferry probe "http://127.0.0.1:$health_port/readyz" \
    || fail "skyferry probe in the container did not report ready"
[[ -s $scratch/pod/endpoint/token ]] || fail "the agent wrote no endpoint token file"
arn="$(HOME="$scratch" AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$endpoint_port/v1/credentials/image-test" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE="$scratch/pod/endpoint/token" \
    AWS_EC2_METADATA_DISABLED=true AWS_DEFAULT_REGION=us-east-1 AWS_ENDPOINT_URL="http://127.0.0.1:$port" \
    HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost \
    "$venv/bin/aws" sts get-caller-identity --query Arn --output text)" || fail "the AWS CLI failed with the endpoint"
log "aws sts get-caller-identity through the container endpoint -> $arn"
[[ $arn == *":assumed-role/skyferry-image-test/"* ]] || fail "unexpected caller identity '$arn'"

for name in skyferry-agent skyferry-webhook; do
    stop_start=$SECONDS
    pod stop --time 10 "$name" >/dev/null
    log "$name stopped in $((SECONDS - stop_start)) s, exit $(pod inspect --format '{{.State.ExitCode}}' "$name")"
done

# --- 5. size ------------------------------------------------------------------------------------------
size_bytes="$(pod image inspect --format '{{.Size}}' "$image")"
binary_bytes="$(stat -c %s "$scratch/image-root/usr/local/bin/skyferry")"
printf 'image-test: layers (size, created by):\n' >&2
pod history --format '{{.Size}}\t{{.CreatedBy}}' "$image" | cut -c1-150 | sed 's/^/    /' >&2
printf 'image-test: largest files (bytes):\n' >&2
find "$scratch/image-root" -type f -printf '%s\t/%P\n' | sort -rn | head -n 40 | sed 's/^/    /' >&2
printf 'image-test: image size %d bytes = %d MB (skyferry binary %d MB, the rest %d MB); total %d s\n' \
    "$size_bytes" $((size_bytes / 1000000)) $((binary_bytes / 1000000)) \
    $(((size_bytes - binary_bytes) / 1000000)) "$SECONDS"
((size_bytes <= max_mb * 1000000)) || fail "the image is larger than $max_mb MB"
echo "image-test: OK"
