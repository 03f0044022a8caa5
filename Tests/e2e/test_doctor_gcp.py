"""`skyferry doctor` for GCP targets against the verifying fake GCP: each refusal reproduced the way Google
words it, and the doctor naming the cause and the fix (audience string, attribute condition, principal)."""

from __future__ import annotations

import socket

from doctor_support import EXIT_FAILED, EXIT_OK, assert_no_secrets, doctor_json, step
from fakes.fake_aws_metadata import random_credentials
from fakes.fake_gcp import FakeGCP
from gcp_support import (GCP_AUDIENCE, GCP_POOL, GCP_TOKEN_AUDIENCE, ISSUER, SERVICE_ACCOUNT, SUBJECT, aws_env_credentials,
                         register)

pytest_plugins = ["conftest_gcp"]

PRINCIPAL = f"principal:{GCP_POOL}/subject/{SUBJECT}"


def config(gws, gcp, outputs=None, **target):
    return gws.config(gcp, outputs=outputs or gws.outputs(access_token=True, external_account=True), **target)


def test_healthy_gcp_target_passes_without_writing(gws, fake_gcp):
    result, report = doctor_json(gws.ws, config(gws, fake_gcp))
    assert result.returncode == EXIT_OK, result
    assert step(report, "audience")["status"] == "pass"
    assert "impersonated " + SERVICE_ACCOUNT in step(report, "exchange")["detail"]
    assert gws.output_names() == []
    assert_no_secrets(result, gws.token, *fake_gcp.issued_tokens())


def test_audience_mismatch_names_the_expected_audience_string(gws, fake_gcp, make_jwt):
    gws.write_token(make_jwt(aud=["sts.amazonaws.com"]))
    result, report = doctor_json(gws.ws, config(gws, fake_gcp))
    assert result.returncode == EXIT_FAILED
    audience = step(report, "audience")
    assert audience["status"] == "warn" and GCP_TOKEN_AUDIENCE in audience["fix"]
    exchange = step(report, "exchange")
    assert "The audience in ID Token" in exchange["detail"]
    assert exchange["cause"] == "the token's aud is not among the provider's allowed audiences"
    assert GCP_TOKEN_AUDIENCE in exchange["fix"]


def test_attribute_condition_rejection_names_the_condition(gws, issuer_jwks):
    with FakeGCP(jwks=issuer_jwks, issuer=ISSUER, service_accounts={SERVICE_ACCOUNT}, condition=lambda attributes: False) as gcp:
        result, report = doctor_json(gws.ws, config(gws, gcp))
    assert result.returncode == EXIT_FAILED
    exchange = step(report, "exchange")
    assert "rejected by the attribute condition" in exchange["detail"]
    assert exchange["cause"] == "the provider's attribute condition rejects this identity"
    assert "attributeCondition" in exchange["fix"] and f"sub={SUBJECT}" in exchange["fix"]


def test_missing_workload_identity_user_binding_names_the_principal(gws, issuer_jwks):
    with FakeGCP(jwks=issuer_jwks, issuer=ISSUER, service_accounts={SERVICE_ACCOUNT},
                 impersonators={SERVICE_ACCOUNT: {"principal://someone/else"}}) as gcp:
        result, report = doctor_json(gws.ws, config(gws, gcp))
    assert result.returncode == EXIT_FAILED
    exchange = step(report, "exchange")
    assert "PERMISSION_DENIED" in exchange["detail"] and "HTTP 403" in exchange["detail"]
    assert "roles/iam.workloadIdentityUser" in exchange["fix"] and f"--member={PRINCIPAL}" in exchange["fix"]


def test_unknown_provider_is_invalid_target(gws, fake_gcp):
    audience = GCP_AUDIENCE.replace("/providers/prov", "/providers/other")
    gws.write_token(gws.make_jwt(aud=["https:" + audience]))
    result, report = doctor_json(gws.ws, config(gws, fake_gcp, audience=audience))
    assert result.returncode == EXIT_FAILED
    exchange = step(report, "exchange")
    assert exchange["cause"] == "the pool or provider does not exist or is disabled"
    assert "providers describe" in exchange["fix"]


def test_wrong_issuer_is_named(gws, issuer_jwks):
    with FakeGCP(jwks=issuer_jwks, issuer="https://other.issuer.test", service_accounts={SERVICE_ACCOUNT}) as gcp:
        result, report = doctor_json(gws.ws, config(gws, gcp))
    assert result.returncode == EXIT_FAILED
    exchange = step(report, "exchange")
    assert exchange["cause"] == "the token's iss is not the provider's issuer URI"
    assert ISSUER in exchange["fix"]


def test_metadata_server_listen_address_in_use_fails(gws, fake_gcp):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result, report = doctor_json(gws.ws, config(gws, fake_gcp, outputs={"gcpMetadataServer": {"listen": f"127.0.0.1:{port}"}}))
    assert result.returncode == EXIT_FAILED
    listen = step(report, "listen targets[0].outputs.gcpMetadataServer.listen", target=-1)
    assert listen["status"] == "fail" and "in use" in listen["detail"]
    assert step(report, "exchange")["status"] == "pass"


# --- EC2/ECS/EKS → GCP: AWS credentials through the AWS provider ----------------------------------


def test_aws_credentials_to_gcp_passes_without_printing_them(gws, fake_gcp):
    creds = random_credentials()
    register(fake_gcp, creds)
    env = gws.aws_env(**aws_env_credentials(creds))
    result, report = doctor_json(gws.ws, gws.aws_config(fake_gcp, outputs=gws.outputs(access_token=True)), env=env)
    assert result.returncode == EXIT_OK, result
    assert step(report, "aws-identity")["status"] == "pass"
    assert step(report, "exchange")["status"] == "pass"
    assert gws.output_names() == []
    assert_no_secrets(result, creds.secret_access_key, creds.session_token, *fake_gcp.issued_tokens())


def test_aws_credentials_the_provider_does_not_know_are_named(gws, fake_gcp):
    creds = random_credentials()  # not registered: the fake cannot verify the signature, as Google could not
    env = gws.aws_env(**aws_env_credentials(creds))
    result, report = doctor_json(gws.ws, gws.aws_config(fake_gcp, outputs=gws.outputs(access_token=True)), env=env)
    assert result.returncode == EXIT_FAILED
    exchange = step(report, "exchange")
    assert exchange["status"] == "fail" and "invalid_grant" in exchange["detail"] and exchange["cause"]
    assert_no_secrets(result, creds.secret_access_key, creds.session_token)
