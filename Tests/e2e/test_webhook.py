"""The mutating admission webhook (`skyferry webhook`) over HTTPS on 127.0.0.1.

Every golden fixture pod (Tests/SFWebhookTests/Fixtures/*.pod.json) is sent in an AdmissionReview;
each returned patch is applied with the `jsonpatch` package (an independent RFC 6902 implementation),
the patched pod is compared with `<case>.patched.json` and validated offline against the Kubernetes
1.32 OpenAPI schema in strict mode (`kubernetes-validate`). The patched pod, sent again, gets no patch.

SKYFERRY_UPDATE_GOLDEN=1 rewrites the `.patched.json` files; review the diff.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import re
import socket
import ssl
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import jsonpatch
import kubernetes_validate
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from e2e_support import REPO_ROOT, AgentProcess, free_port, isolated_env, parse_metrics, metric, wait_until

FIXTURES = REPO_ROOT / "Tests" / "SFWebhookTests" / "Fixtures"
CASES = sorted(p.name[: -len(".pod.json")] for p in FIXTURES.glob("*.pod.json"))
KUBERNETES_VERSION = "1.32.0"
IMAGE = "ghcr.io/example/skyferry:0.1.0"


# --- certificates -------------------------------------------------------------------------------


@dataclass
class CA:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


def make_ca(name: str) -> CA:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return CA(key, cert)


def write_leaf(ca: CA, cert_path: Path, key_path: Path) -> x509.Certificate:
    """A serving certificate for 127.0.0.1 and the in-cluster service name, written as cert-manager would."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "skyferry-webhook.skyferry.svc")]))
        .issuer_name(ca.cert.subject).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("skyferry-webhook.skyferry.svc"), x509.DNSName("localhost"),
            x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca.key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    # Write both, then rename: the kubelet's atomic writer swaps a symlink, the effect is the same.
    for path, data in ((key_path, key_pem), (cert_path, cert.public_bytes(serialization.Encoding.PEM))):
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    return cert


# --- the webhook process ------------------------------------------------------------------------


@dataclass
class Webhook:
    process: AgentProcess
    port: int
    ca: CA
    cert_path: Path
    key_path: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cadata=self.ca.pem.decode())
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, bytes]:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=self.context()))
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with opener.open(req, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def review(self, pod: dict, uid: str | None = None, operation: str = "CREATE") -> dict:
        uid = uid or str(uuid.uuid4())
        body = {
            "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {
                "uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"},
                "resource": {"group": "", "version": "v1", "resource": "pods"},
                "requestKind": {"group": "", "version": "v1", "kind": "Pod"},
                "namespace": pod["metadata"].get("namespace", "default"), "operation": operation,
                "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller"},
                "object": pod, "oldObject": None, "dryRun": False,
                "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"},
            },
        }
        status, raw = self.request("POST", "/mutate", json.dumps(body).encode(), {"Content-Type": "application/json"})
        assert status == 200, f"/mutate answered {status}: {raw!r}\n{self.process.describe()}"
        answer = json.loads(raw)
        assert answer["apiVersion"] == "admission.k8s.io/v1" and answer["kind"] == "AdmissionReview"
        assert answer["response"]["uid"] == uid, "the response must echo the request uid"
        return answer["response"]

    def served_certificate(self) -> x509.Certificate:
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as raw:
            with self.context().wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


def start_webhook(tmp: Path, native_sidecars: bool = True, server: str = "", azure: str = "") -> Webhook:
    tmp.mkdir(parents=True, exist_ok=True)
    ca = make_ca("skyferry-test-ca")
    cert_path, key_path = tmp / "tls.crt", tmp / "tls.key"
    write_leaf(ca, cert_path, key_path)
    port = free_port()
    config = tmp / "webhook.yaml"
    config.write_text(
        f'listen: "127.0.0.1:{port}"\n'
        f"tls:\n  certFile: {cert_path}\n  keyFile: {key_path}\n  reloadIntervalSeconds: 1\n"
        f"agent:\n  image: {IMAGE}\n"
        f"nativeSidecars: {'true' if native_sidecars else 'false'}\n"
        + (f"server: {server}\n" if server else "")
        + (f"azure: {azure}\n" if azure else ""))
    binary = Path(os.environ.get("SKYFERRY_BIN", REPO_ROOT / ".build" / "debug" / "skyferry"))
    process = AgentProcess([str(binary), "webhook", "--config", str(config)], isolated_env(tmp / "home"), tmp / "logs")
    webhook = Webhook(process, port, ca, cert_path, key_path)

    def healthy() -> bool:
        try:
            return webhook.request("GET", "/healthz")[0] == 200
        except (OSError, ssl.SSLError):
            return False

    process.wait_for(healthy, timeout=20, what="GET /healthz over HTTPS")
    return webhook


