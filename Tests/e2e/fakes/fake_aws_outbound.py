"""A verifying fake of AWS IAM outbound identity federation, for tests only: a regional STS that answers
``GetWebIdentityToken`` and the account's token issuer (discovery + JWKS) that a relying party such as the fake
Entra ID (fake_entra.py) fetches. Sources: AWSOUT in shared/reference/azure.md (§6.2) and botocore 1.43.11's STS
model, which has the operation and its errors.

    POST /  Action=GetWebIdentityToken&Version=2011-06-15&Audience.member.1=…&SigningAlgorithm=RS256
            [&DurationSeconds=60..3600 (default 300)][&Tags.member.N.Key=…&Tags.member.N.Value=…]

What it checks, answering STS's query-protocol ``ErrorResponse`` when a check fails:

- SigV4, **recomputed independently with botocore's SigV4Auth** from the request as received (method, path,
  body, the headers named in ``SignedHeaders`` with the Host header as sent) and the secret of the access key,
  which the test registers (``register_credentials``) or a ``lookup`` callable finds. No Authorization: 403
  ``MissingAuthenticationToken``; unknown key or wrong/missing session token: 403 ``InvalidClientTokenId``;
  another signature, service or region in the scope, or ``X-Amz-Date`` more than 15 minutes off: 403
  ``SignatureDoesNotMatch`` (AWS's texts);
- the endpoint: a Host of the global ``sts.amazonaws.com`` is refused (400 ``InvalidAction``; AWS documents
  that the API is regional-only but not the error it returns there, so code and text are this fake's);
- ``Action`` / ``Version`` (400 ``InvalidAction``); ``Audience.member.N`` 1-10 values of 1-1000 characters,
  ``SigningAlgorithm`` ``RS256`` or ``ES384``, ``DurationSeconds`` 60-3600, at most 50 tags (400
  ``ValidationError`` in AWS's "1 validation error detected: …" form);
- the account's feature switch: ``enabled=False`` answers 403 ``OutboundWebIdentityFederationDisabledException``
  (the code and HTTP status of botocore's model; the text is the model's description of the error);
- session credentials registered with an ``expiration``: a token that would outlive them is 403
  ``SessionDurationEscalationException`` (botocore's model).

Success: ``GetWebIdentityTokenResponse/GetWebIdentityTokenResult/{WebIdentityToken,Expiration}`` plus
``ResponseMetadata/RequestId``. The token is signed (RS256 with an RSA key, or ES384 with a P-384 key, both in the
issuer's JWKS) and carries ``iss`` (the issuer, served over loopback HTTPS by a FakeOIDCIssuer sharing the keys),
``aud`` (a string for one audience, else a list), ``sub`` = the caller's IAM role ARN
(``arn:aws:iam::ACCOUNT:role/NAME``, derived from an ``assumed-role`` ARN), ``iat``, ``nbf``, ``exp``, ``jti``
and the ``https://sts.amazonaws.com/`` claims (``aws_account``, ``source_region``, ``principal_id``,
``request_tags`` when tags were sent).

In-process use (pytest)::

    creds = random_credentials()                            # fakes/fake_aws_metadata.py
    with FakeAWSOutbound(region="us-east-1") as aws:
        aws.register_credentials(creds.access_key_id, creds.secret_access_key, creds.session_token,
                                 arn="arn:aws:sts::123456789012:assumed-role/reader/i-0abc")
        entra.add_federated_credential(CLIENT_ID, FederatedCredential(aws.issuer, aws.role_arn_of(arn)))
        ... point the agent's STS endpoint at aws.url ...
        assert aws.issued[-1].claims["sub"] == "arn:aws:iam::123456789012:role/reader"
        aws.enabled = False                                 # OutboundWebIdentityFederationDisabledException

Stand-alone use (shell; needs botocore, cryptography and PyJWT, i.e. the project's .venv)::

    .venv/bin/python Tests/e2e/fakes/fake_aws_outbound.py --port 5040 --ca-out /tmp/ca.pem \\
        --credentials AKID:SECRET[:SESSIONTOKEN] --arn arn:aws:iam::123456789012:role/reader
    curl -s http://127.0.0.1:5040/_fake/requests     # and /_fake/issued, /_fake/rejections

Only loopback addresses may be bound.
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
import time
import urllib.parse
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import jwt
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from cryptography.hazmat.primitives.asymmetric import ec, rsa

if __package__:
    from .fake_oidc import FakeOIDCIssuer, b64url_uint, rsa_jwk
    from .fake_sts import STS_NAMESPACE, error_document
    from .loopback import LoopbackFake
    from .loopback_tls import LoopbackCA, default_ca
else:  # run as a script
    from fake_oidc import FakeOIDCIssuer, b64url_uint, rsa_jwk
    from fake_sts import STS_NAMESPACE, error_document
    from loopback import LoopbackFake
    from loopback_tls import LoopbackCA, default_ca

DEFAULT_ACCOUNT = "123456789012"
GLOBAL_HOST = "sts.amazonaws.com"
CLAIMS_NAMESPACE = "https://sts.amazonaws.com/"
SIGV4_WINDOW_SECONDS = 15 * 60
DISABLED_MESSAGE = ("The outbound web identity federation feature is not enabled for this account. To use this "
                    "feature, you must first enable it through the Amazon Web Services Management Console or API.")
ESCALATION_MESSAGE = ("The requested token duration would extend the session beyond its original expiration time. "
                      "You cannot use this operation to extend the lifetime of a session beyond what was granted "
                      "when the session was originally created.")
SIGNATURE_MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your AWS "
                      "Secret Access Key and signing method. Consult the service documentation for details.")
INVALID_TOKEN_ID = "The security token included in the request is invalid."
_AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, ?"
                      r"SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$")
# Status of each code this fake answers (botocore's model for the operation's own errors).
STATUS = {"MissingAuthenticationToken": 403, "InvalidClientTokenId": 403, "SignatureDoesNotMatch": 403,
          "InvalidAction": 400, "ValidationError": 400, "OutboundWebIdentityFederationDisabledException": 403,
          "SessionDurationEscalationException": 403, "JWTPayloadSizeExceededException": 400}


@dataclasses.dataclass
class AWSPrincipal:
    """Credentials the fake knows (as AWS would) and whom they belong to."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    arn: str = f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/skyferry-test"
    expiration: float | None = None  # epoch seconds; session credentials end then


