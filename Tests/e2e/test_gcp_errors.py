"""What goes wrong on the GCP side and how `agent --once` reports it: the exit code, one failure line
naming the error with a hint at what to check, and no output file written."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from e2e_support import GIVE_UP_BOUND_SECONDS
from fakes.fake_aws_metadata import random_credentials
from fakes.fake_gcp import TARGET_INVALID, google_error, http_status, oauth_error, verify
from gcp_support import (
    EXIT_CONFIG,
    EXIT_REJECTED,
    EXIT_SOURCE,
    EXIT_UNAVAILABLE,
    GCP_AUDIENCE,
    GCP_POOL,
    GCP_TOKEN_AUDIENCE,
    ISSUER,
    KID,
    SERVICE_ACCOUNT,
    SUBJECT,
    aws_env_credentials,
    register,
)

pytest_plugins = ["conftest_gcp"]

PRINCIPAL = f"principal:{GCP_POOL}/subject/{SUBJECT}"


def assert_rejected(result, gws, *fragments: str, code: int = EXIT_REJECTED) -> str:
    assert result.returncode == code, result
    line = result.failure_line
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} not in the failure line:\n{line}"
    assert gws.output_names() == [], "an output was written although the exchange failed"
    return line


def outputs_both(gws):
    return gws.outputs(access_token=True, external_account=True)


# --- STS refusals -------------------------------------------------------------------------------


def test_audience_in_another_location_is_an_invalid_request(gws, fake_gcp):
    audience = GCP_AUDIENCE.replace("locations/global", "locations/europe-west1")
    result = gws.agent(gws.config(fake_gcp, audience=audience, outputs=outputs_both(gws)))
    line = assert_rejected(result, gws, "invalid_request", "HTTP 400", "Invalid value for \"audience\"",
                           "Check gcp.audience", "project NUMBER")
    assert audience in line
    [rejection] = fake_gcp.rejections
    assert rejection.error == "invalid_request"
    assert len(fake_gcp.sts_requests) == 1, "invalid_request is not retried"


def test_unknown_provider_is_an_invalid_target(gws, fake_gcp):
    audience = GCP_AUDIENCE.rsplit("/", 1)[0] + "/deleted-provider"
    result = gws.agent(gws.config(fake_gcp, audience=audience, outputs=outputs_both(gws)))
    assert_rejected(result, gws, "invalid_target", TARGET_INVALID.split(".")[0], "disabled, deleted or misspelt")
    assert len(fake_gcp.sts_requests) == 1


def test_token_audience_the_provider_does_not_allow_is_an_invalid_grant(gws, fake_gcp, make_jwt):
    gws.write_token(make_jwt())  # aud sts.amazonaws.com: meant for AWS, not this provider
    result = gws.agent(gws.config(fake_gcp, outputs=outputs_both(gws)))
    line = assert_rejected(result, gws, "invalid_grant", "does not match the expected audience",
                           "sts.amazonaws.com", GCP_TOKEN_AUDIENCE, ISSUER)
    assert "allowed audiences" in line
    # invalid_grant may pass with a rotated token: re-read once, then give up.
    assert len(fake_gcp.sts_requests) == 2
    assert fake_gcp.iam_requests == []


def test_tampered_jwt_signature_is_an_invalid_grant(gws, fake_gcp):
    header, payload, signature = gws.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "system:serviceaccount:kube-system:admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    gws.write_token(f"{header}.{forged}.{signature}")
    result = gws.agent(gws.config(fake_gcp, outputs=outputs_both(gws)))
    assert_rejected(result, gws, "invalid_grant", "Invalid ID Token signature", "issuer")
    assert {r.description for r in fake_gcp.rejections} == {"Invalid ID Token signature."}


def test_jwt_signed_by_another_key_is_an_invalid_grant(gws, fake_gcp, make_jwt):
    import jwt as pyjwt

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = pyjwt.decode(gws.token, options={"verify_signature": False})
    gws.write_token(pyjwt.encode(claims, other, algorithm="RS256", headers={"kid": KID}))
    result = gws.agent(gws.config(fake_gcp))
    assert_rejected(result, gws, "invalid_grant", "signature")


def test_expired_jwt_fails_before_any_request(gws, fake_gcp, make_jwt):
    gws.write_token(make_jwt(expired=True, aud=[GCP_TOKEN_AUDIENCE]))
    result = gws.agent(gws.config(fake_gcp, outputs=outputs_both(gws)))
    line = assert_rejected(result, gws, "expired", code=EXIT_SOURCE)
    assert str(gws.token_file) in line
    assert fake_gcp.requests == [], "an expired token was sent to STS"


def test_attribute_condition_rejection_is_an_unauthorized_client(gws, fake_gcp):
    fake_gcp.provider.condition = lambda attributes: attributes["sub"].startswith("system:serviceaccount:prod:")
    result = gws.agent(gws.config(fake_gcp, outputs=outputs_both(gws)))
    assert_rejected(result, gws, "unauthorized_client", "attribute condition", f"sub={SUBJECT}", f"iss={ISSUER}")
    assert len(fake_gcp.sts_requests) == 1


def test_attribute_condition_rejection_for_an_aws_identity(gws, fake_gcp):
    creds = random_credentials()
    register(fake_gcp, creds, arn="arn:aws:sts::123456789012:assumed-role/not-allowed/i-0abc")
    fake_gcp.provider.condition = lambda attributes: "/gcp-federation/" in attributes["arn"]
    result = gws.agent(gws.aws_config(fake_gcp), env=gws.aws_env(**aws_env_credentials(creds)))
    assert_rejected(result, gws, "unauthorized_client", "attribute condition")


@pytest.mark.parametrize("error", ["invalid_request", "invalid_target", "unauthorized_client", "invalid_grant"])
def test_scripted_oauth_errors_exit_4_with_the_description(gws, fake_gcp, error):
    fake_gcp.script_sts(oauth_error(error, f"scripted {error} for the test"))
    result = gws.agent(gws.config(fake_gcp, outputs=outputs_both(gws)))
    assert_rejected(result, gws, error, f"scripted {error} for the test")


# --- IAM Credentials refusals ------------------------------------------------------------------------


def test_service_account_the_principal_may_not_impersonate_is_a_403_with_the_binding_to_add(gws, fake_gcp):
    fake_gcp.allow_service_account(SERVICE_ACCOUNT, principals={f"principal:{GCP_POOL}/subject/someone-else"})
    result = gws.agent(gws.config(fake_gcp, outputs=outputs_both(gws)))
    line = assert_rejected(result, gws, "PERMISSION_DENIED", "HTTP 403", "iam.serviceAccounts.getAccessToken",
                           "roles/iam.workloadIdentityUser", PRINCIPAL, SERVICE_ACCOUNT)
    assert f"--member={PRINCIPAL}" in line
    assert [r.status for r in fake_gcp.iam_requests] == [403]


def test_scripted_iam_403(gws, fake_gcp):
    fake_gcp.script_iam(google_error(403, "PERMISSION_DENIED", "The caller does not have permission"))
    result = gws.agent(gws.config(fake_gcp))
    assert_rejected(result, gws, "The caller does not have permission", "roles/iam.workloadIdentityUser", PRINCIPAL)


def test_iam_403_for_an_aws_identity_names_the_role_principal(gws, fake_gcp_with_moto, inprocess_moto, make_jwt):
    """For an AWS identity GCP's principal is the assumed-role ARN (google.subject=assertion.arn)."""
    gcp = fake_gcp_with_moto
    gcp.allow_service_account(SERVICE_ACCOUNT, principals=set())
    wi_token = gws.root / "aws-token.jwt"
    wi_token.write_text(make_jwt())
    env = gws.aws_env(AWS_ROLE_ARN="arn:aws:iam::123456789012:role/gcp-federation",
                      AWS_WEB_IDENTITY_TOKEN_FILE=str(wi_token), AWS_ROLE_SESSION_NAME="skyferry-gcp",
                      AWS_ENDPOINT_URL_STS=inprocess_moto.url)
    result = gws.agent(gws.aws_config(gcp), env=env)
    assert_rejected(result, gws, "roles/iam.workloadIdentityUser",
                    f"principal:{GCP_POOL}/subject/arn:aws:sts::123456789012:assumed-role/gcp-federation/skyferry-gcp")


