"""A fake Kubernetes API server for ServiceAccounts, on loopback HTTPS, faithful to the wire protocol.

What it serves (core/v1 only, the subset the webhook uses):

- ``GET /api/v1/namespaces/NS/serviceaccounts/NAME``: the object, or a ``Status`` 404;
- ``GET /api/v1/serviceaccounts`` and ``/api/v1/namespaces/NS/serviceaccounts``: a ``ServiceAccountList``
  with ``limit``/``continue`` pagination (each chunk served from the snapshot the first page was taken
  from, as etcd does) and ``metadata.resourceVersion``; an expired ``continue`` is a ``410 Gone`` Status;
- the same with ``watch=1``: a chunked stream of one JSON event per line (``ADDED``, ``MODIFIED``, ``DELETED``,
  ``BOOKMARK`` when ``allowWatchBookmarks=true``), starting after ``resourceVersion`` (or with synthetic
  ``ADDED`` events for every object when it is absent or ``0``); a ``resourceVersion`` older than the
  compacted history gets one ``ERROR`` event carrying a ``410 Expired`` Status, then the stream ends;
  the server ends every watch after ``timeoutSeconds`` (capped by ``max_watch_seconds``), cleanly;
- a bearer token check on every request: ``401 Unauthorized`` Status otherwise.

Scriptable from tests: ``add``/``modify``/``delete`` ServiceAccounts, ``compact`` the history (so old
resourceVersions get ``410``), ``pause_watches`` (events held back, as a lagging watch), ``bookmark`` (send a bookmark on every open watch), ``break_watches``
(drop every open watch without the final chunk, as a dying connection does), ``down``/``up`` (stop
listening on the port and come back on the same one), and ``requests`` (what was asked, for assertions).

    with FakeKubeAPI.create(tmp_path, token="t0k3n") as api:
        api.add("shop", "api", {"skyferry.dev/aws-role-arn": "arn:aws:iam::123456789012:role/r"})
        ... api.url, api.ca_path, api.token_path ...
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import json
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .loopback import LoopbackHTTPServer

SA_COLLECTION = "/api/v1/serviceaccounts"
#: Go's strconv.ParseBool, which the API server uses for watch and allowWatchBookmarks.
TRUE = ("1", "t", "T", "TRUE", "true", "True")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    token: str | None
    status: int = 0


@dataclass
class _Watch:
    """One open watch: the handler thread waits on the fake's condition for these flags."""
    namespace: str | None
    broken: bool = False
    bookmarks: int = 0


def write_test_pki(directory: Path) -> tuple[Path, Path, Path]:
    """A test CA and a serving certificate for 127.0.0.1, localhost and kubernetes.default.svc."""
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake-kube-api-ca")])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False, key_agreement=False,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(hours=6))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.DNSName("kubernetes.default.svc"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = directory / "ca.crt", directory / "apiserver.crt", directory / "apiserver.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca_path, cert_path, key_path


