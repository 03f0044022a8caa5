"""The fake AWS outbound identity federation (fakes/fake_aws_outbound.py): GetWebIdentityToken requests signed by
botocore itself (boto3's own operation, and a raw AWSRequest signed with SigV4Auth) are accepted, any tampering is
refused with STS's errors, botocore maps the fake's error codes to the model's exception classes, and the token it
issues is one the fake Entra ID accepts (issuer discovery over loopback HTTPS, RS256). No skyferry binary."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Any
from unittest import mock

import boto3
import jwt
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from azure_support import CLIENT_ID, VAULT_RESOURCE, azure_identity_tokens, workload_identity_env
from e2e_support import REPO_ROOT, free_port
from fakes.fake_aws_metadata import random_credentials
from fakes.fake_aws_outbound import FakeAWSOutbound, role_arn_of
from fakes.fake_entra import FakeEntra, FederatedCredential
from fakes.fake_oidc import TOKEN_EXCHANGE_AUDIENCE

ROLE_SESSION_ARN = "arn:aws:sts::123456789012:assumed-role/reader/i-0123456789abcdef0"
ROLE_ARN = "arn:aws:iam::123456789012:role/reader"
NAMESPACE = "{https://sts.amazonaws.com/doc/2011-06-15/}"


@pytest.fixture
def creds():
    return random_credentials()


@pytest.fixture
def aws(creds) -> Iterator[FakeAWSOutbound]:
    with FakeAWSOutbound(region="us-east-1") as fake:
        fake.register_credentials(creds.access_key_id, creds.secret_access_key, creds.session_token,
                                  arn=ROLE_SESSION_ARN, expiration=creds.expiration)
        yield fake


def sts_client(aws: FakeAWSOutbound, creds: Any, secret: str | None = None):
    return boto3.client("sts", region_name="us-east-1", endpoint_url=aws.url,
                        aws_access_key_id=creds.access_key_id,
                        aws_secret_access_key=secret or creds.secret_access_key,
                        aws_session_token=creds.session_token, config=Config(retries={"max_attempts": 1}))


def signed_post(aws: FakeAWSOutbound, params: dict[str, str], creds: Any, *, secret: str | None = None,
                session_token: str | None = "same", host: str | None = None, region: str = "us-east-1",
                when: dt.datetime | None = None, tamper: bool = False) -> tuple[int, ET.Element]:
    """A raw AWSRequest signed with botocore's SigV4Auth (the way any SigV4 client signs), sent with urllib."""
    body = urllib.parse.urlencode({"Action": "GetWebIdentityToken", "Version": "2011-06-15", **params})
    token = creds.session_token if session_token == "same" else session_token
    request = AWSRequest(method="POST", url=aws.url + "/", data=body.encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
                                  **({"Host": host} if host else {})})
    signer = SigV4Auth(Credentials(creds.access_key_id, secret or creds.secret_access_key, token), "sts", region)
    if when is None:
        signer.add_auth(request)
    else:
        with mock.patch("botocore.auth.get_current_datetime", return_value=when.replace(tzinfo=None)):
            signer.add_auth(request)
    data = request.body + (b"&x=1" if tamper else b"")
    headers = dict(request.headers.items())
    outgoing = urllib.request.Request(aws.url + "/", data=data, headers=headers, method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(outgoing, timeout=10) as response:
            return response.status, ET.fromstring(response.read())
    except urllib.error.HTTPError as error:
        return error.code, ET.fromstring(error.read())


def error_code(document: ET.Element) -> str:
    return document.findtext(f"{NAMESPACE}Error/{NAMESPACE}Code") or ""


BASIC = {"Audience.member.1": TOKEN_EXCHANGE_AUDIENCE, "SigningAlgorithm": "RS256", "DurationSeconds": "300"}


# --- success --------------------------------------------------------------------------------------------


def test_boto3_get_web_identity_token_gets_a_token_entra_accepts(tmp_path, aws, creds):
    answer = sts_client(aws, creds).get_web_identity_token(Audience=[TOKEN_EXCHANGE_AUDIENCE],
                                                           SigningAlgorithm="RS256", DurationSeconds=300)
    token = answer["WebIdentityToken"]
    claims = aws.verify_token(token, TOKEN_EXCHANGE_AUDIENCE)
    assert claims["sub"] == ROLE_ARN and claims["iss"] == aws.issuer and claims["exp"] - claims["iat"] == 300
    assert set(claims) >= {"iss", "aud", "sub", "iat", "exp", "jti", "https://sts.amazonaws.com/"}
    assert claims["https://sts.amazonaws.com/"]["aws_account"] == "123456789012"
    assert abs(answer["Expiration"].timestamp() - claims["exp"]) < 1
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    # The relying party: Entra discovers the AWS account's issuer over loopback HTTPS and accepts the token.
    with FakeEntra() as entra:
        entra.add_federated_credential(CLIENT_ID, FederatedCredential(aws.issuer, role_arn_of(ROLE_SESSION_ARN)))
        token_file = tmp_path / "aws-token.jwt"
        token_file.write_text(token)
        [result] = azure_identity_tokens(workload_identity_env(tmp_path / "home", entra, CLIENT_ID, token_file))
        assert "token" in result, result
        assert entra.verify_access_token(result["token"], VAULT_RESOURCE)["appid"] == CLIENT_ID
        assert [f.status for f in entra.discovery_fetches] == [200, 200]


def test_a_raw_sigv4_request_is_accepted_with_every_audience_and_tag(aws, creds):
    params = {"Audience.member.1": "api://AzureADTokenExchange", "Audience.member.2": "https://example.test",
              "SigningAlgorithm": "ES384", "Tags.member.1.Key": "team", "Tags.member.1.Value": "shop"}
    status, document = signed_post(aws, params, creds)
    assert status == 200, ET.tostring(document)
    result = document.find(f"{NAMESPACE}GetWebIdentityTokenResult")
    token = result.findtext(f"{NAMESPACE}WebIdentityToken")
    assert result.findtext(f"{NAMESPACE}Expiration").endswith("Z")
    assert document.findtext(f"{NAMESPACE}ResponseMetadata/{NAMESPACE}RequestId")
    claims = aws.verify_token(token, "https://example.test")
    assert claims["aud"] == ["api://AzureADTokenExchange", "https://example.test"]
    assert claims["exp"] - claims["iat"] == 300  # the default duration
    assert claims["https://sts.amazonaws.com/"]["request_tags"] == {"team": "shop"}
    assert jwt.get_unverified_header(token)["alg"] == "ES384"


# --- what the fake refuses --------------------------------------------------------------------------------


def test_the_signature_is_recomputed_not_trusted(aws, creds):
    assert signed_post(aws, BASIC, creds)[0] == 200
    for kwargs, code in [
        ({"tamper": True}, "SignatureDoesNotMatch"),
        ({"secret": "wrong" + creds.secret_access_key[5:]}, "SignatureDoesNotMatch"),
        ({"region": "eu-west-1"}, "SignatureDoesNotMatch"),
        ({"when": dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=20)}, "SignatureDoesNotMatch"),
        ({"session_token": None}, "InvalidClientTokenId"),
        ({"session_token": "FQoGbogus"}, "InvalidClientTokenId"),
    ]:
        status, document = signed_post(aws, BASIC, creds, **kwargs)
        assert (status, error_code(document)) == (403, code), (kwargs, ET.tostring(document))
    unknown = random_credentials()
    status, document = signed_post(aws, BASIC, unknown)
    assert (status, error_code(document)) == (403, "InvalidClientTokenId")
    assert "Signature expired" in aws.rejections[3].message


