"""A scriptable fake of AWS STS's query API (AssumeRoleWithWebIdentity), for tests only.

moto accepts every web-identity exchange, so it cannot produce STS's error paths. This fake can:
each test scripts the replies it wants, in order, and reads back what the client sent.

In-process use (pytest)::

    with FakeSTS() as sts:
        sts.script(aws_error("Throttling"), success())   # 1st request throttled, then success
        ... run the client against sts.url ...
        assert len(sts.requests) == 2
        creds = sts.issued[-1]                             # what the success reply contained

Stand-alone use (shell)::

    python fake_sts.py --port 5005 --reply Throttling --reply success
    curl -s http://127.0.0.1:5005/_fake/requests            # what was received, as JSON
    curl -s -X POST http://127.0.0.1:5005/_fake/script -d '[{"kind": "error", "code": "AccessDenied"}]'
    curl -s -X POST http://127.0.0.1:5005/_fake/reset       # forget requests, reply success again

Verifying and relaying (what moto cannot do: check the token)::

    with FakeSTS(verifier=JWTVerifier(metadata.jwks(), audiences={"sts.amazonaws.com"}),
                 relay_to=moto.url) as sts:
        ...  # ARWWI: signature (RS256 against the JWKS), aud, exp checked; InvalidIdentityToken /
             # ExpiredTokenException as AWS words them otherwise; then moto answers (its credentials
             # work for GetCallerIdentity at moto). Any other request is passed through to moto.
        assert len(sts.arwwi_requests) == 1

    python fake_sts.py --port 5005 --jwks-file jwks.json --audience sts.amazonaws.com --relay-to http://127.0.0.1:5000

``date_offset_seconds`` shifts the ``Date`` header of every answer (clock-skew tests) and
``latency_seconds`` delays every answer (concurrency tests).

Replies are served in script order; once the script runs out, its last reply repeats. The default
script is ``[success()]``. Verification and relaying apply to scripted successes only: a scripted
error, status, hang or garbage reply is served as is (an outage). Bodies follow real AWS documents: ``AssumeRoleWithWebIdentityResponse``
with ``AssumedRoleUser``, ``Credentials``, ``SubjectFromWebIdentityToken``, ``Audience``,
``Provider``, and query-protocol ``ErrorResponse`` envelopes (see shared/vectors/aws-sts).

Only loopback addresses may be bound, and only loopback addresses relayed to. Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import email.utils
import hashlib
import hmac
import ipaddress
import json
import secrets
import signal
import string
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler
from typing import Any
from xml.sax.saxutils import escape

if __package__:
    from .loopback import LoopbackFake
else:  # run as a script
    from loopback import LoopbackFake

STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
DEFAULT_ACCOUNT = "123456789012"

# Status and message AWS uses for each error code (messages as STS words them).
KNOWN_ERRORS: dict[str, tuple[int, str]] = {
    "InvalidIdentityToken": (400, "Incorrect token audience"),
    "AccessDenied": (403, "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
    "ExpiredTokenException": (
        400,
        "Token expired: current date/time 1764264000 must be before the expiration date/time1764260400",
    ),
    "IDPRejectedClaim": (403, "Rejected claims in the web identity token"),
    "IDPCommunicationError": (
        400,
        "The request could not be fulfilled because the identity provider (IDP) that was asked "
        "to verify the incoming identity token could not be reached.",
    ),
    "Throttling": (400, "Rate exceeded"),
    "ThrottlingException": (400, "Rate exceeded"),
    "InvalidParameterValue": (400, "Value for parameter roleSessionName is invalid"),
    "ValidationError": (
        400,
        "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: "
        "Member must have value greater than or equal to 900",
    ),
    "RegionDisabledException": (403, "STS is not activated in this region for account:123456789012."),
    "PackedPolicyTooLarge": (400, "Packed policy consumes 110% of allotted space"),
    "MalformedPolicyDocument": (400, "Syntax errors in policy."),
    "InternalFailure": (500, "An internal error occurred"),
    "ServiceUnavailable": (503, "Service is unavailable"),
}

# The message STS sends (as InvalidIdentityToken) when it cannot fetch the IdP's JWKS.
VERIFICATION_KEY_MESSAGE = (
    "Couldn't retrieve verification key from your identity provider,  please reference "
    "AssumeRoleWithWebIdentity documentation for requirements"
)


@dataclasses.dataclass(frozen=True)
class Reply:
    """One scripted answer. Build it with the helpers below rather than by hand."""

    kind: str  # success | error | status | hang | garbage
    status: int = 200
    code: str = ""
    message: str = ""
    body: str = ""
    content_type: str = "text/xml"
    seconds: float = 0.0  # hang: how long to hold the request before answering with success
    duration_seconds: int | None = None  # success: lifetime; default = the request's DurationSeconds or 3600
    omit: tuple[str, ...] = ()  # success: element names to leave out (e.g. "SessionToken")
    fractional_expiration: bool = False  # success: "…:23.123456Z" like moto instead of "…:23Z"

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["omit"] = list(self.omit)
        return d

    @staticmethod
    def from_dict(d: dict[str, Any]) -> "Reply":
        d = dict(d)
        kind = d.get("kind", "success")
        if kind == "error":
            return aws_error(d["code"], status=d.get("status"), message=d.get("message"))
        if "omit" in d:
            d["omit"] = tuple(d["omit"])
        fields = {f.name for f in dataclasses.fields(Reply)}
        return Reply(**{k: v for k, v in d.items() if k in fields})


def success(
    duration_seconds: int | None = None, omit: tuple[str, ...] = (), fractional_expiration: bool = False
) -> Reply:
    """HTTP 200 with a full AssumeRoleWithWebIdentityResponse and fresh random credentials."""
    return Reply("success", duration_seconds=duration_seconds, omit=tuple(omit), fractional_expiration=fractional_expiration)


def aws_error(code: str, status: int | None = None, message: str | None = None) -> Reply:
    """An STS ErrorResponse document, with AWS's status and message for the code unless given."""
    known_status, known_message = KNOWN_ERRORS.get(code, (400, f"{code} (fake STS)"))
    return Reply(
        "error",
        status=status if status is not None else known_status,
        code=code,
        message=message if message is not None else known_message,
    )


