"""Source `aws` → GCP target: AWS credentials from the SDK chain (environment, web identity via moto,
the container credentials endpoint, IMDSv2) turned into a signed GetCallerIdentity, which the fake
GCP STS verifies by recomputing the SigV4 signature with botocore. Also the chain's order, the
region's precedence, and the subject-token file behind `gcpExternalAccountFile`."""

from __future__ import annotations

import calendar
import time
import urllib.parse

import pytest

from e2e_support import AgentProcess
from fakes.fake_aws_metadata import FakeContainerCredentials, FakeIMDS, random_credentials
from fakes.fake_gcp import AWS_TOKEN_TYPE, decode_aws_subject_token, recompute_signature
from gcp_support import (
    CLOUD_PLATFORM,
    EXIT_SOURCE,
    GCP_AUDIENCE,
    GCP_POOL,
    SERVICE_ACCOUNT,
    InProcessMoto,
    aws_env_credentials,
    mode_of,
    register,
)

pytest_plugins = ["conftest_gcp"]

WI_ROLE_ARN = "arn:aws:iam::123456789012:role/gcp-federation"
IMDS_DISABLED = {"AWS_EC2_METADATA_DISABLED": "true"}


def only_verification(gcp):
    [verification] = gcp.aws_verifications
    assert verification.ok, verification.reason
    return verification


def assert_exchanged_and_works(gws, gcp, access_key_id: str, region: str = "us-east-1") -> None:
    verification = only_verification(gcp)
    assert verification.access_key_id == access_key_id
    assert verification.region == region
    [sts] = gcp.sts_requests
    assert sts.form["subject_token_type"] == AWS_TOKEN_TYPE
    assert sts.form["audience"] == GCP_AUDIENCE
    assert "authorization" not in sts.headers
    assert gcp.resource_status(gws.read_access_token()) == 200


# --- (a) environment ----------------------------------------------------------------------------


def test_env_credentials_with_session_token(gws, fake_gcp):
    creds = random_credentials()
    register(fake_gcp, creds)
    env = gws.aws_env(**aws_env_credentials(creds))
    result = gws.agent(gws.aws_config(fake_gcp), env=env)
    assert result.returncode == 0, result
    assert_exchanged_and_works(gws, fake_gcp, creds.access_key_id)
    assert gws.read_access_token() == "fake-sa-access-token-1"