@dataclasses.dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: str
    form: dict[str, str]
    time: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class IssuedWebIdentityToken:
    token: str
    claims: dict[str, Any]
    algorithm: str
    expiration: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class STSRejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.status = code, message, STATUS.get(code, 400)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "status": self.status}


def role_arn_of(arn: str) -> str:
    """The IAM role ARN behind an ``assumed-role`` session ARN (GetWebIdentityToken's ``sub``); others as given."""
    match = re.match(r"^arn:([^:]+):sts::(\d{12}):assumed-role/([^/]+)/.+$", arn)
    return f"arn:{match.group(1)}:iam::{match.group(2)}:role/{match.group(3)}" if match else arn


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _expiration_epoch(value: str | float | None) -> float | None:
    if value is None or isinstance(value, (int, float)):
        return value
    return dt.datetime.strptime(value.replace(".000", ""), "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=dt.timezone.utc).timestamp()


def recompute_signature(method: str, path: str, body: bytes, headers: dict[str, str], secret: str,
                        session_token: str | None) -> tuple[str, str, str]:
    """(expected signature, canonical request, the request's signature), recomputed with botocore's SigV4Auth
    from the request as received; ``headers`` have lower-cased names and include ``host``."""
    match = _AUTH_RE.match(headers.get("authorization", ""))
    if not match:
        raise ValueError("Authorization is not an AWS4-HMAC-SHA256 header")
    akid, _day, region, service, signed, signature = match.groups()
    signed_list = signed.split(";")
    missing = [name for name in signed_list if name not in headers]
    if missing:
        raise ValueError(f"SignedHeaders names headers the request lacks: {missing}")
    to_sign = {name: headers[name] for name in signed_list}
    request = AWSRequest(method=method, url=f"http://{headers['host']}{path}", data=body, headers=to_sign)
    request.context["timestamp"] = headers.get("x-amz-date", "")
    auth = SigV4Auth(Credentials(akid, secret, session_token), service, region)
    if auth.signed_headers(auth.headers_to_sign(request)) != signed:
        raise ValueError(f"SignedHeaders {signed} is not what botocore would sign")
    canonical = auth.canonical_request(request)
    return auth.signature(auth.string_to_sign(request, canonical), request), canonical, signature


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FakeAWSOutbound/1.0"
    timeout = 60

    @property
    def fake(self) -> "FakeAWSOutbound":
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        if self.fake.verbose:
            sys.stderr.write("fake_aws_outbound: " + (format % args) + "\n")

    def _send(self, status: int, body: str, content_type: str = "text/xml") -> None:
        data = body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        path = urllib.parse.urlsplit(self.path).path
        if path.startswith("/_fake/"):
            self._control(path)
        else:
            self._send(404, error_document("InvalidAction", "Could not find operation for GET", 404))

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = raw.decode("utf-8", "replace")
        form = {k: v[0] for k, v in urllib.parse.parse_qs(body, keep_blank_values=True).items()}
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = RecordedRequest("POST", self.path, headers, body, form, time.time())
        self.fake._record(request)
        try:
            xml = self.fake._get_web_identity_token(self.path, raw, headers, form)
        except STSRejected as rejection:
            self.fake._reject(rejection)
            self._send(rejection.status, error_document(rejection.code, rejection.message, rejection.status))
            return
        self._send(200, xml)

    def _control(self, path: str) -> None:
        if path == "/_fake/requests":
            payload: Any = [r.to_dict() for r in self.fake.requests]
        elif path == "/_fake/issued":
            payload = [t.to_dict() for t in self.fake.issued]
        elif path == "/_fake/rejections":
            payload = [r.to_dict() for r in self.fake.rejections]
        else:
            self._send(404, json.dumps({"error": f"no control endpoint {path}"}), "application/json")
            return
        self._send(200, json.dumps(payload, indent=1), "application/json")


class FakeAWSOutbound(LoopbackFake):
    """Regional STS with GetWebIdentityToken on 127.0.0.1 (plain HTTP unless ``tls=True``), plus the account's
    issuer (``issuer_server``, loopback HTTPS). ``port=0`` picks a free port."""

    description = "fake AWS outbound federation"

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        region: str = "us-east-1",
        account: str = DEFAULT_ACCOUNT,
        enabled: bool = True,
        tls: bool = False,
        ca: LoopbackCA | None = None,
        lookup: Callable[[str], Any] | None = None,
        clock_offset_seconds: float = 0.0,
        verbose: bool = False,
    ) -> None:
        self.ca = ca or default_ca()
        super().__init__(host, port, _Handler, tls_context=self.ca.server_context() if tls else None)
        self.region, self.account, self.enabled = region, account, enabled
        self.lookup = lookup
        self.clock_offset_seconds = clock_offset_seconds
        self.verbose = verbose
        self.rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec_key = ec.generate_private_key(ec.SECP384R1())
        self.rsa_kid, self.ec_kid = "skyferry-fake-aws-rs256", "skyferry-fake-aws-es384"
        self.issuer_server = FakeOIDCIssuer(ca=self.ca, key=self.rsa_key, kid=self.rsa_kid)
        self.issuer_server.jwks_body = json.dumps(self.jwks())
        self._principals: dict[str, AWSPrincipal] = {}
        self._requests: list[RecordedRequest] = []
        self._issued: list[IssuedWebIdentityToken] = []
        self._rejections: list[STSRejected] = []

    # --- lifecycle: the issuer runs alongside ------------------------------------------------------

    def start(self) -> "FakeAWSOutbound":
        self.issuer_server.start()
        super().start()
        return self

    def stop(self) -> None:
        super().stop()
        self.issuer_server.stop()

    # --- configuration and what tests read ---------------------------------------------------------

    @property
    def issuer(self) -> str:
        """The account's token issuer (``iss``), like ``https://<id>.tokens.sts.global.api.aws``."""
        return self.issuer_server.issuer

    @staticmethod
    def role_arn_of(arn: str) -> str:
        return role_arn_of(arn)

    def register_credentials(self, access_key_id: str, secret_access_key: str, session_token: str | None = None,
                             arn: str | None = None, expiration: str | float | None = None) -> AWSPrincipal:
        """Credentials the fake accepts, their principal (an IAM role or assumed-role ARN) and, for session
        credentials, their end (ISO 8601 "…Z" or epoch seconds)."""
        principal = AWSPrincipal(access_key_id, secret_access_key, session_token,
                                 arn or f"arn:aws:iam::{self.account}:role/skyferry-test", _expiration_epoch(expiration))
        with self._lock:
            self._principals[access_key_id] = principal
        return principal

    def jwks(self) -> dict[str, Any]:
        numbers = self.ec_key.public_key().public_numbers()
        ec_jwk = {"kty": "EC", "use": "sig", "alg": "ES384", "kid": self.ec_kid, "crv": "P-384",
                  "x": b64url_uint(numbers.x), "y": b64url_uint(numbers.y)}
        return {"keys": [rsa_jwk(self.rsa_key, self.rsa_kid), ec_jwk]}

    def verify_token(self, token: str, audience: str) -> dict[str, Any]:
        """The claims of a token this fake issued (signature by either key, aud, exp), or jwt.InvalidTokenError."""
        algorithm = jwt.get_unverified_header(token).get("alg")
        key = self.rsa_key.public_key() if algorithm == "RS256" else self.ec_key.public_key()
        return jwt.decode(token, key, algorithms=["RS256", "ES384"], audience=audience, issuer=self.issuer)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def issued(self) -> list[IssuedWebIdentityToken]:
        with self._lock:
            return list(self._issued)

    @property
    def rejections(self) -> list[STSRejected]:
        with self._lock:
            return list(self._rejections)

    def reset(self) -> None:
        with self._lock:
            self._requests.clear()
            self._issued.clear()
            self._rejections.clear()

    # --- internals ----------------------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def _reject(self, rejection: STSRejected) -> None:
        with self._lock:
            self._rejections.append(rejection)

    def _principal(self, access_key_id: str) -> AWSPrincipal | None:
        with self._lock:
            principal = self._principals.get(access_key_id)
        if principal is None and self.lookup is not None:
            found = self.lookup(access_key_id)
            if found is not None:
                principal = AWSPrincipal(found.access_key_id, found.secret_access_key, found.session_token,
                                         getattr(found, "arn", f"arn:aws:iam::{self.account}:role/skyferry-test"),
                                         _expiration_epoch(getattr(found, "expiration", None)))
        return principal

    def _authenticate(self, path: str, body: bytes, headers: dict[str, str]) -> AWSPrincipal:
        authorization = headers.get("authorization")
        if not authorization:
            raise STSRejected("MissingAuthenticationToken", "Request is missing Authentication Token")
        match = _AUTH_RE.match(authorization)
        if not match:
            raise STSRejected("SignatureDoesNotMatch", SIGNATURE_MISMATCH)
        akid, day, region, service, signed, _signature = match.groups()
        if service != "sts":
            raise STSRejected("SignatureDoesNotMatch", "Credential should be scoped to correct service: 'sts'. ")
        if region != self.region:
            raise STSRejected("SignatureDoesNotMatch", "Credential should be scoped to a valid region. ")
        for required in ("host", "x-amz-date"):
            if required not in signed.split(";"):
                raise STSRejected("SignatureDoesNotMatch", SIGNATURE_MISMATCH)
        principal = self._principal(akid)
        if principal is None:
            raise STSRejected("InvalidClientTokenId", INVALID_TOKEN_ID)
        sent_token = headers.get("x-amz-security-token")
        if sent_token != principal.session_token:
            raise STSRejected("InvalidClientTokenId", INVALID_TOKEN_ID)
        try:
            signed_at = dt.datetime.strptime(headers.get("x-amz-date", ""), "%Y%m%dT%H%M%SZ").replace(
                tzinfo=dt.timezone.utc)
        except ValueError:
            raise STSRejected("SignatureDoesNotMatch", SIGNATURE_MISMATCH) from None
        now = time.time() + self.clock_offset_seconds
        if signed_at.strftime("%Y%m%d") != day:
            raise STSRejected("SignatureDoesNotMatch", SIGNATURE_MISMATCH)
        if abs(now - signed_at.timestamp()) > SIGV4_WINDOW_SECONDS:
            stamp = dt.datetime.fromtimestamp(now, dt.timezone.utc)
            earliest = (stamp - dt.timedelta(seconds=SIGV4_WINDOW_SECONDS)).strftime("%Y%m%dT%H%M%SZ")
            raise STSRejected("SignatureDoesNotMatch", f"Signature expired: {headers['x-amz-date']} is now earlier "
                                                       f"than {earliest} ({stamp.strftime('%Y%m%dT%H%M%SZ')} - 15 min.)")
        try:
            expected, _canonical, signature = recompute_signature("POST", path, body, headers,
                                                                  principal.secret_access_key, principal.session_token)
        except ValueError:
            raise STSRejected("SignatureDoesNotMatch", SIGNATURE_MISMATCH) from None
        if not hmac.compare_digest(expected, signature):
            raise STSRejected("SignatureDoesNotMatch", SIGNATURE_MISMATCH)
        return principal

    def _get_web_identity_token(self, path: str, body: bytes, headers: dict[str, str], form: dict[str, str]) -> str:
        host = headers.get("host", "").split(":")[0].lower()
        if host == GLOBAL_HOST:
            raise STSRejected("InvalidAction", "GetWebIdentityToken is not available on the global endpoint "
                                               f"{GLOBAL_HOST}; use a Regional STS endpoint (fake wording).")
        principal = self._authenticate(path, body, headers)
        if form.get("Action") != "GetWebIdentityToken" or form.get("Version") != "2011-06-15":
            raise STSRejected("InvalidAction", f"Could not find operation {form.get('Action')} for version "
                                               f"{form.get('Version')}")
        audiences = [form[f"Audience.member.{n}"] for n in range(1, 100) if f"Audience.member.{n}" in form]
        if not audiences:
            raise STSRejected("ValidationError", "1 validation error detected: Value null at 'audience' failed to "
                                                 "satisfy constraint: Member must not be null")
        if len(audiences) > 10 or any(not 1 <= len(a) <= 1000 for a in audiences):
            raise STSRejected("ValidationError", "1 validation error detected: Value at 'audience' failed to "
                                                 "satisfy constraint: Member must have length less than or equal "
                                                 "to 10, and each member length between 1 and 1000")
        algorithm = form.get("SigningAlgorithm")
        if algorithm not in ("RS256", "ES384"):
            raise STSRejected("ValidationError", f"1 validation error detected: Value '{algorithm}' at "
                                                 "'signingAlgorithm' failed to satisfy constraint: Member must "
                                                 "satisfy enum value set: [RS256, ES384]")
        try:
            duration = int(form.get("DurationSeconds", "300"))
        except ValueError:
            raise STSRejected("ValidationError", "1 validation error detected: Value at 'durationSeconds' is not "
                                                 "an integer") from None
        if not 60 <= duration <= 3600:
            raise STSRejected("ValidationError", f"1 validation error detected: Value '{duration}' at "
                                                 "'durationSeconds' failed to satisfy constraint: Member must have "
                                                 "value between 60 and 3600")
        tags = {form[f"Tags.member.{n}.Key"]: form.get(f"Tags.member.{n}.Value", "")
                for n in range(1, 100) if f"Tags.member.{n}.Key" in form}
        if len(tags) > 50:
            raise STSRejected("ValidationError", "1 validation error detected: Value at 'tags' failed to satisfy "
                                                 "constraint: Member must have length less than or equal to 50")
        if not self.enabled:
            raise STSRejected("OutboundWebIdentityFederationDisabledException", DISABLED_MESSAGE)
        now = int(time.time() + self.clock_offset_seconds)
        if principal.expiration is not None and now + duration > principal.expiration:
            raise STSRejected("SessionDurationEscalationException", ESCALATION_MESSAGE)
        sub = role_arn_of(principal.arn)
        account = sub.split(":")[4] if sub.count(":") >= 5 else self.account
        claims: dict[str, Any] = {
            "iss": self.issuer, "aud": audiences[0] if len(audiences) == 1 else audiences, "sub": sub,
            "iat": now, "nbf": now, "exp": now + duration, "jti": str(uuid.uuid4()),
            CLAIMS_NAMESPACE: {"aws_account": account, "source_region": self.region, "principal_id": principal.arn,
                               **({"request_tags": tags} if tags else {})},
        }
        if algorithm == "RS256":
            token = jwt.encode(claims, self.rsa_key, algorithm="RS256", headers={"kid": self.rsa_kid})
        else:
            token = jwt.encode(claims, self.ec_key, algorithm="ES384", headers={"kid": self.ec_kid})
        expiration = _iso(now + duration)
        with self._lock:
            self._issued.append(IssuedWebIdentityToken(token, claims, algorithm, expiration))
        return (
            f'<GetWebIdentityTokenResponse xmlns="{STS_NAMESPACE}">\n'
            "  <GetWebIdentityTokenResult>\n"
            f"    <WebIdentityToken>{escape(token)}</WebIdentityToken>\n"
            f"    <Expiration>{expiration}</Expiration>\n"
            "  </GetWebIdentityTokenResult>\n"
            "  <ResponseMetadata>\n"
            f"    <RequestId>{uuid.uuid4()}</RequestId>\n"
            "  </ResponseMetadata>\n"
            "</GetWebIdentityTokenResponse>\n"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one, printed)")
    parser.add_argument("--region", default="us-east-1", help="the region requests must be scoped to")
    parser.add_argument("--credentials", action="append", default=[], metavar="AKID:SECRET[:SESSIONTOKEN]",
                        help="credentials to accept (repeatable)")
    parser.add_argument("--arn", default=f"arn:aws:iam::{DEFAULT_ACCOUNT}:role/skyferry-test",
                        help="the principal of those credentials (token sub: its role ARN)")
    parser.add_argument("--disabled", action="store_true", help="answer OutboundWebIdentityFederationDisabledException")
    parser.add_argument("--ca-out", help="write the test CA's PEM here (the issuer is HTTPS)")
    parser.add_argument("--verbose", action="store_true", help="log each request to stderr")
    args = parser.parse_args(argv)

    fake = FakeAWSOutbound(args.host, args.port, region=args.region, enabled=not args.disabled, verbose=args.verbose)
    for spec in args.credentials:
        akid, secret, *token = spec.split(":", 2)
        fake.register_credentials(akid, secret, token[0] if token else None, args.arn)
    if args.ca_out:
        Path(args.ca_out).write_bytes(fake.ca.pem)
    fake.issuer_server.start()

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    print(f"fake AWS STS (GetWebIdentityToken) on {fake.url}, issuer {fake.issuer}", flush=True)
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake._stopping.set()
        fake._server.server_close()
        fake.issuer_server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
