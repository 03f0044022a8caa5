"""DNS-rebinding and browser protection of every loopback server the agent runs (container
endpoint, GCE metadata emulation, IMDSv2 emulation, Azure managed-identity endpoint on its App Service and
IMDS paths, health): only a Host naming the server, no
browser traces (Origin, Sec-Fetch-*, CORS preflight), no forwarding headers. Also IMDSv2 session
tokens (fresh per PUT, expiring with their TTL), the ID-token cache of the metadata emulation, and
the refusal of gcpMetadataServer.allowNonLoopback. The real clients (boto3, the AWS CLI,
google-auth, gcloud) are covered, Host as they send it, by the servers' own test files.
"""

from __future__ import annotations

import socket
import time
import urllib.parse

import pytest

from e2e_support import agent_config, free_port, http_request, to_yaml
from test_aws_container_endpoint import Endpoint
from test_gcp_clients import aws_imds_credentials
from test_gcp_metadata_server import FLAVOR, V1, Emulation

pytest_plugins = ["conftest_gcp", "conftest_azure"]

SECRET_MARKERS = ("access_token", "AccessKeyId", "SecretAccessKey", "eyJ")


class Server:
    """One loopback server under test: its address, a path that answers 200 to a good request, and
    the headers such a request needs."""

    def __init__(self, listen: str, path: str, headers: dict[str, str]) -> None:
        self.listen = listen
        self.port = int(listen.rsplit(":", 1)[1])
        self.path = path
        self.headers = headers

    def request(self, host: str | None = "<default>", method: str = "GET",
                extra: dict[str, str] | None = None) -> tuple[int, dict, str]:
        headers = dict(self.headers, **(extra or {}))
        if host != "<default>":
            headers["Host"] = host
        return http_request(f"http://{self.listen}{self.path}", headers, method=method)

    def without_host(self) -> int:
        """The status of a request with no Host header at all (urllib always adds one)."""
        lines = [f"GET {self.path} HTTP/1.1"] + [f"{k}: {v}" for k, v in self.headers.items()]
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
            connection.sendall(("\r\n".join(lines + ["Connection: close", "", ""])).encode())
            received = b""
            while chunk := connection.recv(4096):
                received += chunk
        return int(received.split(b" ", 2)[1])