@pytest.fixture(scope="module")
def webhooks(tmp_path_factory: pytest.TempPathFactory, skyferry_bin: Path) -> Iterator[dict[bool, Webhook]]:
    started = {True: start_webhook(tmp_path_factory.mktemp("webhook-native")),
               False: start_webhook(tmp_path_factory.mktemp("webhook-legacy"), native_sidecars=False)}
    yield started
    for webhook in started.values():
        webhook.process.stop()


# --- golden fixtures ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES)
def test_golden_fixture(webhooks: dict[bool, Webhook], case: str) -> None:
    webhook = webhooks[not case.startswith("legacy-")]
    pod = json.loads((FIXTURES / f"{case}.pod.json").read_text())
    expected = json.loads((FIXTURES / f"{case}.expected.json").read_text())
    response = webhook.review(pod)
    assert response["allowed"] == expected["allowed"]

    if not expected["allowed"]:
        assert "patch" not in response
        assert response["status"] == {"code": 403, "message": expected["message"]}
        return
    if "patch" not in expected:
        assert "patch" not in response and "patchType" not in response, "a pod that is not injected must come back unchanged"
        assert response.get("warnings", []) == expected.get("warnings", [])
        return

    assert response["patchType"] == "JSONPatch"
    operations = json.loads(base64.b64decode(response["patch"], validate=True))
    live_secret, fixed_secret = azure_secret(operations), azure_secret(expected["patch"])
    if live_secret is not None and live_secret != fixed_secret:
        # The live webhook's per-pod secret is random: 64 hex digits, put in the agent's configuration and
        # the app's IDENTITY_HEADER alike. The Swift golden test injects fixed bytes.
        assert re.fullmatch(r"[0-9a-f]{64}", live_secret), live_secret
        assert live_secret not in json.dumps(pod), "a fresh secret must not come from the pod"
        operations = json.loads(json.dumps(operations).replace(live_secret, fixed_secret))
    assert operations == expected["patch"], "the live webhook and the Swift golden test must agree"
    assert response.get("warnings", []) == expected.get("warnings", [])
    patched = jsonpatch.JsonPatch(operations).apply(pod)

    golden = FIXTURES / f"{case}.patched.json"
    if os.environ.get("SKYFERRY_UPDATE_GOLDEN") == "1":
        golden.write_text(json.dumps(patched, indent=2) + "\n")
    assert patched == json.loads(golden.read_text())

    # Strict: unknown fields (a misspelt key in an injected container) fail validation.
    kubernetes_validate.validate(patched, KUBERNETES_VERSION, strict=True)

    # Every field of the input survives (the patch only adds).
    def assert_kept(before: object, after: object, where: str) -> None:
        if isinstance(before, dict):
            assert isinstance(after, dict), where
            for key, value in before.items():
                assert key in after, f"{where}/{key} was dropped"
                assert_kept(value, after[key], f"{where}/{key}")
        elif isinstance(before, list):
            assert isinstance(after, list) and len(after) >= len(before), where
            # Injected init containers go first; the user's keep their order after them.
            offset = len(after) - len(before) if where.endswith("/initContainers") else 0
            for index, value in enumerate(before):
                assert_kept(value, after[index + offset], f"{where}/{index}")
        else:
            assert before == after, f"{where} changed: {before!r} -> {after!r}"

    assert_kept(pod, patched, "")

    # A re-invoked webhook (reinvocationPolicy: IfNeeded) sees its own work and adds nothing.
    again = webhook.review(patched)
    assert again["allowed"] is True and "patch" not in again


def azure_secret(operations: list[dict]) -> str | None:
    """The managed-identity endpoint secret in a patch's agent configuration, if any."""
    def strings(value: object) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for item in value.values():
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    for text in strings(operations):
        if found := re.search(r'\n        secret: "([^"]*)"\n', text):
            return found.group(1)
    return None


