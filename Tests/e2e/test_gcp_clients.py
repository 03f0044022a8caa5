"""Google's own clients consume the agent's `gcpExternalAccountFile`: google-auth (PyPI 2.63.0) and,
when installed, gcloud run the token exchange themselves against the verifying fake and get a token
that works at the protected resource."""

from __future__ import annotations

import json
import sys

import pytest

from e2e_support import run
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

# Python's google-auth (and the copy bundled with gcloud) choose aws.Credentials for every
# config whose subject_token_type is aws4_request (google/auth/_default.py
# _get_external_account_credentials), and aws.Credentials requires credential_source.environment_id.
# Go, Java and Node pick the credential source by its keys, so they accept a file source.
AWS_FILE_SOURCE_UNSUPPORTED = (
    "google-auth-python and gcloud refuse an aws4_request external_account whose credential_source is a "
    "file (\"No valid AWS 'credential_source' provided\"); see the report"
)


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


@IMPERSONATION
@pytest.mark.xfail(strict=True, reason=AWS_FILE_SOURCE_UNSUPPORTED)
def test_google_auth_with_an_aws_source(gws, fake_gcp, impersonate):
    path = aws_credentials(gws, fake_gcp, impersonate)
    subject = (gws.out_dir / "credentials.json.subject-token").read_text()
    outcome = google_auth_token(gws, path, fake_gcp)
    assert_client_exchange(fake_gcp, outcome, impersonate, AWS_TOKEN_TYPE, subject)


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
@pytest.mark.xfail(strict=True, reason=AWS_FILE_SOURCE_UNSUPPORTED)
def test_gcloud_with_an_aws_source(gws, fake_gcp, gcloud_bin, impersonate):
    path = aws_credentials(gws, fake_gcp, impersonate)
    result = gcloud_print_access_token(gws, gcloud_bin, path, fake_gcp)
    assert result.returncode == 0, f"gcloud failed:\n{result.stderr}"
    assert fake_gcp.resource_status(result.stdout.strip()) == 200
