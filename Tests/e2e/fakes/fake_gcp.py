"""A verifying fake of Google's workload identity federation peers, for tests only:

- GCP STS            ``POST /v1/token``            (RFC 8693 token exchange, as sts.googleapis.com)
- IAM Credentials    ``POST /v1/projects/-/serviceAccounts/<SA>:generateAccessToken``
                     ``POST /v1/projects/-/serviceAccounts/<SA>:generateIdToken`` (an RS256 JWT signed
                     with the fake's Google key, ``id_token_jwks()``)
- token introspection ``POST /v1/introspect``     (what gcloud asks for a non-impersonated login)
- a protected resource ``GET /storage/v1/b/bucket/o`` that accepts only tokens this fake issued.

It checks what Google would check, and issues ``fake-sts-access-token-N`` /
``fake-sa-access-token-N`` only when the checks pass:

- ``subject_token_type=urn:ietf:params:oauth:token-type:jwt``: the RS256 signature against the
  provider's JWKS (by ``kid``), ``iss``, ``aud`` among the provider's allowed audiences (default:
  ``https:`` + the provider's audience, GCP's rule when none are configured), ``exp`` in the future,
  ``iat`` not in the future and ``exp - iat`` at most 48 h;
- ``…aws:token-type:aws4_request``: the URL-encoded signed GetCallerIdentity is decoded and its
  SigV4 signature **recomputed with botocore's SigV4Auth** (shared/reference/peers.md §3) with the
  secret of the access key (credentials registered by the test, or found by a lookup callable, e.g.
  in moto's STS backend); ``x-goog-cloud-target-resource`` must equal the audience and (by default)
  be among the SignedHeaders; ``x-amz-date`` must be within 15 minutes; a registered session token
  must be the one sent;
- the ``audience`` must be a well-formed provider name (else ``invalid_request``, as Google words
  it) naming this provider (else ``invalid_target``); the attribute condition (a callable on the
  mapped attributes) may reject the identity (``unauthorized_client``);
- IAM: the bearer must be an unexpired STS token this fake issued, carrying the cloud-platform or
  iam scope; the service account must be one the federated principal may impersonate (else 403
  PERMISSION_DENIED); ``lifetime`` above ``max_lifetime_seconds`` is a 400 INVALID_ARGUMENT.
  ``generateIdToken`` checks the same bearer rules (a federated STS token, not an SA token) and needs
  a non-empty string ``audience`` and, if present, a boolean ``includeEmail``.

In-process use (pytest)::

    with FakeGCP(jwks=jwks, issuer="https://issuer", service_accounts={"sa@p.iam.gserviceaccount.com"}) as gcp:
        gcp.register_aws_credentials("AKID…", "secret", session_token="…")
        gcp.script_sts(oauth_error("invalid_grant"), verify())   # first exchange refused, then normal
        ... point stsEndpoint at gcp.sts_url and iamEndpoint at gcp.url ...
        assert gcp.sts_requests[0].form["subject_token_type"] == JWT_TOKEN_TYPE
        assert gcp.resource_status("fake-sa-access-token-1") == 200

Stand-alone use (shell; needs botocore and PyJWT, i.e. the project's .venv)::

    .venv/bin/python Tests/e2e/fakes/fake_gcp.py --port 5010 --jwks-file jwks.json --issuer https://issuer \\
        --service-account sa@proj.iam.gserviceaccount.com --aws-key AKID:SECRET[:SESSIONTOKEN]
    curl -s http://127.0.0.1:5010/_fake/requests        # what was received, as JSON
    curl -s http://127.0.0.1:5010/_fake/issued          # tokens handed out
    curl -s -X POST http://127.0.0.1:5010/_fake/script-sts -d '[{"kind": "oauth", "error": "invalid_grant"}]'
    curl -s -X POST http://127.0.0.1:5010/_fake/reset

Replies are scripted as in fake_sts.py: served in order, the last one repeating; the default script
is ``[verify()]`` (check, then issue). A scripted error or status is served as is, unverified.

Only loopback addresses may be bound. Standard library plus botocore (the SigV4 recompute) and
PyJWT (the JWKS keys).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import hmac
import json
import re
import signal
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

import jwt
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

if __package__:
    from .loopback import LoopbackFake
else:  # run as a script
    from loopback import LoopbackFake

GRANT_TYPE = "urn:ietf:params:oauth:grant-type:token-exchange"
ACCESS_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:access_token"
JWT_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:jwt"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
AWS_TOKEN_TYPE = "urn:ietf:params:aws:token-type:aws4_request"
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
IAM_SCOPE = "https://www.googleapis.com/auth/iam"

DEFAULT_AUDIENCE = (
    "//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pool/providers/prov"
)
PROVIDER_RE = re.compile(
    r"^(?:https:)?//iam\.googleapis\.com/projects/(\d+)/locations/global/workloadIdentityPools/([^/]+)/providers/([^/]+)$"
)
GENERATE_RE = re.compile(r"^/v1/projects/-/serviceAccounts/([^/:]+):generateAccessToken$")
GENERATE_ID_RE = re.compile(r"^/v1/projects/-/serviceAccounts/([^/:]+):generateIdToken$")
GOOGLE_ISSUER = "https://accounts.google.com"
ID_TOKEN_KID = "fake-gcp-id-token-key"
RESOURCE_PATH = "/storage/v1/b/bucket/o"
SIGV4_WINDOW_SECONDS = 15 * 60
MAX_JWT_LIFETIME_SECONDS = 48 * 3600
IAT_LEEWAY_SECONDS = 60

# Google's wording (protocols.md §1, §3).
AUDIENCE_INVALID = (
    'Invalid value for "audience". This value should be the full resource name of the Identity Provider. '
    "See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats."
)
TARGET_INVALID = (
    'The target service indicated by the "audience" parameters is invalid. This might either be because the '
    "pool or provider is disabled or deleted or because it doesn't exist."
)
CONDITION_REJECTED = "The given credential is rejected by the attribute condition."
PERMISSION_DENIED = "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist)."


# --- scripted replies ---------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Reply:
    """One scripted answer: ``verify`` (check, then issue), ``oauth`` (an STS OAuth error),
    ``google`` (an IAM Google API error), ``status`` (bare HTTP status and body)."""

    kind: str
    status: int = 200
    error: str = ""
    description: str = ""
    body: str = ""
    content_type: str = "application/json"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @staticmethod
    def from_dict(d: dict[str, Any]) -> "Reply":
        fields = {f.name for f in dataclasses.fields(Reply)}
        kind = d.get("kind", "verify")
        if kind == "oauth":
            return oauth_error(d["error"], d.get("description"), status=d.get("status", 400))
        if kind == "google":
            return google_error(d.get("status", 403), d.get("error", "PERMISSION_DENIED"), d.get("description"))
        return Reply(**{k: v for k, v in d.items() if k in fields})


def verify() -> Reply:
    """Check the request as Google would, then issue a token (the default)."""
    return Reply("verify")


_OAUTH_DESCRIPTIONS = {
    "invalid_grant": "The subject token is invalid (fake GCP STS).",
    "invalid_request": AUDIENCE_INVALID,
    "invalid_target": TARGET_INVALID,
    "unauthorized_client": CONDITION_REJECTED,
}


def oauth_error(error: str, description: str | None = None, status: int = 400) -> Reply:
    """An STS OAuth error body ``{"error": …, "error_description": …}``."""
    return Reply("oauth", status=status, error=error,
                 description=description if description is not None else _OAUTH_DESCRIPTIONS.get(error, error))


def google_error(status: int = 403, reason: str = "PERMISSION_DENIED", message: str | None = None) -> Reply:
    """A Google API error body ``{"error": {"code", "message", "status"}}`` (IAM Credentials)."""
    return Reply("google", status=status, error=reason, description=message if message is not None else PERMISSION_DENIED)


def http_status(status: int, body: str = "", content_type: str = "text/plain") -> Reply:
    """A bare HTTP status (e.g. a front end's 503)."""
    return Reply("status", status=status, body=body or f"fake HTTP {status}", content_type=content_type)


# --- records ------------------------------------------------------------------------------------


@dataclasses.dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: str
    form: dict[str, str]  # form body (POST, urlencoded) or query; first value per key
    json: Any  # parsed JSON body, or None
    time: float
    status: int = 0  # what the fake answered
    outcome: str = ""  # why (for failures), or what was issued

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class IssuedToken:
    token: str
    kind: str  # "sts" | "sa"
    principal: str  # principal://… for STS tokens, the SA email for SA tokens
    scopes: list[str]
    expires_at: float
    subject_token_type: str = ""
    service_account: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class IssuedIDToken:
    token: str  # the JWT
    service_account: str
    audience: str
    include_email: bool
    bearer: str  # the federated STS token that asked for it

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_ID_TOKEN_KEY: Any = None
_ID_TOKEN_KEY_LOCK = threading.Lock()


def id_token_key() -> Any:
    """The fake Google's RSA key for ID tokens (one per process; generated on first use)."""
    global _ID_TOKEN_KEY
    with _ID_TOKEN_KEY_LOCK:
        if _ID_TOKEN_KEY is None:
            from cryptography.hazmat.primitives.asymmetric import rsa

            _ID_TOKEN_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return _ID_TOKEN_KEY


@dataclasses.dataclass
class AWSKey:
    """AWS credentials the fake can check signatures with (as AWS would, behind GCP)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    arn: str = "arn:aws:sts::123456789012:assumed-role/gcp-federation/i-0123456789abcdef0"


@dataclasses.dataclass
class AWSVerification:
    """One aws4_request subject token the fake checked: which credentials signed it, and the verdict."""

    access_key_id: str
    session_token: str | None
    region: str
    date: str
    signed_headers: list[str]
    target_resource: str | None
    ok: bool
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class Rejected(Exception):
    """An OAuth error the fake STS answers with (400 unless said otherwise)."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status


class GoogleAPIRejected(Exception):
    def __init__(self, status: int, reason: str, message: str) -> None:
        super().__init__(f"{status} {reason}: {message}")
        self.status = status
        self.reason = reason
        self.message = message


# --- verification -------------------------------------------------------------------------------


def _strip_https(name: str) -> str:
    return name[len("https:"):] if name.startswith("https:") else name


def principal_base(audience: str) -> str:
    """``//iam.googleapis.com/projects/N/locations/global/workloadIdentityPools/POOL`` of a provider name."""
    return _strip_https(audience).split("/providers/", 1)[0]


def decode_aws_subject_token(subject_token: str) -> dict[str, Any]:
    """The request document inside an aws4_request subject token (URL-decoded JSON)."""
    text = urllib.parse.unquote(subject_token)
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    return doc


def aws_token_headers(doc: dict[str, Any]) -> dict[str, str]:
    """The token's headers as {lower-case name: value}; a duplicate must repeat the same value."""
    headers: dict[str, str] = {}
    for item in doc.get("headers", []):
        key, value = str(item["key"]).lower(), str(item["value"])
        if key in headers and headers[key] != value:
            raise ValueError(f"header {key} given twice with different values")
        headers[key] = value
    return headers


_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?"
    r"SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$"
)


