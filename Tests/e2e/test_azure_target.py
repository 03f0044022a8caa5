"""The `azure` target end to end: `skyferry agent` against the verifying fake Entra ID (fakes/fake_entra.py), with
the assertion from a token file (a fake OIDC issuer's token), from the GCE metadata server (a Google ID token) and
from AWS credentials through GetWebIdentityToken (fakes/fake_aws_outbound.py). The outputs are read back and
consumed by azure-identity's WorkloadIdentityCredential; each AADSTS class ends the agent with its exit code and a
message naming it; no token or assertion reaches the logs, even at trace level."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path
from typing import Any

import jwt
import pytest

from azure_support import CLIENT_ID, VAULT_RESOURCE, VAULT_SCOPE, azure_identity_tokens, workload_identity_env
from e2e_support import SUBJECT, isolated_env, to_yaml, wait_until
from fakes.fake_aws_metadata import random_credentials
from fakes.fake_aws_outbound import FakeAWSOutbound, role_arn_of
from fakes.fake_entra import FakeEntra, FederatedCredential, entra_error, http_status, verify
from fakes.fake_metadata import FakeMetadata

pytest_plugins = ["conftest_azure"]

STORAGE_RESOURCE = "https://storage.azure.com"
EXIT_REJECTED, EXIT_UNAVAILABLE = 4, 5
# Quick retries: the propagation grace (3 retries) and 5xx back off from 0.1 s; give up after 3 s.
QUICK = {"requestTimeoutSeconds": 3, "retryDeadlineSeconds": 3, "backoffInitialSeconds": 0.1,
         "backoffMaxSeconds": 1}
ROLE_SESSION_ARN = "arn:aws:sts::123456789012:assumed-role/reader/i-0123456789abcdef0"


def azure_config(entra: FakeEntra, source: dict[str, Any], outputs: dict[str, Any], *,
                 resources: list[str] | None = None, refresh: dict[str, Any] | None = None,
                 **azure: Any) -> dict[str, Any]:
    target_azure: dict[str, Any] = {"tenantId": entra.tenant_id, "clientId": CLIENT_ID, "authorityHost": entra.url}
    if resources is not None:
        target_azure["resources"] = resources
    target_azure.update(azure)
    doc: dict[str, Any] = {"source": source,
                           "targets": [{"name": "blob", "azure": target_azure, "outputs": outputs}]}
    if refresh:
        doc["refresh"] = refresh
    return doc


def run_agent(ws, entra: FakeEntra, doc: dict[str, Any], *extra: str, env: dict[str, str] | None = None):
    config = ws.raw_config(to_yaml(doc) + "\n")
    return ws.agent(config, "--ca-bundle", str(entra.ca_path), *extra, env=env)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def assert_no_secrets(result, *secrets: str) -> None:
    output = result.stdout + result.stderr
    for secret in secrets:
        assert secret and secret not in output, f"a secret appears in the agent's output:\n{result}"
        signature = secret.rsplit(".", 1)[-1]
        assert signature not in output, f"a token's signature appears in the agent's output:\n{result}"


@pytest.fixture
def token_file(ws, oidc_issuer) -> Path:
    """A projected-style token for Entra: the fake issuer's, sub system:serviceaccount:shop:api,
    aud api://AzureADTokenExchange."""
    ws.write_token(oidc_issuer.make_token(SUBJECT))
    return ws.token_file


# --- a token file into Entra ----------------------------------------------------------------------------


