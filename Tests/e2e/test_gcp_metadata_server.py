"""The long-running agent's `gcpMetadataServer` output: a GCE metadata emulation in front of the
verifying fake GCP (fakes/fake_gcp.py). Headers and paths as the real server answers them; the token
works at the fake's protected resource; `identity` mints an ID token through IAM Credentials
`generateIdToken` with the federated token (impersonation) or is a 404 (no service account);
google-auth's compute_engine credentials (one object) across rotations of 25 s tokens; gcloud via
GCE_METADATA_ROOT; `agent --once` refusal; no secrets in a trace log (peers.md §3, "GCE metadata
server").
"""

from __future__ import annotations

import json
import sys
import time

import jwt
import pytest

from e2e_support import free_port, http_request, run
from fakes.fake_gcp import FakeGCP, http_status, verify
from gcp_support import GCP_AUDIENCE, ISSUER, SERVICE_ACCOUNT, client_env

pytest_plugins = ["conftest_gcp"]

MARGIN = 3
PROJECT_ID = "my-project"
PROJECT_NUMBER = GCP_AUDIENCE.split("/projects/")[1].split("/")[0]  # 123456
FLAVOR = {"Metadata-Flavor": "Google"}
V1 = "/computeMetadata/v1"
ROTATION_SECONDS = 25  # the fake STS's token lifetime in the rotation test
CLIENT_SECONDS = 48  # refresh at ~12.5 s of 25 s: >= 4 tokens
WORKLOAD_EMAIL = f"{PROJECT_ID}.svc.id.goog"


class Emulation:
    """One agent serving the metadata emulation for the standard GCP target, with a health listener."""

    def __init__(self, gws, gcp: FakeGCP, *, impersonate: bool = True, refresh: dict | None = None,
                 extra: tuple[str, ...] = (), numeric_project_id: str | None = None) -> None:
        self.gws = gws
        self.listen = f"127.0.0.1:{free_port()}"
        self.health = f"127.0.0.1:{free_port()}"
        server: dict = {"listen": self.listen, "projectId": PROJECT_ID}
        if numeric_project_id is not None:
            server["numericProjectId"] = numeric_project_id
        config = gws.config(gcp, outputs={"gcpMetadataServer": server}, health_listen=self.health,
                            service_account=SERVICE_ACCOUNT if impersonate else None,
                            refresh=refresh or {"expiryMarginSeconds": MARGIN, "requestTimeoutSeconds": 5})
        self.agent = gws.ws.start_agent(config, *extra, health=self.health)
        self.agent.wait_for(lambda: self.agent.get("/healthz")[0] == 200, 15, "/healthz to answer 200")

    def get(self, path: str, headers: dict[str, str] | None = FLAVOR) -> tuple[int, dict, str]:
        return http_request(f"http://{self.listen}{path}", headers)

    def token(self, account: str = "default") -> dict:
        def fetch():
            status, _, body = self.get(f"{V1}/instance/service-accounts/{account}/token")
            return json.loads(body) if status == 200 else None

        return self.agent.wait_for(fetch, 15, "the emulation to serve a token")

    def google_env(self, gws) -> dict[str, str]:
        """google-auth reads both at import time (peers.md §3); NO_GCE_CHECK would skip detection."""
        env = client_env(gws, GCE_METADATA_HOST=self.listen, GCE_METADATA_IP=self.listen)
        env.pop("NO_GCE_CHECK", None)
        return env