def imds_token(imds: str, ttl: int = 60) -> tuple[int, str]:
    status, _, body = http_request(f"http://{imds}/latest/api/token",
                                   {"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)}, method="PUT")
    return status, body


@pytest.fixture(params=["awsContainerEndpoint", "gcpMetadataServer", "imds", "health",
                        "azureManagedIdentityEndpoint", "azureManagedIdentityEndpoint-imdsPath"])
def server(request, ws, moto, gws, fake_gcp, monkeypatch) -> Server:
    kind = request.param
    if kind.startswith("azureManagedIdentityEndpoint"):
        from test_azure_managed_identity import Endpoint as AzureEndpoint

        imds_path = kind.endswith("imdsPath")
        azure = AzureEndpoint(ws, request.getfixturevalue("entra"), request.getfixturevalue("oidc_issuer"),
                              imds_path=imds_path)
        if imds_path:
            return Server(azure.listen, "/metadata/identity/oauth2/token?api-version=2018-02-01"
                          "&resource=https://vault.azure.net", {"Metadata": "true"})
        return Server(azure.listen, "/msi/token?api-version=2019-08-01&resource=https://vault.azure.net",
                      {"X-IDENTITY-HEADER": azure.secret})
    if kind in ("awsContainerEndpoint", "health"):
        endpoint = Endpoint(ws, moto.url)
        endpoint.wait_ready()
        if kind == "health":
            return Server(endpoint.health, "/healthz", {})
        return Server(endpoint.listen, endpoint.url.split(endpoint.listen, 1)[1], {"Authorization": endpoint.auth_token})
    if kind == "gcpMetadataServer":
        emulation = Emulation(gws, fake_gcp)
        emulation.token()
        return Server(emulation.listen, f"{V1}/instance/service-accounts/default/token", FLAVOR)
    _, imds = aws_imds_credentials(gws, fake_gcp, False, monkeypatch)
    status, token = imds_token(imds)
    assert status == 200, token
    return Server(imds, "/latest/meta-data/iam/security-credentials", {"X-aws-ec2-metadata-token": token})


def test_the_host_each_client_writes_is_accepted(server):
    """Host as urllib, botocore, google-auth and libcurl write it (with the port), and without a port."""
    for host in [None, f"127.0.0.1:{server.port}", "127.0.0.1", f"localhost:{server.port}", "LOCALHOST",
                 f"[::1]:{server.port}"]:
        status, _, body = server.request() if host is None else server.request(host)
        assert status == 200, (host, status, body)


def test_a_foreign_host_is_refused_with_and_without_port(server):
    for host in ["rebind.attacker.example", f"rebind.attacker.example:{server.port}",
                 f"127.0.0.1:{server.port + 1}", f"127.0.0.1.nip.io:{server.port}"]:
        status, _, body = server.request(host)
        assert status == 403, (host, status, body)
        assert "Host header names another server" in body, body
        assert not any(marker in body for marker in SECRET_MARKERS), body


def test_a_request_without_host_is_a_400(server):
    assert server.without_host() == 400


@pytest.mark.parametrize("extra,method", [
    ({"Origin": "http://rebind.attacker.example"}, "GET"),
    ({"Origin": "null"}, "GET"),
    ({"Sec-Fetch-Site": "cross-site"}, "GET"),
    ({"Sec-Fetch-Mode": "no-cors"}, "GET"),
    ({"Access-Control-Request-Method": "GET", "Origin": "http://a.example"}, "OPTIONS"),
    ({}, "OPTIONS"),
], ids=["origin", "origin-null", "sec-fetch-site", "sec-fetch-mode", "preflight", "options"])
def test_browser_requests_are_refused(server, extra, method):
    status, _, body = server.request(method=method, extra=extra)
    assert status == 403, (status, body)
    assert "browser" in body, body
    assert not any(marker in body for marker in SECRET_MARKERS), body


@pytest.mark.parametrize("name,value", [
    ("Forwarded", "for=203.0.113.7"), ("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Host", "a.example"),
    ("X-Forwarded-Proto", "https"), ("X-Real-IP", "203.0.113.7"), ("Via", "1.1 proxy.example"),
])
def test_forwarded_requests_are_refused(server, name, value):
    status, _, body = server.request(extra={name: value})
    assert status == 403, (name, status, body)
    assert f"requests with {name} are refused" in body, body


# --- IMDSv2 session tokens ----------------------------------------------------------------------------


def test_imds_issues_a_fresh_token_per_put_and_refuses_unknown_and_expired_ones(gws, fake_gcp, monkeypatch):
    _, imds = aws_imds_credentials(gws, fake_gcp, False, monkeypatch)
    url = f"http://{imds}/latest/meta-data/iam/security-credentials"

    def get(token: str) -> int:
        return http_request(url, {"X-aws-ec2-metadata-token": token})[0]

    (first_status, first), (second_status, second) = imds_token(imds), imds_token(imds)
    assert first_status == second_status == 200
    assert len(first) == len(second) == 64 and first != second
    assert get(first) == 200 and get(second) == 200
    assert get("0" * 64) == 401
    assert get(first[:-1] + ("0" if first[-1] != "0" else "1")) == 401

    status, short = imds_token(imds, ttl=1)
    assert status == 200 and get(short) == 200
    deadline = time.monotonic() + 5
    while get(short) != 401:
        assert time.monotonic() < deadline, "a token with a 1 s TTL was still accepted after 5 s"
        time.sleep(0.2)
    assert get(first) == 200, "other tokens live on"


# --- ID-token cache --------------------------------------------------------------------------------------


def test_twenty_identity_requests_for_one_audience_make_one_iam_call(gws, fake_gcp):
    emulation = Emulation(gws, fake_gcp)
    emulation.token()
    audience = urllib.parse.quote("https://service.example.test/api", safe="")
    path = f"{V1}/instance/service-accounts/default/identity?audience={audience}"
    bodies = set()
    for _ in range(20):
        status, _, body = emulation.get(path)
        assert status == 200, body
        bodies.add(body)
    assert len(bodies) == 1
    assert len(fake_gcp.id_token_requests) == 1
    assert fake_gcp.verify_id_token(bodies.pop(), "https://service.example.test/api")["aud"]

    # Another format (the email claim) or another audience is another token.
    assert emulation.get(path + "&format=full")[0] == 200
    assert emulation.get(f"{V1}/instance/service-accounts/default/identity?audience=https://b.example")[0] == 200
    assert len(fake_gcp.id_token_requests) == 3
    for _ in range(5):
        emulation.get(path + "&format=full")
    assert len(fake_gcp.id_token_requests) == 3


# --- configuration ------------------------------------------------------------------------------------------


def test_allow_non_loopback_on_the_metadata_server_is_a_configuration_error(gws, fake_gcp):
    server = {"listen": f"127.0.0.1:{free_port()}", "allowNonLoopback": True}
    result = gws.agent(gws.config(fake_gcp, outputs={"gcpMetadataServer": server}))
    assert result.returncode == 2, result
    line = result.failure_line
    assert "gcpMetadataServer.allowNonLoopback" in line, line
    assert "would serve them to the whole network" in line and "loopback address" in line, line
    assert fake_gcp.sts_requests == []


def test_allowed_hosts_needs_allow_non_loopback(ws, moto):
    output = {"listen": f"127.0.0.1:{free_port()}", "authTokenFile": str(ws.root / "t"),
              "allowedHosts": ["skyferry.example"]}
    doc = agent_config(ws.token_file, ws.output, moto.url, outputs={"awsContainerEndpoint": output})
    result = ws.agent(ws.raw_config(to_yaml(doc) + "\n"))
    assert result.returncode == 2, result
    assert "allowedHosts applies only with allowNonLoopback: true" in result.failure_line, result