def test_token_file_to_access_token_and_federated_token_files(ws, entra, token_file):
    access = ws.out_dir / "vault-token"
    assertion = ws.out_dir / "azure" / "assertion"
    doc = azure_config(entra, {"tokenFile": str(token_file)},
                       {"azureAccessTokenFile": {"path": str(access), "resource": VAULT_RESOURCE},
                        "azureFederatedTokenFile": {"path": str(assertion), "mode": "0640"}},
                       resources=[STORAGE_RESOURCE, VAULT_SCOPE])
    result = run_agent(ws, entra, doc, "--log-level", "trace")
    assert result.returncode == 0, result

    # One request per resource, azure-identity's form, field for field.
    requests = entra.token_requests
    assert [r.form["scope"] for r in requests] == [STORAGE_RESOURCE + "/.default", VAULT_SCOPE]
    for request in requests:
        assert request.path == f"/{entra.tenant_id}/oauth2/v2.0/token"
        assert [field.split("=", 1)[0] for field in request.body.split("&")] == [
            "client_assertion", "client_assertion_type", "client_id", "grant_type", "scope"]
        assert request.form["client_assertion"] == ws.token
        assert request.form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        assert request.form["client_id"] == CLIENT_ID and request.form["grant_type"] == "client_credentials"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"

    [vault] = [token for token in entra.issued if token.resource == VAULT_RESOURCE]
    assert access.read_text() == vault.access_token
    assert entra.verify_access_token(access.read_text(), VAULT_RESOURCE)["appid"] == CLIENT_ID
    assert mode_of(access) == 0o600
    assert assertion.read_text() == ws.token
    assert mode_of(assertion) == 0o640
    assert_no_secrets(result, ws.token, *(token.access_token for token in entra.issued))

    # The federated token file is what WorkloadIdentityCredential reads (AZURE_FEDERATED_TOKEN_FILE).
    entra.reset()
    [answer] = azure_identity_tokens(workload_identity_env(ws.root / "client", entra, CLIENT_ID, assertion))
    assert "token" in answer, answer
    assert entra.verify_access_token(answer["token"], VAULT_RESOURCE)["appid"] == CLIENT_ID
    assert entra.token_requests[0].form["client_assertion"] == ws.token


def test_without_resources_the_assertion_alone_is_checked_and_written(ws, entra, token_file):
    assertion = ws.out_dir / "assertion"
    doc = azure_config(entra, {"tokenFile": str(token_file)}, {"azureFederatedTokenFile": {"path": str(assertion)}})
    result = run_agent(ws, entra, doc)
    assert result.returncode == 0, result
    assert entra.token_requests == []
    assert assertion.read_text() == ws.token and mode_of(assertion) == 0o600


def test_a_token_for_another_audience_is_refused_before_entra_is_asked(ws, entra, oidc_issuer):
    ws.write_token(oidc_issuer.make_token(SUBJECT, audience="sts.amazonaws.com"))
    assertion = ws.out_dir / "assertion"
    doc = azure_config(entra, {"tokenFile": str(ws.token_file)}, {"azureFederatedTokenFile": {"path": str(assertion)}},
                       resources=[VAULT_RESOURCE])
    result = run_agent(ws, entra, doc)
    assert result.returncode == EXIT_REJECTED, result
    assert "carries aud=sts.amazonaws.com, not api://AzureADTokenExchange" in result.failure_line
    assert "(AADSTS700212)" in result.failure_line
    assert entra.token_requests == [] and not assertion.exists()


def test_entra_lifetimes_are_read_from_expires_in_and_refreshed_by_the_running_agent(ws, oidc_issuer, token_file):
    with FakeEntra(token_lifetime=4) as entra:
        entra.add_federated_credential(CLIENT_ID, FederatedCredential(oidc_issuer.issuer, SUBJECT))
        entra.script(verify(expires_in_as_string=True))
        access = ws.out_dir / "token"
        doc = azure_config(entra, {"tokenFile": str(token_file)}, {"azureAccessTokenFile": {"path": str(access)}},
                           resources=[VAULT_RESOURCE])
        agent = ws.start_agent(ws.raw_config(to_yaml(doc) + "\n"), "--ca-bundle", str(entra.ca_path))
        first = agent.wait_for(lambda: access.exists() and access.read_text(), 20, "the first access token")
        # A 4-second token is refreshed at about half its life: a new token replaces the first.
        second = agent.wait_for(lambda: access.read_text() != first and access.read_text(), 20, "a refreshed token")
        assert second == entra.issued[-1].access_token or second in [t.access_token for t in entra.issued]
        assert len(entra.token_requests) >= 2


