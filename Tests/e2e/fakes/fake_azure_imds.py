"""A fake Azure IMDS and App Service identity endpoint that hand out RS256 Entra tokens, for tests only.

It serves what the `azureManagedIdentity` source (and Azure's own SDKs) ask for::

    GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=<app id uri>[&client_id=|&object_id=|&msi_res_id=]
    Metadata: true

    GET /msi/token?api-version=2019-08-01&resource=<app id uri>[&client_id=|&object_id=|&mi_res_id=]
    X-IDENTITY-HEADER: <secret>                       (App Service / Container Apps: IDENTITY_ENDPOINT/HEADER)

and is as strict as the real ones where it matters:

- IMDS without ``Metadata: true`` → 400 ``bad_request_102`` ("Required metadata header not specified");
  a request carrying ``X-Forwarded-For`` → 400 as well (IMDS refuses proxied requests);
- the App Service endpoint without the right ``X-IDENTITY-HEADER`` → 401;
- a missing ``api-version`` or ``resource`` → 400 ``invalid_request``;
- identities: a table of managed identities (principal id, client id, ARM resource id). With none, every
  request is 400 "Identity not found"; with one, it answers without a selector; with several and no
  selector, 400 "Multiple user assigned identities exist, please specify the clientId / resourceId of the
  identity in the token request"; a selector naming no attached identity → 400 "Identity not found";
- an unknown resource (not in ``resources``) → 400 ``invalid_resource`` with AADSTS500011;
- tokens are v1 Entra access tokens signed RS256 by a test key (``kid`` in the header):
  ``iss`` ``https://sts.windows.net/TENANT/``, ``aud`` = the resource, ``sub`` = ``oid`` = the
  identity's principal id, ``appid`` = its client id, ``appidacr`` ``2``, ``tid``, ``ver`` ``1.0``;
  the body's numbers are strings, as IMDS sends them;
- it can be "not ready" for the first N seconds after start, refusing connections or answering 503;
- every request is recorded, and every token handed out is kept (tests search logs for them).

The public key is served as a JWKS (``fake.jwks()``, ``GET /_fake/jwks``, and as Entra publishes it,
``GET /TENANT/discovery/keys`` with ``/TENANT/.well-known/openid-configuration``), so the verifying fake
STS and fake GCP can check the signatures.

In-process use (pytest)::

    with FakeAzureIMDS(identities=[Identity()], resources={"api://skyferry-aws"}) as imds:
        ... point source.azureManagedIdentity.endpoint at imds.url ...
        assert imds.token_requests and imds.tokens

Stand-alone use (shell; the project's .venv)::

    .venv/bin/python Tests/e2e/fakes/fake_azure_imds.py --port 5011 --resource api://skyferry-aws
    curl -s -H 'Metadata: true' \\
      'http://127.0.0.1:5011/metadata/identity/oauth2/token?api-version=2018-02-01&resource=api://skyferry-aws'

Only loopback addresses may be bound.
"""

from __future__ import annotations

import argparse
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
    from .fake_metadata import public_jwk
    from .loopback import LoopbackFake
else:  # run as a script
    from fake_metadata import public_jwk
    from loopback import LoopbackFake

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
IMDS_TOKEN_PATH = "/metadata/identity/oauth2/token"
APP_SERVICE_PATH = "/msi/token"
DEFAULT_RESOURCE = "api://skyferry-aws"
MULTIPLE_IDENTITIES = (
    "Multiple user assigned identities exist, please specify the clientId / resourceId of the identity in the "
    "token request"
)


def issuer(tenant: str = TENANT) -> str:
    return f"https://sts.windows.net/{tenant}/"


@dataclasses.dataclass(frozen=True)
class Identity:
    """One managed identity attached to the fake VM."""

    principal_id: str = "6f2d1a3c-5b4e-4f00-9a8b-7c6d5e4f3a2b"  # object id: the token's sub and oid
    client_id: str = "0f0e0d0c-0b0a-0908-0706-050403020100"
    resource_id: str = (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/skyferry"
    )