def http_status(status: int, body: str = "", content_type: str = "text/plain") -> Reply:
    """A bare HTTP status with an arbitrary body (e.g. a load balancer's 503)."""
    return Reply("status", status=status, body=body, content_type=content_type)


def hang(seconds: float = 30.0) -> Reply:
    """Accept the request, then say nothing for ``seconds`` (released early when the fake stops)."""
    return Reply("hang", seconds=seconds)


def garbage(body: str = "<AssumeRoleWithWebIdentityResponse><oops", status: int = 200) -> Reply:
    """A 200 whose body is not a usable STS document."""
    return Reply("garbage", status=status, body=body)


@dataclasses.dataclass
class RecordedRequest:
    """What the fake received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]  # lower-cased names
    body: str
    form: dict[str, str]  # parsed form body (POST) or query (GET); first value of each key
    time: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class IssuedCredentials:
    """The credentials a success reply handed out; tests look for these in logs."""

    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: str
    assumed_role_arn: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _random(alphabet: str, n: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _jwt_claims(token: str) -> dict[str, Any]:
    """Unverified claims of a JWT, or {} when it is not one."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
        return claims if isinstance(claims, dict) else {}
    except Exception:
        return {}


def _role_name(role_arn: str) -> tuple[str, str]:
    """(account, role name) from arn:aws:iam::ACCOUNT:role/PATH/NAME, with fallbacks."""
    parts = role_arn.split(":", 5)
    account = parts[4] if len(parts) == 6 and parts[4] else DEFAULT_ACCOUNT
    resource = parts[5] if len(parts) == 6 else role_arn
    name = resource.rsplit("/", 1)[-1] if "/" in resource else resource
    return account, name or "role"


