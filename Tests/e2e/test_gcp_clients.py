"""Google's own clients consume the agent's `gcpExternalAccountFile`: google-auth (PyPI 2.63.0) and,
when installed, gcloud run the token exchange themselves against the verifying fake and get a token
that works at the protected resource."""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request

import pytest

from e2e_support import free_port, run
from fakes.fake_aws_metadata import random_credentials
from fakes.fake_gcp import AWS_TOKEN_TYPE, IAM_SCOPE, JWT_TOKEN_TYPE
from gcp_support import (
    CLOUD_PLATFORM,
    SERVICE_ACCOUNT,
    aws_env_credentials,
    client_env,
    gcloud_print_access_token,
    google_auth_token,
    register,
)

pytest_plugins = ["conftest_gcp"]

IMPERSONATION = pytest.mark.parametrize("impersonate", [True, False], ids=["impersonated", "federated"])

# Python's google-auth (and the copy bundled with gcloud) choose aws.Credentials for every config
# whose subject_token_type is aws4_request, and aws.Credentials reads AWS credentials only from the
# environment or IMDS (`environment_id: aws1`). With `imdsListen` the agent serves its aws source's
# credentials (IRSA, Pod Identity, ECS, env, IMDS) in IMDSv2 shape on loopback and names that.


def tokenfile_credentials(gws, gcp, impersonate: bool):
    outputs = gws.outputs(access_token=False, external_account=True)
    result = gws.agent(gws.config(gcp, outputs=outputs, service_account=SERVICE_ACCOUNT if impersonate else None))
    assert result.returncode == 0, result
    gcp.reset()  # only the client's requests from here on
    return gws.external_account_file


def aws_credentials(gws, gcp, impersonate: bool):
    creds = random_credentials()
    register(gcp, creds)
    outputs = gws.outputs(access_token=False, external_account=True)
    config = gws.aws_config(gcp, outputs=outputs, service_account=SERVICE_ACCOUNT if impersonate else None)
    result = gws.agent(config, env=gws.aws_env(**aws_env_credentials(creds)))
    assert result.returncode == 0, result
    gcp.reset()
    return gws.external_account_file


def assert_client_exchange(gcp, outcome, impersonate: bool, subject_token_type: str, subject_token: str) -> None:
    expected_kind = "sa" if impersonate else "sts"
    assert outcome["token"] == gcp.issued_tokens(expected_kind)[-1]
    assert outcome["resource_status"] == 200
    [sts] = gcp.sts_requests
    assert sts.status == 200, sts.outcome
    assert sts.form["subject_token_type"] == subject_token_type
    assert sts.form["subject_token"] == subject_token
    assert len(gcp.iam_requests) == (1 if impersonate else 0)


# --- google-auth ---------------------------------------------------------------------------------


@IMPERSONATION
def test_google_auth_with_a_token_file_source(gws, fake_gcp, impersonate):
    path = tokenfile_credentials(gws, fake_gcp, impersonate)
    outcome = google_auth_token(gws, path, fake_gcp)
    assert outcome["class"] == "google.auth.identity_pool.Credentials"
    assert_client_exchange(fake_gcp, outcome, impersonate, JWT_TOKEN_TYPE, gws.token)
    if impersonate:
        # google-auth asks STS for the iam scope (the agent sends cloud-platform; both are accepted).
        assert fake_gcp.sts_requests[0].form["scope"] == IAM_SCOPE
        assert fake_gcp.iam_requests[0].json["scope"] == [CLOUD_PLATFORM]


def aws_imds_credentials(gws, gcp, impersonate: bool, monkeypatch):
    """A long-running agent with an aws source (env credentials) and ``imdsListen``: the
    external_account file names the agent's IMDS emulation as an aws1 source."""
    creds = random_credentials()
    register(gcp, creds)
    # Python's google-auth sends x-goog-cloud-target-resource without signing it (Google recommends,
    # but does not require, signing it; Go and Java sign it).
    monkeypatch.setattr(gcp.provider, "require_signed_target_resource", False)
    imds = f"127.0.0.1:{free_port()}"
    outputs = {"gcpExternalAccountFile": {"path": str(gws.external_account_file), "imdsListen": imds}}
    config = gws.aws_config(gcp, outputs=outputs, service_account=SERVICE_ACCOUNT if impersonate else None)
    agent = gws.ws.start_agent(config, env=gws.aws_env(**aws_env_credentials(creds)))
    agent.wait_for(lambda: gws.external_account_file.exists(), 20, "the external_account file")
    source = gws.read_external_account()["credential_source"]
    assert source == {
        "environment_id": "aws1",
        "region_url": f"http://{imds}/latest/meta-data/placement/availability-zone",
        "url": f"http://{imds}/latest/meta-data/iam/security-credentials",
        "regional_cred_verification_url": "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15",
        "imdsv2_session_token_url": f"http://{imds}/latest/api/token",
    }
    assert sorted(p.name for p in gws.out_dir.iterdir()) == ["credentials.json"], "no subject-token file with imdsListen"
    gcp.reset()
    return gws.external_account_file, imds