def test_headers_paths_project_and_token(gws, fake_gcp):
    emulation = Emulation(gws, fake_gcp)
    token = emulation.token()
    assert token["token_type"] == "Bearer" and 0 < token["expires_in"] <= 3600, token
    assert token["access_token"] == fake_gcp.issued_tokens("sa")[-1]
    assert fake_gcp.resource_status(token["access_token"]) == 200

    # Detection ping: GET / needs no flavor header, and answers with one.
    status, headers, _ = emulation.get("/", headers={})
    assert status == 200 and headers.get("metadata-flavor") == "Google"

    refused = [
        ("missing Metadata-Flavor", f"{V1}/project/project-id", {}, 403),
        ("wrong Metadata-Flavor", f"{V1}/project/project-id", {"Metadata-Flavor": "google "}, 403),
        ("X-Forwarded-For", f"{V1}/instance/service-accounts/default/token",
         {**FLAVOR, "X-Forwarded-For": "10.0.0.9"}, 403),
        ("X-Forwarded-For on /", "/", {"X-Forwarded-For": "10.0.0.9"}, 403),
        ("unknown path", f"{V1}/instance/hostname", FLAVOR, 404),
        ("unknown account", f"{V1}/instance/service-accounts/other@p.iam.gserviceaccount.com/token", FLAVOR, 404),
        ("unknown leaf", f"{V1}/instance/service-accounts/default/keys", FLAVOR, 404),
        ("outside computeMetadata", "/latest/meta-data/iam/security-credentials/", FLAVOR, 404),
    ]
    for what, path, request_headers, expected in refused:
        status, headers, body = emulation.get(path, request_headers)
        assert status == expected, (what, status, body)
        assert headers.get("metadata-flavor") == "Google", what
        assert "access_token" not in body and token["access_token"] not in body, what

    answers = {
        f"{V1}/project/project-id": PROJECT_ID,
        f"{V1}/project/numeric-project-id": PROJECT_NUMBER,
        f"{V1}/universe/universe-domain": "googleapis.com",
        f"{V1}/instance/service-accounts/default/email": SERVICE_ACCOUNT,
        f"{V1}/instance/service-accounts/{SERVICE_ACCOUNT}/email": SERVICE_ACCOUNT,
        f"{V1}/instance/service-accounts/default/aliases": "default\n",
        f"{V1}/instance/service-accounts/default/scopes": "https://www.googleapis.com/auth/cloud-platform\n",
        f"{V1}/instance/service-accounts/": f"default/\n{SERVICE_ACCOUNT}/\n",
    }
    for path, expected in answers.items():
        status, headers, body = emulation.get(path)
        assert (status, body) == (200, expected), path
        assert headers.get("metadata-flavor") == "Google", path

    info = {"aliases": ["default"], "email": SERVICE_ACCOUNT, "scopes": ["https://www.googleapis.com/auth/cloud-platform"]}
    status, _, body = emulation.get(f"{V1}/instance/service-accounts/default/?recursive=true")
    assert status == 200 and json.loads(body) == info, body
    status, _, body = emulation.get(f"{V1}/instance/service-accounts/?recursive=true")
    assert status == 200 and json.loads(body) == {"default": info, SERVICE_ACCOUNT: info}, body
    status, _, body = emulation.get(f"{V1}/instance/service-accounts/{SERVICE_ACCOUNT}/token")
    assert status == 200 and json.loads(body)["access_token"] == token["access_token"]


def test_numeric_project_id_can_be_configured(gws, fake_gcp):
    emulation = Emulation(gws, fake_gcp, numeric_project_id="987654321")
    emulation.token()
    assert emulation.get(f"{V1}/project/numeric-project-id")[::2] == (200, "987654321")


def test_token_is_503_before_the_first_exchange(gws, fake_gcp):
    fake_gcp.script_sts(http_status(503, "busy"))
    emulation = Emulation(gws, fake_gcp, refresh={"expiryMarginSeconds": MARGIN, "requestTimeoutSeconds": 2,
                                                  "backoffInitialSeconds": 0.5, "backoffMaxSeconds": 1})
    emulation.agent.wait_for(lambda: fake_gcp.sts_requests, 5, "the first exchange")
    status, headers, body = emulation.get(f"{V1}/instance/service-accounts/default/token")
    assert status == 503 and "no access token yet" in body, (status, body)
    assert headers.get("metadata-flavor") == "Google"
    status, _, body = emulation.get(f"{V1}/instance/service-accounts/default/identity?audience=https://a.test")
    assert status == 503, (status, body)
    assert fake_gcp.id_token_requests == []
    assert run([str(gws.ws.skyferry_bin), "probe", f"http://{emulation.health}/readyz"], gws.env).returncode == 1

    fake_gcp.script_sts(verify())
    assert emulation.token()["access_token"] == fake_gcp.issued_tokens("sa")[-1]
    assert run([str(gws.ws.skyferry_bin), "probe", f"http://{emulation.health}/readyz"], gws.env).returncode == 0


