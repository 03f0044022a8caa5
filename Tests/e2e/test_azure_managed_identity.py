"""The long-running agent's `azureManagedIdentityEndpoint` output: the App Service managed-identity contract
on loopback (IDENTITY_ENDPOINT + IDENTITY_HEADER), and with `imdsPath: true` the IMDS path for
AZURE_POD_IDENTITY_AUTHORITY_HOST, consumed by azure-identity (ManagedIdentityCredential,
DefaultAzureCredential, with and without client_id) and the Azure CLI (`az login --identity`), against the
verifying fake Entra ID (fakes/fake_entra.py). Also: one credential object across rotations of short-lived
tokens, the secret file, 400/401/403/503 as the endpoint answers them, `--once` refusing the output, and no
token or secret in a trace log.
"""

from __future__ import annotations

import json
import socket
import stat
import time
import urllib.parse
from typing import Any

import pytest

from azure_support import (
    ARM_RESOURCE,
    CLIENT_ID,
    VAULT_RESOURCE,
    VAULT_SCOPE,
    AzureCLI,
    azure_identity_tokens,
    managed_identity_env,
)
from e2e_support import SUBJECT, free_port, http_request, isolated_env, to_yaml
from fakes.fake_entra import entra_error, http_status, verify

pytest_plugins = ["conftest_azure"]

TARGET = "vault"
MSI_PATH = "/msi/token"
IMDS_PATH = "/metadata/identity/oauth2/token"
OTHER_CLIENT = "0b7f3c21-9d4e-4a8b-b6c5-1e2f3a4b5c6d"


class Endpoint:
    """One agent with an Azure target serving azureManagedIdentityEndpoint (and a health listener)."""

    def __init__(self, ws, entra, oidc_issuer, *, resources: tuple[str, ...] = (VAULT_RESOURCE,),
                 imds_path: bool = False, secret: str | None = None, margin: int | None = None,
                 server: dict | None = None, extra: tuple[str, ...] = ()) -> None:
        self.ws = ws
        self.entra = entra
        ws.write_token(oidc_issuer.make_token(SUBJECT))
        self.listen = f"127.0.0.1:{free_port()}"
        self.health = f"127.0.0.1:{free_port()}"
        self.secret_file = ws.root / "identity-header"
        output: dict[str, Any] = {"listen": self.listen}
        if secret is None:
            output["secretFile"] = str(self.secret_file)
        else:
            output["secret"] = secret
        if imds_path:
            output["imdsPath"] = True
        doc: dict[str, Any] = {
            "source": {"tokenFile": str(ws.token_file)},
            "targets": [{
                "name": TARGET,
                "azure": {"tenantId": entra.tenant_id, "clientId": CLIENT_ID, "authorityHost": entra.url,
                          "resources": list(resources)},
                "outputs": {"azureManagedIdentityEndpoint": output},
            }],
            "health": {"listen": self.health},
        }
        if margin is not None:
            doc["refresh"] = {"expiryMarginSeconds": margin}
        if server is not None:
            doc["server"] = server
        self.config_text = to_yaml(doc) + "\n"
        self.agent = ws.start_agent(ws.raw_config(self.config_text), "--ca-bundle", str(entra.ca_path), *extra,
                                    health=self.health)
        self.agent.wait_for(lambda: self.agent.get("/readyz")[0] == 200, 20, "/readyz to answer 200")
        self._secret = secret

    @property
    def secret(self) -> str:
        return self._secret if self._secret is not None else self.secret_file.read_text()

    @property
    def url(self) -> str:
        return f"http://{self.listen}{MSI_PATH}"

    def get(self, query: dict[str, str] | None = None, headers: dict[str, str] | None = None,
            path: str = MSI_PATH) -> tuple[int, dict, Any]:
        params = {"api-version": "2019-08-01", "resource": VAULT_RESOURCE} if query is None else query
        status, response_headers, body = http_request(
            f"http://{self.listen}{path}?{urllib.parse.urlencode(params)}",
            {"X-IDENTITY-HEADER": self.secret} if headers is None else headers)
        try:
            return status, response_headers, json.loads(body)
        except json.JSONDecodeError:
            return status, response_headers, body

    def env(self, **extra: str) -> dict[str, str]:
        return managed_identity_env(self.ws.root / "client-home", self.url, self.secret, **extra)