def assert_signed_by_the_client(gcp, outcome, impersonate: bool) -> None:
    """The client signed its own GetCallerIdentity with the served credentials; the fake verified it."""
    expected_kind = "sa" if impersonate else "sts"
    assert outcome["class"] == "google.auth.aws.Credentials"
    assert outcome["token"] == gcp.issued_tokens(expected_kind)[-1]
    assert outcome["resource_status"] == 200
    [sts] = gcp.sts_requests
    assert sts.status == 200, sts.outcome
    assert sts.form["subject_token_type"] == AWS_TOKEN_TYPE
    assert gcp.aws_verifications and all(v.ok for v in gcp.aws_verifications)
    assert len(gcp.iam_requests) == (1 if impersonate else 0)


@IMPERSONATION
def test_google_auth_with_an_aws_source(gws, fake_gcp, impersonate, monkeypatch):
    path, _ = aws_imds_credentials(gws, fake_gcp, impersonate, monkeypatch)
    outcome = google_auth_token(gws, path, fake_gcp)
    assert_signed_by_the_client(fake_gcp, outcome, impersonate)


def test_the_imds_emulation_refuses_what_the_real_one_refuses(gws, fake_gcp, monkeypatch):
    _, imds = aws_imds_credentials(gws, fake_gcp, False, monkeypatch)
    base = f"http://{imds}"
    def call(method, path, headers):
        request = urllib.request.Request(base + path, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()
    status, token = call("PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
    assert status == 200 and len(token) == 64
    assert call("PUT", "/latest/api/token", {})[0] == 400
    assert call("PUT", "/latest/api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "60", "X-Forwarded-For": "1.2.3.4"})[0] == 403
    assert call("GET", "/latest/meta-data/iam/security-credentials", {})[0] == 401, "IMDSv1 is not served"
    assert call("GET", "/latest/meta-data/iam/security-credentials", {"X-aws-ec2-metadata-token": "guess"})[0] == 401
    assert call("GET", "/latest/meta-data/placement/availability-zone", {"X-aws-ec2-metadata-token": token}) == (200, "us-east-1a")
    status, role = call("GET", "/latest/meta-data/iam/security-credentials", {"X-aws-ec2-metadata-token": token})
    assert status == 200
    status, body = call("GET", "/latest/meta-data/iam/security-credentials/" + role, {"X-aws-ec2-metadata-token": token})
    assert status == 200 and json.loads(body)["Code"] == "Success"


IDENTITY_POOL_SCRIPT = r"""
import json, sys
from google.auth import identity_pool
from google.auth.transport.requests import AuthorizedSession, Request

with open(sys.argv[1]) as f:
    info = json.load(f)
creds = identity_pool.Credentials.from_info(info).with_scopes(["https://www.googleapis.com/auth/cloud-platform"])
creds.refresh(Request())
status = AuthorizedSession(creds).get(sys.argv[2], timeout=10).status_code
print(json.dumps({"token": creds.token, "resource_status": status}))
"""


@IMPERSONATION
def test_the_aws_subject_token_file_works_for_a_file_source_client(gws, fake_gcp, impersonate):
    """What Go/Java/Node do with the same file (they route on credential_source.file): google-auth's
    identity_pool.Credentials, built directly, sends the agent's signed GetCallerIdentity, which
    verifies at the fake."""
    path = aws_credentials(gws, fake_gcp, impersonate)
    subject = (gws.out_dir / "credentials.json.subject-token").read_text()
    result = run([sys.executable, "-c", IDENTITY_POOL_SCRIPT, str(path), fake_gcp.resource_url], client_env(gws))
    assert result.returncode == 0, result
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert_client_exchange(fake_gcp, outcome, impersonate, AWS_TOKEN_TYPE, subject)
    assert all(v.ok for v in fake_gcp.aws_verifications) and fake_gcp.aws_verifications


# --- gcloud -------------------------------------------------------------------------------------------


@IMPERSONATION
def test_gcloud_with_a_token_file_source(gws, fake_gcp, gcloud_bin, impersonate):
    path = tokenfile_credentials(gws, fake_gcp, impersonate)
    result = gcloud_print_access_token(gws, gcloud_bin, path, fake_gcp)
    assert result.returncode == 0, f"gcloud failed:\n{result.stderr}"
    token = result.stdout.strip()
    assert token == fake_gcp.issued_tokens("sa" if impersonate else "sts")[-1]
    assert fake_gcp.resource_status(token) == 200
    [sts] = fake_gcp.sts_requests
    assert sts.form["subject_token"] == gws.token
    introspections = [r for r in fake_gcp.requests if r.path == "/v1/introspect"]
    if impersonate:
        assert introspections == [], "with impersonation gcloud takes the account from the SA URL"
    else:
        # gcloud's token_info_url pitfall: it introspects to name the account; the property points it here.
        assert [r.status for r in introspections] == [200]


@IMPERSONATION
def test_gcloud_with_an_aws_source(gws, fake_gcp, gcloud_bin, impersonate, monkeypatch):
    path, _ = aws_imds_credentials(gws, fake_gcp, impersonate, monkeypatch)
    result = gcloud_print_access_token(gws, gcloud_bin, path, fake_gcp)
    assert result.returncode == 0, f"gcloud failed:\n{result.stderr}"
    assert fake_gcp.resource_status(result.stdout.strip()) == 200