def test_each_pod_gets_its_own_azure_secret(webhooks: dict[bool, Webhook]) -> None:
    pod = json.loads((FIXTURES / "azure-sidecar.pod.json").read_text())
    secrets = set()
    for _ in range(2):
        patched = jsonpatch.JsonPatch(json.loads(base64.b64decode(webhooks[True].review(pod)["patch"]))).apply(pod)
        env = {e["name"]: e.get("value") for e in patched["spec"]["containers"][0]["env"]}
        agent = patched["spec"]["initContainers"][0]
        config = next(e["value"] for e in agent["env"] if e["name"] == "SKYFERRY_CONFIG_YAML")
        assert env["IDENTITY_ENDPOINT"] == "http://127.0.0.1:9912/msi/token"
        assert f'        secret: "{env["IDENTITY_HEADER"]}"\n' in config, "the agent and the app share the secret"
        assert not {"MSI_ENDPOINT", "IMDS_ENDPOINT", "IDENTITY_SERVER_THUMBPRINT"} & set(env)
        secrets.add(env["IDENTITY_HEADER"])
    assert len(secrets) == 2 and all(re.fullmatch(r"[0-9a-f]{64}", s) for s in secrets)


def test_azure_cloud_sets_the_authority_and_the_token_audience(tmp_path: Path, skyferry_bin: Path) -> None:
    webhook = start_webhook(tmp_path, azure="{cloud: usgov}")
    try:
        pod = json.loads((FIXTURES / "azure-init-only.pod.json").read_text())
        patched = jsonpatch.JsonPatch(json.loads(base64.b64decode(webhook.review(pod)["patch"]))).apply(pod)
    finally:
        webhook.process.stop()
    env = {e["name"]: e["value"] for e in patched["spec"]["containers"][0]["env"]}
    assert env["AZURE_AUTHORITY_HOST"] == "https://login.microsoftonline.us"
    assert env["AZURE_FEDERATED_TOKEN_FILE"] == "/var/run/secrets/skyferry/azure-token"
    [volume] = [v for v in patched["spec"]["volumes"] if v["name"] == "skyferry-token"]
    [source] = volume["projected"]["sources"]
    assert source["serviceAccountToken"]["audience"] == "api://AzureADTokenExchangeUSGov"
    assert "initContainers" not in patched["spec"], "Azure alone in init-only mode needs no agent"
    kubernetes_validate.validate(patched, KUBERNETES_VERSION, strict=True)


def test_injected_agent_config_is_in_the_agent_env(webhooks: dict[bool, Webhook]) -> None:
    pod = json.loads((FIXTURES / "several-containers.pod.json").read_text())
    patched = jsonpatch.JsonPatch(json.loads(base64.b64decode(webhooks[True].review(pod)["patch"]))).apply(pod)
    agent = patched["spec"]["initContainers"][0]
    assert agent["name"] == "skyferry-agent" and agent["restartPolicy"] == "Always"
    assert agent["startupProbe"]["exec"]["command"] == ["/usr/local/bin/skyferry", "probe"]
    config = next(e["value"] for e in agent["env"] if e["name"] == "SKYFERRY_CONFIG_YAML")
    assert "awsContainerEndpoint" in config and "gcpMetadataServer" in config
    security = agent["securityContext"]
    assert security["runAsNonRoot"] and security["readOnlyRootFilesystem"] and not security["allowPrivilegeEscalation"]
    assert security["capabilities"] == {"drop": ["ALL"]} and security["seccompProfile"] == {"type": "RuntimeDefault"}


# --- HTTP contract ------------------------------------------------------------------------------


@pytest.mark.parametrize("body, fragment", [
    (b"not json", "invalid JSON at byte 0"),
    (b'{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}', "apiVersion"),
    (b'{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"kind":{"kind":"Pod"}}}', "request.uid"),
])
def test_malformed_review_is_400_with_a_message(webhooks: dict[bool, Webhook], body: bytes, fragment: str) -> None:
    status, raw = webhooks[True].request("POST", "/mutate", body, {"Content-Type": "application/json"})
    assert status == 400
    assert fragment in raw.decode()