def claims(token: str) -> dict[str, Any]:
    import base64
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_the_endpoint_answers_the_app_service_shape(ws, entra, oidc_issuer):
    endpoint = Endpoint(ws, entra, oidc_issuer)
    mode = stat.S_IMODE(endpoint.secret_file.stat().st_mode)
    assert mode == 0o600, oct(mode)
    assert len(endpoint.secret) >= 32 and "\n" not in endpoint.secret
    before = int(time.time())
    status, headers, body = endpoint.get()
    assert status == 200, body
    assert set(body) == {"access_token", "expires_on", "expires_in", "not_before", "resource", "token_type",
                         "client_id"}
    assert body["token_type"] == "Bearer" and body["resource"] == VAULT_RESOURCE and body["client_id"] == CLIENT_ID
    assert all(isinstance(body[key], str) for key in ("expires_on", "expires_in", "not_before"))
    assert int(body["expires_on"]) > before and 0 < int(body["expires_in"]) <= 3600
    assert body["access_token"] in {t.access_token for t in entra.issued}
    assert claims(body["access_token"])["aud"] == VAULT_RESOURCE


def test_managed_identity_credential_with_and_without_client_id(ws, entra, oidc_issuer):
    endpoint = Endpoint(ws, entra, oidc_issuer)
    issued = {t.access_token for t in entra.issued}
    for kwargs in ({}, {"client_id": CLIENT_ID}):
        [result] = azure_identity_tokens(endpoint.env(), VAULT_SCOPE, credential="managed", **kwargs)
        assert "token" in result, result
        assert result["token"] in issued, "the pre-fetched token is served as is"
    # DefaultAzureCredential reaches ManagedIdentityCredential (no workload-identity variables set).
    [result] = azure_identity_tokens(endpoint.env(), VAULT_SCOPE, credential="default")
    assert result.get("token") in issued, result
    # Another resource: exchanged on its first request, then served from the cache.
    before = len(entra.issued)
    storage = "https://storage.azure.com/.default"
    first, second = (azure_identity_tokens(endpoint.env(), storage, credential="managed")[0] for _ in range(2))
    assert first.get("token") and first["token"] == second["token"], (first, second)
    assert len(entra.issued) == before + 1
    assert entra.issued[-1].resource == "https://storage.azure.com"


def test_a_wrong_client_id_is_an_error_not_a_hang(ws, entra, oidc_issuer):
    endpoint = Endpoint(ws, entra, oidc_issuer)
    started = time.monotonic()
    [result] = azure_identity_tokens(endpoint.env(), VAULT_SCOPE, credential="managed", client_id=OTHER_CLIENT,
                                     timeout=60)
    assert "error" in result, result
    assert OTHER_CLIENT in result["message"], result
    assert time.monotonic() - started < 20, "a 400 must not be retried like a 404 or 5xx"


def test_the_imds_path_with_pod_identity_authority_host(ws, entra, oidc_issuer):
    endpoint = Endpoint(ws, entra, oidc_issuer, imds_path=True)
    env = isolated_env(ws.root / "imds-home")
    env["AZURE_POD_IDENTITY_AUTHORITY_HOST"] = f"http://{endpoint.listen}"
    for credential in ("managed", "default"):
        [result] = azure_identity_tokens(env, VAULT_SCOPE, credential=credential)
        assert result.get("token") in {t.access_token for t in entra.issued}, result
    status, _, body = endpoint.get(path=IMDS_PATH, query={"api-version": "2018-02-01", "resource": VAULT_RESOURCE},
                                   headers={})
    assert status == 400 and body["error"] == "bad_request_102", body


