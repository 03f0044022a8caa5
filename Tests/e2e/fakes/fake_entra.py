"""A verifying fake of Microsoft Entra ID's token endpoint (workload identity federation) and of the
two ARM calls the Azure CLI makes at login, on loopback HTTPS with a throwaway test CA. Tests only.

Routes (``{tenant}``: a tenant id or one of its domain names)::

    POST /{tenant}/oauth2/v2.0/token                        client-credentials grant with a federated assertion
    GET  /{tenant}/v2.0/.well-known/openid-configuration    tenant discovery (MSAL: az login --federated-token)
    GET  /{tenant}/discovery/v2.0/keys                      the keys of the access tokens this fake signs
    GET  /subscriptions?api-version=…                       fake ARM: {"value": [...]} (bearer checked)
    GET  /tenants?api-version=…                             fake ARM: the tenants this fake knows

What the token endpoint checks, in this order, answering Entra's error JSON (``error``,
``error_description`` = "AADSTSnnn: text\\r\\nTrace ID: …\\r\\nCorrelation ID: …\\r\\nTimestamp: …",
``error_codes``, ``timestamp``, ``trace_id``, ``correlation_id``, ``error_uri``;
shared/reference/azure.md §1.3) when a check fails:

1. the tenant is known, else 90002;
2. the form, exactly: ``application/x-www-form-urlencoded``; each field once (else 9002313); only
   ``grant_type``, ``client_id``, ``scope``, ``client_assertion_type``, ``client_assertion`` and
   the optional ``claims`` (a JSON object; azure-identity's CAE) and ``client_info`` (MSAL sends
   ``client_info=1``) — anything else is refused unless listed in
   ``extra_form_fields`` (9002313); ``grant_type=client_credentials`` (missing: 900144, other:
   70003); ``client_id`` (900144); ``scope`` exactly one ``{resource}/.default`` (missing: 900144,
   otherwise 70011; a resource outside ``resources``, when given: 500011);
   ``client_assertion`` (missing: 7000218); ``client_assertion_type`` the jwt-bearer URN (9002313);
3. the client id is registered (700016) and has federated credentials (70025);
4. the assertion is a JWT (50027) whose ``iss`` is not an Entra issuer (login.microsoftonline.com,
   sts.windows.net, …: 700222);
5. a federated credential of the client matches ``iss``, ``sub`` and ``aud`` exactly
   (case-sensitive): no credential with that issuer → 700211, issuer but not subject → 700213,
   issuer and subject but not audience → 700212; with ``legacy_mismatch_errors=True`` all three
   are the older generic 70021 ("Assertion Issuer: '…'. Assertion Subject: '…'. Assertion
   Audience: '…'.");
6. propagation: a credential added with ``propagation_requests=N`` answers 70021 to the first N
   requests that match it, then works (Entra's "a few seconds" after creation);
7. the issuer's keys, fetched as Entra does: ``GET {iss}/.well-known/openid-configuration`` (its
   ``issuer`` must be ``iss``), then its ``jwks_uri`` — loopback URLs only; any failure (refused,
   non-200, not JSON, no ``jwks_uri``, a non-loopback host) → 90061 (or ``discovery_error_code=50166``),
   a JWKS without usable RSA keys → 900612. ``trust_issuer_keys(iss, jwks)`` skips the fetch for
   an issuer (e.g. the make_jwt tokens of conftest.py or Google's accounts.google.com);
8. RS256 with the key named by ``kid`` (700027 "[Reason - The key was not found.]" or "[Reason -
   The provided signature value did not match the expected signature value.]"; another ``alg``:
   700027 too);
9. the time window, with ``clock_skew_seconds`` of leeway: ``exp`` required (50027 without),
   now ≤ exp and now ≥ nbf → else 700024 "Client assertion is not within its valid time range.
   Current time: …, assertion valid from …, expiry time of assertion …".

Success: 200 ``{"token_type":"Bearer","expires_in":N,"ext_expires_in":N,"access_token":JWT}``;
the JWT (RS256, this fake's key, ``jwks()``) carries ``aud`` = the resource, ``iss``
``https://sts.windows.net/{tid}/``, ``tid``, ``oid`` = ``sub`` (the client's object id),
``appid`` = the client id, ``appidacr`` "2", ``idtyp`` "app", ``ver`` "1.0", iat/nbf/exp and a unique
``uti``. ``token_lifetime`` (default 3600 s; tests of rotation use 5-10 s) sets ``expires_in``.
Texts follow real responses seen in public issues (700211/700212/700213, 700024, 700027, 90002 …);
Microsoft documents the codes but not all texts (azure.md §1.3); 9002313 stands in for whatever Entra
answers to a malformed form. Status: 401 for ``invalid_client`` errors, 400 otherwise.

In-process use (pytest)::

    with FakeOIDCIssuer() as issuer, FakeEntra(token_lifetime=10) as entra:
        entra.add_federated_credential(CLIENT_ID, FederatedCredential(issuer.issuer, "sub-1"))
        token_file.write_text(issuer.make_token("sub-1"))
        env = {"AZURE_AUTHORITY_HOST": entra.url, "AZURE_TENANT_ID": entra.tenant_id,
               "AZURE_CLIENT_ID": CLIENT_ID, "AZURE_FEDERATED_TOKEN_FILE": str(token_file),
               "REQUESTS_CA_BUNDLE": str(entra.ca_path)}
        entra.script(entra_error(700024), verify())            # first exchange refused, then normal
        ... run the client ...
        assert entra.token_requests[0].form["scope"] == "https://vault.azure.net/.default"
        assert entra.rejections[0].code == 700024 and entra.issued[-1].resource == "https://vault.azure.net"
        claims = entra.verify_access_token(entra.issued[-1].access_token, "https://vault.azure.net")

Stand-alone use (shell; needs cryptography and PyJWT, i.e. the project's .venv)::

    .venv/bin/python Tests/e2e/fakes/fake_entra.py --port 5030 --ca-out /tmp/ca.pem \\
        --federated-credential CLIENT_ID,https://issuer,system:serviceaccount:ns:sa --token-lifetime 10
    curl --cacert /tmp/ca.pem -s https://127.0.0.1:5030/_fake/requests      # what was received
    curl --cacert /tmp/ca.pem -s https://127.0.0.1:5030/_fake/issued        # tokens handed out
    curl --cacert /tmp/ca.pem -s -X POST https://127.0.0.1:5030/_fake/script -d '[{"kind":"error","code":700024}]'
    curl --cacert /tmp/ca.pem -s -X POST https://127.0.0.1:5030/_fake/federated-credentials \\
        -d '{"client_id":"…","issuer":"…","subject":"…","propagation_requests":2}'   # audience: the default
    curl --cacert /tmp/ca.pem -s -X POST https://127.0.0.1:5030/_fake/reset

Replies are scripted as in fake_sts.py: in order, the last one repeating; the default script is
``[verify()]`` (check, then issue). A scripted error, status or hang is served as is, unverified.
Only loopback addresses are bound and fetched from. Standard library + cryptography + PyJWT.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import ipaddress
import json
import signal
import ssl
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

if __package__:
    from .fake_oidc import TOKEN_EXCHANGE_AUDIENCE, rsa_jwk
    from .fake_sts import rs256_verify
    from .loopback import LoopbackFake
    from .loopback_tls import LoopbackCA, default_ca
else:  # run as a script
    from fake_oidc import TOKEN_EXCHANGE_AUDIENCE, rsa_jwk
    from fake_sts import rs256_verify
    from loopback import LoopbackFake
    from loopback_tls import LoopbackCA, default_ca

DEFAULT_TENANT = "5f1c7e2a-3b4d-4c8e-9a6f-0d2b1e4c7a90"
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
ARM_RESOURCE = "https://management.core.windows.net/"
# Hosts whose tokens Entra refuses as federated assertions (WIFC "Microsoft Entra issuers aren't supported").
ENTRA_ISSUER_HOSTS = ("login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net")
FORM_FIELDS = ("grant_type", "client_id", "scope", "client_assertion_type", "client_assertion", "claims",
               "client_info")
WIF_DOCS = "https://learn.microsoft.com/entra/workload-id/workload-identity-federation"

# code -> (HTTP status, OAuth error, default text). Texts with {placeholders} are filled per request.
KNOWN_ERRORS: dict[int, tuple[int, str, str]] = {
    90002: (400, "invalid_request",
            "Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into "
            "the correct cloud. Check with your subscription administrator, this may happen if there are no active "
            "subscriptions for the tenant."),
    9002313: (400, "invalid_request", "Invalid request. Request is malformed or invalid."),
    900144: (400, "invalid_request", "The request body must contain the following parameter: '{field}'."),
    70003: (400, "unsupported_grant_type", "The app requested an unsupported grant type '{grant_type}'."),
    70011: (400, "invalid_scope",
            "The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."),
    500011: (400, "invalid_resource",
             "The resource principal named {resource} was not found in the tenant named {tenant}. This can happen if "
             "the application has not been installed by the administrator of the tenant or consented to by any user "
             "in the tenant. You might have sent your authentication request to the wrong tenant."),
    7000218: (401, "invalid_client",
              "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
    700016: (400, "unauthorized_client",
             "Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if "
             "the application has not been installed by the administrator of the tenant or consented to by any user "
             "in the tenant. You may have sent your authentication request to the wrong tenant."),
    70025: (400, "invalid_client", "The client '{client_id}' has no configured federated identity credentials."),
    50027: (400, "invalid_request", "JWT token is invalid or malformed."),
    700222: (401, "invalid_client", "AAD-issued tokens may not be used for federated identity flows."),
    70021: (400, "invalid_request",
            "No matching federated identity record found for presented assertion. Assertion Issuer: '{iss}'. "
            "Assertion Subject: '{sub}'. Assertion Audience: '{aud}'. " + WIF_DOCS),
    700211: (401, "invalid_client",
             "No matching federated identity record found for presented assertion issuer '{iss}'. Please check your "
             "federated identity credential Subject, Audience and Issuer against the presented assertion. " + WIF_DOCS),
    700212: (401, "invalid_client",
             "No matching federated identity record found for presented assertion audience '{aud}'. Please check your "
             "federated identity credential Subject, Audience and Issuer against the presented assertion. " + WIF_DOCS),
    700213: (401, "invalid_client",
             "No matching federated identity record found for presented assertion subject '{sub}'. Check your "
             "federated identity credential Subject, Audience and Issuer against the presented assertion. " + WIF_DOCS),
    90061: (400, "invalid_request", "Request to External OIDC endpoint failed."),
    50166: (400, "invalid_request", "Request to External OIDC endpoint failed."),
    900612: (400, "invalid_request", "Failed to parse provider signing keys."),
    700027: (401, "invalid_client", "Client assertion contains an invalid signature. [Reason - {reason}]"),
    700024: (401, "invalid_client",
             "Client assertion is not within its valid time range. Current time: {now}, assertion valid from "
             "{valid_from}, expiry time of assertion {expiry}. Review the documentation at "
             "https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."),
    53003: (400, "invalid_grant", "Access has been blocked by Conditional Access policies. The access policy does "
                                  "not allow token issuance."),
}
KEY_NOT_FOUND = "The key was not found."
SIGNATURE_MISMATCH = "The provided signature value did not match the expected signature value."


# --- values tests use ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class FederatedCredential:
    """One federated identity credential: what an assertion's iss, sub and aud must equal exactly."""

    issuer: str
    subject: str
    audience: str = TOKEN_EXCHANGE_AUDIENCE
    name: str = "skyferry-test"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with ``verify()``, ``entra_error()``, ``http_status()``, ``hang()``."""

    kind: str  # verify | error | status | hang
    status: int = 200
    code: int = 0
    error: str = ""
    description: str = ""
    body: str = ""
    content_type: str = "application/json; charset=utf-8"
    seconds: float = 0.0
    lifetime: int | None = None  # verify: expires_in; default the fake's token_lifetime
    expires_in_as_string: bool = False  # verify: "3599" instead of 3599 (AADv1-like endpoints)
    omit: tuple[str, ...] = ()  # verify: response fields to leave out (e.g. "ext_expires_in")

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["omit"] = list(self.omit)
        return d

    @staticmethod
    def from_dict(d: dict[str, Any]) -> "Reply":
        d = dict(d)
        if d.get("kind") == "error":
            return entra_error(int(d["code"]), status=d.get("status"), error=d.get("error"),
                               description=d.get("description"))
        if "omit" in d:
            d["omit"] = tuple(d["omit"])
        fields = {f.name for f in dataclasses.fields(Reply)}
        return Reply(**{k: v for k, v in d.items() if k in fields})


def verify(lifetime: int | None = None, expires_in_as_string: bool = False, omit: tuple[str, ...] = ()) -> Reply:
    """Check the request as Entra does, then issue an access token (the default reply)."""
    return Reply("verify", lifetime=lifetime, expires_in_as_string=expires_in_as_string, omit=tuple(omit))


def entra_error(code: int, *, status: int | None = None, error: str | None = None,
                description: str | None = None) -> Reply:
    """Entra's error JSON for AADSTS ``code``, unverified; status, error and text from KNOWN_ERRORS unless given
    (placeholders left in a known text are filled with 'unknown')."""
    known_status, known_error, text = KNOWN_ERRORS.get(code, (400, "invalid_request", f"AADSTS{code} (fake Entra)."))
    return Reply("error", status=status if status is not None else known_status, code=code,
                 error=error if error is not None else known_error,
                 description=description if description is not None else text)


def http_status(status: int, body: str = "", content_type: str = "text/plain") -> Reply:
    """A bare HTTP status with an arbitrary body (e.g. a gateway's 503)."""
    return Reply("status", status=status, body=body, content_type=content_type)


def hang(seconds: float = 30.0) -> Reply:
    """Accept the request, then say nothing for ``seconds`` (released early when the fake stops); then verify."""
    return Reply("hang", seconds=seconds)


@dataclasses.dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: str
    form: dict[str, str]  # first value of each field (POST body, or the query of a GET)
    time: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class IssuedAccessToken:
    access_token: str
    client_id: str
    tenant_id: str
    object_id: str
    resource: str
    expires_on: int
    assertion_claims: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class EntraRejected(Exception):
    """Why the fake refused a request: the AADSTS code, the OAuth error, the text, the HTTP status."""

    def __init__(self, code: int, description: str | None = None, *, status: int | None = None,
                 error: str | None = None, **fields: Any) -> None:
        known_status, known_error, text = KNOWN_ERRORS.get(code, (400, "invalid_request", f"AADSTS{code}."))
        self.code = code
        self.status = status if status is not None else known_status
        self.error = error if error is not None else known_error
        self.description = description if description is not None else _fill(text, fields)
        super().__init__(f"AADSTS{code}: {self.description}")

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "status": self.status, "error": self.error, "description": self.description}