def test_an_unsigned_request_and_the_global_endpoint_are_refused(aws, creds):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    body = urllib.parse.urlencode({"Action": "GetWebIdentityToken", "Version": "2011-06-15", **BASIC}).encode()
    with pytest.raises(urllib.error.HTTPError) as raised:
        opener.open(urllib.request.Request(aws.url + "/", data=body), timeout=10)
    assert raised.value.code == 403 and error_code(ET.fromstring(raised.value.read())) == "MissingAuthenticationToken"
    status, document = signed_post(aws, BASIC, creds, host="sts.amazonaws.com")
    assert (status, error_code(document)) == (400, "InvalidAction")


@pytest.mark.parametrize("params", [
    {"SigningAlgorithm": "RS256"},
    {**BASIC, "DurationSeconds": "59"},
    {**BASIC, "DurationSeconds": "3601"},
    {**BASIC, "SigningAlgorithm": "HS256"},
    {**{f"Audience.member.{n}": f"aud-{n}" for n in range(1, 12)}, "SigningAlgorithm": "RS256"},
])
def test_parameters_are_validated(aws, creds, params):
    status, document = signed_post(aws, params, creds)
    assert (status, error_code(document)) == (400, "ValidationError"), ET.tostring(document)
    assert document.findtext(f"{NAMESPACE}Error/{NAMESPACE}Message").startswith("1 validation error detected")


def test_botocore_maps_the_disabled_feature_and_a_session_escalation_to_its_exceptions(aws, creds):
    client = sts_client(aws, creds)
    aws.enabled = False
    with pytest.raises(client.exceptions.OutboundWebIdentityFederationDisabledException):
        client.get_web_identity_token(Audience=[TOKEN_EXCHANGE_AUDIENCE], SigningAlgorithm="RS256")
    aws.enabled = True
    soon = time.time() + 120
    aws.register_credentials(creds.access_key_id, creds.secret_access_key, creds.session_token, ROLE_SESSION_ARN,
                             expiration=soon)
    with pytest.raises(client.exceptions.SessionDurationEscalationException):
        client.get_web_identity_token(Audience=[TOKEN_EXCHANGE_AUDIENCE], SigningAlgorithm="RS256",
                                      DurationSeconds=300)
    assert client.get_web_identity_token(Audience=[TOKEN_EXCHANGE_AUDIENCE], SigningAlgorithm="RS256",
                                         DurationSeconds=60)["WebIdentityToken"]


def test_the_fake_runs_stand_alone(creds):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "Tests/e2e/fakes/fake_aws_outbound.py"), "--port", str(port),
         "--credentials", f"{creds.access_key_id}:{creds.secret_access_key}:{creds.session_token}",
         "--arn", ROLE_ARN], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert f"http://127.0.0.1:{port}" in line, line + process.stderr.read()

        class Remote:
            url = f"http://127.0.0.1:{port}"

        client = boto3.client("sts", region_name="us-east-1", endpoint_url=Remote.url,
                              aws_access_key_id=creds.access_key_id, aws_secret_access_key=creds.secret_access_key,
                              aws_session_token=creds.session_token, config=Config(retries={"max_attempts": 1}))
        token = client.get_web_identity_token(Audience=["a"], SigningAlgorithm="RS256")["WebIdentityToken"]
        assert jwt.decode(token, options={"verify_signature": False})["sub"] == ROLE_ARN
    finally:
        process.terminate()
        process.wait(timeout=10)