@pytest.mark.parametrize("format_full", [False, True], ids=["standard", "full"])
def test_identity_with_impersonation_is_a_jwt_minted_by_iam(gws, fake_gcp, format_full):
    emulation = Emulation(gws, fake_gcp)
    emulation.token()
    audience = "https://service.example.test/api"
    query = f"audience={audience}" + ("&format=full" if format_full else "&format=standard&licenses=FALSE")
    status, headers, body = emulation.get(f"{V1}/instance/service-accounts/default/identity?{query}")
    assert status == 200, body
    assert headers.get("metadata-flavor") == "Google"

    [issued] = fake_gcp.id_tokens
    assert body == issued.token
    claims = fake_gcp.verify_id_token(body, audience)
    assert claims["aud"] == audience
    assert ("email" in claims) is format_full
    if format_full:
        assert claims["email"] == SERVICE_ACCOUNT
    [request] = fake_gcp.id_token_requests
    assert request.status == 200
    assert request.path == f"/v1/projects/-/serviceAccounts/{SERVICE_ACCOUNT}:generateIdToken"
    assert request.json == {"audience": audience, "includeEmail": format_full}
    # The bearer was the federated STS token (the fake refuses anything else), not the SA token.
    assert issued.bearer in fake_gcp.issued_tokens("sts")

    # The fake really checks: an SA token or no bearer is refused, a bad body too.
    status, _, _ = http_request(fake_gcp.url + request.path, {"Authorization": "Bearer " + fake_gcp.issued_tokens("sa")[-1],
                                                                "Content-Type": "application/json"}, method="POST")
    assert status == 401
    assert emulation.get(f"{V1}/instance/service-accounts/default/identity")[0] == 400
    assert len(fake_gcp.id_tokens) == 1


def test_identity_without_impersonation_is_a_404_and_the_token_is_federated(gws, fake_gcp):
    emulation = Emulation(gws, fake_gcp, impersonate=False)
    token = emulation.token()
    assert token["access_token"] == fake_gcp.issued_tokens("sts")[-1]
    assert fake_gcp.resource_status(token["access_token"]) == 200
    assert emulation.get(f"{V1}/instance/service-accounts/default/email")[::2] == (200, WORKLOAD_EMAIL)
    status, headers, body = emulation.get(f"{V1}/instance/service-accounts/default/identity?audience=https://a.test")
    assert status == 404 and "serviceAccount" in body, (status, body)
    assert headers.get("metadata-flavor") == "Google"
    assert fake_gcp.id_token_requests == []


GOOGLE_AUTH_LONG_LIVED = r"""
import json, sys, time
import google.auth
from google.auth.transport.requests import AuthorizedSession

resource, seconds = sys.argv[1], float(sys.argv[2])
# No scopes: with scopes google-auth may look the project up elsewhere (peers.md §3).
creds, project = google.auth.default()
session = AuthorizedSession(creds)
calls = []
deadline = time.time() + seconds
while time.time() < deadline:
    started = time.time()
    response = session.get(resource, timeout=10)
    calls.append({"time": started, "token": creds.token, "status": response.status_code,
                  "email": creds.service_account_email})
    time.sleep(0.5)
print(json.dumps({"class": type(creds).__module__ + "." + type(creds).__name__, "project": project,
                  "creds_id": id(creds), "calls": calls}))
"""


