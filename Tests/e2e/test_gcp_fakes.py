"""The GCP-side fakes themselves (fake_gcp.py, fake_aws_metadata.py): a verifying fake that does not
verify would let every test_gcp_* test pass. Checked against google-auth's own golden subject token
(shared/vectors) and tokens google-auth signs here, without the agent."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from e2e_support import REPO_ROOT, free_port
from fakes.fake_aws_metadata import FakeContainerCredentials, FakeIMDS, random_credentials
from fakes.fake_gcp import (
    AWS_TOKEN_TYPE,
    JWT_TOKEN_TYPE,
    decode_aws_subject_token,
    recompute_signature,
)
from gcp_support import GCP_AUDIENCE, GCP_TOKEN_AUDIENCE, KID, SERVICE_ACCOUNT, client_env

pytest_plugins = ["conftest_gcp"]

VECTORS = Path(os.environ.get("SKYFERRY_VECTORS", "/work/shared/vectors")) / "google-auth-aws"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None, data: bytes | None = None):
    request = urllib.request.Request(url, method=method, headers=headers or {}, data=data)
    try:
        with OPENER.open(request, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


# --- STS: JWT ------------------------------------------------------------------------------------


def test_a_valid_jwt_is_exchanged_and_the_token_works(fake_gcp, make_jwt):
    status, body = fake_gcp.exchange(make_jwt(aud=[GCP_TOKEN_AUDIENCE]), JWT_TOKEN_TYPE)
    assert status == 200, body
    assert body["access_token"] == "fake-sts-access-token-1" and body["expires_in"] == 3600
    assert body["token_type"] == "Bearer"
    assert fake_gcp.resource_status(body["access_token"]) == 200
    assert fake_gcp.resource_status("fake-sts-access-token-2") == 401


@pytest.mark.parametrize(("case", "description"), [
    ("wrong aud", "does not match the expected audience"),
    ("expired", "expired"),
    ("future iat", "in the future"),
    ("too long", "48 hours"),
    ("other key", "signature"),
    ("unknown kid", "key id"),
    ("other issuer", "issuer"),
    ("HS256", "algorithm"),
])
def test_bad_jwts_are_invalid_grants(fake_gcp, make_jwt, case, description):
    import time

    now = int(time.time())
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    good = jwt.decode(make_jwt(aud=[GCP_TOKEN_AUDIENCE]), options={"verify_signature": False})
    token = {
        "wrong aud": lambda: make_jwt(aud=["sts.amazonaws.com"]),
        "expired": lambda: make_jwt(expired=True, aud=[GCP_TOKEN_AUDIENCE]),
        "future iat": lambda: make_jwt(aud=[GCP_TOKEN_AUDIENCE], iat=now + 600),
        "too long": lambda: make_jwt(aud=[GCP_TOKEN_AUDIENCE], lifetime=49 * 3600),
        "other key": lambda: jwt.encode(good, other, algorithm="RS256", headers={"kid": KID}),
        "unknown kid": lambda: jwt.encode(good, other, algorithm="RS256", headers={"kid": "rotated"}),
        "other issuer": lambda: make_jwt(aud=[GCP_TOKEN_AUDIENCE], iss="https://evil.example"),
        "HS256": lambda: jwt.encode(good, "secret-key-long-enough-for-hmac-sha256!", algorithm="HS256",
                                    headers={"kid": KID}),
    }[case]()
    status, body = fake_gcp.exchange(token, JWT_TOKEN_TYPE)
    assert status == 400 and body["error"] == "invalid_grant", body
    assert description in body["error_description"]
    assert fake_gcp.issued == []


@pytest.mark.parametrize(("audience", "error"), [
    (GCP_AUDIENCE.replace("123456", "my-project"), "invalid_request"),
    (GCP_AUDIENCE.replace("/global/", "/us/"), "invalid_request"),
    (GCP_AUDIENCE.replace("providers/prov", "providers/other"), "invalid_target"),
    (GCP_AUDIENCE.replace("pool/", "other-pool/"), "invalid_target"),
])
def test_wrong_audiences(fake_gcp, make_jwt, audience, error):
    status, body = fake_gcp.exchange(make_jwt(aud=[GCP_TOKEN_AUDIENCE]), JWT_TOKEN_TYPE, audience=audience)
    assert (status, body["error"]) == (400, error), body


def test_attribute_condition(fake_gcp, make_jwt):
    fake_gcp.provider.condition = lambda attributes: attributes["sub"] == "system:serviceaccount:prod:app"
    status, body = fake_gcp.exchange(make_jwt(aud=[GCP_TOKEN_AUDIENCE]), JWT_TOKEN_TYPE)
    assert (status, body["error"]) == (400, "unauthorized_client")
    status, _ = fake_gcp.exchange(make_jwt(aud=[GCP_TOKEN_AUDIENCE], sub="system:serviceaccount:prod:app"),
                                  JWT_TOKEN_TYPE)
    assert status == 200


# --- STS: aws4_request ------------------------------------------------------------------------------


def test_google_auth_golden_subject_token_recomputes_with_botocore():
    if not VECTORS.is_dir():
        pytest.skip(f"no vectors at {VECTORS}")
    vector = json.loads((VECTORS / "subject-token.google-auth-python-2.63.0.json").read_text())
    creds = json.loads((VECTORS / "aws-imds-security-credentials.json").read_text())
    doc = decode_aws_subject_token(vector["subject_token_urlencoded"])
    expected, canonical, signature = recompute_signature(doc, creds["SecretAccessKey"], creds["Token"])
    assert expected == signature == "73452984e4a880ffdc5c392355733ec3f5ba310d5e0609a89244440cadfe7a7a"
    assert canonical.startswith("POST\n/\nAction=GetCallerIdentity&Version=2011-06-15\nhost:sts.us-east-2.amazonaws.com\n")
    wrong, _, _ = recompute_signature(doc, creds["SecretAccessKey"][:-1] + "A", creds["Token"])
    assert wrong != signature


GOOGLE_AUTH_AWS_TOKEN = r"""
import sys
from google.auth import aws
info = {"type": "external_account", "audience": sys.argv[1], "token_url": "http://127.0.0.1:9/v1/token",
        "subject_token_type": "urn:ietf:params:aws:token-type:aws4_request",
        "credential_source": {"environment_id": "aws1", "region_url": "http://127.0.0.1:9/az",
                              "url": "http://127.0.0.1:9/creds",
                              "regional_cred_verification_url": "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"}}