def test_the_subject_token_is_a_signed_get_caller_identity_with_the_target_resource_signed(gws, fake_gcp):
    creds = random_credentials()
    register(fake_gcp, creds)
    env = gws.aws_env(**aws_env_credentials(creds))
    before = time.time()
    result = gws.agent(gws.aws_config(fake_gcp, region="eu-west-2", service_account=None), env=env)
    assert result.returncode == 0, result

    [sts] = fake_gcp.sts_requests
    token = sts.form["subject_token"]
    doc = decode_aws_subject_token(token)
    assert set(doc) == {"headers", "method", "url"}
    assert doc["method"] == "POST"
    assert doc["url"] == "https://sts.eu-west-2.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"
    keys = [h["key"] for h in doc["headers"]]
    assert keys == ["Authorization", "host", "x-amz-date", "x-amz-security-token", "x-goog-cloud-target-resource"]
    headers = {h["key"]: h["value"] for h in doc["headers"]}
    assert headers["host"] == "sts.eu-west-2.amazonaws.com"
    assert headers["x-amz-security-token"] == creds.session_token
    assert headers["x-goog-cloud-target-resource"] == GCP_AUDIENCE
    assert headers["Authorization"].startswith(
        f"AWS4-HMAC-SHA256 Credential={creds.access_key_id}/{time.strftime('%Y%m%d', time.gmtime(before))}/eu-west-2/sts/aws4_request, "
        "SignedHeaders=host;x-amz-date;x-amz-security-token;x-goog-cloud-target-resource, Signature=")
    signed_at = calendar.timegm(time.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ"))
    assert before - 2 <= signed_at <= time.time() + 1, "signed fresh for this exchange"
    expected, _, signature = recompute_signature(doc, creds.secret_access_key, creds.session_token)
    assert expected == signature
    wrong, _, _ = recompute_signature(doc, creds.secret_access_key[:-1] + "x", creds.session_token)
    assert wrong != signature
    # URL-encoded like google-auth-python: '/' kept, no raw JSON punctuation.
    assert "{" not in token and '"' not in token and urllib.parse.unquote(token).startswith('{"headers"')


def test_env_static_keys_without_session_token(gws, fake_gcp):
    creds = random_credentials(prefix="AKIA")
    register(fake_gcp, creds, with_session_token=False)
    env = gws.aws_env(**aws_env_credentials(creds, with_session_token=False))
    result = gws.agent(gws.aws_config(fake_gcp), env=env)
    assert result.returncode == 0, result
    assert_exchanged_and_works(gws, fake_gcp, creds.access_key_id)
    verification = only_verification(fake_gcp)
    assert verification.session_token is None
    assert verification.signed_headers == ["host", "x-amz-date", "x-goog-cloud-target-resource"]


def test_each_exchange_signs_a_fresh_token(gws, fake_gcp):
    creds = random_credentials()
    register(fake_gcp, creds)
    env = gws.aws_env(**aws_env_credentials(creds))
    config = gws.aws_config(fake_gcp)
    assert gws.agent(config, env=env).returncode == 0
    time.sleep(1.1)  # x-amz-date has one-second resolution
    assert gws.agent(config, env=env).returncode == 0
    first, second = (r.form["subject_token"] for r in fake_gcp.sts_requests)
    assert first != second
    assert all(v.ok for v in fake_gcp.aws_verifications)


# --- (b) web identity through moto ------------------------------------------------------------------


@pytest.mark.parametrize("endpoint_variable", ["AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"])
def test_web_identity_credentials_from_moto(gws, fake_gcp_with_moto, inprocess_moto, make_jwt, endpoint_variable):
    wi_token = gws.root / "aws-token.jwt"
    wi_token.write_text(make_jwt())  # aud sts.amazonaws.com, as an EKS projected token
    env = gws.aws_env(AWS_ROLE_ARN=WI_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE=str(wi_token),
                      AWS_ROLE_SESSION_NAME="skyferry-gcp", **{endpoint_variable: inprocess_moto.url})
    result = gws.agent(gws.aws_config(fake_gcp_with_moto), env=env)
    assert result.returncode == 0, result

    verification = only_verification(fake_gcp_with_moto)
    issued = InProcessMoto.lookup(verification.access_key_id)
    assert issued is not None, "the credentials that signed the token were not issued by moto"
    assert issued.arn == "arn:aws:sts::123456789012:assumed-role/gcp-federation/skyferry-gcp"
    assert verification.session_token == issued.session_token
    assert fake_gcp_with_moto.issued[0].principal == f"principal:{GCP_POOL}/subject/{issued.arn}"
    assert fake_gcp_with_moto.resource_status(gws.read_access_token()) == 200


# --- (c) container credentials --------------------------------------------------------------------


def test_container_credentials_with_a_token_file(gws, fake_gcp, fake_container):
    register(fake_gcp, fake_container.credentials)
    token_file = gws.root / "eks-pod-identity-token"
    token_file.write_text(fake_container.expected_token)
    env = gws.aws_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=fake_container.full_uri,
                      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file),
                      AWS_CONTAINER_AUTHORIZATION_TOKEN="stale-env-token-the-file-wins")
    result = gws.agent(gws.aws_config(fake_gcp), env=env)
    assert result.returncode == 0, result
    assert_exchanged_and_works(gws, fake_gcp, fake_container.credentials.access_key_id)
    assert fake_container.authorizations == [fake_container.expected_token], "raw token, no Bearer; file wins"


def test_container_credentials_with_a_token_in_the_environment(gws, fake_gcp, fake_container):
    register(fake_gcp, fake_container.credentials)
    env = gws.aws_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=fake_container.full_uri,
                      AWS_CONTAINER_AUTHORIZATION_TOKEN=fake_container.expected_token)
    result = gws.agent(gws.aws_config(fake_gcp), env=env)
    assert result.returncode == 0, result
    assert_exchanged_and_works(gws, fake_gcp, fake_container.credentials.access_key_id)
    assert fake_container.authorizations == [fake_container.expected_token]


