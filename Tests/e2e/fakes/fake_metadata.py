"""A fake GCE/GKE metadata server that hands out RS256 ID tokens, for tests only.

It serves what the `gcpMetadata` source asks for::

    GET /computeMetadata/v1/instance/service-accounts/<sa>/identity?audience=<aud>&format=full
    Metadata-Flavor: Google

and behaves like the real one where it matters:

- a request without ``Metadata-Flavor: Google`` gets 403, and so does any request carrying
  ``X-Forwarded-For`` (the real server refuses proxied requests);
- an unknown service account gets 404, a missing audience 400;
- tokens are JWTs signed RS256 by a test key (``kid`` in the header): ``iss`` is
  ``https://accounts.google.com``, ``aud`` the requested audience, ``sub``/``azp`` a numeric id,
  ``email`` the service account, and with ``format=full`` a ``google.compute_engine`` claim;
- it can be "not ready" for the first N seconds after start, either refusing connections (the port
  is bound but not listening, so connects get RST) or answering 503;
- every request is recorded, and every token handed out is kept (tests search logs for them).

The public key is available as a JWKS (``fake.jwks()``, or ``GET /_fake/jwks``) so a verifying
fake STS can check the signatures.

In-process use (pytest)::

    with FakeMetadata(not_ready_seconds=2, not_ready_mode="refuse") as md:
        ... point source.gcpMetadata.endpoint at md.url ...
        assert md.identity_requests and md.tokens

Stand-alone use (shell; needs PyJWT and cryptography, i.e. the project's .venv)::

    .venv/bin/python Tests/e2e/fakes/fake_metadata.py --port 5010
    curl -s -H 'Metadata-Flavor: Google' \
      'http://127.0.0.1:5010/computeMetadata/v1/instance/service-accounts/default/identity?audience=sts.amazonaws.com&format=full'
    curl -s http://127.0.0.1:5010/_fake/jwks

Only loopback addresses may be bound.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
import signal
import sys
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

if __package__:
    from .loopback import LoopbackFake
else:  # run as a script
    from loopback import LoopbackFake

GOOGLE_ISSUER = "https://accounts.google.com"
DEFAULT_EMAIL = "skyferry-test@fake-project.iam.gserviceaccount.com"
DEFAULT_SUBJECT = "107517467455664443765"  # numeric, like a Google service account's unique id
IDENTITY_PREFIX = "/computeMetadata/v1/instance/service-accounts/"

# Which token the identity endpoint hands out.
TOKEN_MODES = ("good", "tampered", "wrong-key", "wrong-aud", "expired")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _int_b64url(value: int) -> str:
    return _b64url(value.to_bytes((value.bit_length() + 7) // 8, "big"))


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": _int_b64url(numbers.n), "e": _int_b64url(numbers.e)}


@dataclasses.dataclass
class MetadataRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    status: int  # what the fake answered (0: connection refused is never recorded)
    time: float


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Metadata Server for VM"  # what GCE sends
    timeout = 30

    @property
    def fake(self) -> "FakeMetadata":
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.fake.verbose:
            sys.stderr.write("fake_metadata: " + (format % args) + "\n")

    def _send(self, status: int, body: str, content_type: str = "application/text") -> None:
        data = body.encode()
        try:
            self.send_response(status)
            self.send_header("Metadata-Flavor", "Google")
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        parsed = urllib.parse.urlsplit(self.path)
        if parsed.path.startswith("/_fake/"):
            self._control(parsed.path)
            return
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, body = self.fake._answer(parsed.path, query, headers)
        self.fake._record(MetadataRequest("GET", parsed.path, query, headers, status, time.time()))
        self._send(status, body)

    def _control(self, path: str) -> None:
        if path == "/_fake/jwks":
            self._send(200, json.dumps(self.fake.jwks()), "application/json")
        elif path == "/_fake/requests":
            self._send(200, json.dumps([dataclasses.asdict(r) for r in self.fake.requests]), "application/json")
        else:
            self._send(404, "no such control endpoint")


class FakeMetadata(LoopbackFake):
    """A fake metadata server on 127.0.0.1; ``port=0`` picks a free port.

    not_ready_seconds: for this long after ``start()`` the server is not ready;
    not_ready_mode: ``"refuse"`` (connections refused) or ``"503"`` (HTTP 503 answers);
    token_lifetime: seconds from issue to ``exp``;
    token_mode: ``good``, ``tampered`` (payload changed after signing), ``wrong-key`` (signed by a
        key not in the JWKS), ``wrong-aud`` (aud is not the requested audience), ``expired``;
    status_override: answer every identity request with this HTTP status (e.g. 404, 500).
    """

    description = "fake metadata server"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = "skyferry-fake-metadata-key",
        service_accounts: tuple[str, ...] = ("default", DEFAULT_EMAIL),
        email: str = DEFAULT_EMAIL,
        subject: str = DEFAULT_SUBJECT,
        token_lifetime: int = 3600,
        token_mode: str = "good",
        not_ready_seconds: float = 0.0,
        not_ready_mode: str = "refuse",
        status_override: int | None = None,
        verbose: bool = False,
    ) -> None:
        if token_mode not in TOKEN_MODES:
            raise ValueError(f"token_mode must be one of {TOKEN_MODES}")
        if not_ready_mode not in ("refuse", "503"):
            raise ValueError("not_ready_mode must be 'refuse' or '503'")
        self.key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = kid
        self.service_accounts = service_accounts
        self.email = email
        self.subject = subject
        self.token_lifetime = token_lifetime
        self.token_mode = token_mode
        self.not_ready_seconds = not_ready_seconds
        self.not_ready_mode = not_ready_mode
        self.status_override = status_override
        self.verbose = verbose
        # Bound, but nothing is accepted until start() (or later: not_ready_mode "refuse").
        super().__init__(host, port, _Handler, listen=False)
        self._requests: list[MetadataRequest] = []
        self._tokens: list[str] = []
        self._started_at = 0.0
        self._listener: threading.Timer | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    @property
    def authority(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> "FakeMetadata":
        self._started_at = time.monotonic()
        if self.not_ready_mode == "refuse" and self.not_ready_seconds > 0:
            # Bound but not listening: connects get RST (connection refused) until then.
            self._listener = threading.Timer(self.not_ready_seconds, self._serve)
            self._listener.daemon = True
            self._listener.start()
        else:
            self._serve()
        return self

    def stop(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
        super().stop()

    # --- what tests read ------------------------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(self.key, self.kid)]}

    @property
    def requests(self) -> list[MetadataRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def identity_requests(self) -> list[MetadataRequest]:
        return [r for r in self.requests if r.path.startswith(IDENTITY_PREFIX) and r.path.endswith("/identity")]

    @property
    def tokens(self) -> list[str]:
        """Every ID token handed out, in order."""
        with self._lock:
            return list(self._tokens)

    def _record(self, request: MetadataRequest) -> None:
        with self._lock:
            self._requests.append(request)

    # --- behaviour ------------------------------------------------------------------------------

    def make_token(self, audience: str, full: bool = True) -> str:
        now = int(time.time())
        expired = self.token_mode == "expired"
        claims: dict[str, Any] = {
            "iss": GOOGLE_ISSUER,
            "aud": "https://wrong-audience.example" if self.token_mode == "wrong-aud" else audience,
            "azp": self.subject,
            "sub": self.subject,
            "email": self.email,
            "email_verified": True,
            "iat": now - 7200 if expired else now,
            "exp": now - 3600 if expired else now + self.token_lifetime,
            # Not a Google claim: makes every token a unique string tests can search logs for.
            "jti": str(uuid.uuid4()),
        }
        if full:
            claims["google"] = {
                "compute_engine": {
                    "instance_creation_timestamp": now - 86400,
                    "instance_id": "4242424242424242424",
                    "instance_name": "skyferry-test-vm",
                    "project_id": "fake-project",
                    "project_number": 123456789012,
                    "zone": "europe-west1-b",
                }
            }
        key = self.key
        if self.token_mode == "wrong-key":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": self.kid})
        if self.token_mode == "tampered":
            header, _, signature = token.split(".")
            claims["sub"] = "999999999999999999999"  # a different identity, same signature
            token = f"{header}.{_b64url(json.dumps(claims).encode())}.{signature}"
        return token

    def _answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        if "x-forwarded-for" in headers:
            return 403, "Forbidden: requests with X-Forwarded-For are not accepted by the metadata server.\n"
        if headers.get("metadata-flavor") != "Google":
            return 403, "Forbidden: missing required header Metadata-Flavor: Google.\n"
        if self.not_ready_mode == "503" and time.monotonic() - self._started_at < self.not_ready_seconds:
            return 503, "Service Unavailable: the metadata server is starting.\n"
        if path == "/":
            return 200, "computeMetadata/\n"
        if not (path.startswith(IDENTITY_PREFIX) and path.endswith("/identity")):
            return 404, "Not Found\n"
        if self.status_override is not None:
            return self.status_override, f"fake metadata server status {self.status_override}\n"
        account = urllib.parse.unquote(path[len(IDENTITY_PREFIX) : -len("/identity")])
        if account not in self.service_accounts:
            return 404, "Not Found\n"
        audience = query.get("audience", "")
        if not audience:
            return 400, "non-empty audience parameter required\n"
        token = self.make_token(audience, full=query.get("format") == "full")
        with self._lock:
            self._tokens.append(token)
        return 200, token


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token-lifetime", type=int, default=3600)
    parser.add_argument("--token-mode", choices=TOKEN_MODES, default="good")
    parser.add_argument("--not-ready-seconds", type=float, default=0.0)
    parser.add_argument("--not-ready-mode", choices=("refuse", "503"), default="refuse")
    parser.add_argument("--jwks-file", help="also write the JWKS to this file")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    fake = FakeMetadata(
        args.host,
        args.port,
        token_lifetime=args.token_lifetime,
        token_mode=args.token_mode,
        not_ready_seconds=args.not_ready_seconds,
        not_ready_mode=args.not_ready_mode,
        verbose=args.verbose,
    )
    if args.jwks_file:
        with open(args.jwks_file, "w") as f:
            json.dump(fake.jwks(), f)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    fake.start()
    print(f"fake metadata server on {fake.url}", flush=True)
    stop.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