def recompute_signature(doc: dict[str, Any], secret: str, session_token: str | None) -> tuple[str, str, str]:
    """(expected signature, canonical request, the token's signature) for a decoded subject token,
    recomputed with botocore's SigV4Auth (peers.md §3 recipe)."""
    headers = aws_token_headers(doc)
    match = _AUTH_RE.match(headers.get("authorization", ""))
    if not match:
        raise ValueError(f"Authorization is not an AWS4-HMAC-SHA256 header: {headers.get('authorization', '')[:60]!r}")
    akid, _day, region, service, signed, signature = match.groups()
    signed_list = signed.split(";")
    to_sign = {k: headers[k] for k in signed_list if k != "host" and k in headers}
    request = AWSRequest(method=doc["method"], url=doc["url"], data=b"", headers=to_sign)
    request.context["timestamp"] = headers["x-amz-date"]
    auth = SigV4Auth(Credentials(akid, secret, session_token), service, region)
    # botocore signs the headers the request has (plus host); check it signs exactly the token's list.
    if auth.signed_headers(auth.headers_to_sign(request)) != signed:
        raise ValueError(f"SignedHeaders {signed} name headers the token does not carry")
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    return expected, canonical, signature


@dataclasses.dataclass
class Provider:
    """One workload identity pool provider (OIDC and AWS in one, for brevity)."""

    audience: str = DEFAULT_AUDIENCE
    issuer: str | None = None  # OIDC: the issuer URI; None accepts any iss
    allowed_audiences: set[str] | None = None  # OIDC; None: GCP's default, "https:" + audience
    # Attribute condition on the mapped attributes ({"sub", "iss", "aud"} for OIDC; {"arn", "account"} for AWS).
    condition: Callable[[dict[str, Any]], bool] | None = None
    require_signed_target_resource: bool = True  # Go/Java sign it; Python/Node don't (then set False)
    aws_account: str | None = None  # AWS providers are bound to one account; None: any

    def default_audiences(self) -> set[str]:
        if self.allowed_audiences is not None:
            return set(self.allowed_audiences)
        return {"https:" + _strip_https(self.audience)}