def test_without_imds_path_the_imds_path_is_a_400(ws, entra, oidc_issuer):
    endpoint = Endpoint(ws, entra, oidc_issuer, secret="configured-secret-0123456789abcdef")
    assert not endpoint.secret_file.exists()
    status, _, body = endpoint.get(path=IMDS_PATH, query={"api-version": "2018-02-01", "resource": VAULT_RESOURCE},
                                   headers={"Metadata": "true"})
    assert status == 400 and "imdsPath" in body["error_description"], body
    assert endpoint.get(headers={"X-IDENTITY-HEADER": "configured-secret-0123456789abcdef"})[0] == 200


def test_refusals(ws, entra, oidc_issuer):
    endpoint = Endpoint(ws, entra, oidc_issuer)
    status, _, body = endpoint.get(headers={})
    assert status == 401 and "X-IDENTITY-HEADER" in body["message"], body
    status, _, body = endpoint.get(headers={"X-IDENTITY-HEADER": endpoint.secret[:-1] + "x"})
    assert status == 403, body
    for query, what in [({"resource": VAULT_RESOURCE}, "api-version"),
                        ({"api-version": "2019-08-01"}, "resource"),
                        ({"api-version": "2019-08-01", "resource": VAULT_RESOURCE, "client_id": OTHER_CLIENT},
                         OTHER_CLIENT),
                        ({"api-version": "2019-08-01", "resource": VAULT_RESOURCE, "object_id": OTHER_CLIENT},
                         "object_id"),
                        ({"api-version": "2019-08-01", "resource": VAULT_RESOURCE, "mi_res_id": "/subscriptions/s"},
                         "mi_res_id")]:
        status, _, body = endpoint.get(query=query)
        assert status == 400 and what in body["message"], (query, body)
    # A resource Entra refuses: 400 with Entra's text, so clients stop retrying.
    entra.script(entra_error(500011), verify())
    status, _, body = endpoint.get(query={"api-version": "2019-08-01", "resource": "https://unknown.example"})
    assert status == 400 and "AADSTS500011" in body["message"], body


def test_no_token_for_now_is_a_503(ws, entra, oidc_issuer):
    endpoint = Endpoint(ws, entra, oidc_issuer)
    entra.script(http_status(503, "down"))
    status, _, body = endpoint.get(query={"api-version": "2019-08-01", "resource": "https://storage.azure.com"})
    assert status == 503 and "storage.azure.com" in body["message"], body
    # The pre-fetched resource is still served from the last refresh.
    assert endpoint.get()[0] == 200


ROTATION_SECONDS = 8
CLIENT_SCRIPT = r"""
import json, sys, time
from azure.identity import ManagedIdentityCredential
credential = ManagedIdentityCredential()
deadline = time.time() + float(sys.argv[1])
tokens = []
while time.time() < deadline:
    token = credential.get_token("https://vault.azure.net/.default")
    tokens.append({"token": token.token, "expires_on": token.expires_on, "time": time.time()})
    time.sleep(0.5)
print(json.dumps(tokens))
"""


def test_one_credential_object_across_rotations(ws, entra, oidc_issuer):
    import subprocess
    import sys
    entra.script(verify(lifetime=ROTATION_SECONDS))
    endpoint = Endpoint(ws, entra, oidc_issuer, margin=2)
    run_seconds = 4 * ROTATION_SECONDS
    result = subprocess.run([sys.executable, "-c", CLIENT_SCRIPT, str(run_seconds)], env=endpoint.env(),
                            capture_output=True, text=True, timeout=run_seconds + 60)
    assert result.returncode == 0, result.stderr
    calls = json.loads(result.stdout)
    issued = {t.access_token for t in entra.issued}
    distinct: list[str] = []
    for call in calls:
        assert call["token"] in issued, "a token Entra never issued"
        assert call["expires_on"] > call["time"], f"an expired token was handed out: {call}"
        if not distinct or distinct[-1] != call["token"]:
            distinct.append(call["token"])
    assert len(distinct) == len(set(distinct)), "went back to an older token"
    assert len(distinct) >= 4, f"only {len(distinct)} tokens (need >= 3 rotations):\n{endpoint.agent.describe()}"


