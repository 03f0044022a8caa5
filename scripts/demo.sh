#!/usr/bin/env bash
# Demo: Skyferry turns a service-account token into AWS credentials that the AWS CLI uses.
# Starts moto (a local AWS) on 127.0.0.1, puts a bucket and an object in it, makes a demo JWT,
# runs `skyferry agent --once`, then lists the bucket and shows the assumed role with the written
# credentials file. SKYFERRY_BIN=PATH skips the build. Everything stays on 127.0.0.1; moto is stopped on exit.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

scripts/install-deps.sh
if [[ -n ${SKYFERRY_BIN:-} ]]; then
    skyferry="$SKYFERRY_BIN"
else
    swift build --product skyferry
    skyferry="$(swift build --show-bin-path)/skyferry"
fi

venv="$repo_root/.venv"
workdir="$(mktemp -d -t skyferry-demo.XXXXXX)"
moto_pid=""
cleanup() {
    if [[ -n $moto_pid ]]; then
        kill "$moto_pid" 2>/dev/null || true
        wait "$moto_pid" 2>/dev/null || true
    fi
    rm -rf "$workdir"
}
trap cleanup EXIT

# Clients: isolated from ~/.aws, and any request that is not for loopback hits a dead port.
export HOME="$workdir/home" AWS_CONFIG_FILE="$workdir/aws-config" AWS_EC2_METADATA_DISABLED=true
export AWS_DEFAULT_REGION=us-east-1
export HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 NO_PROXY=127.0.0.1,localhost
export https_proxy=$HTTPS_PROXY http_proxy=$HTTP_PROXY no_proxy=$NO_PROXY
mkdir -p "$HOME"
: >"$AWS_CONFIG_FILE"

port="$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
endpoint="http://127.0.0.1:$port"
echo "==> starting moto on $endpoint"
"$venv/bin/moto_server" -H 127.0.0.1 -p "$port" >"$workdir/moto.log" 2>&1 &
moto_pid=$!
for _ in $(seq 1 100); do
    if "$venv/bin/python" -c 'import sys, urllib.request as u; u.build_opener(u.ProxyHandler({})).open(sys.argv[1], timeout=1)' \
        "$endpoint/moto-api/" 2>/dev/null; then
        break
    fi
    if ! kill -0 "$moto_pid" 2>/dev/null; then
        cat "$workdir/moto.log" >&2
        exit 1
    fi
    sleep 0.1
done

echo "==> creating s3://skyferry-demo with an object (as moto's admin)"
echo "hello from skyferry" >"$workdir/hello.txt"
AWS_ACCESS_KEY_ID=admin AWS_SECRET_ACCESS_KEY=admin AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    "$venv/bin/aws" --endpoint-url "$endpoint" s3 mb s3://skyferry-demo
AWS_ACCESS_KEY_ID=admin AWS_SECRET_ACCESS_KEY=admin AWS_SHARED_CREDENTIALS_FILE=/dev/null \
    "$venv/bin/aws" --endpoint-url "$endpoint" s3 cp --only-show-errors "$workdir/hello.txt" s3://skyferry-demo/hello.txt

echo "==> making a demo service-account token (RS256, sub=system:serviceaccount:shop:api)"
"$venv/bin/python" - "$workdir/token.jwt" <<'PY'
import sys, time, uuid
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
now = int(time.time())
claims = {"iss": "https://oidc.skyferry.demo", "sub": "system:serviceaccount:shop:api",
          "aud": ["sts.amazonaws.com"], "iat": now, "nbf": now, "exp": now + 3600, "jti": str(uuid.uuid4())}
with open(sys.argv[1], "w") as f:
    f.write(jwt.encode(claims, key, algorithm="RS256", headers={"kid": "demo"}))
PY

mkdir -p "$workdir/out"
cat >"$workdir/skyferry.yaml" <<YAML
source:
  tokenFile: $workdir/token.jwt
targets:
  - name: s3
    aws:
      roleArn: arn:aws:iam::123456789012:role/reader
      region: us-east-1
      sessionName: skyferry-demo
      stsEndpoint: $endpoint
    outputs:
      awsCredentialsFile: {path: $workdir/out/credentials, profile: default}
YAML
echo "==> config:"
cat "$workdir/skyferry.yaml"

echo "==> skyferry agent --once"
"$skyferry" agent --config "$workdir/skyferry.yaml" --once
echo "==> wrote $workdir/out/credentials ($(stat -c %a "$workdir/out/credentials")) with keys:"
sed -E 's/=.*/= …/' "$workdir/out/credentials"

export AWS_SHARED_CREDENTIALS_FILE="$workdir/out/credentials" AWS_ENDPOINT_URL="$endpoint"
echo "==> aws s3 ls s3://skyferry-demo (with the written credentials)"
"$venv/bin/aws" s3 ls s3://skyferry-demo
echo "==> aws sts get-caller-identity"
"$venv/bin/aws" sts get-caller-identity --query Arn --output text