def success_document(form: dict[str, str], reply: Reply) -> tuple[str, IssuedCredentials]:
    """The XML STS returns for a successful exchange, and the credentials in it."""
    role_arn = form.get("RoleArn", f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/unknown")
    session = form.get("RoleSessionName", "session")
    account, role = _role_name(role_arn)
    duration = reply.duration_seconds
    if duration is None:
        try:
            duration = int(form.get("DurationSeconds", "3600"))
        except ValueError:
            duration = 3600
    expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=duration)
    if reply.fractional_expiration:
        expiration = expires.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    else:
        expiration = expires.strftime("%Y-%m-%dT%H:%M:%SZ")
    upper_alnum = string.ascii_uppercase + string.digits
    creds = IssuedCredentials(
        access_key_id="ASIA" + _random(upper_alnum, 16),
        secret_access_key=_random(string.ascii_letters + string.digits + "/+", 40),
        session_token="FwoGZXIvYXdzEFAKE" + _random(string.ascii_letters + string.digits + "/+", 300),
        expiration=expiration,
        assumed_role_arn=f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
    )
    claims = _jwt_claims(form.get("WebIdentityToken", ""))
    aud = claims.get("aud", "sts.amazonaws.com")
    if isinstance(aud, list):
        aud = aud[0] if aud else ""
    iss = str(claims.get("iss", "https://oidc.example.invalid"))
    provider = f"arn:aws:iam::{account}:oidc-provider/{iss.split('://', 1)[-1]}"

    def el(name: str, value: str) -> str:
        return "" if name in reply.omit else f"<{name}>{escape(value)}</{name}>"

    xml = (
        f'<AssumeRoleWithWebIdentityResponse xmlns="{STS_NAMESPACE}">\n'
        "  <AssumeRoleWithWebIdentityResult>\n"
        f"    {el('SubjectFromWebIdentityToken', str(claims.get('sub', 'unknown')))}\n"
        f"    {el('Audience', str(aud))}\n"
        "    <AssumedRoleUser>\n"
        f"      {el('Arn', creds.assumed_role_arn)}\n"
        f"      {el('AssumedRoleId', 'AROA' + _random(upper_alnum, 17) + ':' + session)}\n"
        "    </AssumedRoleUser>\n"
        + (
            ""
            if "Credentials" in reply.omit
            else "    <Credentials>\n"
            f"      {el('SessionToken', creds.session_token)}\n"
            f"      {el('SecretAccessKey', creds.secret_access_key)}\n"
            f"      {el('Expiration', creds.expiration)}\n"
            f"      {el('AccessKeyId', creds.access_key_id)}\n"
            "    </Credentials>\n"
        )
        + f"    {el('Provider', provider)}\n"
        "  </AssumeRoleWithWebIdentityResult>\n"
        "  <ResponseMetadata>\n"
        f"    <RequestId>{uuid.uuid4()}</RequestId>\n"
        "  </ResponseMetadata>\n"
        "</AssumeRoleWithWebIdentityResponse>\n"
    )
    return xml, creds


def error_document(code: str, message: str, status: int) -> str:
    """A query-protocol ErrorResponse, as STS sends it."""
    kind = "Receiver" if status >= 500 else "Sender"
    return (
        f'<ErrorResponse xmlns="{STS_NAMESPACE}">\n'
        "  <Error>\n"
        f"    <Type>{kind}</Type>\n"
        f"    <Code>{escape(code)}</Code>\n"
        f"    <Message>{escape(message)}</Message>\n"
        "  </Error>\n"
        f"  <RequestId>{uuid.uuid4()}</RequestId>\n"
        "</ErrorResponse>\n"
    )


# --- verifying the web identity token ----------------------------------------------------------

# InvalidIdentityToken message AWS documents for a token it cannot validate (bad signature, unknown key).
UNVERIFIABLE_TOKEN_MESSAGE = (
    "The web identity token that was passed could not be validated by AWS. Get a new identity token "
    "from the identity provider and then retry the request."
)
# DER prefix of a PKCS#1 v1.5 DigestInfo for SHA-256 (RFC 8017, section 9.2, note 1).
_SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def rs256_verify(signing_input: bytes, signature: bytes, n: int, e: int) -> bool:
    """RSASSA-PKCS1-v1_5 with SHA-256, from first principles (keeps this fake stdlib-only)."""
    k = (n.bit_length() + 7) // 8
    if len(signature) != k:
        return False
    s = int.from_bytes(signature, "big")
    if s >= n:
        return False
    encoded = pow(s, e, n).to_bytes(k, "big")
    digest = _SHA256_DIGEST_INFO + hashlib.sha256(signing_input).digest()
    expected = b"\x00\x01" + b"\xff" * (k - 3 - len(digest)) + b"\x00" + digest
    return hmac.compare_digest(encoded, expected)