# --- each AADSTS class, named by the agent ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "exit_code", "requests", "words"),
    [
        (70021, EXIT_REJECTED, 4, ["AADSTS70021", "az identity federated-credential create",
                                    "--subject 'system:serviceaccount:shop:api'"]),
        (700211, EXIT_REJECTED, 4, ["AADSTS700211", "The credential's issuer must be the assertion's iss exactly"]),
        (700212, EXIT_REJECTED, 4, ["AADSTS700212", "The credential's one audience must be the assertion's aud"]),
        (700213, EXIT_REJECTED, 4, ["AADSTS700213", "The credential's subject must be the assertion's sub exactly, "
                                                    "system:serviceaccount:shop:api"]),
        (700024, EXIT_REJECTED, 2, ["AADSTS700024", "outside Entra ID's time window"]),
        (700222, EXIT_REJECTED, 1, ["AADSTS700222", "names an Entra ID issuer"]),
        (700016, EXIT_REJECTED, 1, ["AADSTS700016", "Check clientId"]),
        (700027, EXIT_REJECTED, 1, ["AADSTS700027", "does not hold the key that signed the assertion"]),
        (90061, EXIT_UNAVAILABLE, None, ["AADSTS90061", "/.well-known/openid-configuration"]),
        (50166, EXIT_UNAVAILABLE, None, ["AADSTS50166", "must be reachable from the internet"]),
    ],
)
def test_each_entra_error_is_named_with_its_cause_and_fix(ws, entra, token_file, oidc_issuer, code, exit_code,
                                                           requests, words):
    entra.script(entra_error(code))
    output = ws.out_dir / "token"
    doc = azure_config(entra, {"tokenFile": str(token_file)}, {"azureAccessTokenFile": {"path": str(output)}},
                       resources=[VAULT_RESOURCE], refresh=QUICK)
    result = run_agent(ws, entra, doc)
    assert result.returncode == exit_code, result
    line = result.failure_line
    assert line.startswith('skyferry: target "blob": exchanging the assertion at Entra ID failed: Entra ID rejected '
                           f"the token request for client {CLIENT_ID} in tenant {entra.tenant_id} (resource "
                           f"{VAULT_RESOURCE}) (AADSTS{code}, "), line
    for word in words:
        assert word in line, (word, line)
    assert f"iss={oidc_issuer.issuer}, sub={SUBJECT}, aud=api://AzureADTokenExchange" in line
    assert "trace ID " in line and "correlation ID " in line
    if requests is not None:
        assert len(entra.token_requests) == requests, result
    else:
        assert len(entra.token_requests) >= 2, result
    assert not output.exists()
    assert_no_secrets(result, ws.token)


def test_a_federated_credential_still_propagating_is_retried_not_fatal(ws, oidc_issuer, token_file):
    with FakeEntra() as entra:
        entra.add_federated_credential(CLIENT_ID, FederatedCredential(oidc_issuer.issuer, SUBJECT),
                                       propagation_requests=2)
        output = ws.out_dir / "token"
        doc = azure_config(entra, {"tokenFile": str(token_file)}, {"azureAccessTokenFile": {"path": str(output)}},
                           resources=[VAULT_RESOURCE], refresh=QUICK)
        result = run_agent(ws, entra, doc)
        assert result.returncode == 0, result
        assert [r.code for r in entra.rejections] == [70021, 70021]
        assert output.read_text() == entra.issued[-1].access_token


def test_entra_unavailable_is_retried_then_exit_5(ws, entra, token_file):
    entra.script(http_status(503, "busy"), http_status(503, "busy"), verify())
    output = ws.out_dir / "token"
    doc = azure_config(entra, {"tokenFile": str(token_file)}, {"azureAccessTokenFile": {"path": str(output)}},
                       resources=[VAULT_RESOURCE], refresh=QUICK)
    result = run_agent(ws, entra, doc)
    assert result.returncode == 0, result
    assert len(entra.token_requests) == 3
    entra.script(http_status(503, "busy"))
    result = run_agent(ws, entra, doc)
    assert result.returncode == EXIT_UNAVAILABLE, result
    assert "gave an unusable answer to the token request for client" in result.failure_line


# --- AWS credentials into Entra: GetWebIdentityToken -------------------------------------------------------


def aws_env(ws, aws: FakeAWSOutbound, creds: Any) -> dict[str, str]:
    env = dict(ws.env)
    env.update({"AWS_ACCESS_KEY_ID": creds.access_key_id, "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
                "AWS_SESSION_TOKEN": creds.session_token, "AWS_ENDPOINT_URL_STS": aws.url,
                "AWS_EC2_METADATA_DISABLED": "true"})
    return env


