"""A fake OpenID Connect issuer on loopback (HTTPS by default), for tests only: the issuer a verifying
fake Entra ID (fake_entra.py) discovers, as Entra does, before it trusts an assertion.

It serves, under its issuer URL (``https://127.0.0.1:PORT`` plus an optional path)::

    GET {issuer}/.well-known/openid-configuration   -> {"issuer", "jwks_uri", …}
    GET {issuer}/.well-known/jwks.json              -> {"keys": [RSA public key, kid]}

and mints RS256 tokens with its key (``make_token``). Failure modes for the discovery tests:
``discovery_status`` / ``jwks_status`` answer that HTTP status instead, ``discovery_issuer`` puts
another ``issuer`` in the document, ``jwks_body`` serves that text as the JWKS.

In-process use (pytest)::

    with FakeOIDCIssuer(path="/id/cluster-1") as issuer:
        token = issuer.make_token("system:serviceaccount:shop:api")          # aud api://AzureADTokenExchange
        entra.add_federated_credential(CLIENT_ID, FederatedCredential(issuer.issuer, "system:serviceaccount:shop:api"))
        assert issuer.discovery_requests                                   # after the exchange

Stand-alone use (shell; needs cryptography and PyJWT, i.e. the project's .venv)::

    .venv/bin/python Tests/e2e/fakes/fake_oidc.py --port 5020 --path /id/c1 --ca-out /tmp/ca.pem --token sub-1
    curl --cacert /tmp/ca.pem https://127.0.0.1:5020/id/c1/.well-known/openid-configuration

Only loopback addresses may be bound.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
import signal
import sys
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

if __package__:
    from .loopback import LoopbackFake
    from .loopback_tls import LoopbackCA, default_ca
else:  # run as a script
    from loopback import LoopbackFake
    from loopback_tls import LoopbackCA, default_ca

TOKEN_EXCHANGE_AUDIENCE = "api://AzureADTokenExchange"


def b64url_uint(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


def rsa_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, str]:
    """The public JWK of an RSA key, as issuers publish it."""
    numbers = key.public_key().public_numbers()
    return {"kty": "RSA", "use": "sig", "alg": "RS256", "kid": kid, "n": b64url_uint(numbers.n),
            "e": b64url_uint(numbers.e)}


@dataclasses.dataclass
class IssuerRequest:
    path: str
    headers: dict[str, str]
    time: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeOIDCIssuer/1.0"
    timeout = 30

    @property
    def fake(self) -> "FakeOIDCIssuer":
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.fake.verbose:
            sys.stderr.write("fake_oidc: " + (format % args) + "\n")

    def _send(self, status: int, body: str, content_type: str = "application/json") -> None:
        data = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        path = urllib.parse.urlsplit(self.path).path
        self.fake._record(IssuerRequest(path, {k.lower(): v for k, v in self.headers.items()}, time.time()))
        status, body = self.fake._answer(path)
        self._send(status, body)


class FakeOIDCIssuer(LoopbackFake):
    """An OIDC issuer on 127.0.0.1; ``port=0`` picks a free port; ``tls=False`` serves plain HTTP."""

    description = "fake OIDC issuer"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        path: str = "",
        tls: bool = True,
        ca: LoopbackCA | None = None,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = "skyferry-fake-issuer-key",
        discovery_status: int | None = None,
        jwks_status: int | None = None,
        discovery_issuer: str | None = None,
        jwks_body: str | None = None,
        verbose: bool = False,
    ) -> None:
        if path and (not path.startswith("/") or path.endswith("/")):
            raise ValueError("path must start with / and not end with one (e.g. /id/cluster-1)")
        self.ca = (ca or default_ca()) if tls else None
        super().__init__(host, port, _Handler, tls_context=self.ca.server_context() if self.ca else None)
        self.path = path
        self.key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = kid
        self.discovery_status = discovery_status
        self.jwks_status = jwks_status
        self.discovery_issuer = discovery_issuer
        self.jwks_body = jwks_body
        self.verbose = verbose
        self._requests: list[IssuerRequest] = []

    @property
    def issuer(self) -> str:
        """The ``iss`` of this issuer's tokens (no trailing slash)."""
        return self.url + self.path

    @property
    def discovery_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    @property
    def jwks_url(self) -> str:
        return self.issuer + "/.well-known/jwks.json"

    def jwks(self) -> dict[str, Any]:
        return {"keys": [rsa_jwk(self.key, self.kid)]}

    def discovery_document(self) -> dict[str, Any]:
        return {
            "issuer": self.discovery_issuer if self.discovery_issuer is not None else self.issuer,
            "jwks_uri": self.jwks_url,
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
        }

    def make_token(self, subject: str, audience: str | list[str] = TOKEN_EXCHANGE_AUDIENCE, lifetime: int = 3600, *,
                   issued_at: float | None = None, key: rsa.RSAPrivateKey | None = None, kid: str | None = None,
                   **claims: Any) -> str:
        """An RS256 JWT from this issuer: iss, sub, aud, iat = nbf, exp = iat + lifetime, a fresh jti;
        ``claims`` override or add (``nbf=None`` drops a claim). ``key`` signs with another key."""
        now = int(time.time() if issued_at is None else issued_at)
        payload: dict[str, Any] = {"iss": self.issuer, "sub": subject, "aud": audience, "iat": now, "nbf": now,
                                   "exp": now + lifetime, "jti": str(uuid.uuid4())}
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

    @property
    def requests(self) -> list[IssuerRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def discovery_requests(self) -> list[IssuerRequest]:
        return [r for r in self.requests if r.path.endswith("/.well-known/openid-configuration")]

    @property
    def jwks_requests(self) -> list[IssuerRequest]:
        return [r for r in self.requests if r.path.endswith("/.well-known/jwks.json")]

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()

    def _record(self, request: IssuerRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _answer(self, path: str) -> tuple[int, str]:
        if path == self.path + "/.well-known/openid-configuration":
            if self.discovery_status is not None:
                return self.discovery_status, json.dumps({"error": f"fake issuer status {self.discovery_status}"})
            return 200, json.dumps(self.discovery_document())
        if path == self.path + "/.well-known/jwks.json":
            if self.jwks_status is not None:
                return self.jwks_status, json.dumps({"error": f"fake issuer status {self.jwks_status}"})
            return 200, self.jwks_body if self.jwks_body is not None else json.dumps(self.jwks())
        return 404, json.dumps({"error": "not found"})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one, printed)")
    parser.add_argument("--path", default="", help="issuer path after host:port, e.g. /id/cluster-1")
    parser.add_argument("--http", action="store_true", help="serve plain HTTP instead of HTTPS")
    parser.add_argument("--ca-out", help="write the test CA's PEM here (HTTPS)")
    parser.add_argument("--token", action="append", default=[], metavar="SUBJECT",
                        help="print a token for SUBJECT (audience api://AzureADTokenExchange), repeatable")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)

    fake = FakeOIDCIssuer(args.host, args.port, path=args.path, tls=not args.http, verbose=args.verbose)
    if args.ca_out and fake.ca is not None:
        Path(args.ca_out).write_bytes(fake.ca.pem)
    for subject in args.token:
        print(fake.make_token(subject), flush=True)

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    print(f"fake OIDC issuer {fake.issuer}", flush=True)
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake._stopping.set()
        fake._server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