@dataclasses.dataclass
class DiscoveryFetch:
    """One fetch the fake made of an issuer's discovery document or JWKS."""

    url: str
    status: int | None  # None: no answer (refused, TLS failure, not loopback)
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class _Blank(dict):
    def __missing__(self, key: str) -> str:
        return "unknown"


def _fill(text: str, fields: dict[str, Any]) -> str:
    return text.format_map(_Blank({k: v for k, v in fields.items()}))


def entra_time(epoch: float) -> str:
    """Entra's 700024 timestamp: 2024-06-04T09:20:46.0000000Z (seven fractional digits)."""
    moment = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0Z"


def error_payload(code: int, error: str, description: str, correlation_id: str, now: float) -> dict[str, Any]:
    """The JSON Entra answers on a failed token request (azure.md §1.3)."""
    trace_id = str(uuid.uuid4())
    stamp = dt.datetime.fromtimestamp(now, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")
    return {
        "error": error,
        "error_description": f"AADSTS{code}: {description}\r\nTrace ID: {trace_id}\r\nCorrelation ID: "
                             f"{correlation_id}\r\nTimestamp: {stamp}",
        "error_codes": [code],
        "timestamp": stamp,
        "trace_id": trace_id,
        "correlation_id": correlation_id,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_entra_issuer(issuer: str) -> bool:
    host = (urllib.parse.urlsplit(issuer).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in ENTRA_ISSUER_HOSTS)


def rsa_keys(jwks: Any) -> dict[str, tuple[int, int]]:
    """{kid: (n, e)} of the RSA keys in a JWKS document; {} when there are none or it is malformed."""
    keys: dict[str, tuple[int, int]] = {}
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        return keys
    for jwk in jwks["keys"]:
        try:
            if jwk.get("kty") == "RSA":
                keys[str(jwk.get("kid", ""))] = (int.from_bytes(_b64url_decode(jwk["n"]), "big"),
                                                 int.from_bytes(_b64url_decode(jwk["e"]), "big"))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return keys


# --- HTTP ---------------------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeEntra/1.0"
    timeout = 60

    @property
    def fake(self) -> "FakeEntra":
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.fake.verbose:
            sys.stderr.write("fake_entra: " + (format % args) + "\n")

    def _send(self, status: int, body: str, content_type: str = "application/json; charset=utf-8",
              headers: dict[str, str] | None = None) -> None:
        data = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store, no-cache")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(payload), headers=headers)

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        if parsed.path.startswith("/_fake/"):
            self._control(method, parsed.path, body)
            return
        pairs = urllib.parse.parse_qsl(body if method == "POST" else parsed.query, keep_blank_values=True)
        request = RecordedRequest(method, parsed.path, parsed.query, {k.lower(): v for k, v in self.headers.items()},
                                  body, {k: v for k, v in reversed(pairs)}, time.time())
        self.fake._record(request)
        segments = [s for s in parsed.path.split("/") if s]
        if method == "POST" and len(segments) == 4 and segments[1:] == ["oauth2", "v2.0", "token"]:
            self._token(request, segments[0], pairs)
        elif method == "GET" and len(segments) == 4 and segments[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            self._tenant_discovery(request, segments[0])
        elif method == "GET" and len(segments) == 4 and segments[1:] == ["discovery", "v2.0", "keys"]:
            self._json(200, self.fake.jwks())
        elif method == "GET" and segments in (["subscriptions"], ["tenants"]):
            self._arm(request, segments[0])
        else:
            self._json(404, {"error": "not_found", "error_description": f"fake Entra has no route {method} "
                                                                        f"{parsed.path}"})

    def _correlation_id(self, request: RecordedRequest) -> str:
        return request.headers.get("client-request-id") or str(uuid.uuid4())

    def _refuse(self, request: RecordedRequest, rejection: EntraRejected) -> None:
        self.fake._reject(rejection)
        correlation = self._correlation_id(request)
        payload = error_payload(rejection.code, rejection.error, rejection.description, correlation,
                                self.fake.now())
        self._json(rejection.status, payload,
                   {"x-ms-request-id": payload["trace_id"], "client-request-id": correlation})

    def _token(self, request: RecordedRequest, tenant: str, pairs: list[tuple[str, str]]) -> None:
        reply = self.fake._next_reply()
        if self.fake.latency_seconds:
            self.fake._stopping.wait(self.fake.latency_seconds)
        if reply.kind == "hang":
            self.fake._stopping.wait(reply.seconds)
            if self.fake._stopping.is_set():
                self.close_connection = True
                return
            reply = verify()
        if reply.kind == "error":
            self._refuse(request, EntraRejected(reply.code, reply.description, status=reply.status, error=reply.error))
            return
        if reply.kind == "status":
            self._send(reply.status, reply.body, reply.content_type)
            return
        try:
            issued = self.fake._exchange(request, tenant, pairs, reply)
        except EntraRejected as rejection:
            self._refuse(request, rejection)
            return
        lifetime: Any = issued.expires_on - int(self.fake.now())
        payload: dict[str, Any] = {
            "token_type": "Bearer",
            "expires_in": str(lifetime) if reply.expires_in_as_string else lifetime,
            "ext_expires_in": str(lifetime) if reply.expires_in_as_string else lifetime,
            "access_token": issued.access_token,
        }
        for name in reply.omit:
            payload.pop(name, None)
        self._json(200, payload, {"client-request-id": self._correlation_id(request)})

    def _tenant_discovery(self, request: RecordedRequest, tenant: str) -> None:
        tenant_id = self.fake.tenant_of(tenant)
        if tenant_id is None:
            rejection = EntraRejected(90002, error="invalid_tenant", tenant=tenant)
            self._refuse(request, rejection)
            return
        base = self.fake.url
        self._json(200, {
            "token_endpoint": f"{base}/{tenant_id}/oauth2/v2.0/token",
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": f"{base}/{tenant_id}/discovery/v2.0/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": f"{base}/{tenant_id}/v2.0",
            "request_uri_parameter_supported": False,
            "authorization_endpoint": f"{base}/{tenant_id}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/{tenant_id}/oauth2/v2.0/devicecode",
            "end_session_endpoint": f"{base}/{tenant_id}/oauth2/v2.0/logout",
            "tenant_region_scope": None,
            "cloud_instance_name": "127.0.0.1",
        })

    def _arm(self, request: RecordedRequest, collection: str) -> None:
        auth = request.headers.get("authorization", "")
        if not auth:
            self._json(401, {"error": {"code": "AuthenticationFailed",
                                       "message": "Authentication failed. The 'Authorization' header is missing."}},
                       {"WWW-Authenticate": 'Bearer authorization_uri="' + self.fake.url + '", error="invalid_token"'})
            return
        scheme, _, token = auth.partition(" ")
        claims = None
        if scheme.lower() == "bearer":
            try:
                claims = self.fake.verify_access_token(token.strip(), audience=None)
            except jwt.InvalidTokenError:
                claims = None
        if claims is None or claims.get("aud") not in self.fake.arm_audiences:
            self._json(401, {"error": {"code": "InvalidAuthenticationToken",
                                       "message": "The access token is invalid."}},
                       {"WWW-Authenticate": 'Bearer authorization_uri="' + self.fake.url + '", error="invalid_token", '
                                            'error_description="The access token is invalid."'})
            return
        self.fake._record_arm(claims)
        if collection == "subscriptions":
            self._json(200, {"value": list(self.fake.subscriptions), "count": {"type": "Total",
                                                                               "value": len(self.fake.subscriptions)}})
        else:
            self._json(200, {"value": [{"id": f"/tenants/{t}", "tenantId": t, "tenantCategory": "Home",
                                        "displayName": "Skyferry test tenant", "domains": self.fake.domains_of(t)}
                                       for t in self.fake.tenant_ids]})

    def _control(self, method: str, path: str, body: str) -> None:
        fake = self.fake
        try:
            if method == "GET" and path == "/_fake/requests":
                payload: Any = [r.to_dict() for r in fake.requests]
            elif method == "GET" and path == "/_fake/issued":
                payload = [t.to_dict() for t in fake.issued]
            elif method == "GET" and path == "/_fake/rejections":
                payload = [r.to_dict() for r in fake.rejections]
            elif method == "GET" and path == "/_fake/jwks":
                payload = fake.jwks()
            elif method == "POST" and path == "/_fake/script":
                replies = [Reply.from_dict(d) for d in json.loads(body or "[]")]
                fake.script(*replies)
                payload = {"script": [r.to_dict() for r in replies]}
            elif method == "POST" and path == "/_fake/federated-credentials":
                d = json.loads(body)
                credential = FederatedCredential(d["issuer"], d["subject"], d.get("audience", TOKEN_EXCHANGE_AUDIENCE),
                                                 d.get("name", "skyferry-test"))
                fake.add_federated_credential(d["client_id"], credential,
                                              propagation_requests=int(d.get("propagation_requests", 0)))
                payload = {"client_id": d["client_id"], "credential": credential.to_dict()}
            elif method == "POST" and path == "/_fake/reset":
                fake.reset()
                payload = {"status": "ok"}
            else:
                self._json(404, {"error": f"no control endpoint {method} {path}"})
                return
        except (ValueError, KeyError, TypeError) as error:
            self._json(400, {"error": str(error)})
            return
        self._send(200, json.dumps(payload, indent=1))


# --- the fake -----------------------------------------------------------------------------------


class FakeEntra(LoopbackFake):
    """A fake Entra ID (and ARM) on 127.0.0.1; ``port=0`` picks a free port; ``tls=False`` serves plain HTTP.

    tenants: tenant ids (GUIDs) it knows, default ``[DEFAULT_TENANT]``; ``add_tenant(id, *domains)`` adds more.
    credentials: ``{client_id: [FederatedCredential, ...]}`` (``add_federated_credential`` adds more).
    token_lifetime: seconds of ``expires_in`` of issued tokens.
    issuer_ca_file: CA bundle for fetching HTTPS issuers' discovery (default: the test CA's file).
    """

    description = "fake Entra ID"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        tls: bool = True,
        ca: LoopbackCA | None = None,
        tenants: list[str] | None = None,
        credentials: dict[str, list[FederatedCredential]] | None = None,
        resources: set[str] | None = None,
        token_lifetime: int = 3600,
        clock_skew_seconds: int = 300,
        clock_offset_seconds: float = 0.0,
        legacy_mismatch_errors: bool = False,
        discovery_error_code: int = 90061,
        issuer_ca_file: str | Path | None = None,
        extra_form_fields: tuple[str, ...] = (),
        subscriptions: list[dict[str, Any]] | None = None,
        arm_audiences: tuple[str, ...] = (ARM_RESOURCE, "https://management.azure.com/",
                                          "https://management.azure.com"),
        latency_seconds: float = 0.0,
        key: rsa.RSAPrivateKey | None = None,
        verbose: bool = False,
    ) -> None:
        if discovery_error_code not in (90061, 50166):
            raise ValueError("discovery_error_code must be 90061 or 50166")
        self.ca = (ca or default_ca()) if tls else None
        super().__init__(host, port, _Handler, tls_context=self.ca.server_context() if self.ca else None)
        self.token_lifetime = token_lifetime
        self.resources = set(resources) if resources is not None else None
        self.clock_skew_seconds = clock_skew_seconds
        self.clock_offset_seconds = clock_offset_seconds
        self.legacy_mismatch_errors = legacy_mismatch_errors
        self.discovery_error_code = discovery_error_code
        self.issuer_ca_file = str(issuer_ca_file) if issuer_ca_file else str((ca or default_ca()).path)
        self.extra_form_fields = tuple(extra_form_fields)
        self.subscriptions = list(subscriptions or [])
        self.arm_audiences = tuple(arm_audiences)
        self.latency_seconds = latency_seconds
        self.verbose = verbose
        self.key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "skyferry-fake-entra-" + uuid.uuid4().hex[:8]
        self._tenants: dict[str, str] = {}  # id or domain (lower case) -> tenant id
        self._domains: dict[str, list[str]] = {}
        for tenant in tenants or [DEFAULT_TENANT]:
            self.add_tenant(tenant)
        self._clients: dict[str, list[FederatedCredential]] = {}
        self._object_ids: dict[str, str] = {}
        self._pending: dict[tuple[str, FederatedCredential], int] = {}
        self._trusted: dict[str, dict[str, tuple[int, int]]] = {}
        for client_id, fics in (credentials or {}).items():
            self.add_client(client_id)
            for fic in fics:
                self.add_federated_credential(client_id, fic)
        self._script: list[Reply] = [verify()]
        self._served = 0
        self._requests: list[RecordedRequest] = []
        self._issued: list[IssuedAccessToken] = []
        self._rejections: list[EntraRejected] = []
        self._fetches: list[DiscoveryFetch] = []
        self._arm_calls: list[dict[str, Any]] = []

    # --- configuration --------------------------------------------------------------------------

    @property
    def tenant_id(self) -> str:
        """The first tenant's id."""
        return next(iter(self._tenants.values()))

    @property
    def tenant_ids(self) -> list[str]:
        return list(dict.fromkeys(self._tenants.values()))

    @property
    def ca_path(self) -> Path | None:
        """The PEM of the CA that signed this fake's certificate (REQUESTS_CA_BUNDLE), None for plain HTTP."""
        return self.ca.path if self.ca else None

    @property
    def authority(self) -> str:
        """``{url}/{tenant_id}``: MSAL's authority, az's ``--tenant`` goes with ``url`` as the cloud's AD endpoint."""
        return f"{self.url}/{self.tenant_id}"

    @property
    def token_url(self) -> str:
        return f"{self.url}/{self.tenant_id}/oauth2/v2.0/token"

    def add_tenant(self, tenant_id: str, *domains: str) -> None:
        with self._lock:
            self._tenants[tenant_id.lower()] = tenant_id
            for domain in domains:
                self._tenants[domain.lower()] = tenant_id
            self._domains.setdefault(tenant_id, []).extend(domains)

    def tenant_of(self, name: str) -> str | None:
        with self._lock:
            return self._tenants.get(name.lower())

    def domains_of(self, tenant_id: str) -> list[str]:
        with self._lock:
            return list(self._domains.get(tenant_id, []))

    def add_client(self, client_id: str, object_id: str | None = None) -> str:
        """Register an app / user-assigned identity (no credentials yet); its object id (``oid``)."""
        with self._lock:
            self._clients.setdefault(client_id, [])
            oid = object_id or self._object_ids.get(client_id) or str(uuid.uuid5(uuid.NAMESPACE_URL, client_id))
            self._object_ids[client_id] = oid
            return oid

    def object_id(self, client_id: str) -> str:
        return self.add_client(client_id)

    def add_federated_credential(self, client_id: str, credential: FederatedCredential,
                                 propagation_requests: int = 0) -> None:
        """Add a credential to ``client_id`` (registered if new); the first ``propagation_requests`` exchanges
        that match it get 70021, as just after creation in Entra."""
        self.add_client(client_id)
        with self._lock:
            if credential not in self._clients[client_id]:
                self._clients[client_id].append(credential)
            if propagation_requests:
                self._pending[(client_id, credential)] = propagation_requests

    def remove_federated_credential(self, client_id: str, credential: FederatedCredential) -> None:
        with self._lock:
            self._clients.get(client_id, []).remove(credential)

    def federated_credentials(self, client_id: str) -> list[FederatedCredential]:
        with self._lock:
            return list(self._clients.get(client_id, []))

    def trust_issuer_keys(self, issuer: str, jwks: dict[str, Any]) -> None:
        """Use ``jwks`` for ``issuer`` instead of fetching its discovery document (a shortcut for issuers that
        are not served on loopback, such as conftest.make_jwt's or accounts.google.com)."""
        with self._lock:
            self._trusted[issuer] = rsa_keys(jwks)

    def script(self, *replies: Reply) -> None:
        """Answer the next token requests with ``replies`` in order; the last one then repeats."""
        if not replies:
            raise ValueError("script needs at least one reply")
        with self._lock:
            self._script = list(replies)
            self._served = 0

    def reset(self) -> None:
        """Forget requests, tokens and rejections, and verify again (credentials and tenants stay)."""
        with self._lock:
            self._script = [verify()]
            self._served = 0
            self._requests.clear()
            self._issued.clear()
            self._rejections.clear()
            self._fetches.clear()
            self._arm_calls.clear()

    def now(self) -> float:
        return time.time() + self.clock_offset_seconds

    # --- what tests read ------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def token_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/oauth2/v2.0/token")]

    @property
    def arm_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path in ("/subscriptions", "/tenants")]

    @property
    def issued(self) -> list[IssuedAccessToken]:
        with self._lock:
            return list(self._issued)

    @property
    def rejections(self) -> list[EntraRejected]:
        with self._lock:
            return list(self._rejections)

    @property
    def discovery_fetches(self) -> list[DiscoveryFetch]:
        with self._lock:
            return list(self._fetches)

    def jwks(self) -> dict[str, Any]:
        """The public key of the access tokens this fake signs."""
        return {"keys": [rsa_jwk(self.key, self.kid)]}

    def verify_access_token(self, token: str, audience: str | None) -> dict[str, Any]:
        """The claims of an access token this fake issued (signature, exp, and ``aud`` unless None), or
        jwt.InvalidTokenError."""
        options = {"verify_aud": audience is not None, "require": ["exp", "iat", "tid", "oid", "appid", "aud"]}
        return jwt.decode(token, self.key.public_key(), algorithms=["RS256"], audience=audience, options=options,
                          leeway=0)

    def issue_access_token(self, client_id: str, resource: str, lifetime: int | None = None,
                           tenant_id: str | None = None, assertion_claims: dict[str, Any] | None = None
                           ) -> IssuedAccessToken:
        """Mint and record a token without a request (e.g. for a stand-in managed-identity responder)."""
        tenant_id = tenant_id or self.tenant_id
        oid = self.add_client(client_id)
        now = int(self.now())
        lifetime = self.token_lifetime if lifetime is None else lifetime
        claims = {
            "aud": resource, "iss": f"https://sts.windows.net/{tenant_id}/", "iat": now, "nbf": now,
            "exp": now + lifetime, "aio": base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="),
            "appid": client_id, "appidacr": "2", "idp": f"https://sts.windows.net/{tenant_id}/", "idtyp": "app",
            "oid": oid, "rh": "0.fake.", "sub": oid, "tid": tenant_id,
            "uti": base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="), "ver": "1.0",
        }
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"typ": "JWT", "kid": self.kid,
                                                                          "x5t": self.kid})
        issued = IssuedAccessToken(token, client_id, tenant_id, oid, resource, now + lifetime,
                                   dict(assertion_claims or {}))
        with self._lock:
            self._issued.append(issued)
        return issued

    # --- internals ------------------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _record_arm(self, claims: dict[str, Any]) -> None:
        with self._lock:
            self._arm_calls.append(claims)

    def _reject(self, rejection: EntraRejected) -> None:
        with self._lock:
            self._rejections.append(rejection)

    def _next_reply(self) -> Reply:
        with self._lock:
            reply = self._script[min(self._served, len(self._script) - 1)]
            self._served += 1
            return reply

    def _exchange(self, request: RecordedRequest, tenant: str, pairs: list[tuple[str, str]],
                  reply: Reply) -> IssuedAccessToken:
        tenant_id = self.tenant_of(tenant)
        if tenant_id is None:
            raise EntraRejected(90002, tenant=tenant)
        form = self._check_form(request, pairs)
        resource = form["scope"][: -len("/.default")]
        if self.resources is not None and resource not in self.resources:
            raise EntraRejected(500011, resource=resource, tenant=tenant_id)
        client_id = form["client_id"]
        with self._lock:
            known = client_id in self._clients
            fics = list(self._clients.get(client_id, []))
        if not known:
            raise EntraRejected(700016, client_id=client_id, tenant=tenant_id)
        if not fics:
            raise EntraRejected(70025, client_id=client_id)
        header, claims, signing_input, signature = self._parse_assertion(form["client_assertion"])
        issuer = claims.get("iss")
        if not isinstance(issuer, str) or not issuer:
            raise EntraRejected(50027)
        if is_entra_issuer(issuer):
            raise EntraRejected(700222)
        credential = self._match(client_id, fics, claims)
        keys = self._issuer_keys(issuer)
        self._check_signature(header, signing_input, signature, keys)
        self._check_time(claims)
        lifetime = reply.lifetime if reply.lifetime is not None else self.token_lifetime
        issued = self.issue_access_token(client_id, resource, lifetime, tenant_id, claims)
        if self.verbose:
            sys.stderr.write(f"fake_entra: issued a token for {client_id} via {credential.name} ({resource})\n")
        return issued

    def _check_form(self, request: RecordedRequest, pairs: list[tuple[str, str]]) -> dict[str, str]:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/x-www-form-urlencoded":
            raise EntraRejected(900144, field="grant_type")
        names = [name for name, _ in pairs]
        if len(names) != len(set(names)):
            raise EntraRejected(9002313)
        unexpected = set(names) - set(FORM_FIELDS) - set(self.extra_form_fields)
        if unexpected:
            raise EntraRejected(9002313)
        form = dict(pairs)
        if not form.get("grant_type"):
            raise EntraRejected(900144, field="grant_type")
        if form["grant_type"] != "client_credentials":
            raise EntraRejected(70003, grant_type=form["grant_type"])
        if not form.get("client_id"):
            raise EntraRejected(900144, field="client_id")
        scope = form.get("scope", "")
        if not scope:
            raise EntraRejected(900144, field="scope")
        scopes = scope.split(" ")
        if len(scopes) != 1 or not scopes[0].endswith("/.default") or len(scopes[0]) == len("/.default"):
            raise EntraRejected(70011, scope=scope)
        if not form.get("client_assertion"):
            raise EntraRejected(7000218)
        if form.get("client_assertion_type") != JWT_BEARER:
            raise EntraRejected(9002313)
        if "claims" in form:
            try:
                if not isinstance(json.loads(form["claims"]), dict):
                    raise ValueError("claims is not an object")
            except ValueError:
                raise EntraRejected(9002313) from None
        return form

    def _parse_assertion(self, assertion: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
        parts = assertion.split(".")
        if len(parts) != 3:
            raise EntraRejected(50027)
        try:
            header = json.loads(_b64url_decode(parts[0]))
            claims = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except (ValueError, UnicodeDecodeError):
            raise EntraRejected(50027) from None
        if not isinstance(header, dict) or not isinstance(claims, dict):
            raise EntraRejected(50027)
        return header, claims, f"{parts[0]}.{parts[1]}".encode(), signature

    def _match(self, client_id: str, fics: list[FederatedCredential], claims: dict[str, Any]) -> FederatedCredential:
        iss, sub, aud = claims.get("iss"), claims.get("sub"), claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        shown_aud = ", ".join(str(a) for a in audiences)
        for fic in fics:
            if fic.issuer == iss and fic.subject == sub and fic.audience in audiences:
                with self._lock:
                    pending = self._pending.get((client_id, fic), 0)
                    if pending > 0:
                        self._pending[(client_id, fic)] = pending - 1
                if pending > 0:
                    raise EntraRejected(70021, iss=iss, sub=sub, aud=shown_aud)
                return fic
        if self.legacy_mismatch_errors:
            raise EntraRejected(70021, iss=iss, sub=sub, aud=shown_aud)
        if not any(f.issuer == iss for f in fics):
            raise EntraRejected(700211, iss=iss)
        if not any(f.issuer == iss and f.subject == sub for f in fics):
            raise EntraRejected(700213, sub=sub)
        raise EntraRejected(700212, aud=shown_aud)

    def _fetch_json(self, url: str) -> Any:
        """GET a loopback URL as Entra fetches an issuer's documents; DiscoveryFailed-style rejection otherwise."""
        split = urllib.parse.urlsplit(url)
        if split.scheme not in ("http", "https") or not _is_loopback_host(split.hostname):
            self._note_fetch(DiscoveryFetch(url, None, "not a loopback http(s) URL: the fake stays on loopback"))
            raise EntraRejected(self.discovery_error_code)
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
        if split.scheme == "https":
            context = ssl.create_default_context(cafile=self.issuer_ca_file)
            handlers.append(urllib.request.HTTPSHandler(context=context))
        opener = urllib.request.build_opener(*handlers)
        try:
            with opener.open(urllib.request.Request(url, headers={"Accept": "application/json"}),
                             timeout=5) as response:
                status, data = response.status, response.read()
        except urllib.error.HTTPError as error:
            self._note_fetch(DiscoveryFetch(url, error.code, "HTTP error"))
            raise EntraRejected(self.discovery_error_code) from None
        except (OSError, ssl.SSLError) as error:
            self._note_fetch(DiscoveryFetch(url, None, str(error)))
            raise EntraRejected(self.discovery_error_code) from None
        try:
            document = json.loads(data)
        except ValueError:
            self._note_fetch(DiscoveryFetch(url, status, "not JSON"))
            raise EntraRejected(self.discovery_error_code) from None
        self._note_fetch(DiscoveryFetch(url, status, "ok"))
        return document

    def _note_fetch(self, fetch: DiscoveryFetch) -> None:
        with self._lock:
            self._fetches.append(fetch)

    def _issuer_keys(self, issuer: str) -> dict[str, tuple[int, int]]:
        with self._lock:
            trusted = self._trusted.get(issuer)
        if trusted is not None:
            return trusted
        discovery = self._fetch_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        if not isinstance(discovery, dict) or discovery.get("issuer") != issuer or \
                not isinstance(discovery.get("jwks_uri"), str):
            raise EntraRejected(self.discovery_error_code)
        keys = rsa_keys(self._fetch_json(discovery["jwks_uri"]))
        if not keys:
            raise EntraRejected(900612)
        return keys

    def _check_signature(self, header: dict[str, Any], signing_input: bytes, signature: bytes,
                         keys: dict[str, tuple[int, int]]) -> None:
        if header.get("alg") != "RS256":
            raise EntraRejected(700027, reason=f"The signing algorithm {header.get('alg')} is not supported.")
        key = keys.get(str(header.get("kid", "")))
        if key is None:
            raise EntraRejected(700027, reason=KEY_NOT_FOUND)
        if not rs256_verify(signing_input, signature, *key):
            raise EntraRejected(700027, reason=SIGNATURE_MISMATCH)

    def _check_time(self, claims: dict[str, Any]) -> None:
        exp, nbf = claims.get("exp"), claims.get("nbf")
        if not isinstance(exp, (int, float)) or isinstance(exp, bool):
            raise EntraRejected(50027)
        now = self.now()
        valid_from = nbf if isinstance(nbf, (int, float)) and not isinstance(nbf, bool) else 0
        if now > exp + self.clock_skew_seconds or now < valid_from - self.clock_skew_seconds:
            raise EntraRejected(700024, now=entra_time(now), valid_from=entra_time(valid_from),
                                expiry=entra_time(exp))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one, printed)")
    parser.add_argument("--http", action="store_true", help="serve plain HTTP instead of HTTPS")
    parser.add_argument("--ca-out", help="write the test CA's PEM here (trust it with REQUESTS_CA_BUNDLE / --cacert)")
    parser.add_argument("--tenant", action="append", default=[], help=f"a tenant id (repeatable; default "
                                                                       f"{DEFAULT_TENANT})")
    parser.add_argument("--federated-credential", action="append", default=[], metavar="CLIENT,ISSUER,SUBJECT[,AUD]",
                        help="a federated credential of a client id (repeatable)")
    parser.add_argument("--trust-jwks", action="append", default=[], metavar="ISSUER=FILE",
                        help="use this JWKS file for ISSUER instead of fetching its discovery document")
    parser.add_argument("--issuer-ca-file", help="CA bundle for fetching HTTPS issuers (default: the test CA)")
    parser.add_argument("--token-lifetime", type=int, default=3600, help="expires_in of issued tokens (seconds)")
    parser.add_argument("--legacy-mismatch-errors", action="store_true", help="answer 70021 for every FIC mismatch")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)

    fake = FakeEntra(args.host, args.port, tls=not args.http, tenants=args.tenant or None,
                     token_lifetime=args.token_lifetime, legacy_mismatch_errors=args.legacy_mismatch_errors,
                     issuer_ca_file=args.issuer_ca_file, verbose=args.verbose)
    for spec in args.federated_credential:
        parts = spec.split(",")
        if len(parts) not in (3, 4):
            parser.error(f"--federated-credential {spec!r}: expected CLIENT,ISSUER,SUBJECT[,AUDIENCE]")
        fake.add_federated_credential(parts[0], FederatedCredential(*parts[1:]))
    for spec in args.trust_jwks:
        issuer, _, path = spec.rpartition("=")
        fake.trust_issuer_keys(issuer, json.loads(Path(path).read_text()))
    if args.ca_out and fake.ca is not None:
        Path(args.ca_out).write_bytes(fake.ca.pem)

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    print(f"fake Entra ID listening on {fake.url} (tenant {fake.tenant_id})", flush=True)
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