class TokenRejected(Exception):
    """Why STS would refuse the token: an AWS error code and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class JWTVerifier:
    """Checks a web identity token as STS does for an OIDC provider: RS256 signature against the
    provider's JWKS (by ``kid``), ``aud`` among the allowed audiences, ``exp`` in the future, and
    (when ``issuers`` is given) a known ``iss``."""

    def __init__(self, jwks: dict[str, Any], audiences: set[str], issuers: set[str] | None = None,
                 leeway_seconds: int = 0) -> None:
        self.keys: dict[str, tuple[int, int]] = {}
        for jwk in jwks.get("keys", []):
            if jwk.get("kty") == "RSA":
                n = int.from_bytes(_b64url_decode(jwk["n"]), "big")
                e = int.from_bytes(_b64url_decode(jwk["e"]), "big")
                self.keys[jwk.get("kid", "")] = (n, e)
        self.audiences = set(audiences)
        self.issuers = set(issuers) if issuers is not None else None
        self.leeway = leeway_seconds

    def verify(self, token: str, now: float | None = None) -> dict[str, Any]:
        """The token's claims, or TokenRejected with the error STS would answer."""
        now = time.time() if now is None else now
        parts = token.split(".")
        if len(parts) != 3:
            raise TokenRejected("InvalidIdentityToken", UNVERIFIABLE_TOKEN_MESSAGE)
        try:
            header = json.loads(_b64url_decode(parts[0]))
            claims = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except (ValueError, UnicodeDecodeError):
            raise TokenRejected("InvalidIdentityToken", UNVERIFIABLE_TOKEN_MESSAGE) from None
        if not isinstance(header, dict) or not isinstance(claims, dict) or header.get("alg") != "RS256":
            raise TokenRejected("InvalidIdentityToken", UNVERIFIABLE_TOKEN_MESSAGE)
        key = self.keys.get(header.get("kid", ""))
        if key is None or not rs256_verify(f"{parts[0]}.{parts[1]}".encode(), signature, *key):
            raise TokenRejected("InvalidIdentityToken", UNVERIFIABLE_TOKEN_MESSAGE)
        issuer = str(claims.get("iss", ""))
        if self.issuers is not None and issuer not in self.issuers:
            raise TokenRejected(
                "InvalidIdentityToken",
                f"No OpenIDConnect provider found in your account for {issuer}",
            )
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if not any(a in self.audiences for a in audiences):
            raise TokenRejected("InvalidIdentityToken", "Incorrect token audience")
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)) or exp + self.leeway <= now:
            raise TokenRejected(
                "ExpiredTokenException",
                f"Token expired: current date/time {int(now)} must be before the expiration date/time{exp}",
            )
        return claims


# --- relaying to moto --------------------------------------------------------------------------

_HOP_BY_HOP = {"host", "content-length", "connection", "keep-alive", "transfer-encoding", "accept-encoding"}


def relay(base_url: str, method: str, path_and_query: str, headers: dict[str, str], body: bytes,
          timeout: float = 30) -> tuple[int, bytes, str]:
    """Forward one request to a loopback server (moto); (status, body, content type) of its answer."""
    host = urllib.parse.urlsplit(base_url).hostname or ""
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"relays go to loopback only, not {host}")
    forwarded = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
    request = urllib.request.Request(base_url.rstrip("/") + path_and_query, data=body if method == "POST" else None,
                                     headers=forwarded, method=method)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "text/xml")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "text/xml")