@dataclasses.dataclass
class IMDSRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    status: int
    time: float


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 30

    @property
    def fake(self) -> "FakeAzureIMDS":
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.fake.verbose:
            sys.stderr.write("fake_azure_imds: " + (format % args) + "\n")

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        parsed = urllib.parse.urlsplit(self.path)
        query = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        if parsed.path == "/_fake/jwks" or parsed.path.endswith("/discovery/keys"):
            self._send(200, self.fake.jwks())
            return
        if parsed.path.endswith("/.well-known/openid-configuration"):
            self._send(200, self.fake.discovery())
            return
        status, body = self.fake._answer(parsed.path, query, headers)
        self.fake._record(IMDSRequest("GET", parsed.path, query, headers, status, time.time()))
        self._send(status, body)

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in urllib.parse.parse_qs(self.rfile.read(length).decode(), keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, body = self.fake._entra(parsed.path, form)
        self.fake._record(IMDSRequest("POST", parsed.path, form, headers, status, time.time()))
        self._send(status, body)


class FakeAzureIMDS(LoopbackFake):
    """The fake on 127.0.0.1 (``port=0``: a free port).

    identities: the managed identities attached (none: "Identity not found");
    resources: the application ID URIs that exist in the tenant (others: AADSTS500011);
    identity_header: the App Service secret (``X-IDENTITY-HEADER``) its ``/msi/token`` path requires;
    not_ready_seconds / not_ready_mode: ``"refuse"`` (connections refused) or ``"503"``.
    """

    description = "fake Azure IMDS"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = "skyferry-fake-entra-key",
        tenant: str = TENANT,
        identities: list[Identity] | None = None,
        resources: set[str] | None = None,
        identity_header: str = "fake-identity-header-" + uuid.uuid4().hex,
        token_lifetime: int = 86400,
        not_ready_seconds: float = 0.0,
        not_ready_mode: str = "refuse",
        federated_jwks: dict[str, Any] | None = None,
        verbose: bool = False,
    ) -> None:
        if not_ready_mode not in ("refuse", "503"):
            raise ValueError("not_ready_mode must be 'refuse' or '503'")
        self.key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = kid
        self.tenant = tenant
        self.identities = list(identities) if identities is not None else [Identity()]
        self.resources = set(resources) if resources is not None else {DEFAULT_RESOURCE}
        self.identity_header = identity_header
        self.token_lifetime = token_lifetime
        self.not_ready_seconds = not_ready_seconds
        self.not_ready_mode = not_ready_mode
        self.verbose = verbose
        # The Kubernetes issuer's keys, for the Entra token endpoint's federated assertions (AKS workload identity).
        self.federated_keys = {k.get("kid", ""): jwt.PyJWK(k).key for k in (federated_jwks or {}).get("keys", [])}
        super().__init__(host, port, _Handler, listen=False)
        self._requests: list[IMDSRequest] = []
        self._tokens: list[str] = []
        self._started_at = 0.0
        self._listener: threading.Timer | None = None

    # --- lifecycle ------------------------------------------------------------------------------

    def start(self) -> "FakeAzureIMDS":
        self._started_at = time.monotonic()
        if self.not_ready_mode == "refuse" and self.not_ready_seconds > 0:
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

    @property
    def issuer(self) -> str:
        return issuer(self.tenant)

    @property
    def app_service_url(self) -> str:
        """What IDENTITY_ENDPOINT holds on App Service."""
        return self.url + APP_SERVICE_PATH

    @property
    def imds_token_url(self) -> str:
        return self.url + IMDS_TOKEN_PATH

    def jwks(self) -> dict[str, Any]:
        return {"keys": [public_jwk(self.key, self.kid)]}

    def discovery(self) -> dict[str, Any]:
        return {"issuer": self.issuer, "jwks_uri": f"{self.url}/{self.tenant}/discovery/keys",
                "id_token_signing_alg_values_supported": ["RS256"]}

    @property
    def requests(self) -> list[IMDSRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def token_requests(self) -> list[IMDSRequest]:
        return [r for r in self.requests if r.path in (IMDS_TOKEN_PATH, APP_SERVICE_PATH)]

    @property
    def tokens(self) -> list[str]:
        with self._lock:
            return list(self._tokens)

    def _record(self, request: IMDSRequest) -> None:
        with self._lock:
            self._requests.append(request)

    # --- behaviour ------------------------------------------------------------------------------

    def make_token(self, resource: str, identity: Identity) -> str:
        now = int(time.time())
        claims = {
            "aud": resource,
            "iss": self.issuer,
            "iat": now,
            "nbf": now,
            "exp": now + self.token_lifetime,
            "aio": "fake",
            "appid": identity.client_id,
            "appidacr": "2",
            "idp": self.issuer,
            "oid": identity.principal_id,
            "rh": "fake",
            "sub": identity.principal_id,
            "tid": self.tenant,
            "uti": uuid.uuid4().hex,  # makes every token a unique string tests can search logs for
            "ver": "1.0",
            "xms_mirid": identity.resource_id,
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid, "typ": "JWT"})

    def _select(self, query: dict[str, str], resource_key: str) -> tuple[Identity | None, str]:
        selectors = [("client_id", "client_id"), ("object_id", "principal_id"), ("principal_id", "principal_id"),
                     (resource_key, "resource_id")]
        for name, field in selectors:
            if query.get(name):
                wanted = query[name].lower()
                found = [i for i in self.identities if getattr(i, field).lower() == wanted]
                return (found[0], "") if found else (None, "Identity not found")
        if not self.identities:
            return None, "Identity not found"
        if len(self.identities) > 1:
            return None, MULTIPLE_IDENTITIES
        return self.identities[0], ""

    def _answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> tuple[int, Any]:
        if path == IMDS_TOKEN_PATH:
            if headers.get("metadata", "").lower() != "true" or "x-forwarded-for" in headers:
                return 400, {"error": "bad_request_102", "error_description": "Required metadata header not specified"}
            api_version, resource_key = "2018-02-01", "msi_res_id"
        elif path == APP_SERVICE_PATH:
            if headers.get("x-identity-header") != self.identity_header:
                return 401, {"error": "unauthorized", "error_description": "X-IDENTITY-HEADER is missing or wrong"}
            api_version, resource_key = "2019-08-01", "mi_res_id"
        else:
            return 404, {"error": "not_found", "error_description": "no such path"}
        if self.not_ready_mode == "503" and time.monotonic() - self._started_at < self.not_ready_seconds:
            return 503, {"error": "unavailable", "error_description": "IMDS is starting"}
        if query.get("api-version") != api_version:
            return 400, {"error": "invalid_request", "error_description": "Invalid or missing api-version"}
        resource = query.get("resource", "")
        if not resource:
            return 400, {"error": "invalid_request", "error_description": "Required query variable 'resource' is missing"}
        identity, problem = self._select(query, resource_key)
        if identity is None:
            return 400, {"error": "invalid_request", "error_description": problem}
        if resource not in self.resources:
            return 400, {
                "error": "invalid_resource",
                "error_description": f"AADSTS500011: The resource principal named {resource} was not found in the "
                f"tenant named {self.tenant}. This can happen if the application has not been installed by the "
                "administrator of the tenant.",
                "error_codes": [500011],
            }
        token = self.make_token(resource, identity)
        with self._lock:
            self._tokens.append(token)
        now = int(time.time())
        body = {"access_token": token, "expires_on": str(now + self.token_lifetime), "resource": resource,
                "token_type": "Bearer"}
        if path == IMDS_TOKEN_PATH:
            body.update(refresh_token="", expires_in=str(self.token_lifetime), not_before=str(now))
        else:
            body["client_id"] = identity.client_id
        return 200, body


    def _entra(self, path: str, form: dict[str, str]) -> tuple[int, Any]:
        """``POST /TENANT/oauth2/v2.0/token``: the client-credentials grant with a federated assertion, as AKS
        workload identity makes it; the token is the one IMDS would hand the same identity."""
        def error(code: str, message: str) -> tuple[int, Any]:
            return 400, {"error": code, "error_description": message}

        if path != f"/{self.tenant}/oauth2/v2.0/token":
            return 404, {"error": "not_found", "error_description": "no such path"}
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != \
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
            return error("invalid_request", "AADSTS900144: grant_type or client_assertion_type is wrong")
        found = [i for i in self.identities if i.client_id == form.get("client_id")]
        if not found:
            return error("unauthorized_client", "AADSTS700016: Application not found in the directory")
        try:
            header = jwt.get_unverified_header(form.get("client_assertion", ""))
            jwt.decode(form["client_assertion"], self.federated_keys[header.get("kid", "")], algorithms=["RS256"],
                       audience="api://AzureADTokenExchange")
        except (KeyError, jwt.PyJWTError) as problem:
            return error("invalid_client", f"AADSTS700211: assertion rejected: {problem}")
        scope = form.get("scope", "")
        resource = scope[: -len("/.default")] if scope.endswith("/.default") else ""
        if resource not in self.resources:
            return error("invalid_resource", f"AADSTS500011: The resource principal named {resource} was not found")
        token = self.make_token(resource, found[0])
        with self._lock:
            self._tokens.append(token)
        return 200, {"token_type": "Bearer", "expires_in": self.token_lifetime, "access_token": token}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--resource", action="append", help="an application ID URI that exists (repeatable)")
    parser.add_argument("--identities", type=int, default=1, help="how many identities are attached")
    parser.add_argument("--not-ready-seconds", type=float, default=0.0)
    parser.add_argument("--not-ready-mode", choices=("refuse", "503"), default="refuse")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    identities = [Identity(principal_id=str(uuid.uuid4()), client_id=str(uuid.uuid4())) for _ in range(args.identities)]
    fake = FakeAzureIMDS(args.host, args.port, identities=identities,
                         resources=set(args.resource or [DEFAULT_RESOURCE]),
                         not_ready_seconds=args.not_ready_seconds, not_ready_mode=args.not_ready_mode,
                         verbose=args.verbose)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    fake.start()
    print(f"fake Azure IMDS on {fake.url} (IDENTITY_HEADER {fake.identity_header})", flush=True)
    stop.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