def test_one_google_auth_credentials_object_keeps_working_across_rotations(gws, issuer_jwks):
    with FakeGCP(jwks=issuer_jwks, issuer=ISSUER, service_accounts={SERVICE_ACCOUNT},
                 sts_expires_in=ROTATION_SECONDS) as gcp:
        emulation = Emulation(gws, gcp, impersonate=False)
        emulation.token()
        result = run([sys.executable, "-c", GOOGLE_AUTH_LONG_LIVED, gcp.resource_url, str(CLIENT_SECONDS)],
                     emulation.google_env(gws), timeout=CLIENT_SECONDS + 60)
        assert result.returncode == 0, result
        outcome = json.loads(result.stdout.strip().splitlines()[-1])
        assert outcome["class"] == "google.auth.compute_engine.credentials.Credentials"
        assert outcome["project"] == PROJECT_ID
        calls = outcome["calls"]
        assert len(calls) >= CLIENT_SECONDS, len(calls)
        assert [c for c in calls if c["status"] != 200] == []
        assert {c["email"] for c in calls} == {WORKLOAD_EMAIL}
        issued = {t.token: t for t in gcp.issued}
        tokens: list[str] = []
        for call in calls:
            assert call["token"] in issued and issued[call["token"]].kind == "sts", call
            if not tokens or tokens[-1] != call["token"]:
                tokens.append(call["token"])
        assert len(tokens) == len(set(tokens)), f"went back to an older token: {tokens}"
        assert len(tokens) >= 4, f"one credentials object saw only {len(tokens)} tokens:\n{emulation.agent.describe()}"
        # Every resource call was checked by the fake (a token it issued, unexpired at the time).
        assert [r.status for r in gcp.resource_requests] == [200] * len(calls)


def test_gcloud_prints_the_emulated_token(gws, fake_gcp, gcloud_bin):
    emulation = Emulation(gws, fake_gcp)
    served = emulation.token()
    env = client_env(gws, GCE_METADATA_ROOT=emulation.listen)
    env.pop("NO_GCE_CHECK", None)
    result = run([gcloud_bin, "auth", "print-access-token", "--verbosity=error"], env, timeout=120)
    assert result.returncode == 0, result
    token = result.stdout.strip()
    assert token == served["access_token"] == fake_gcp.issued_tokens("sa")[-1]
    assert fake_gcp.resource_status(token) == 200
    listed = run([gcloud_bin, "auth", "list", "--format=value(account)"], env, timeout=120)
    assert listed.returncode == 0 and SERVICE_ACCOUNT in listed.stdout, listed


def test_agent_once_refuses_the_metadata_server_output(gws, fake_gcp):
    outputs = {"gcpMetadataServer": {"listen": f"127.0.0.1:{free_port()}", "projectId": PROJECT_ID}}
    result = gws.agent(gws.config(fake_gcp, outputs=outputs))
    assert result.returncode == 2, result
    assert "gcpMetadataServer" in result.failure_line and "--once" in result.failure_line, result
    assert fake_gcp.sts_requests == []


def test_no_secrets_in_a_trace_log_while_clients_fetch(gws, fake_gcp):
    emulation = Emulation(gws, fake_gcp, extra=("--log-level", "trace"))
    emulation.token()
    audience = "https://service.example.test/api"
    for n in range(3):
        emulation.get(f"{V1}/instance/service-accounts/default/token")
        # One audience each: ID tokens are cached per audience.
        emulation.get(f"{V1}/instance/service-accounts/default/identity?audience={audience}/{n}&format=full")
    emulation.get(f"{V1}/instance/service-accounts/default/token", {})
    result = run([sys.executable, "-c", GOOGLE_AUTH_LONG_LIVED, fake_gcp.resource_url, "1"],
                 emulation.google_env(gws), timeout=60)
    assert result.returncode == 0, result
    time.sleep(0.3)

    stderr, stdout = emulation.agent.stderr, emulation.agent.stdout
    assert stderr.strip(), "trace level should log something"
    secrets = {"subject token": gws.token, "subject token signature": gws.token.rsplit(".", 1)[-1]}
    secrets |= {f"access token {t}": t for t in fake_gcp.issued_tokens()}
    secrets |= {f"id token {n}": t.token for n, t in enumerate(fake_gcp.id_tokens)}
    secrets |= {f"id token signature {n}": t.token.rsplit(".", 1)[-1] for n, t in enumerate(fake_gcp.id_tokens)}
    assert len(fake_gcp.id_tokens) == 3
    for name, value in secrets.items():
        assert value not in stderr, f"{name} appears in the agent's log"
        assert value not in stdout, f"{name} appears on the agent's stdout"