def test_oversized_body_is_refused(webhooks: dict[bool, Webhook]) -> None:
    body = b'{"pad":"' + b"x" * (5 * 1024 * 1024) + b'"}'
    try:
        status, raw = webhooks[True].request("POST", "/mutate", body, {"Content-Type": "application/json"})
    except (ConnectionError, urllib.error.URLError, ssl.SSLError):
        return  # the server may close the connection before reading the rest; also a refusal
    assert status == 413, raw
    # And it still serves afterwards.
    assert webhooks[True].request("GET", "/healthz")[0] == 200


def test_metrics_count_admissions_by_result(webhooks: dict[bool, Webhook]) -> None:
    webhook = webhooks[True]
    webhook.review(json.loads((FIXTURES / "no-label.pod.json").read_text()))
    status, raw = webhook.request("GET", "/metrics")
    assert status == 200
    samples = parse_metrics(raw.decode())
    for result in ("injected", "skipped", "denied", "invalid"):
        assert metric(samples, "skyferry_webhook_admissions_total", result=result) is not None
    assert (metric(samples, "skyferry_webhook_admissions_total", result="skipped") or 0) >= 1
    assert (metric(samples, "skyferry_webhook_admission_duration_seconds_count") or 0) >= 1


def test_plain_http_and_old_tls_are_refused(webhooks: dict[bool, Webhook]) -> None:
    webhook = webhooks[True]
    with pytest.raises((urllib.error.URLError, ConnectionError, OSError)):
        urllib.request.build_opener(urllib.request.ProxyHandler({})).open(f"http://127.0.0.1:{webhook.port}/healthz", timeout=3).read()
    context = webhook.context()
    context.minimum_version = ssl.TLSVersion.TLSv1
    context.maximum_version = ssl.TLSVersion.TLSv1_1
    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        with socket.create_connection(("127.0.0.1", webhook.port), timeout=3) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1"):
                pass


# --- certificate rotation and shutdown ----------------------------------------------------------


def test_rotated_certificate_is_served_without_restart(tmp_path: Path, skyferry_bin: Path) -> None:
    webhook = start_webhook(tmp_path)
    try:
        pid = webhook.process.process.pid
        first = webhook.served_certificate()
        rotated = write_leaf(webhook.ca, webhook.cert_path, webhook.key_path)
        assert rotated.serial_number != first.serial_number
        served = webhook.process.wait_for(
            lambda: (c := webhook.served_certificate()).serial_number == rotated.serial_number and c,
            timeout=10, what="the rotated certificate to be served")
        assert served.serial_number == rotated.serial_number
        assert webhook.process.process.pid == pid and webhook.process.alive()
        webhook.process.wait_for_log("serving certificate reloaded", timeout=5)

        # A broken rotation keeps the last good certificate and logs an error.
        webhook.cert_path.write_text("-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n")
        webhook.process.wait_for_log("serving certificate reload failed", timeout=10)
        assert webhook.served_certificate().serial_number == rotated.serial_number
        assert webhook.review(json.loads((FIXTURES / "aws-only.pod.json").read_text()))["allowed"] is True

        code, seconds = webhook.process.signal()
        assert code == 0 and seconds < 6, webhook.process.describe()
        assert "skyferry webhook stopped" in webhook.process.stderr
    finally:
        webhook.process.stop()


def test_unreadable_certificate_fails_fast(tmp_path: Path, skyferry_bin: Path) -> None:
    config = tmp_path / "webhook.yaml"
    config.write_text(f"listen: 127.0.0.1:{free_port()}\ntls:\n  certFile: {tmp_path}/missing.crt\n  keyFile: {tmp_path}/missing.key\n"
                      f"agent:\n  image: {IMAGE}\n")
    process = AgentProcess([str(skyferry_bin), "webhook", "--config", str(config)], isolated_env(tmp_path / "home"), tmp_path / "logs")
    try:
        code = process.process.wait(timeout=20)
    finally:
        process.stop()
    assert code == 7
    assert f"cannot read {tmp_path}/missing.crt: No such file or directory" in process.stderr


def test_invalid_configuration_names_the_key(tmp_path: Path, skyferry_bin: Path) -> None:
    config = tmp_path / "webhook.yaml"
    config.write_text("tls:\n  certFile: /tls/tls.crt\n  keyFile: /tls/tls.key\nagent:\n  imag: x\n")
    process = AgentProcess([str(skyferry_bin), "webhook", "--config", str(config)], isolated_env(tmp_path / "home"), tmp_path / "logs")
    try:
        code = process.process.wait(timeout=20)
    finally:
        process.stop()
    assert code == 2
    assert "agent.imag" in process.stderr and "agent.image" in process.stderr


