"""The fakes themselves: a verifying fake that does not verify would let every test above pass."""

from __future__ import annotations

import time
import urllib.error
import urllib.parse
import urllib.request
from email.utils import parsedate_to_datetime

import jwt
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from e2e_support import AUDIENCE, google_verifier, http_get, parse_expiration
from fakes.fake_metadata import GOOGLE_ISSUER, IDENTITY_PREFIX, TOKEN_MODES, FakeMetadata
from fakes.fake_sts import FakeSTS, JWTVerifier, TokenRejected, rs256_verify

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def fetch(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> tuple[int, str, dict]:
    request = urllib.request.Request(url, headers=headers or {}, data=data)
    try:
        with OPENER.open(request, timeout=5) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def identity_url(metadata: FakeMetadata, account: str = "default", audience: str | None = AUDIENCE) -> str:
    query = urllib.parse.urlencode({"audience": audience, "format": "full"} if audience else {"format": "full"})
    return f"{metadata.url}{IDENTITY_PREFIX}{account}/identity?{query}"


GOOGLE = {"Metadata-Flavor": "Google"}


def test_metadata_fake_behaves_like_the_metadata_server(fake_metadata):
    status, token, headers = fetch(identity_url(fake_metadata), GOOGLE)
    assert status == 200 and headers.get("Metadata-Flavor") == "Google"
    claims = jwt.decode(token, fake_metadata.key.public_key(), algorithms=["RS256"], audience=AUDIENCE)
    assert claims["iss"] == GOOGLE_ISSUER and claims["sub"].isdigit() and claims["exp"] > time.time()
    assert "compute_engine" in claims["google"]
    assert jwt.get_unverified_header(token)["kid"] == fake_metadata.kid

    assert fetch(identity_url(fake_metadata))[0] == 403, "Metadata-Flavor is required"
    assert fetch(identity_url(fake_metadata), GOOGLE | {"X-Forwarded-For": "10.0.0.1"})[0] == 403
    assert fetch(identity_url(fake_metadata, account="nobody@x.iam.gserviceaccount.com"), GOOGLE)[0] == 404
    assert fetch(identity_url(fake_metadata, audience=None), GOOGLE)[0] == 400
    assert len(fake_metadata.requests) == 5 and len(fake_metadata.tokens) == 1


def test_metadata_fake_not_ready_then_ready(metadata_key):
    with FakeMetadata(key=metadata_key, not_ready_seconds=0.5, not_ready_mode="503") as metadata:
        assert fetch(identity_url(metadata), GOOGLE)[0] == 503
        time.sleep(0.6)
        assert fetch(identity_url(metadata), GOOGLE)[0] == 200
    with FakeMetadata(key=metadata_key, not_ready_seconds=0.5) as metadata:
        assert http_get(identity_url(metadata))[0] == 0, "connection refused while not ready"
        time.sleep(0.6)
        assert fetch(identity_url(metadata), GOOGLE)[0] == 200


@pytest.mark.parametrize("mode", [m for m in TOKEN_MODES if m != "good"])
def test_verifier_rejects_every_bad_token_mode(metadata_key, mode):
    with FakeMetadata(key=metadata_key, token_mode=mode) as metadata:
        token = fetch(identity_url(metadata), GOOGLE)[1]
        verifier = google_verifier(metadata)
        with pytest.raises(TokenRejected) as rejection:
            verifier.verify(token)
    expected = "ExpiredTokenException" if mode == "expired" else "InvalidIdentityToken"
    assert rejection.value.code == expected


def test_verifier_accepts_good_tokens_and_checks_issuer(fake_metadata):
    token = fetch(identity_url(fake_metadata), GOOGLE)[1]
    assert google_verifier(fake_metadata).verify(token)["aud"] == AUDIENCE
    other_issuer = JWTVerifier(fake_metadata.jwks(), {AUDIENCE}, issuers={"https://oidc.example"})
    with pytest.raises(TokenRejected, match="No OpenIDConnect provider"):
        other_issuer.verify(token)


def test_rs256_verify_matches_pyjwt():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode({"x": 1}, key, algorithm="RS256")
    header, payload, signature = token.split(".")
    numbers = key.public_key().public_numbers()
    raw = jwt.utils.base64url_decode(signature)
    assert rs256_verify(f"{header}.{payload}".encode(), raw, numbers.n, numbers.e)
    assert not rs256_verify(f"{header}.{payload}x".encode(), raw, numbers.n, numbers.e)
    assert not rs256_verify(f"{header}.{payload}".encode(), raw[:-1] + bytes([raw[-1] ^ 1]), numbers.n, numbers.e)


def test_verifying_sts_relays_to_moto_and_passes_other_calls_through(fake_metadata, verifying_sts):
    token = fetch(identity_url(fake_metadata), GOOGLE)[1]
    form = {"Action": "AssumeRoleWithWebIdentity", "Version": "2011-06-15", "RoleSessionName": "fake-test",
            "RoleArn": "arn:aws:iam::123456789012:role/reader", "WebIdentityToken": token}
    status, body, _ = fetch(verifying_sts.url + "/", data=urllib.parse.urlencode(form).encode())
    assert status == 200 and "<AccessKeyId>" in body, body
    [issued] = verifying_sts.issued
    assert issued.assumed_role_arn == "arn:aws:sts::123456789012:assumed-role/reader/fake-test"
    assert parse_expiration(issued.expiration) > time.time()

    bad = dict(form, WebIdentityToken=token[:-4] + "AAAA")
    status, body, _ = fetch(verifying_sts.url + "/", data=urllib.parse.urlencode(bad).encode())
    assert status == 400 and "<Code>InvalidIdentityToken</Code>" in body
    assert len(verifying_sts.arwwi_requests) == 2 and len(verifying_sts.rejections) == 1

    # Signed (moto routes unsigned requests other than the web-identity exchanges to S3).
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    request = AWSRequest("POST", verifying_sts.url + "/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials(issued.access_key_id, issued.secret_access_key, issued.session_token), "sts",
              "us-east-1").add_auth(request)
    status, body, _ = fetch(verifying_sts.url + "/", headers=dict(request.headers.items()), data=request.body)
    assert status == 200 and "assumed-role/reader/fake-test" in body, body
    assert len(verifying_sts.passthrough) == 1 and len(verifying_sts.arwwi_requests) == 2


def test_fake_sts_shifts_its_date_header():
    with FakeSTS(date_offset_seconds=-300) as sts:
        _, _, headers = fetch(sts.url + "/", data=b"Action=AssumeRoleWithWebIdentity")
    skew = parsedate_to_datetime(headers["Date"]).timestamp() - time.time()
    assert abs(skew + 300) <= 2, skew