def status(code: int, reason: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": message, "reason": reason, "code": code}
    if details is not None:
        body["details"] = details
    return body


class _TLSServer(LoopbackHTTPServer):
    """Handshakes in the connection's own thread, so one slow client cannot stall accept()."""

    context: ssl.SSLContext

    def finish_request(self, request: Any, client_address: Any) -> None:
        try:
            tls = self.context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        super().finish_request(tls, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-kube-apiserver"

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    @property
    def fake(self) -> "FakeKubeAPI":
        return self.server.fake  # type: ignore[attr-defined]

    def _send_json(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        header = self.headers.get("Authorization", "")
        token = header[len("Bearer "):] if header.startswith("Bearer ") else None
        record = Request("GET", split.path, query, token)
        self.fake._record(record)
        if token is None or token not in self.fake.tokens:
            record.status = 401
            self._send_json(401, status(401, "Unauthorized", "Unauthorized"))
            return
        parts = split.path.strip("/").split("/")
        # api/v1/serviceaccounts | api/v1/namespaces/NS/serviceaccounts[/NAME]
        namespace = name = None
        if parts == ["api", "v1", "serviceaccounts"]:
            pass
        elif len(parts) in (5, 6) and parts[:3] == ["api", "v1", "namespaces"] and parts[4] == "serviceaccounts":
            namespace = parts[3]
            name = parts[5] if len(parts) == 6 else None
        else:
            record.status = 404
            self._send_json(404, status(404, "NotFound", "the server could not find the requested resource"))
            return
        if name is not None:
            obj = self.fake._get(namespace or "", name)
            if obj is None:
                record.status = 404
                self._send_json(404, status(404, "NotFound", f'serviceaccounts "{name}" not found',
                                            {"name": name, "kind": "serviceaccounts"}))
            else:
                record.status = 200
                self._send_json(200, obj)
            return
        if query.get("watch") in TRUE:
            self._watch(namespace, query, record)
        else:
            code, body = self.fake._list(namespace, query)
            record.status = code
            self._send_json(code, body)

    def _chunk(self, event: dict[str, Any]) -> None:
        data = json.dumps(event, separators=(",", ":")).encode() + b"\n"
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _watch(self, namespace: str | None, query: dict[str, str], record: Request) -> None:
        fake = self.fake
        rv_text = query.get("resourceVersion", "")
        try:
            timeout = float(query.get("timeoutSeconds") or fake.max_watch_seconds)
        except ValueError:
            timeout = fake.max_watch_seconds
        deadline = time.monotonic() + min(timeout, fake.max_watch_seconds)
        bookmarks = query.get("allowWatchBookmarks") in TRUE
        record.status = 200
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        watch = _Watch(namespace)
        with fake._cond:
            if rv_text in ("", "0"):
                # "Any" start: the current state as synthetic ADDED events, then changes.
                pending = [{"type": "ADDED", "object": fake._typed(o)} for o in fake._objects_in(namespace)]
                sent = fake._rv
            else:
                try:
                    since = int(rv_text)
                except ValueError:
                    since = -1
                if since < fake._compacted:
                    event = {"type": "ERROR", "object": status(
                        410, "Expired", f"too old resource version: {rv_text} ({fake._compacted + 1})")}
                    pending, sent = [event], None
                else:
                    pending, sent = [], since
            fake._watches.append(watch)
        try:
            for event in pending:
                self._chunk(event)
            if sent is None:  # the ERROR event ends the watch
                self.wfile.write(b"0\r\n\r\n")
                return
            while True:
                with fake._cond:
                    while True:
                        if watch.broken or fake._stopping.is_set():
                            break
                        events = [] if fake._paused else [
                            e for e in fake._events
                            if e[0] > sent and (namespace is None or e[2]["metadata"]["namespace"] == namespace)]
                        if events or watch.bookmarks or time.monotonic() >= deadline:
                            break
                        fake._cond.wait(timeout=max(0.0, min(0.2, deadline - time.monotonic())))
                    if watch.broken or fake._stopping.is_set():
                        # Dropped mid-stream: no final chunk, the socket just closes.
                        self.close_connection = True
                        try:
                            self.connection.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
                        return
                    current = fake._rv
                    send_bookmark = bookmarks and watch.bookmarks > 0
                    watch.bookmarks = 0
                for rv, kind, obj in events:
                    self._chunk({"type": kind, "object": fake._typed(obj)})
                    sent = max(sent, rv)
                if send_bookmark:
                    sent = max(sent, current)
                    self._chunk({"type": "BOOKMARK", "object": {
                        "kind": "ServiceAccount", "apiVersion": "v1",
                        "metadata": {"resourceVersion": str(sent),
                                     "annotations": {"k8s.io/initial-events-end": "true"}}}})
                if time.monotonic() >= deadline:
                    self.wfile.write(b"0\r\n\r\n")  # the server's timeout: a clean end of stream
                    self.wfile.flush()
                    return
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
            self.close_connection = True
        finally:
            with fake._cond:
                if watch in fake._watches:
                    fake._watches.remove(watch)


@dataclass
class FakeKubeAPI:
    """The fake; ``create`` writes the PKI and the token file and starts listening."""

    ca_path: Path
    cert_path: Path
    key_path: Path
    token_path: Path
    tokens: set[str]
    port: int = 0
    #: The server's own cap on a watch (the real one picks 30-60 minutes).
    max_watch_seconds: float = 60.0
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._cond = threading.Condition()
        self._stopping = threading.Event()
        self._objects: dict[tuple[str, str], dict[str, Any]] = {}
        self._events: list[tuple[int, str, dict[str, Any]]] = []
        self._snapshots: dict[str, list[dict[str, Any]]] = {}
        self._watches: list[_Watch] = []
        self._rv = 1000
        self._compacted = 0
        self._paused = False
        self._server: _TLSServer | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def create(cls, directory: Path, token: str = "fake-kube-token", **kwargs: Any) -> "FakeKubeAPI":
        ca, cert, key = write_test_pki(directory)
        token_path = directory / "token"
        token_path.write_text(token)
        return cls(ca_path=ca, cert_path=cert, key_path=key, token_path=token_path, tokens={token}, **kwargs)

    # --- lifecycle --------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def up(self) -> "FakeKubeAPI":
        """Listen (again, on the same port once it has one) and serve from a daemon thread."""
        self._stopping.clear()
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, self.key_path)
        context.set_alpn_protocols(["http/1.1"])
        server = _TLSServer(("127.0.0.1", self.port), _Handler, bind_and_activate=False)
        server.context = context
        server.fake = self  # type: ignore[attr-defined]
        server.server_bind()
        server.server_activate()
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fake kube API", daemon=True)
        self._thread.start()
        return self

    def down(self) -> None:
        """Stop listening and drop every open watch: connections are refused until ``up``."""
        with self._cond:
            self._stopping.set()
            for watch in self._watches:
                watch.broken = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    start = up
    stop = down

    def __enter__(self) -> "FakeKubeAPI":
        return self.up()

    def __exit__(self, *exc: object) -> None:
        self.down()

    # --- scripting ---------------------------------------------------------------------------------

    def _change(self, kind: str, obj: dict[str, Any]) -> None:
        self._rv += 1
        obj["metadata"]["resourceVersion"] = str(self._rv)
        self._events.append((self._rv, kind, json.loads(json.dumps(obj))))
        self._cond.notify_all()

    def add(self, namespace: str, name: str, annotations: dict[str, str] | None = None) -> int:
        with self._cond:
            obj: dict[str, Any] = {"metadata": {
                "name": name, "namespace": namespace, "uid": str(uuid.uuid4()),
                "creationTimestamp": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}}
            if annotations:
                obj["metadata"]["annotations"] = dict(annotations)
            self._objects[(namespace, name)] = obj
            self._change("ADDED", obj)
            return self._rv

    def modify(self, namespace: str, name: str, annotations: dict[str, str] | None) -> int:
        with self._cond:
            obj = self._objects[(namespace, name)]
            if annotations:
                obj["metadata"]["annotations"] = dict(annotations)
            else:
                obj["metadata"].pop("annotations", None)
            self._change("MODIFIED", obj)
            return self._rv

    def delete(self, namespace: str, name: str) -> int:
        with self._cond:
            obj = self._objects.pop((namespace, name))
            self._change("DELETED", obj)
            return self._rv

    def compact(self) -> None:
        """Forget the history up to now: watches and continue tokens from before get ``410 Gone``."""
        with self._cond:
            self._compacted = self._rv
            self._events = []
            self._snapshots = {}

    def bookmark(self) -> None:
        with self._cond:
            for watch in self._watches:
                watch.bookmarks += 1
            self._cond.notify_all()

    def pause_watches(self, paused: bool = True) -> None:
        """Hold back watch events (a slow watch): changes still show in GET and LIST at once."""
        with self._cond:
            self._paused = paused
            self._cond.notify_all()

    def break_watches(self) -> None:
        with self._cond:
            for watch in self._watches:
                watch.broken = True
            self._cond.notify_all()

    @property
    def open_watches(self) -> int:
        with self._cond:
            return len(self._watches)

    @property
    def resource_version(self) -> int:
        with self._cond:
            return self._rv

    def requests_matching(self, *, watch: bool | None = None, name: str | None = None) -> list[Request]:
        with self._cond:
            found = list(self.requests)
        if watch is not None:
            found = [r for r in found if (r.query.get("watch") in TRUE) == watch]
        if name is not None:
            found = [r for r in found if r.path.endswith("/serviceaccounts/" + name)]
        return found

    # --- serving (called by handlers) ---------------------------------------------------------------

    def _record(self, request: Request) -> None:
        with self._cond:
            self.requests.append(request)

    @staticmethod
    def _typed(obj: dict[str, Any]) -> dict[str, Any]:
        return {"kind": "ServiceAccount", "apiVersion": "v1", **json.loads(json.dumps(obj))}

    def _get(self, namespace: str, name: str) -> dict[str, Any] | None:
        with self._cond:
            obj = self._objects.get((namespace, name))
            return self._typed(obj) if obj else None

    def _objects_in(self, namespace: str | None) -> list[dict[str, Any]]:
        keys = sorted(k for k in self._objects if namespace is None or k[0] == namespace)
        return [self._objects[k] for k in keys]

    def _list(self, namespace: str | None, query: dict[str, str]) -> tuple[int, dict[str, Any]]:
        try:
            limit = int(query.get("limit") or 0)
        except ValueError:
            return 400, status(400, "BadRequest", f"invalid limit: {query.get('limit')!r}")
        with self._cond:
            token = query.get("continue")
            if token:
                try:
                    decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
                    snapshot_id, start, rv = decoded["id"], decoded["start"], decoded["rv"]
                except (ValueError, KeyError):
                    return 400, status(400, "BadRequest", "continue key is not valid")
                items = self._snapshots.get(snapshot_id)
                if items is None or rv <= self._compacted:
                    return 410, status(410, "Expired", "The provided continue parameter is too old to display "
                                       "a consistent list result. You can start a new list without the continue "
                                       "parameter.")
            else:
                snapshot_id, start, rv = uuid.uuid4().hex, 0, self._rv
                items = [json.loads(json.dumps(o)) for o in self._objects_in(namespace)]
                self._snapshots[snapshot_id] = items
            end = len(items) if limit <= 0 else min(len(items), start + limit)
            metadata: dict[str, Any] = {"resourceVersion": str(rv)}
            if end < len(items):
                metadata["continue"] = base64.urlsafe_b64encode(
                    json.dumps({"id": snapshot_id, "start": end, "rv": rv}).encode()).decode()
                metadata["remainingItemCount"] = len(items) - end
            else:
                self._snapshots.pop(snapshot_id, None)
            return 200, {"kind": "ServiceAccountList", "apiVersion": "v1", "metadata": metadata,
                         "items": items[start:end]}