def test_aws_credentials_become_an_assertion_entra_accepts(ws, tmp_path):
    creds = random_credentials()
    with FakeAWSOutbound(region="us-east-1") as aws, FakeEntra() as entra:
        aws.register_credentials(creds.access_key_id, creds.secret_access_key, creds.session_token,
                                 arn=ROLE_SESSION_ARN, expiration=creds.expiration)
        entra.add_federated_credential(CLIENT_ID, FederatedCredential(aws.issuer, role_arn_of(ROLE_SESSION_ARN)))
        access, assertion = ws.out_dir / "token", ws.out_dir / "assertion"
        doc = azure_config(entra, {"aws": {"region": "us-east-1"}},
                           {"azureAccessTokenFile": {"path": str(access)},
                            "azureFederatedTokenFile": {"path": str(assertion)}},
                           resources=[VAULT_RESOURCE])
        result = run_agent(ws, entra, doc, "--log-level", "trace", env=aws_env(ws, aws, creds))
        assert result.returncode == 0, result
        claims = aws.verify_token(assertion.read_text(), "api://AzureADTokenExchange")
        assert claims["sub"] == role_arn_of(ROLE_SESSION_ARN) and claims["iss"] == aws.issuer
        assert jwt.get_unverified_header(assertion.read_text())["alg"] == "RS256"
        assert claims["exp"] - claims["iat"] <= 3600
        assert entra.token_requests[0].form["client_assertion"] == assertion.read_text()
        assert access.read_text() == entra.issued[-1].access_token
        assert_no_secrets(result, assertion.read_text(), access.read_text(), creds.secret_access_key,
                          creds.session_token)

        # The assertion file serves WorkloadIdentityCredential on an EC2 instance.
        entra.reset()
        [answer] = azure_identity_tokens(workload_identity_env(tmp_path / "client", entra, CLIENT_ID, assertion))
        assert "token" in answer, answer


def test_outbound_federation_disabled_says_how_to_enable_it(ws):
    creds = random_credentials()
    with FakeAWSOutbound(region="us-east-1", enabled=False) as aws, FakeEntra() as entra:
        aws.register_credentials(creds.access_key_id, creds.secret_access_key, creds.session_token,
                                 arn=ROLE_SESSION_ARN, expiration=creds.expiration)
        doc = azure_config(entra, {"aws": {"region": "us-east-1"}},
                           {"azureFederatedTokenFile": {"path": str(ws.out_dir / "assertion")}})
        result = run_agent(ws, entra, doc, env=aws_env(ws, aws, creds))
        assert result.returncode == EXIT_REJECTED, result
        assert "(OutboundWebIdentityFederationDisabledException, HTTP 403)" in result.failure_line
        assert "aws iam enable-outbound-web-identity-federation" in result.failure_line
        assert entra.token_requests == []


# --- a Google ID token into Entra -------------------------------------------------------------------------


def test_gce_metadata_id_token_into_entra(ws):
    with FakeMetadata() as metadata, FakeEntra() as entra:
        entra.trust_issuer_keys("https://accounts.google.com", metadata.jwks())
        entra.add_federated_credential(CLIENT_ID, FederatedCredential("https://accounts.google.com",
                                                                      metadata.subject))
        access = ws.out_dir / "token"
        source = {"gcpMetadata": {"audience": "api://AzureADTokenExchange",
                                  "endpoint": f"http://{metadata.authority}"}}
        doc = azure_config(entra, source, {"azureAccessTokenFile": {"path": str(access)}},
                           resources=[STORAGE_RESOURCE])
        result = run_agent(ws, entra, doc, "--log-level", "trace")
        assert result.returncode == 0, result
        [request] = metadata.identity_requests
        assert request.query["audience"] == "api://AzureADTokenExchange"
        assert entra.token_requests[0].form["client_assertion"] == metadata.tokens[-1]
        assert access.read_text() == entra.issued[-1].access_token
        assert_no_secrets(result, metadata.tokens[-1], access.read_text())


def test_a_metadata_source_for_another_audience_is_a_configuration_error(ws, entra):
    doc = azure_config(entra, {"gcpMetadata": {"audience": "sts.amazonaws.com"}},
                       {"azureFederatedTokenFile": {"path": str(ws.out_dir / "assertion")}})
    result = run_agent(ws, entra, doc)
    assert result.returncode == 2, result
    assert 'set source.gcpMetadata.audience: "api://AzureADTokenExchange"' in result.failure_report