def credentials_from_xml(xml: bytes) -> IssuedCredentials | None:
    """The credentials in an AssumeRoleWithWebIdentityResponse (e.g. moto's), if any."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return None

    def find(name: str) -> str:
        for element in root.iter():
            if element.tag.rsplit("}", 1)[-1] == name:
                return element.text or ""
        return ""

    if not find("AccessKeyId"):
        return None
    return IssuedCredentials(find("AccessKeyId"), find("SecretAccessKey"), find("SessionToken"),
                             find("Expiration"), find("Arn"))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeSTS/1.0"
    timeout = 60  # an idle keep-alive connection is dropped after this

    @property
    def fake(self) -> "FakeSTS":
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.fake.verbose:
            sys.stderr.write("fake_sts: " + (format % args) + "\n")

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header, shifted by the fake's ``date_offset_seconds`` (clock-skew tests)."""
        when = time.time() if timestamp is None else timestamp
        return email.utils.formatdate(when + self.fake.date_offset_seconds, usegmt=True)

    def _send(self, status: int, body: str, content_type: str, request_id: str | None = None) -> None:
        data = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", request_id or str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _read_body(self) -> str:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length).decode("utf-8", "replace") if length else ""

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("GET")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        parsed = urllib.parse.urlsplit(self.path)
        body = self._read_body() if method == "POST" else ""
        if parsed.path.startswith("/_fake/"):
            self._control(method, parsed.path, body)
            return
        raw = body if method == "POST" else parsed.query
        form = {k: v[0] for k, v in urllib.parse.parse_qs(raw, keep_blank_values=True).items()}
        request = RecordedRequest(
            method=method,
            path=parsed.path,
            query=parsed.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            form=form,
            time=time.time(),
        )
        if self.fake.relay_to and form.get("Action") != "AssumeRoleWithWebIdentity":
            # Anything but the exchange (GetCallerIdentity, S3, …) goes straight to moto, unscripted.
            self.fake._record_passthrough(request)
            status, data, content_type = relay(self.fake.relay_to, method, self.path, dict(self.headers.items()),
                                               body.encode())
            self._send(status, data.decode("utf-8", "replace"), content_type)
            return
        reply = self.fake._record(request)
        if self.fake.latency_seconds:
            self.fake._stopping.wait(self.fake.latency_seconds)
        self._answer(reply, form, method, body)

    def _answer(self, reply: Reply, form: dict[str, str], method: str = "POST", body: str = "") -> None:
        if reply.kind == "hang":
            self.fake._stopping.wait(reply.seconds)
            if self.fake._stopping.is_set():
                self.close_connection = True
                return
            reply = success()
        if reply.kind == "success" and self.fake.verifier is not None:
            try:
                self.fake.verifier.verify(form.get("WebIdentityToken", ""))
            except TokenRejected as rejection:
                self.fake._reject(rejection)
                self._send(400, error_document(rejection.code, rejection.message, 400), "text/xml")
                return
        if reply.kind == "success" and self.fake.relay_to:
            status, data, content_type = relay(self.fake.relay_to, method, self.path, dict(self.headers.items()),
                                               body.encode())
            creds = credentials_from_xml(data) if status == 200 else None
            if creds is not None:
                self.fake._issue(creds)
            self._send(status, data.decode("utf-8", "replace"), content_type)
        elif reply.kind == "success":
            xml, creds = success_document(form, reply)
            self.fake._issue(creds)
            self._send(200, xml, "text/xml")
        elif reply.kind == "error":
            self._send(reply.status, error_document(reply.code, reply.message, reply.status), "text/xml")
        else:  # status, garbage
            self._send(reply.status, reply.body, reply.content_type)

    def _control(self, method: str, path: str, body: str) -> None:
        if method == "GET" and path == "/_fake/requests":
            payload = [r.to_dict() for r in self.fake.requests]
        elif method == "GET" and path == "/_fake/issued":
            payload = [c.to_dict() for c in self.fake.issued]
        elif method == "POST" and path == "/_fake/script":
            try:
                replies = [Reply.from_dict(d) for d in json.loads(body or "[]")]
            except (ValueError, KeyError, TypeError) as error:
                self._send(400, json.dumps({"error": str(error)}), "application/json")
                return
            self.fake.script(*replies)
            payload = {"script": [r.to_dict() for r in replies]}
        elif method == "POST" and path == "/_fake/reset":
            self.fake.reset()
            payload = {"status": "ok"}
        else:
            self._send(404, json.dumps({"error": f"no control endpoint {method} {path}"}), "application/json")
            return
        self._send(200, json.dumps(payload, indent=1), "application/json")