# --- slow and idle clients, the connection cap, the TLS policy ----------------------------------


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """True when the server closes `sock` (EOF or reset) within `within` seconds; never sends anything."""
    sock.settimeout(0.2)
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if sock.recv(4096) == b"":
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, ssl.SSLError, ssl.SSLEOFError, OSError):
            return True
    return False


def tls_connect(webhook: Webhook) -> ssl.SSLSocket:
    raw = socket.create_connection(("127.0.0.1", webhook.port), timeout=5)
    return webhook.context().wrap_socket(raw, server_hostname="127.0.0.1")


def keepalive_request(tls: ssl.SSLSocket, path: str = "/healthz") -> bytes:
    tls.settimeout(5)
    tls.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.endswith(b"ok\n"):
        chunk = tls.recv(4096)
        assert chunk, f"connection closed mid-answer: {answer!r}"
        answer += chunk
    return answer


def connection_metrics(webhook: Webhook) -> dict:
    return parse_metrics(webhook.request("GET", "/metrics")[1].decode())


def test_connections_without_handshake_are_closed_after_the_handshake_timeout(tmp_path: Path, skyferry_bin: Path) -> None:
    webhook = start_webhook(tmp_path, server="{handshakeTimeoutSeconds: 1, idleTimeoutSeconds: 30}")
    try:
        idle = [socket.create_connection(("127.0.0.1", webhook.port), timeout=5) for _ in range(20)]
        start = time.monotonic()
        for sock in idle:
            assert closed_by_server(sock, within=max(0.5, 8 - (time.monotonic() - start))), "no TLS handshake: must close"
            sock.close()
        assert webhook.process.alive()
        samples = connection_metrics(webhook)
        assert (metric(samples, "skyferry_webhook_connections_closed_total", reason="handshake_timeout") or 0) >= 20
        assert metric(samples, "skyferry_webhook_connections_open") is not None
    finally:
        webhook.process.stop()


def test_idle_keepalive_connections_are_closed_after_the_idle_timeout(tmp_path: Path, skyferry_bin: Path) -> None:
    webhook = start_webhook(tmp_path, server="{idleTimeoutSeconds: 2}")
    try:
        connections = [tls_connect(webhook) for _ in range(5)]
        for tls in connections:
            assert b"200 OK" in keepalive_request(tls)
        time.sleep(0.5)
        # Still open well before the timeout: a keep-alive connection is reused.
        assert b"200 OK" in keepalive_request(connections[0])
        for tls in connections:
            assert closed_by_server(tls, within=10), "an idle keep-alive connection must be closed after idleTimeoutSeconds"
            tls.close()
        samples = connection_metrics(webhook)
        assert (metric(samples, "skyferry_webhook_connections_closed_total", reason="idle_timeout") or 0) >= 5
    finally:
        webhook.process.stop()


def test_slowloris_request_is_closed_after_the_read_timeout(tmp_path: Path, skyferry_bin: Path) -> None:
    webhook = start_webhook(tmp_path, server="{readTimeoutSeconds: 2, idleTimeoutSeconds: 60}")
    try:
        tls = tls_connect(webhook)
        request = b"POST /mutate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Pad: " + b"a" * 200
        start = time.monotonic()
        closed_after = None
        for byte in request:  # one byte every 50 ms: each resets no timer
            try:
                tls.sendall(bytes([byte]))
            except (OSError, ssl.SSLError):
                closed_after = time.monotonic() - start
                break
            if closed_by_server(tls, within=0.05):
                closed_after = time.monotonic() - start
                break
        assert closed_after is not None, "a request trickling in byte by byte must be closed"
        assert closed_after < 8, f"closed after {closed_after:.1f} s; the read timeout is 2 s (idle timeout 60 s)"
        samples = connection_metrics(webhook)
        assert (metric(samples, "skyferry_webhook_connections_closed_total", reason="read_timeout") or 0) >= 1
    finally:
        webhook.process.stop()