def test_container_endpoint_refusing_the_token_is_a_source_failure(gws, fake_gcp, fake_container):
    env = gws.aws_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=fake_container.full_uri,
                      AWS_CONTAINER_AUTHORIZATION_TOKEN="wrong-token")
    result = gws.agent(gws.aws_config(fake_gcp), env=env)
    assert result.returncode == EXIT_SOURCE, result
    assert "container credentials" in result.failure_line and "401" in result.failure_line, result
    assert fake_gcp.sts_requests == []
    assert gws.output_names() == []


# --- (d) IMDSv2 ---------------------------------------------------------------------------------------


def test_imds_v2_credentials_and_region(gws, fake_gcp, fake_imds):
    register(fake_gcp, fake_imds.credentials)
    env = gws.aws_env(imds=True, AWS_EC2_METADATA_SERVICE_ENDPOINT=fake_imds.url)
    result = gws.agent(gws.aws_config(fake_gcp, region=None), env=env)
    assert result.returncode == 0, result
    assert_exchanged_and_works(gws, fake_gcp, fake_imds.credentials.access_key_id, region="eu-west-1")
    assert fake_imds.token_puts, "no IMDSv2 session token was requested"
    assert all(r.headers.get("x-aws-ec2-metadata-token-ttl-seconds") for r in fake_imds.token_puts)
    assert fake_imds.unauthorized == [], "a metadata GET went without the session token"
    assert fake_imds.credential_fetches
    paths = [r.path for r in fake_imds.requests if r.method == "GET"]
    assert "/latest/meta-data/placement/region" in paths


def test_imds_without_a_role_is_a_source_failure(gws, fake_gcp):
    with FakeIMDS(random_credentials(), role=None) as imds:
        env = gws.aws_env(imds=True, AWS_EC2_METADATA_SERVICE_ENDPOINT=imds.url)
        result = gws.agent(gws.aws_config(fake_gcp), env=env)
    assert result.returncode == EXIT_SOURCE, result
    assert "role" in result.failure_line.lower(), result
    assert gws.output_names() == []


def test_no_aws_credentials_anywhere(gws, fake_gcp):
    result = gws.agent(gws.aws_config(fake_gcp), env=gws.aws_env())
    assert result.returncode == EXIT_SOURCE, result
    assert "AWS_ACCESS_KEY_ID" in result.failure_line, result
    assert fake_gcp.requests == []


# --- the chain's order ------------------------------------------------------------------------------


