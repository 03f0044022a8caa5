"""Source `tokenFile` → GCP target: the projected-token JWT exchanged at a verifying fake GCP STS,
optionally impersonating a service account at IAM Credentials; the access token written and usable."""

from __future__ import annotations

import json

from gcp_support import (
    CLOUD_PLATFORM,
    GCP_AUDIENCE,
    GCP_POOL,
    SERVICE_ACCOUNT,
    SUBJECT,
    gcp_target,
    mode_of,
)
from fakes.fake_gcp import ACCESS_TOKEN_TYPE, GRANT_TYPE, JWT_TOKEN_TYPE

pytest_plugins = ["conftest_gcp"]

STORAGE_RO = "https://www.googleapis.com/auth/devstorage.read_only"
USERINFO = "https://www.googleapis.com/auth/userinfo.email"


def test_impersonation_writes_a_working_access_token(gws, fake_gcp):
    result = gws.agent(gws.config(fake_gcp))
    assert result.returncode == 0, result
    assert result.stdout == "", "logs belong on stderr"

    token = gws.read_access_token()
    assert token == fake_gcp.issued_tokens("sa")[-1] == "fake-sa-access-token-1"
    assert not token.endswith("\n")
    assert mode_of(gws.access_token_file) == 0o600
    assert gws.output_names() == ["token"], "left temporary files behind"
    assert fake_gcp.resource_status(token) == 200
    assert fake_gcp.resource_status("not-a-token") == 401

    # STS: the RFC 8693 form, the JWT verbatim, no Authorization header.
    [sts] = fake_gcp.sts_requests
    assert sts.status == 200, sts.outcome
    assert sts.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert "authorization" not in sts.headers
    assert sts.form == {
        "grant_type": GRANT_TYPE,
        "audience": GCP_AUDIENCE,
        "scope": CLOUD_PLATFORM,
        "requested_token_type": ACCESS_TOKEN_TYPE,
        "subject_token": gws.token,
        "subject_token_type": JWT_TOKEN_TYPE,
    }

    # IAM: the STS token as bearer, the target's scopes, no lifetime unless configured.
    [iam] = fake_gcp.iam_requests
    assert iam.status == 200, iam.outcome
    assert iam.path == f"/v1/projects/-/serviceAccounts/{SERVICE_ACCOUNT}:generateAccessToken"
    assert iam.headers["authorization"] == f"Bearer {fake_gcp.issued_tokens('sts')[-1]}"
    assert iam.headers["content-type"].startswith("application/json")
    assert iam.json == {"scope": [CLOUD_PLATFORM]}

    issued_sts = fake_gcp.issued[0]
    assert issued_sts.principal == f"principal:{GCP_POOL}/subject/{SUBJECT}"


def test_without_a_service_account_the_federated_token_is_written(gws, fake_gcp):
    scopes = [CLOUD_PLATFORM, USERINFO]
    result = gws.agent(gws.config(fake_gcp, service_account=None, scopes=scopes))
    assert result.returncode == 0, result

    token = gws.read_access_token()
    assert token == "fake-sts-access-token-1"
    assert fake_gcp.resource_status(token) == 200
    assert fake_gcp.iam_requests == []
    [sts] = fake_gcp.sts_requests
    assert sts.form["scope"] == " ".join(scopes), "the target's scopes go to STS when nothing is impersonated"


def test_impersonation_sends_the_target_scopes_and_lifetime_to_iam(gws, fake_gcp):
    result = gws.agent(gws.config(fake_gcp, scopes=[STORAGE_RO], lifetime_seconds=1800))
    assert result.returncode == 0, result

    [sts] = fake_gcp.sts_requests
    assert sts.form["scope"] == CLOUD_PLATFORM, "STS gets cloud-platform when impersonating"
    [iam] = fake_gcp.iam_requests
    assert iam.json == {"scope": [STORAGE_RO], "lifetime": "1800s"}
    issued = fake_gcp.issued[-1]
    assert issued.kind == "sa" and issued.scopes == [STORAGE_RO]
    assert 1790 < issued.expires_at - sts.time < 1810
    assert fake_gcp.resource_status(gws.read_access_token()) == 200


def test_external_account_file_for_a_token_file_source(gws, fake_gcp):
    outputs = gws.outputs(access_token=True, external_account=True)
    result = gws.agent(gws.config(fake_gcp, outputs=outputs, lifetime_seconds=1200))
    assert result.returncode == 0, result

    doc = gws.read_external_account()
    assert doc == {
        "type": "external_account",
        "audience": GCP_AUDIENCE,
        "subject_token_type": JWT_TOKEN_TYPE,
        "token_url": fake_gcp.sts_url,
        "service_account_impersonation_url": fake_gcp.generate_url(SERVICE_ACCOUNT),
        "service_account_impersonation": {"token_lifetime_seconds": 1200},
        "credential_source": {"file": str(gws.token_file), "format": {"type": "text"}},
        "universe_domain": "googleapis.com",
    }
    assert mode_of(gws.external_account_file) == 0o600
    # The token file is the kubelet's: no subject-token copy is written next to the JSON.
    assert gws.output_names() == ["credentials.json", "token"]


def test_external_account_file_without_impersonation_has_no_impersonation_keys(gws, fake_gcp):
    outputs = gws.outputs(access_token=False, external_account=True)
    result = gws.agent(gws.config(fake_gcp, service_account=None, outputs=outputs))
    assert result.returncode == 0, result
    doc = gws.read_external_account()
    assert "service_account_impersonation_url" not in doc
    assert "service_account_impersonation" not in doc
    assert doc["credential_source"] == {"file": str(gws.token_file), "format": {"type": "text"}}
    assert gws.output_names() == ["credentials.json"]


def test_a_provider_with_explicit_allowed_audiences_accepts_a_matching_aud(gws, fake_gcp, make_jwt):
    fake_gcp.provider.allowed_audiences = {"skyferry-gcp"}
    gws.write_token(make_jwt(aud=["skyferry-gcp"]))
    result = gws.agent(gws.config(fake_gcp))
    assert result.returncode == 0, result
    assert fake_gcp.resource_status(gws.read_access_token()) == 200


def test_two_gcp_targets_share_one_token_read(gws, fake_gcp):
    fake_gcp.allow_service_account("other@proj.iam.gserviceaccount.com")
    second = gws.out_dir / "other-token"
    targets = [
        gcp_target(fake_gcp, name="gcs", outputs={"gcpAccessTokenFile": {"path": str(gws.access_token_file)}}),
        gcp_target(fake_gcp, name="bq", service_account="other@proj.iam.gserviceaccount.com",
                   outputs={"gcpAccessTokenFile": {"path": str(second)}}),
    ]
    result = gws.agent(gws.config(fake_gcp, targets=targets))
    assert result.returncode == 0, result
    tokens = {gws.read_access_token(), second.read_text()}
    assert tokens == set(fake_gcp.issued_tokens("sa")) and len(tokens) == 2
    assert sorted(r.path.split("/")[-1] for r in fake_gcp.iam_requests) == sorted([
        f"{SERVICE_ACCOUNT}:generateAccessToken", "other@proj.iam.gserviceaccount.com:generateAccessToken"])
    assert all(fake_gcp.resource_status(t) == 200 for t in tokens)


def test_the_agent_logs_the_expiry_and_not_the_token(gws, fake_gcp):
    result = gws.agent(gws.config(fake_gcp), "--log-format", "json")
    assert result.returncode == 0, result
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    assert lines, result
    text = result.stderr
    for token in fake_gcp.issued_tokens():
        assert token not in text