class FakeSTS(LoopbackFake):
    """A fake STS endpoint on 127.0.0.1; ``port=0`` picks a free port."""

    description = "fake STS"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        verbose: bool = False,
        *,
        verifier: JWTVerifier | None = None,
        relay_to: str | None = None,
        date_offset_seconds: float = 0.0,
        latency_seconds: float = 0.0,
    ) -> None:
        super().__init__(host, port, _Handler)
        self.verbose = verbose
        self.verifier = verifier
        self.relay_to = relay_to
        self.date_offset_seconds = date_offset_seconds
        self.latency_seconds = latency_seconds
        self._passthrough: list[RecordedRequest] = []
        self._rejections: list[TokenRejected] = []
        self._script: list[Reply] = [success()]
        self._served = 0
        self._requests: list[RecordedRequest] = []
        self._issued: list[IssuedCredentials] = []

    def script(self, *replies: Reply) -> None:
        """Answer the next requests with ``replies`` in order; the last one then repeats."""
        if not replies:
            raise ValueError("script needs at least one reply")
        with self._lock:
            self._script = list(replies)
            self._served = 0

    def reset(self) -> None:
        """Forget requests and credentials, and answer success again."""
        with self._lock:
            self._script = [success()]
            self._served = 0
            self._requests.clear()
            self._issued.clear()
            self._passthrough.clear()
            self._rejections.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def issued(self) -> list[IssuedCredentials]:
        with self._lock:
            return list(self._issued)

    @property
    def arwwi_requests(self) -> list[RecordedRequest]:
        """The AssumeRoleWithWebIdentity calls received (whatever was answered)."""
        return [r for r in self.requests if r.form.get("Action") == "AssumeRoleWithWebIdentity"]

    @property
    def passthrough(self) -> list[RecordedRequest]:
        """Requests relayed to moto unscripted (relay mode: everything but AssumeRoleWithWebIdentity)."""
        with self._lock:
            return list(self._passthrough)

    @property
    def rejections(self) -> list[TokenRejected]:
        """Tokens the verifier refused, in order."""
        with self._lock:
            return list(self._rejections)

    def _record_passthrough(self, request: RecordedRequest) -> None:
        with self._lock:
            self._passthrough.append(request)

    def _reject(self, rejection: TokenRejected) -> None:
        with self._lock:
            self._rejections.append(rejection)

    def _record(self, request: RecordedRequest) -> Reply:
        with self._lock:
            self._requests.append(request)
            reply = self._script[min(self._served, len(self._script) - 1)]
            self._served += 1
            return reply

    def _issue(self, creds: IssuedCredentials) -> None:
        with self._lock:
            self._issued.append(creds)


def reply_from_word(word: str) -> Reply:
    """CLI shorthand: success | garbage | hang[:SECONDS] | HTTP status number | AWS error code."""
    name, _, arg = word.partition(":")
    if name == "success":
        return success()
    if name == "garbage":
        return garbage()
    if name == "hang":
        return hang(float(arg) if arg else 30.0)
    if name == "verification-key":
        return aws_error("InvalidIdentityToken", message=VERIFICATION_KEY_MESSAGE)
    if name.isdigit():
        return http_status(int(name), arg or f"fake HTTP {name}")
    return aws_error(name, message=arg or None)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one, printed)")
    parser.add_argument(
        "--reply",
        action="append",
        default=[],
        metavar="WORD",
        help="scripted reply, repeatable, served in order (last repeats): success, garbage, hang[:SECONDS], "
        "verification-key, an HTTP status like 503[:BODY], or an AWS error code like AccessDenied[:MESSAGE]",
    )
    parser.add_argument("--jwks-file", help="verify AssumeRoleWithWebIdentity tokens against this JWKS (JSON file)")
    parser.add_argument("--audience", action="append", default=[], help="accepted token audience (repeatable; "
                        "default sts.amazonaws.com); used with --jwks-file")
    parser.add_argument("--relay-to", help="after verification, forward requests to this loopback URL (moto)")
    parser.add_argument("--date-offset", type=float, default=0.0, help="shift the Date header by SECONDS")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)

    verifier = None
    if args.jwks_file:
        with open(args.jwks_file) as f:
            verifier = JWTVerifier(json.load(f), set(args.audience or ["sts.amazonaws.com"]))
    fake = FakeSTS(args.host, args.port, verbose=args.verbose, verifier=verifier, relay_to=args.relay_to,
                   date_offset_seconds=args.date_offset)
    if args.reply:
        fake.script(*(reply_from_word(w) for w in args.reply))

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    print(f"fake STS listening on {fake.url}", flush=True)
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