def test_over_the_cap_idle_connections_are_closed_first_and_admissions_succeed(tmp_path: Path, skyferry_bin: Path) -> None:
    webhook = start_webhook(tmp_path, server="{maxConnections: 10, idleTimeoutSeconds: 300, handshakeTimeoutSeconds: 300}")
    pod = json.loads((FIXTURES / "aws-only.pod.json").read_text())
    try:
        idle = [socket.create_connection(("127.0.0.1", webhook.port), timeout=5) for _ in range(10)]
        time.sleep(0.3)
        # The cap is full of idle clients. New idle clients and admissions keep arriving: each one that finds
        # the server full closes the longest-idle connection, and every admission succeeds.
        newer = []
        for _ in range(10):
            newer.append(socket.create_connection(("127.0.0.1", webhook.port), timeout=5))
            time.sleep(0.05)
            assert webhook.review(pod)["allowed"] is True
        for sock in idle:
            assert closed_by_server(sock, within=5), "the longest-idle connections are evicted first at the cap"
            sock.close()
        assert not closed_by_server(newer[-1], within=0.05), "the newest idle connection is not the one evicted"
        for sock in newer:
            sock.close()
        samples = connection_metrics(webhook)
        assert (metric(samples, "skyferry_webhook_connections_closed_total", reason="evicted") or 0) >= 10
        assert (metric(samples, "skyferry_webhook_connections_closed_total", reason="refused") or 0) == 0

        # All slots busy reading requests (not idle): a new connection is closed at once, the busy ones kept.
        busy = [tls_connect(webhook) for _ in range(10)]
        for tls in busy:
            tls.sendall(b"POST /mutate HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", webhook.port), timeout=5)
        assert closed_by_server(extra, within=5), "at the cap with nothing idle, a new connection is refused"
        extra.close()
        for tls in busy:
            assert not closed_by_server(tls, within=0.05), "a request being read is never evicted"
        for tls in busy:
            tls.close()
        samples = webhook.process.wait_for(lambda: _metrics_or_none(webhook), timeout=5, what="/metrics after the busy clients left")
        assert (metric(samples, "skyferry_webhook_connections_closed_total", reason="refused") or 0) >= 1
    finally:
        webhook.process.stop()


def test_tls12_offers_only_ecdhe_aead_ciphers(webhooks: dict[bool, Webhook]) -> None:
    webhook = webhooks[True]

    def handshake(ciphers: str) -> str:
        context = webhook.context()
        context.maximum_version = ssl.TLSVersion.TLSv1_2
        context.set_ciphers(ciphers)
        with socket.create_connection(("127.0.0.1", webhook.port), timeout=5) as raw:
            with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                return tls.cipher()[0]

    with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
        handshake("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA256:AES128-SHA:AES256-SHA")
    # The test certificate is ECDSA: the server picks the ECDSA form of the AEAD suites.
    assert handshake("ECDHE-ECDSA-AES128-GCM-SHA256") == "ECDHE-ECDSA-AES128-GCM-SHA256"
    assert handshake("ECDHE-ECDSA-CHACHA20-POLY1305") == "ECDHE-ECDSA-CHACHA20-POLY1305"


