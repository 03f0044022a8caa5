"""The Azure CLI (2.91.0, its own venv) against the fakes: the plumbing the Azure target's CLI tests rely on
(a custom cloud registered with --skip-endpoint-discovery, instance discovery off, the test CA, the fake ARM).
Skipped when <repo>/.venv-az is missing (scripts/install-deps.sh makes it). No skyferry binary is involved:
the managed-identity endpoint here is a stand-in of a few lines, the real one is the agent's."""

from __future__ import annotations

import json
import secrets
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from azure_support import ARM_RESOURCE, CLIENT_ID, VAULT_RESOURCE, AzureCLI, managed_identity_env
from e2e_support import SUBJECT
from fakes.fake_entra import FakeEntra
from fakes.fake_oidc import FakeOIDCIssuer
from fakes.loopback import LoopbackFake

pytest_plugins = ["conftest_azure"]


class _StandInHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        fake: StandInManagedIdentity = self.server.fake  # type: ignore[attr-defined]
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        fake.queries.append(query)
        if self.headers.get("X-IDENTITY-HEADER") != fake.secret:
            status, body = 400, {"error": "invalid_request", "error_description": "X-IDENTITY-HEADER is wrong"}
        else:
            issued = fake.entra.issue_access_token(CLIENT_ID, query.get("resource", ""), fake.lifetime)
            status, body = 200, {"access_token": issued.access_token, "expires_on": str(issued.expires_on),
                                 "resource": issued.resource, "token_type": "Bearer", "client_id": CLIENT_ID}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class StandInManagedIdentity(LoopbackFake):
    """App Service-style managed identity (GET /msi/token, X-IDENTITY-HEADER) minting fake Entra tokens."""

    description = "stand-in managed identity endpoint"

    def __init__(self, entra: FakeEntra, lifetime: int) -> None:
        super().__init__("127.0.0.1", 0, _StandInHandler)
        self.entra, self.lifetime, self.secret = entra, lifetime, secrets.token_hex(16)
        self.queries: list[dict[str, str]] = []

    @property
    def endpoint(self) -> str:
        return self.url + "/msi/token"


@pytest.fixture
def stand_in(entra: FakeEntra) -> Iterator[StandInManagedIdentity]:
    with StandInManagedIdentity(entra, lifetime=10) as endpoint:
        yield endpoint


def test_az_login_with_a_federated_token_against_the_fake(tmp_path, entra: FakeEntra, oidc_issuer: FakeOIDCIssuer):
    cli = AzureCLI.create(tmp_path / "az", entra)
    login = cli.check("login", "--service-principal", "--username", CLIENT_ID, "--tenant", entra.tenant_id,
                      "--federated-token", oidc_issuer.make_token(SUBJECT), "--allow-no-subscriptions", "-o", "json")
    [account] = login.json()
    assert account["tenantId"] == entra.tenant_id and account["user"]["type"] == "servicePrincipal"
    token = cli.access_token(VAULT_RESOURCE)
    claims = entra.verify_access_token(token["accessToken"], VAULT_RESOURCE)
    assert claims["appid"] == CLIENT_ID and token["tenant"] == entra.tenant_id
    # MSAL's way: tenant discovery on the fake, then the exchanges; ARM was asked for subscriptions.
    paths = [r.path for r in entra.requests]
    assert f"/{entra.tenant_id}/v2.0/.well-known/openid-configuration" in paths
    assert {t.resource for t in entra.issued} >= {ARM_RESOURCE, VAULT_RESOURCE}
    assert any(r.path == "/subscriptions" for r in entra.arm_requests)
    assert all(r.form.get("client_assertion") for r in entra.token_requests)


def test_az_surfaces_the_fakes_aadsts_error(tmp_path, entra: FakeEntra, oidc_issuer: FakeOIDCIssuer):
    cli = AzureCLI.create(tmp_path / "az", entra)
    result = cli.run("login", "--service-principal", "--username", CLIENT_ID, "--tenant", entra.tenant_id,
                     "--federated-token", oidc_issuer.make_token("system:serviceaccount:other:sa"),
                     "--allow-no-subscriptions")
    assert result.returncode != 0 and "AADSTS700213" in result.stderr, str(result)


def test_az_login_identity_and_a_new_token_after_rotation(tmp_path, entra: FakeEntra,
                                                          stand_in: StandInManagedIdentity):
    cli = AzureCLI.create(tmp_path / "az", entra)
    mi_env = managed_identity_env(tmp_path / "unused-home", stand_in.endpoint, stand_in.secret)
    mi = {k: mi_env[k] for k in ("IDENTITY_ENDPOINT", "IDENTITY_HEADER")}
    [account] = cli.check("login", "--identity", "--allow-no-subscriptions", "-o", "json", env=mi).json()
    assert account["tenantId"] == entra.tenant_id  # decoded from the token's tid
    assert stand_in.queries[0]["resource"] == ARM_RESOURCE, stand_in.queries
    first = cli.access_token(VAULT_RESOURCE, env=mi)
    second = cli.access_token(VAULT_RESOURCE, env=mi)  # 10 s tokens: MSAL treats them as stale, asks again
    assert first["accessToken"] != second["accessToken"]
    for token in (first, second):
        assert entra.verify_access_token(token["accessToken"], VAULT_RESOURCE)["tid"] == entra.tenant_id
    assert [q["resource"] for q in stand_in.queries].count(VAULT_RESOURCE) >= 2