def test_az_login_identity_and_a_new_token_after_rotation(ws, entra, oidc_issuer, tmp_path):
    cli = AzureCLI.create(tmp_path / "az", entra)
    entra.script(verify(lifetime=ROTATION_SECONDS))
    endpoint = Endpoint(ws, entra, oidc_issuer, resources=(ARM_RESOURCE,), margin=2)
    env = {"IDENTITY_ENDPOINT": endpoint.url, "IDENTITY_HEADER": endpoint.secret}
    login = cli.check("login", "--identity", "--allow-no-subscriptions", "-o", "json", env=env)
    assert entra.tenant_id in login.stdout, login
    first = cli.access_token(VAULT_RESOURCE, env=env)
    time.sleep(ROTATION_SECONDS)
    second = cli.access_token(VAULT_RESOURCE, env=env)
    assert first["accessToken"] != second["accessToken"]
    issued = {t.access_token for t in entra.issued}
    assert {first["accessToken"], second["accessToken"]} <= issued


def test_agent_once_refuses_the_output(ws, entra, oidc_issuer):
    listen = f"127.0.0.1:{free_port()}"
    doc = {
        "source": {"tokenFile": str(ws.token_file)},
        "targets": [{"name": TARGET,
                     "azure": {"tenantId": entra.tenant_id, "clientId": CLIENT_ID, "authorityHost": entra.url},
                     "outputs": {"azureManagedIdentityEndpoint": {"listen": listen,
                                                                  "secretFile": str(ws.root / "secret")}}}],
    }
    result = ws.agent(ws.raw_config(to_yaml(doc) + "\n"), "--ca-bundle", str(entra.ca_path))
    assert result.returncode == 2, result
    assert "endpoint outputs" in result.failure_line and "--once" in result.failure_line, result
    assert not (ws.root / "secret").exists()


def test_no_token_or_secret_in_a_trace_log(ws, entra, oidc_issuer):
    entra.script(verify(lifetime=ROTATION_SECONDS))
    endpoint = Endpoint(ws, entra, oidc_issuer, margin=2, extra=("--log-level", "trace"))
    for scope in (VAULT_SCOPE, "https://storage.azure.com/.default"):
        [result] = azure_identity_tokens(endpoint.env(), scope, credential="managed")
        assert "token" in result, result
    endpoint.get(headers={"X-IDENTITY-HEADER": "wrong-" + endpoint.secret[:8]})
    endpoint.get(headers={})
    endpoint.agent.wait_for(lambda: len(entra.issued) >= 4, 30, "a refresh")
    stderr = endpoint.agent.stderr
    assert "trace" in stderr or "debug" in stderr, "trace level should log something"
    secrets = {"identity header": endpoint.secret, "assertion": ws.token,
               "assertion signature": ws.token.rsplit(".", 1)[-1]}
    for n, token in enumerate(entra.issued):
        secrets[f"access token {n}"] = token.access_token
        secrets[f"access token signature {n}"] = token.access_token.rsplit(".", 1)[-1]
    for name, value in secrets.items():
        assert value and value not in stderr, f"{name} appears in the agent's log"
        assert value not in endpoint.agent.stdout, f"{name} appears on the agent's stdout"


def test_the_server_limits_apply_and_connections_are_counted(ws, entra, oidc_issuer):
    """The same HTTP server, `server` limits and connection metrics as the other loopback servers."""
    from test_loopback_server_limits import IDLE_TIMEOUT, SERVER, SLACK, closed_by

    endpoint = Endpoint(ws, entra, oidc_issuer, server=SERVER)
    host, port = endpoint.listen.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=5)
    opened = time.monotonic()
    closed = closed_by(sock, opened + IDLE_TIMEOUT + SLACK)
    sock.close()
    assert closed is not None and closed - opened >= IDLE_TIMEOUT - 0.25
    assert endpoint.get()[0] == 200
    metrics = endpoint.agent.metrics()
    closed_key = ("skyferry_connections_closed_total",
                  frozenset({("server", "azureManagedIdentityEndpoint"), ("reason", "idle_timeout")}))
    assert metrics.get(closed_key, 0) >= 1
    assert ("skyferry_connections_open", frozenset({("server", "azureManagedIdentityEndpoint")})) in metrics