def test_tls12_rsa_certificate_negotiates_ecdhe_rsa_gcm(tmp_path: Path, skyferry_bin: Path) -> None:
    from cryptography.hazmat.primitives.asymmetric import rsa
    webhook = start_webhook(tmp_path)
    try:
        ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        now = dt.datetime.now(dt.timezone.utc)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rsa-test")])
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(ca_key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(hours=1))
                .add_extension(x509.SubjectAlternativeName([x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        key_pem = ca_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        for path, data in ((webhook.key_path, key_pem), (webhook.cert_path, cert.public_bytes(serialization.Encoding.PEM))):
            tmp = path.with_suffix(".tmp")
            tmp.write_bytes(data)
            os.replace(tmp, path)
        pem = cert.public_bytes(serialization.Encoding.PEM).decode()

        def handshake(ciphers: str) -> str:
            context = ssl.create_default_context(cadata=pem)
            context.minimum_version = context.maximum_version = ssl.TLSVersion.TLSv1_2
            context.set_ciphers(ciphers)
            with socket.create_connection(("127.0.0.1", webhook.port), timeout=5) as raw:
                with context.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                    return tls.cipher()[0]

        webhook.process.wait_for(lambda: _handshakes(handshake, "ECDHE-RSA-AES128-GCM-SHA256"), timeout=10,
                                 what="the RSA certificate to be served")
        assert handshake("ECDHE-RSA-AES128-GCM-SHA256") == "ECDHE-RSA-AES128-GCM-SHA256"
        for cbc_only in ("AES128-SHA:AES256-SHA:AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA"):
            with pytest.raises((ssl.SSLError, ConnectionError, OSError)):
                handshake(cbc_only)
    finally:
        webhook.process.stop()


def _metrics_or_none(webhook: Webhook) -> dict | None:
    try:
        return connection_metrics(webhook)
    except (OSError, ssl.SSLError, urllib.error.URLError):
        return None


def _handshakes(handshake, ciphers: str) -> bool:
    try:
        return handshake(ciphers) == ciphers
    except (ssl.SSLError, OSError):
        return False


def write_mismatched_pair(ca: CA, cert_path: Path, key_path: Path) -> x509.Certificate:
    """A fresh certificate with somebody else's key: a half-updated secret."""
    cert = write_leaf(ca, cert_path, key_path)
    other = ec.generate_private_key(ec.SECP256R1())
    tmp = key_path.with_suffix(".tmp")
    tmp.write_bytes(other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                        serialization.NoEncryption()))
    os.replace(tmp, key_path)
    return cert


def test_mismatched_key_on_reload_keeps_the_previous_pair(tmp_path: Path, skyferry_bin: Path) -> None:
    webhook = start_webhook(tmp_path)
    try:
        first = webhook.served_certificate()
        write_mismatched_pair(webhook.ca, webhook.cert_path, webhook.key_path)
        webhook.process.wait_for_log("serving certificate reload failed", timeout=10)
        assert f"does not match the certificate in {webhook.cert_path}" in webhook.process.stderr
        assert str(webhook.key_path) in webhook.process.stderr
        assert webhook.served_certificate().serial_number == first.serial_number
        samples = connection_metrics(webhook)
        assert metric(samples, "skyferry_webhook_certificate_reload_failures_total") == 1

        good = write_leaf(webhook.ca, webhook.cert_path, webhook.key_path)
        webhook.process.wait_for(lambda: webhook.served_certificate().serial_number == good.serial_number, timeout=10,
                                 what="the next good pair to be served")
    finally:
        webhook.process.stop()


def test_mismatched_key_at_start_is_a_startup_error(tmp_path: Path, skyferry_bin: Path) -> None:
    ca = make_ca("skyferry-test-ca")
    write_mismatched_pair(ca, tmp_path / "tls.crt", tmp_path / "tls.key")
    config = tmp_path / "webhook.yaml"
    config.write_text(f"listen: 127.0.0.1:{free_port()}\ntls:\n  certFile: {tmp_path}/tls.crt\n  keyFile: {tmp_path}/tls.key\n"
                      f"agent:\n  image: {IMAGE}\n")
    process = AgentProcess([str(skyferry_bin), "webhook", "--config", str(config)], isolated_env(tmp_path / "home"), tmp_path / "logs")
    try:
        code = process.process.wait(timeout=20)
    finally:
        process.stop()
    assert code == 7
    assert f"the private key in {tmp_path}/tls.key does not match the certificate in {tmp_path}/tls.crt" in process.stderr


@pytest.mark.parametrize("server, fragment", [
    ("{readTimeoutSeconds: 0}", 'server.readTimeoutSeconds (line 6): expected a whole number of seconds from 1 to 3600, found "0"'),
    ("{maxConnections: many}", 'server.maxConnections (line 6): expected a whole number of connections from 1 to 100000, found "many"'),
    ("{idleTimeout: 5}", "server.idleTimeout"),
])
def test_invalid_server_limits_name_the_key(tmp_path: Path, skyferry_bin: Path, server: str, fragment: str) -> None:
    config = tmp_path / "webhook.yaml"
    config.write_text(f"tls:\n  certFile: /tls/tls.crt\n  keyFile: /tls/tls.key\nagent:\n  image: {IMAGE}\nserver: {server}\n")
    process = AgentProcess([str(skyferry_bin), "webhook", "--config", str(config)], isolated_env(tmp_path / "home"), tmp_path / "logs")
    try:
        code = process.process.wait(timeout=20)
    finally:
        process.stop()
    assert code == 2
    assert fragment in process.stderr, process.stderr