@pytest.fixture
def everything(gws, fake_gcp_with_moto, inprocess_moto, make_jwt):
    """All four providers configured at once, each with its own credentials (all known to the fake)."""
    gcp = fake_gcp_with_moto
    env_creds = random_credentials(prefix="AKIA")
    register(gcp, env_creds, with_session_token=False)
    container = FakeContainerCredentials(random_credentials(), expected_token="pod-token").start()
    imds = FakeIMDS(random_credentials(), region="us-east-1").start()
    register(gcp, container.credentials)
    register(gcp, imds.credentials)
    wi_token = gws.root / "aws-token.jwt"
    wi_token.write_text(make_jwt())
    providers = {
        "environment": aws_env_credentials(env_creds, with_session_token=False),
        "web identity": {"AWS_ROLE_ARN": WI_ROLE_ARN, "AWS_WEB_IDENTITY_TOKEN_FILE": str(wi_token),
                         "AWS_ENDPOINT_URL_STS": inprocess_moto.url},
        "container": {"AWS_CONTAINER_CREDENTIALS_FULL_URI": container.full_uri,
                      "AWS_CONTAINER_AUTHORIZATION_TOKEN": "pod-token"},
        "imds": {"AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url},
    }
    try:
        yield gcp, providers, env_creds, container, imds
    finally:
        container.stop()
        imds.stop()


CHAIN = ["environment", "web identity", "container", "imds"]


@pytest.mark.parametrize("first", CHAIN)
def test_chain_order_env_then_web_identity_then_container_then_imds(gws, everything, first):
    gcp, providers, env_creds, container, imds = everything
    env = gws.aws_env(imds=True)
    for name in CHAIN[CHAIN.index(first):]:
        env.update(providers[name])
    result = gws.agent(gws.aws_config(gcp), env=env)
    assert result.returncode == 0, result

    seen = only_verification(gcp).access_key_id
    expected = {
        "environment": env_creds.access_key_id,
        "container": container.credentials.access_key_id,
        "imds": imds.credentials.access_key_id,
    }.get(first)
    if first == "web identity":
        issued = InProcessMoto.lookup(seen)
        assert issued is not None and "assumed-role/gcp-federation/" in issued.arn, seen
    else:
        assert seen == expected, f"expected the {first} credentials"
    # The providers after the winner are not even asked.
    later = CHAIN[CHAIN.index(first) + 1:]
    if "container" in later:
        assert container.requests == []
    if "imds" in later:
        assert imds.requests == [], "IMDS was contacted although an earlier provider had credentials"


# --- region precedence ----------------------------------------------------------------------------


@pytest.mark.parametrize(("config_region", "env_vars", "expected"), [
    ("ap-south-1", {"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "us-west-2"}, "ap-south-1"),
    (None, {"AWS_REGION": "eu-central-1", "AWS_DEFAULT_REGION": "us-west-2"}, "eu-central-1"),
    (None, {"AWS_DEFAULT_REGION": "us-west-2"}, "us-west-2"),
])
def test_region_precedence(gws, fake_gcp, config_region, env_vars, expected):
    creds = random_credentials()
    register(fake_gcp, creds)
    env = gws.aws_env(**aws_env_credentials(creds), **env_vars)
    result = gws.agent(gws.aws_config(fake_gcp, region=config_region), env=env)
    assert result.returncode == 0, result
    assert only_verification(fake_gcp).region == expected


def test_without_any_region_and_imds_disabled_is_a_source_failure(gws, fake_gcp):
    creds = random_credentials()
    env = gws.aws_env(**aws_env_credentials(creds))
    result = gws.agent(gws.aws_config(fake_gcp, region=None), env=env)
    assert result.returncode == EXIT_SOURCE, result
    assert "region" in result.failure_line, result
    assert fake_gcp.requests == []


# --- the external_account output for an aws source -----------------------------------------------


def test_external_account_file_points_at_a_fresh_signed_subject_token(gws, fake_gcp):
    creds = random_credentials()
    register(fake_gcp, creds)
    env = gws.aws_env(**aws_env_credentials(creds))
    outputs = gws.outputs(access_token=False, external_account=True)
    result = gws.agent(gws.aws_config(fake_gcp, outputs=outputs, lifetime_seconds=900), env=env)
    assert result.returncode == 0, result

    subject_file = gws.out_dir / "credentials.json.subject-token"
    doc = gws.read_external_account()
    assert doc == {
        "type": "external_account",
        "audience": GCP_AUDIENCE,
        "subject_token_type": AWS_TOKEN_TYPE,
        "token_url": fake_gcp.sts_url,
        "service_account_impersonation_url": fake_gcp.generate_url(SERVICE_ACCOUNT),
        "service_account_impersonation": {"token_lifetime_seconds": 900},
        "credential_source": {"file": str(subject_file), "format": {"type": "text"}},
        "universe_domain": "googleapis.com",
    }
    assert mode_of(subject_file) == 0o600 and mode_of(gws.external_account_file) == 0o600
    token = subject_file.read_text()
    assert not token.endswith("\n")
    signed = decode_aws_subject_token(token)
    expected, _, signature = recompute_signature(signed, creds.secret_access_key, creds.session_token)
    assert expected == signature
    assert sorted(p.name for p in gws.out_dir.iterdir()) == ["credentials.json", "credentials.json.subject-token"]


def test_subject_token_path_can_be_chosen(gws, fake_gcp):
    creds = random_credentials()
    register(fake_gcp, creds)
    env = gws.aws_env(**aws_env_credentials(creds))
    chosen = gws.out_dir / "aws-subject"
    outputs = gws.outputs(access_token=False, external_account=True, subject_token_path=chosen)
    result = gws.agent(gws.aws_config(fake_gcp, outputs=outputs, service_account=None, scopes=[CLOUD_PLATFORM]),
                       env=env)
    assert result.returncode == 0, result
    assert gws.read_external_account()["credential_source"]["file"] == str(chosen)
    assert decode_aws_subject_token(chosen.read_text())["method"] == "POST"


def test_the_subject_token_file_is_good_for_15_minutes_only(gws, fake_gcp):
    """The signed GetCallerIdentity behind the external_account file expires with SigV4's window:
    with --once nothing rewrites it, so clients reading the file fail after 15 minutes."""
    creds = random_credentials()
    register(fake_gcp, creds)
    outputs = gws.outputs(access_token=False, external_account=True)
    result = gws.agent(gws.aws_config(fake_gcp, outputs=outputs, service_account=None),
                       env=gws.aws_env(**aws_env_credentials(creds)))
    assert result.returncode == 0, result
    token = (gws.out_dir / "credentials.json.subject-token").read_text()

    fake_gcp.clock_offset_seconds = 14 * 60
    status, body = fake_gcp.exchange(token, AWS_TOKEN_TYPE)
    assert status == 200, body
    fake_gcp.clock_offset_seconds = 16 * 60
    status, body = fake_gcp.exchange(token, AWS_TOKEN_TYPE)
    assert status == 400 and body["error"] == "invalid_grant" and "Signature expired" in body["error_description"]


def test_long_running_agent_re_reads_the_container_token_and_re_signs(gws, fake_gcp):
    """Refreshing: container credentials that near expiry are fetched again with the token file's
    current content (EKS Pod Identity rotates it), and each refresh rewrites a freshly signed
    subject token."""
    first_creds = random_credentials(lifetime_seconds=302)  # inside the chain's 5-minute reuse margin soon
    fake_gcp.sts_expires_in = 8  # refreshed after 3 s (8 s less the 5 s minimum margin)
    register(fake_gcp, first_creds)
    token_file = gws.root / "pod-identity-token"
    token_file.write_text("rotation-1")
    with FakeContainerCredentials(first_creds, expected_token="rotation-1") as container:
        env = gws.aws_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=container.full_uri,
                          AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(token_file))
        outputs = gws.outputs(access_token=True, external_account=True)
        refresh = {"requestTimeoutSeconds": 2, "retryDeadlineSeconds": 6, "lifetimeFraction": 0.5, "jitterFraction": 0}
        config = gws.aws_config(fake_gcp, outputs=outputs, service_account=None, refresh=refresh)
        agent = AgentProcess([str(gws.ws.skyferry_bin), "agent", "--config", str(config)], env, gws.root / "agent")
        try:
            agent.wait_for(lambda: gws.access_token_file.exists() and gws.read_access_token() == "fake-sts-access-token-1",
                           timeout=10, what="the first token")
            first_subject = (gws.out_dir / "credentials.json.subject-token").read_text()
            second_creds = random_credentials()
            register(fake_gcp, second_creds)
            container.credentials = second_creds
            container.expected_token = "rotation-2"
            token_file.write_text("rotation-2")
            agent.wait_for(lambda: gws.read_access_token() not in ("fake-sts-access-token-1",),
                           timeout=15, what="a refreshed token")
        finally:
            agent.stop()
    assert "rotation-2" in container.authorizations, container.authorizations
    assert container.authorizations[0] == "rotation-1"
    assert all(v.ok for v in fake_gcp.aws_verifications)
    assert fake_gcp.aws_verifications[-1].access_key_id == second_creds.access_key_id
    second_subject = (gws.out_dir / "credentials.json.subject-token").read_text()
    assert second_subject != first_subject
    assert fake_gcp.resource_status(gws.read_access_token()) == 200