def test_lifetime_over_the_allowed_maximum_is_a_400_with_a_hint(gws, fake_gcp):
    result = gws.agent(gws.config(fake_gcp, lifetime_seconds=7200))
    assert_rejected(result, gws, "INVALID_ARGUMENT", "HTTP 400", "lifetimeSeconds")
    assert fake_gcp.iam_requests[0].json["lifetime"] == "7200s"


# --- AWS signature problems ---------------------------------------------------------------------------


def test_aws_signature_with_a_secret_gcp_does_not_know_is_refused(gws, fake_gcp):
    creds = random_credentials()
    fake_gcp.register_aws_credentials(creds.access_key_id, "a-different-secret", creds.session_token)
    result = gws.agent(gws.aws_config(fake_gcp), env=gws.aws_env(**aws_env_credentials(creds)))
    assert_rejected(result, gws, "invalid_grant", "SignatureDoesNotMatch")
    assert fake_gcp.aws_verifications and not any(v.ok for v in fake_gcp.aws_verifications)


def test_aws_access_key_gcp_does_not_know_is_refused(gws, fake_gcp):
    creds = random_credentials()
    result = gws.agent(gws.aws_config(fake_gcp), env=gws.aws_env(**aws_env_credentials(creds)))
    assert_rejected(result, gws, "invalid_grant", "InvalidClientTokenId")