# --- the HTTP server ----------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeGCP/1.0"

    @property
    def fake(self) -> "FakeGCP":
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, fmt: str, *args: Any) -> None:
        if self.fake.verbose:
            sys.stderr.write("fake-gcp: " + (fmt % args) + "\n")

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

    def _json(self, status: int, payload: Any) -> None:
        self._send(status, json.dumps(payload), "application/json; charset=UTF-8")

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch("POST")

    def do_PUT(self) -> None:  # noqa: N802
        self._dispatch("PUT")

    def _dispatch(self, method: str) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        if parsed.path.startswith("/_fake/"):
            self._control(method, parsed.path, body)
            return
        content_type = (self.headers.get("Content-Type") or "").lower()
        raw_form = body if method == "POST" and "x-www-form-urlencoded" in content_type else parsed.query
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw_form, keep_blank_values=True).items()}
        parsed_json = None
        if "json" in content_type and body:
            try:
                parsed_json = json.loads(body)
            except ValueError:
                parsed_json = None
        request = RecordedRequest(method, parsed.path, parsed.query, {k.lower(): v for k, v in self.headers.items()},
                                  body, form, parsed_json, time.time())
        self.fake._record(request)
        if self.fake.latency_seconds:
            time.sleep(self.fake.latency_seconds)
        if parsed.path == "/v1/token" and method == "POST":
            self._sts(request)
        elif GENERATE_RE.match(parsed.path) and method == "POST":
            self._iam(request, GENERATE_RE.match(parsed.path).group(1))  # type: ignore[union-attr]
        elif GENERATE_ID_RE.match(parsed.path) and method == "POST":
            self._id_token(request, GENERATE_ID_RE.match(parsed.path).group(1))  # type: ignore[union-attr]
        elif parsed.path == "/v1/introspect" and method == "POST":
            self._introspect(request)
        elif parsed.path == RESOURCE_PATH and method == "GET":
            self._resource(request)
        else:
            request.status, request.outcome = 404, "no such endpoint"
            self._json(404, {"error": {"code": 404, "message": f"fake GCP has no {method} {parsed.path}", "status": "NOT_FOUND"}})

    # STS ------------------------------------------------------------------------------------

    def _sts(self, request: RecordedRequest) -> None:
        reply = self.fake._next_reply("sts")
        if reply.kind == "oauth":
            request.status, request.outcome = reply.status, f"scripted {reply.error}"
            self._json(reply.status, {"error": reply.error, "error_description": reply.description})
            return
        if reply.kind in ("status", "google"):
            request.status, request.outcome = reply.status, "scripted status"
            self._send(reply.status, reply.body or reply.description, reply.content_type)
            return
        try:
            principal, scopes = self.fake._verify_exchange(request.form)
        except Rejected as rejection:
            request.status, request.outcome = rejection.status, f"{rejection.error}: {rejection.description}"
            self.fake._reject(rejection)
            self._json(rejection.status, {"error": rejection.error, "error_description": rejection.description})
            return
        issued = self.fake._issue("sts", principal, scopes, self.fake.sts_expires_in,
                                  subject_token_type=request.form.get("subject_token_type", ""))
        request.status, request.outcome = 200, issued.token
        self._json(200, {
            "access_token": issued.token,
            "issued_token_type": ACCESS_TOKEN_TYPE,
            "token_type": "Bearer",
            "expires_in": self.fake.sts_expires_in,
        })

    # IAM ------------------------------------------------------------------------------------

    def _iam(self, request: RecordedRequest, service_account: str) -> None:
        reply = self.fake._next_reply("iam")
        if reply.kind in ("google", "oauth"):
            status = reply.status
            request.status, request.outcome = status, f"scripted {reply.error}"
            self._json(status, {"error": {"code": status, "message": reply.description, "status": reply.error}})
            return
        if reply.kind == "status":
            request.status, request.outcome = reply.status, "scripted status"
            self._send(reply.status, reply.body, reply.content_type)
            return
        try:
            issued = self.fake._verify_generate(request, urllib.parse.unquote(service_account))
        except GoogleAPIRejected as rejection:
            request.status, request.outcome = rejection.status, f"{rejection.reason}: {rejection.message}"
            self._json(rejection.status, {"error": {"code": rejection.status, "message": rejection.message,
                                                    "status": rejection.reason}})
            return
        request.status, request.outcome = 200, issued.token
        expire = dt.datetime.fromtimestamp(issued.expires_at, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        self._json(200, {"accessToken": issued.token, "expireTime": expire})

    def _id_token(self, request: RecordedRequest, service_account: str) -> None:
        try:
            issued = self.fake._verify_generate_id_token(request, urllib.parse.unquote(service_account))
        except GoogleAPIRejected as rejection:
            request.status, request.outcome = rejection.status, f"{rejection.reason}: {rejection.message}"
            self._json(rejection.status, {"error": {"code": rejection.status, "message": rejection.message,
                                                    "status": rejection.reason}})
            return
        request.status, request.outcome = 200, "id token"
        self._json(200, {"token": issued.token})

    # introspection and the resource ---------------------------------------------------------------

    def _introspect(self, request: RecordedRequest) -> None:
        token = self.fake.lookup(request.form.get("token", ""))
        if token is None:
            request.status, request.outcome = 200, "inactive"
            self._json(200, {"active": False})
            return
        request.status, request.outcome = 200, "active"
        self._json(200, {"active": True, "scope": " ".join(token.scopes), "exp": int(token.expires_at),
                         "username": token.principal, "token_type": "Bearer"})

    def _resource(self, request: RecordedRequest) -> None:
        auth = request.headers.get("authorization", "")
        token = self.fake.lookup(auth[len("Bearer "):]) if auth.startswith("Bearer ") else None
        if token is None:
            request.status, request.outcome = 401, "no valid bearer"
            self._json(401, {"error": {"code": 401, "message": "Invalid Credentials", "status": "UNAUTHENTICATED"}})
            return
        if not ({CLOUD_PLATFORM, "https://www.googleapis.com/auth/devstorage.read_only"} & set(token.scopes)):
            request.status, request.outcome = 403, "insufficient scope"
            self._json(403, {"error": {"code": 403, "message": "Request had insufficient authentication scopes.",
                                       "status": "PERMISSION_DENIED"}})
            return
        request.status, request.outcome = 200, token.token
        self._json(200, {"kind": "storage#objects", "items": [{"kind": "storage#object", "name": "hello.txt",
                                                               "bucket": "bucket"}],
                         "caller": token.principal})

    # control ----------------------------------------------------------------------------------

    def _control(self, method: str, path: str, body: str) -> None:
        fake = self.fake
        if method == "GET" and path == "/_fake/requests":
            payload: Any = [r.to_dict() for r in fake.requests]
        elif method == "GET" and path == "/_fake/issued":
            payload = [t.to_dict() for t in fake.issued]
        elif method == "GET" and path == "/_fake/aws-verifications":
            payload = [v.to_dict() for v in fake.aws_verifications]
        elif method == "POST" and path in ("/_fake/script-sts", "/_fake/script-iam"):
            try:
                replies = [Reply.from_dict(d) for d in json.loads(body or "[]")]
            except (ValueError, KeyError, TypeError) as error:
                self._json(400, {"error": str(error)})
                return
            (fake.script_sts if path.endswith("sts") else fake.script_iam)(*replies)
            payload = {"script": [r.to_dict() for r in replies]}
        elif method == "POST" and path == "/_fake/reset":
            fake.reset()
            payload = {"status": "ok"}
        else:
            self._json(404, {"error": f"no control endpoint {method} {path}"})
            return
        self._json(200, payload)


class FakeGCP(LoopbackFake):
    """The fake on 127.0.0.1 (``port=0``: a free port). See the module docstring."""

    description = "fake GCP"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        jwks: dict[str, Any] | None = None,
        issuer: str | None = None,
        audience: str = DEFAULT_AUDIENCE,
        allowed_audiences: set[str] | None = None,
        condition: Callable[[dict[str, Any]], bool] | None = None,
        service_accounts: set[str] | None = None,
        impersonators: dict[str, set[str]] | None = None,
        require_signed_target_resource: bool = True,
        aws_lookup: Callable[[str], AWSKey | None] | None = None,
        sts_expires_in: int = 3600,
        max_lifetime_seconds: int = 3600,
        latency_seconds: float = 0.0,
        clock_offset_seconds: float = 0.0,
        verbose: bool = False,
    ) -> None:
        super().__init__(host, port, _Handler)
        self.provider = Provider(audience=audience, issuer=issuer, allowed_audiences=allowed_audiences,
                                 condition=condition, require_signed_target_resource=require_signed_target_resource)
        self.keys: dict[str, Any] = {}
        if jwks:
            self.set_jwks(jwks)
        # Service accounts that exist; impersonators[sa] = principals allowed (None / absent: any federated principal).
        self.service_accounts = set(service_accounts or ())
        self.impersonators = dict(impersonators or {})
        self.aws_lookup = aws_lookup
        self.sts_expires_in = sts_expires_in
        self.max_lifetime_seconds = max_lifetime_seconds
        self.latency_seconds = latency_seconds
        # Added to the fake's clock when it checks exp/iat and x-amz-date ("15 minutes later" tests).
        self.clock_offset_seconds = clock_offset_seconds
        self.verbose = verbose
        self._aws_keys: dict[str, AWSKey] = {}
        self._scripts: dict[str, list[Reply]] = {"sts": [verify()], "iam": [verify()]}
        self._served: dict[str, int] = {"sts": 0, "iam": 0}
        self._requests: list[RecordedRequest] = []
        self._issued: list[IssuedToken] = []
        self._rejections: list[Rejected] = []
        self._aws_verifications: list[AWSVerification] = []
        self._counters = {"sts": 0, "sa": 0}
        self._id_tokens: list[IssuedIDToken] = []

    # endpoints (``url``, the base, is also the IAM Credentials base, ``iamEndpoint``) -------------------

    @property
    def sts_url(self) -> str:
        return f"{self.url}/v1/token"

    @property
    def introspect_url(self) -> str:
        return f"{self.url}/v1/introspect"

    @property
    def resource_url(self) -> str:
        return f"{self.url}{RESOURCE_PATH}"

    def generate_url(self, service_account: str) -> str:
        return f"{self.url}/v1/projects/-/serviceAccounts/{service_account}:generateAccessToken"

    # configuration --------------------------------------------------------------------------------

    def set_jwks(self, jwks: dict[str, Any]) -> None:
        self.keys = {k.get("kid", ""): jwt.PyJWK(k).key for k in jwks.get("keys", [])}

    def register_aws_credentials(self, access_key_id: str, secret_access_key: str, session_token: str | None = None,
                                 arn: str | None = None) -> AWSKey:
        key = AWSKey(access_key_id, secret_access_key, session_token)
        if arn:
            key.arn = arn
        with self._lock:
            self._aws_keys[access_key_id] = key
        return key

    def allow_service_account(self, email: str, principals: set[str] | None = None) -> None:
        with self._lock:
            self.service_accounts.add(email)
            if principals is not None:
                self.impersonators[email] = set(principals)

    def script_sts(self, *replies: Reply) -> None:
        self._script("sts", replies)

    def script_iam(self, *replies: Reply) -> None:
        self._script("iam", replies)

    def _script(self, which: str, replies: tuple[Reply, ...]) -> None:
        if not replies:
            raise ValueError("script needs at least one reply")
        with self._lock:
            self._scripts[which] = list(replies)
            self._served[which] = 0

    def reset(self) -> None:
        with self._lock:
            self._scripts = {"sts": [verify()], "iam": [verify()]}
            self._served = {"sts": 0, "iam": 0}
            self._requests.clear()
            self._issued.clear()
            self._rejections.clear()
            self._aws_verifications.clear()
            self._id_tokens.clear()

    # what happened ---------------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def sts_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/v1/token"]

    @property
    def iam_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if GENERATE_RE.match(r.path)]

    @property
    def id_token_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if GENERATE_ID_RE.match(r.path)]

    @property
    def id_tokens(self) -> list[IssuedIDToken]:
        with self._lock:
            return list(self._id_tokens)

    def id_token_jwks(self) -> dict[str, Any]:
        """The public key the fake's ID tokens verify with, as Google's JWKS would publish it."""
        numbers = id_token_key().public_key().public_numbers()

        def b64(value: int) -> str:
            import base64

            return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()

        return {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": ID_TOKEN_KID,
                          "n": b64(numbers.n), "e": b64(numbers.e)}]}

    def verify_id_token(self, token: str, audience: str) -> dict[str, Any]:
        """The claims of an ID token this fake minted for ``audience`` (raises jwt errors otherwise)."""
        return jwt.decode(token, id_token_key().public_key(), algorithms=["RS256"], audience=audience,
                          issuer=GOOGLE_ISSUER)

    @property
    def resource_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == RESOURCE_PATH]

    @property
    def issued(self) -> list[IssuedToken]:
        with self._lock:
            return list(self._issued)

    def issued_tokens(self, kind: str | None = None) -> list[str]:
        return [t.token for t in self.issued if kind is None or t.kind == kind]

    @property
    def rejections(self) -> list[Rejected]:
        with self._lock:
            return list(self._rejections)

    @property
    def aws_verifications(self) -> list[AWSVerification]:
        with self._lock:
            return list(self._aws_verifications)

    def lookup(self, token: str) -> IssuedToken | None:
        """An issued, unexpired token, or None."""
        with self._lock:
            for issued in self._issued:
                if hmac.compare_digest(issued.token, token) and issued.expires_at > time.time():
                    return issued
        return None

    def exchange(self, subject_token: str, subject_token_type: str, audience: str | None = None,
                 scope: str = CLOUD_PLATFORM) -> tuple[int, dict[str, Any]]:
        """POST a token exchange to this fake, as a client would: (status, JSON body)."""
        import urllib.error
        import urllib.request

        form = urllib.parse.urlencode({
            "grant_type": GRANT_TYPE, "audience": audience or self.provider.audience, "scope": scope,
            "requested_token_type": ACCESS_TOKEN_TYPE, "subject_token": subject_token,
            "subject_token_type": subject_token_type,
        }).encode()
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(self.sts_url, data=form,
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        try:
            with opener.open(request, timeout=5) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def resource_status(self, token: str) -> int:
        """What the protected resource answers for ``Authorization: Bearer <token>`` (no proxy)."""
        import urllib.error
        import urllib.request

        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(self.resource_url, headers={"Authorization": f"Bearer {token}"})
        try:
            with opener.open(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    # internals -------------------------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _next_reply(self, which: str) -> Reply:
        with self._lock:
            script = self._scripts[which]
            reply = script[min(self._served[which], len(script) - 1)]
            self._served[which] += 1
            return reply

    def _reject(self, rejection: Rejected) -> None:
        with self._lock:
            self._rejections.append(rejection)

    def _issue(self, kind: str, principal: str, scopes: list[str], lifetime: int, *, subject_token_type: str = "",
               service_account: str = "") -> IssuedToken:
        with self._lock:
            self._counters[kind] += 1
            token = IssuedToken(f"fake-{kind}-access-token-{self._counters[kind]}", kind, principal, scopes,
                                time.time() + lifetime, subject_token_type, service_account)
            self._issued.append(token)
            return token

    def _aws_key(self, access_key_id: str) -> AWSKey | None:
        with self._lock:
            key = self._aws_keys.get(access_key_id)
        if key is None and self.aws_lookup is not None:
            key = self.aws_lookup(access_key_id)
        return key

    def _verify_exchange(self, form: dict[str, str]) -> tuple[str, list[str]]:
        """(principal, scopes) of a valid exchange, or Rejected with Google's OAuth error."""
        if form.get("grant_type") != GRANT_TYPE:
            raise Rejected("unsupported_grant_type", f"Unsupported grant_type {form.get('grant_type')!r}.")
        if form.get("requested_token_type") != ACCESS_TOKEN_TYPE:
            raise Rejected("invalid_request", "Invalid value for \"requested_token_type\".")
        for field in ("subject_token", "subject_token_type", "audience", "scope"):
            if not form.get(field):
                raise Rejected("invalid_request", f"Missing required parameter: {field}.")
        audience = form["audience"]
        if not PROVIDER_RE.match(audience):
            raise Rejected("invalid_request", AUDIENCE_INVALID)
        if _strip_https(audience) != _strip_https(self.provider.audience):
            raise Rejected("invalid_target", TARGET_INVALID)
        scopes = form["scope"].split()
        token_type = form["subject_token_type"]
        if token_type in (JWT_TOKEN_TYPE, ID_TOKEN_TYPE):
            attributes = self._verify_jwt(form["subject_token"])
        elif token_type == AWS_TOKEN_TYPE:
            attributes = self._verify_aws(form["subject_token"], audience)
        else:
            raise Rejected("invalid_request", f"Unsupported subject_token_type {token_type}.")
        if self.provider.condition is not None and not self.provider.condition(attributes):
            raise Rejected("unauthorized_client", CONDITION_REJECTED)
        return f"principal:{principal_base(audience)}/subject/{attributes['subject']}", scopes

    def _verify_jwt(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as error:
            raise Rejected("invalid_grant", f"Unable to parse the ID Token: {error}.") from None
        if header.get("alg") not in ("RS256", "ES256"):
            raise Rejected("invalid_grant", f"The ID Token algorithm {header.get('alg')} is not supported.")
        key = self.keys.get(header.get("kid", ""))
        if key is None:
            raise Rejected("invalid_grant", f"The ID Token key id [{header.get('kid')}] is not in the provider's JWKS.")
        try:
            claims = jwt.decode(token, key, algorithms=[header["alg"]], options={
                "verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False})
        except jwt.InvalidSignatureError:
            raise Rejected("invalid_grant", "Invalid ID Token signature.") from None
        except jwt.PyJWTError as error:
            raise Rejected("invalid_grant", f"Invalid ID Token: {error}.") from None
        now = time.time() + self.clock_offset_seconds
        for claim in ("iss", "sub", "aud", "iat", "exp"):
            if claim not in claims:
                raise Rejected("invalid_grant", f"The ID Token lacks the {claim} claim.")
        if self.provider.issuer is not None and claims["iss"] != self.provider.issuer:
            raise Rejected("invalid_grant", f"The issuer in ID Token {claims['iss']} does not match the expected ones: {self.provider.issuer}.")
        token_auds = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        allowed = self.provider.default_audiences()
        if not set(token_auds) & allowed:
            raise Rejected("invalid_grant", f"The audience in ID Token [{','.join(token_auds)}] does not match the expected audience.")
        if claims["exp"] <= now:
            raise Rejected("invalid_grant", f"ID Token expired at {claims['exp']}, now is {int(now)}.")
        if claims["iat"] > now + IAT_LEEWAY_SECONDS:
            raise Rejected("invalid_grant", f"ID Token issued at {claims['iat']} is in the future.")
        if claims["exp"] - claims["iat"] > MAX_JWT_LIFETIME_SECONDS:
            raise Rejected("invalid_grant", "The ID Token lifetime exceeds 48 hours.")
        return {"subject": claims["sub"], "sub": claims["sub"], "iss": claims["iss"], "aud": token_auds, "claims": claims}

    def _verify_aws(self, subject_token: str, audience: str) -> dict[str, Any]:
        try:
            doc = decode_aws_subject_token(subject_token)
            headers = aws_token_headers(doc)
        except (ValueError, KeyError, TypeError) as error:
            raise Rejected("invalid_grant", f"The AWS subject token is not a serialized request: {error}.") from None
        method, url = doc.get("method"), doc.get("url")
        if method != "POST" or not isinstance(url, str):
            raise Rejected("invalid_grant", f"The AWS request must be POST to a URL, not {method} {url}.")
        split = urllib.parse.urlsplit(url)
        host_match = re.match(r"^sts\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$", split.hostname or "")
        if split.scheme != "https" or not host_match or split.path not in ("", "/") or \
                urllib.parse.parse_qs(split.query) != {"Action": ["GetCallerIdentity"], "Version": ["2011-06-15"]}:
            raise Rejected("invalid_grant", f"The AWS request URL {url} is not a regional GetCallerIdentity.")
        if headers.get("host") != split.hostname:
            raise Rejected("invalid_grant", f"The host header {headers.get('host')} does not match the URL {url}.")
        match = _AUTH_RE.match(headers.get("authorization", ""))
        if not match:
            raise Rejected("invalid_grant", "The AWS request lacks an AWS4-HMAC-SHA256 Authorization header.")
        akid, day, region, service, signed, _signature = match.groups()
        signed_list = signed.split(";")
        target = headers.get("x-goog-cloud-target-resource")
        record = AWSVerification(akid, headers.get("x-amz-security-token"), region, headers.get("x-amz-date", ""),
                                 signed_list, target, ok=False)

        def fail(description: str) -> Rejected:
            record.reason = description
            with self._lock:
                self._aws_verifications.append(record)
            return Rejected("invalid_grant", description)

        if region != host_match.group(1) or service != "sts":
            raise fail(f"The credential scope {region}/{service} does not match {split.hostname}.")
        if target is None or _strip_https(target) != _strip_https(audience):
            raise fail(f"The x-goog-cloud-target-resource header {target!r} does not match the audience {audience}.")
        if self.provider.require_signed_target_resource and "x-goog-cloud-target-resource" not in signed_list:
            raise fail("x-goog-cloud-target-resource is not among the SignedHeaders.")
        for required in ("host", "x-amz-date"):
            if required not in signed_list:
                raise fail(f"{required} is not among the SignedHeaders.")
        try:
            signed_at = dt.datetime.strptime(headers["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
        except (KeyError, ValueError):
            raise fail(f"x-amz-date {headers.get('x-amz-date')!r} is not YYYYMMDDTHHMMSSZ.") from None
        if signed_at.strftime("%Y%m%d") != day:
            raise fail("The credential scope date does not match x-amz-date.")
        skew = abs(time.time() + self.clock_offset_seconds - signed_at.timestamp())
        if skew > SIGV4_WINDOW_SECONDS:
            raise fail("Received invalid AWS response of type SignatureDoesNotMatch with error message: "
                       f"Signature expired: {headers['x-amz-date']} is now earlier than the 15 min window.")
        key = self._aws_key(akid)
        if key is None:
            raise fail("Received invalid AWS response of type InvalidClientTokenId with error message: "
                       "The security token included in the request is invalid.")
        sent_token = headers.get("x-amz-security-token")
        if key.session_token != sent_token or (sent_token is not None and "x-amz-security-token" not in signed_list):
            raise fail("Received invalid AWS response of type InvalidClientTokenId with error message: "
                       "The security token included in the request is invalid.")
        try:
            expected, _canonical, signature = recompute_signature(doc, key.secret_access_key, key.session_token)
        except (ValueError, KeyError) as error:
            raise fail(f"The AWS request could not be verified: {error}.") from None
        if not hmac.compare_digest(expected, signature):
            raise fail("Received invalid AWS response of type SignatureDoesNotMatch with error message: The request "
                       "signature we calculated does not match the signature you provided.")
        record.ok = True
        with self._lock:
            self._aws_verifications.append(record)
        return {"subject": key.arn, "arn": key.arn, "account": key.arn.split(":")[4], "access_key_id": akid}

    def _federated_bearer(self, request: RecordedRequest) -> IssuedToken:
        """The unexpired STS token (not an SA token) in ``Authorization: Bearer``, with an IAM-capable scope."""
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            raise GoogleAPIRejected(401, "UNAUTHENTICATED", "Request is missing required authentication credential.")
        bearer = self.lookup(auth[len("Bearer "):])
        if bearer is None or bearer.kind != "sts":
            raise GoogleAPIRejected(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if not ({CLOUD_PLATFORM, IAM_SCOPE} & set(bearer.scopes)):
            raise GoogleAPIRejected(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.")
        return bearer

    def _verify_generate_id_token(self, request: RecordedRequest, service_account: str) -> IssuedIDToken:
        bearer = self._federated_bearer(request)
        body = request.json
        if not isinstance(body, dict) or not isinstance(body.get("audience"), str) or not body["audience"]:
            raise GoogleAPIRejected(400, "INVALID_ARGUMENT", "Request contains an invalid argument: audience.")
        include_email = body.get("includeEmail", False)
        if not isinstance(include_email, bool):
            raise GoogleAPIRejected(400, "INVALID_ARGUMENT", "Invalid value at 'include_email' (TYPE_BOOL).")
        with self._lock:
            exists = service_account in self.service_accounts
            allowed = self.impersonators.get(service_account)
        if not exists or (allowed is not None and bearer.principal not in allowed):
            raise GoogleAPIRejected(403, "PERMISSION_DENIED", PERMISSION_DENIED.replace("getAccessToken", "getOpenIdToken"))
        now = int(time.time())
        claims: dict[str, Any] = {"iss": GOOGLE_ISSUER, "aud": body["audience"], "azp": "112233445566778899000",
                                  "sub": "112233445566778899000", "iat": now, "exp": now + 3600}
        if include_email:
            claims.update({"email": service_account, "email_verified": True})
        token = jwt.encode(claims, id_token_key(), algorithm="RS256", headers={"kid": ID_TOKEN_KID})
        issued = IssuedIDToken(token, service_account, body["audience"], include_email, bearer.token)
        with self._lock:
            self._id_tokens.append(issued)
        return issued

    def _verify_generate(self, request: RecordedRequest, service_account: str) -> IssuedToken:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            raise GoogleAPIRejected(401, "UNAUTHENTICATED", "Request is missing required authentication credential.")
        bearer = self.lookup(auth[len("Bearer "):])
        if bearer is None or bearer.kind != "sts":
            raise GoogleAPIRejected(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")
        if not ({CLOUD_PLATFORM, IAM_SCOPE} & set(bearer.scopes)):
            raise GoogleAPIRejected(403, "PERMISSION_DENIED", "Request had insufficient authentication scopes.")
        body = request.json
        if not isinstance(body, dict) or not isinstance(body.get("scope"), list) or not body["scope"]:
            raise GoogleAPIRejected(400, "INVALID_ARGUMENT", "Request contains an invalid argument: scope.")
        lifetime = 3600
        if body.get("lifetime") is not None:
            match = re.fullmatch(r"(\d+)(?:\.\d+)?s", str(body["lifetime"]))
            if not match:
                raise GoogleAPIRejected(400, "INVALID_ARGUMENT", f"Invalid value at 'lifetime' ({body['lifetime']}).")
            lifetime = int(match.group(1))
            if lifetime > self.max_lifetime_seconds:
                raise GoogleAPIRejected(400, "INVALID_ARGUMENT",
                                        "The lifetime of the requested token exceeds the allowed maximum.")
        with self._lock:
            exists = service_account in self.service_accounts
            allowed = self.impersonators.get(service_account)
        if not exists or (allowed is not None and bearer.principal not in allowed):
            raise GoogleAPIRejected(403, "PERMISSION_DENIED", PERMISSION_DENIED)
        return self._issue("sa", service_account, list(body["scope"]), lifetime, service_account=service_account)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--audience", default=DEFAULT_AUDIENCE, help="the provider's full name")
    parser.add_argument("--jwks-file", help="the OIDC issuer's JWKS (JSON file)")
    parser.add_argument("--issuer", help="the OIDC issuer (iss) to require")
    parser.add_argument("--allowed-audience", action="append", help="an allowed JWT aud (repeatable; "
                        "default https: + the provider's name)")
    parser.add_argument("--service-account", action="append", default=[], help="an impersonable SA email (repeatable)")
    parser.add_argument("--aws-key", action="append", default=[], metavar="AKID:SECRET[:SESSIONTOKEN]",
                        help="AWS credentials to verify aws4_request subject tokens with (repeatable)")
    parser.add_argument("--unsigned-target-resource-ok", action="store_true",
                        help="accept aws4_request tokens whose x-goog-cloud-target-resource is unsigned (google-auth-python)")
    parser.add_argument("--sts-expires-in", type=int, default=3600)
    parser.add_argument("--reply", action="append", default=[], metavar="WORD",
                        help="scripted STS reply (repeatable): verify, an OAuth error like invalid_grant, or an HTTP status like 503")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    jwks = None
    if args.jwks_file:
        with open(args.jwks_file) as f:
            jwks = json.load(f)
    fake = FakeGCP(args.host, args.port, jwks=jwks, issuer=args.issuer, audience=args.audience,
                   allowed_audiences=set(args.allowed_audience) if args.allowed_audience else None,
                   service_accounts=set(args.service_account),
                   require_signed_target_resource=not args.unsigned_target_resource_ok,
                   sts_expires_in=args.sts_expires_in, verbose=args.verbose)
    for spec in args.aws_key:
        parts = spec.split(":", 2)
        fake.register_aws_credentials(parts[0], parts[1], parts[2] if len(parts) > 2 else None)
    if args.reply:
        fake.script_sts(*(verify() if w == "verify" else http_status(int(w)) if w.isdigit() else oauth_error(w)
                          for w in args.reply))

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    print(f"fake GCP listening on {fake.url} (STS {fake.sts_url})", flush=True)
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake._server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