print(aws.Credentials.from_info(info).retrieve_subject_token(None))
"""


@pytest.fixture
def google_auth_aws_token(gws):
    """A subject token signed by google-auth itself (target resource unsigned, Python style)."""
    creds = random_credentials()
    env = client_env(gws, AWS_ACCESS_KEY_ID=creds.access_key_id, AWS_SECRET_ACCESS_KEY=creds.secret_access_key,
                     AWS_SESSION_TOKEN=creds.session_token, AWS_REGION="us-west-2")
    result = subprocess.run([sys.executable, "-c", GOOGLE_AUTH_AWS_TOKEN, GCP_AUDIENCE], env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return creds, result.stdout.strip()


def test_a_google_auth_signed_token_passes_only_when_unsigned_target_resource_is_allowed(fake_gcp, google_auth_aws_token):
    creds, token = google_auth_aws_token
    fake_gcp.register_aws_credentials(creds.access_key_id, creds.secret_access_key, creds.session_token)
    status, body = fake_gcp.exchange(token, AWS_TOKEN_TYPE)
    assert (status, body["error"]) == (400, "invalid_grant")
    assert "not among the SignedHeaders" in body["error_description"]
    fake_gcp.provider.require_signed_target_resource = False
    status, body = fake_gcp.exchange(token, AWS_TOKEN_TYPE)
    assert status == 200, body
    assert fake_gcp.aws_verifications[-1].ok and fake_gcp.aws_verifications[-1].region == "us-west-2"


def _rewrite(token: str, edit) -> str:
    doc = decode_aws_subject_token(token)
    edit(doc)
    return urllib.parse.quote(json.dumps(doc), safe="/")


@pytest.mark.parametrize(("case", "fragment"), [
    ("wrong secret", "SignatureDoesNotMatch"),
    ("unknown key", "InvalidClientTokenId"),
    ("other session token", "InvalidClientTokenId"),
    ("other audience", "does not match the audience"),
    ("tampered date", "SignatureDoesNotMatch"),
    ("GET", "must be POST"),
    ("other action", "regional GetCallerIdentity"),
])
def test_bad_aws_tokens_are_refused(fake_gcp, google_auth_aws_token, case, fragment):
    creds, token = google_auth_aws_token
    fake_gcp.provider.require_signed_target_resource = False
    secret = "x" * 40 if case == "wrong secret" else creds.secret_access_key
    session = "other" if case == "other session token" else creds.session_token
    if case != "unknown key":
        fake_gcp.register_aws_credentials(creds.access_key_id, secret, session)

    def edit(doc):
        headers = {h["key"]: h for h in doc["headers"]}
        if case == "other audience":
            headers["x-goog-cloud-target-resource"]["value"] = GCP_AUDIENCE.replace("prov", "elsewhere")
        if case == "tampered date":
            value = headers["x-amz-date"]["value"]
            headers["x-amz-date"]["value"] = value[:-3] + ("00Z" if value[-3:] != "00Z" else "01Z")
        if case == "GET":
            doc["method"] = "GET"
        if case == "other action":
            doc["url"] = doc["url"].replace("GetCallerIdentity", "AssumeRole")

    status, body = fake_gcp.exchange(_rewrite(token, edit), AWS_TOKEN_TYPE)
    assert (status, body["error"]) == (400, "invalid_grant"), body
    assert fragment in body["error_description"]
    assert fake_gcp.issued == []


# --- IAM ----------------------------------------------------------------------------------------------


def test_iam_checks_bearer_scope_and_service_account(fake_gcp, make_jwt):
    url = fake_gcp.generate_url(SERVICE_ACCOUNT)
    body = json.dumps({"scope": ["https://www.googleapis.com/auth/cloud-platform"]}).encode()
    json_headers = {"Content-Type": "application/json"}
    assert fetch(url, "POST", json_headers, body)[0] == 401
    assert fetch(url, "POST", json_headers | {"Authorization": "Bearer made-up"}, body)[0] == 401
    _, narrow = fake_gcp.exchange(make_jwt(aud=[GCP_TOKEN_AUDIENCE]), JWT_TOKEN_TYPE,
                                  scope="https://www.googleapis.com/auth/devstorage.read_only")
    status, text = fetch(url, "POST", json_headers | {"Authorization": f"Bearer {narrow['access_token']}"}, body)
    assert status == 403 and "insufficient" in text
    _, sts = fake_gcp.exchange(make_jwt(aud=[GCP_TOKEN_AUDIENCE]), JWT_TOKEN_TYPE)
    bearer = json_headers | {"Authorization": f"Bearer {sts['access_token']}"}
    status, text = fetch(fake_gcp.generate_url("nobody@proj.iam.gserviceaccount.com"), "POST", bearer, body)
    assert status == 403 and json.loads(text)["error"]["status"] == "PERMISSION_DENIED"
    status, text = fetch(url, "POST", bearer, json.dumps({"scope": ["x"], "lifetime": "7200s"}).encode())
    assert status == 400 and json.loads(text)["error"]["status"] == "INVALID_ARGUMENT"
    status, text = fetch(url, "POST", bearer, body)
    assert status == 200
    answer = json.loads(text)
    assert answer["accessToken"] == "fake-sa-access-token-1" and answer["expireTime"].endswith("Z")
    # An SA token cannot be used to impersonate again.
    status, _ = fetch(url, "POST", json_headers | {"Authorization": f"Bearer {answer['accessToken']}"}, body)
    assert status == 401


def test_generate_id_token_needs_a_federated_bearer_and_an_audience(fake_gcp, make_jwt):
    url = fake_gcp.url + f"/v1/projects/-/serviceAccounts/{SERVICE_ACCOUNT}:generateIdToken"
    body = json.dumps({"audience": "https://svc.test", "includeEmail": True}).encode()
    json_headers = {"Content-Type": "application/json"}
    assert fetch(url, "POST", json_headers, body)[0] == 401
    assert fetch(url, "POST", json_headers | {"Authorization": "Bearer made-up"}, body)[0] == 401
    _, sts = fake_gcp.exchange(make_jwt(aud=[GCP_TOKEN_AUDIENCE]), JWT_TOKEN_TYPE)
    bearer = json_headers | {"Authorization": f"Bearer {sts['access_token']}"}
    for bad in [{}, {"audience": ""}, {"audience": 7}, {"audience": "https://svc.test", "includeEmail": "yes"}]:
        status, text = fetch(url, "POST", bearer, json.dumps(bad).encode())
        assert status == 400 and json.loads(text)["error"]["status"] == "INVALID_ARGUMENT", bad
    other = fake_gcp.url + "/v1/projects/-/serviceAccounts/nobody@proj.iam.gserviceaccount.com:generateIdToken"
    assert fetch(other, "POST", bearer, body)[0] == 403
    status, text = fetch(url, "POST", bearer, body)
    assert status == 200, text
    token = json.loads(text)["token"]
    claims = fake_gcp.verify_id_token(token, "https://svc.test")
    assert claims["email"] == SERVICE_ACCOUNT and claims["iss"] == "https://accounts.google.com"
    with pytest.raises(jwt.InvalidAudienceError):
        fake_gcp.verify_id_token(token, "https://other.test")
    assert [t.bearer for t in fake_gcp.id_tokens] == [sts["access_token"]]
    # An SA token (not a federated one) is refused as the bearer.
    _, sa = fetch(fake_gcp.generate_url(SERVICE_ACCOUNT), "POST", bearer,
                  json.dumps({"scope": ["https://www.googleapis.com/auth/cloud-platform"]}).encode())
    sa_token = json.loads(sa)["accessToken"]
    assert fetch(url, "POST", json_headers | {"Authorization": f"Bearer {sa_token}"}, body)[0] == 401
    status, text = fetch(url, "POST", bearer, json.dumps({"audience": "https://svc.test"}).encode())
    assert status == 200 and "email" not in jwt.decode(json.loads(text)["token"], options={"verify_signature": False})


# --- AWS metadata fakes --------------------------------------------------------------------------------


def test_imds_requires_a_v2_session_token():
    creds = random_credentials()
    with FakeIMDS(creds, role="r", region="eu-north-1") as imds:
        base = imds.url + "/latest"
        assert fetch(base + "/meta-data/iam/security-credentials/")[0] == 401
        assert fetch(base + "/api/token", "PUT")[0] == 400  # no TTL header
        assert fetch(base + "/api/token", "PUT", {"X-aws-ec2-metadata-token-ttl-seconds": "21601"})[0] == 400
        assert fetch(base + "/api/token", "PUT", {"X-aws-ec2-metadata-token-ttl-seconds": "60",
                                                  "X-Forwarded-For": "10.0.0.1"})[0] == 403
        status, session = fetch(base + "/api/token", "PUT", {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
        assert status == 200
        auth = {"X-aws-ec2-metadata-token": session}
        assert fetch(base + "/meta-data/iam/security-credentials/", headers={"X-aws-ec2-metadata-token": "nope"})[0] == 401
        assert fetch(base + "/meta-data/iam/security-credentials/", headers=auth) == (200, "r")
        status, text = fetch(base + "/meta-data/iam/security-credentials/r", headers=auth)
        doc = json.loads(text)
        assert status == 200 and doc["Code"] == "Success" and doc["AccessKeyId"] == creds.access_key_id
        assert doc["Token"] == creds.session_token and doc["Expiration"] == creds.expiration
        assert fetch(base + "/meta-data/placement/region", headers=auth) == (200, "eu-north-1")


def test_container_endpoint_requires_the_exact_authorization():
    creds = random_credentials()
    with FakeContainerCredentials(creds, expected_token="tok") as container:
        assert fetch(container.full_uri)[0] == 401
        assert fetch(container.full_uri, headers={"Authorization": "Bearer tok"})[0] == 401
        status, text = fetch(container.full_uri, headers={"Authorization": "tok"})
        assert status == 200 and json.loads(text)["SecretAccessKey"] == creds.secret_access_key


def test_fake_gcp_runs_stand_alone(tmp_path, issuer_jwks, make_jwt):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(issuer_jwks))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "Tests" / "e2e" / "fakes" / "fake_gcp.py"), "--port", str(port),
         "--jwks-file", str(jwks), "--service-account", SERVICE_ACCOUNT, "--reply", "503", "--reply", "verify"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "listening on" in process.stdout.readline()
        form = urllib.parse.urlencode({
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange", "audience": GCP_AUDIENCE,
            "scope": "https://www.googleapis.com/auth/cloud-platform",
            "requested_token_type": "urn:ietf:params:oauth:token-type:access_token",
            "subject_token": make_jwt(aud=[GCP_TOKEN_AUDIENCE]), "subject_token_type": JWT_TOKEN_TYPE}).encode()
        form_headers = {"Content-Type": "application/x-www-form-urlencoded"}
        assert fetch(f"http://127.0.0.1:{port}/v1/token", "POST", form_headers, form)[0] == 503
        status, text = fetch(f"http://127.0.0.1:{port}/v1/token", "POST", form_headers, form)
        assert status == 200 and json.loads(text)["access_token"] == "fake-sts-access-token-1"
        status, text = fetch(f"http://127.0.0.1:{port}/_fake/requests")
        assert [r["status"] for r in json.loads(text)] == [503, 200]
    finally:
        process.terminate()
        process.wait(timeout=5)