# --- unavailability -------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [503, 429])
def test_sts_unavailable_is_retried_then_exit_5(gws, fake_gcp, status):
    fake_gcp.script_sts(http_status(status, '{"error": "unavailable"}'))
    result = gws.agent(gws.config(fake_gcp, outputs=outputs_both(gws)))
    assert result.returncode == EXIT_UNAVAILABLE, result
    assert len(fake_gcp.sts_requests) >= 2, "not retried"
    assert result.elapsed < GIVE_UP_BOUND_SECONDS, result
    assert gws.output_names() == []


def test_sts_oauth_error_with_a_5xx_status_is_retried(gws, fake_gcp):
    fake_gcp.script_sts(oauth_error("temporarily_unavailable", "backend busy", status=503), verify())
    result = gws.agent(gws.config(fake_gcp))
    assert result.returncode == 0, result
    assert [r.status for r in fake_gcp.sts_requests] == [503, 200]


def test_sts_503_then_success(gws, fake_gcp):
    fake_gcp.script_sts(http_status(503), http_status(503), verify())
    result = gws.agent(gws.config(fake_gcp))
    assert result.returncode == 0, result
    assert [r.status for r in fake_gcp.sts_requests] == [503, 503, 200]
    assert fake_gcp.resource_status(gws.read_access_token()) == 200


def test_iam_unavailable_is_retried_then_exit_5(gws, fake_gcp):
    fake_gcp.script_iam(http_status(503))
    result = gws.agent(gws.config(fake_gcp))
    assert result.returncode == EXIT_UNAVAILABLE, result
    assert len(fake_gcp.iam_requests) >= 2
    assert gws.output_names() == []


def test_sts_answer_without_an_access_token_is_unusable(gws, fake_gcp):
    fake_gcp.script_sts(http_status(200, '{"token_type": "Bearer"}', "application/json"))
    result = gws.agent(gws.config(fake_gcp))
    assert result.returncode == EXIT_UNAVAILABLE, result
    assert "access_token" in result.failure_line
    assert gws.output_names() == []


# --- configuration and environment mistakes ---------------------------------------------------------


def test_subject_token_path_with_a_token_file_source_is_a_configuration_error(gws, fake_gcp):
    outputs = gws.outputs(access_token=False, external_account=True, subject_token_path=gws.out_dir / "subject")
    result = gws.agent(gws.config(fake_gcp, outputs=outputs))
    assert_rejected(result, gws, "subjectTokenPath", "remove subjectTokenPath", code=EXIT_CONFIG)
    assert fake_gcp.requests == []


def test_lifetime_without_a_service_account_is_a_configuration_error(gws, fake_gcp):
    result = gws.agent(gws.config(fake_gcp, service_account=None, lifetime_seconds=1200))
    assert_rejected(result, gws, "lifetimeSeconds", "serviceAccount", code=EXIT_CONFIG)
    assert fake_gcp.requests == []


@pytest.mark.parametrize("uri", ["http://example.invalid:8080/creds", "http://10.0.0.1:1/creds"])
def test_container_endpoint_over_plain_http_to_a_remote_host_is_refused(gws, fake_gcp, uri):
    result = gws.agent(gws.aws_config(fake_gcp), env=gws.aws_env(AWS_CONTAINER_CREDENTIALS_FULL_URI=uri))
    assert_rejected(result, gws, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "non-loopback", code=EXIT_SOURCE)
    assert fake_gcp.requests == []
