"""Fakes of the two AWS credential endpoints a workload finds on its host, for tests only:

- ``FakeIMDS``: EC2 instance metadata with IMDSv2 sessions.
  ``PUT /latest/api/token`` with ``X-aws-ec2-metadata-token-ttl-seconds: 1..21600`` returns a session
  token (400 without the TTL header or out of range, 403 with ``X-Forwarded-For`` as the real one);
  every ``GET /latest/…`` must carry ``X-aws-ec2-metadata-token: <a live session token>`` or gets 401.
  It serves ``meta-data/iam/security-credentials/`` (the role name), ``…/<role>`` (``{"Code": "Success",
  "LastUpdated", "Type": "AWS-HMAC", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"}``),
  ``meta-data/placement/region`` and ``meta-data/placement/availability-zone``. ``role=None``
  means no instance profile (404 for the role list, as EC2 answers).
- ``FakeContainerCredentials``: the ECS / EKS Pod Identity credentials endpoint
  (``AWS_CONTAINER_CREDENTIALS_FULL_URI``). With ``expected_token`` set, ``Authorization`` must equal
  it exactly (raw, no ``Bearer``), else 401. Answers ``{"AccessKeyId", "SecretAccessKey", "Token",
  "Expiration", "AccountId"}``.

Both record every request (``.requests``) and bind loopback only. Credentials are plain values the
test gives (``AWSCredentials``, or ``random_credentials()``), so a verifying fake STS can be told
the same secret.

In-process use (pytest)::

    creds = random_credentials()
    with FakeIMDS(creds, role="app-role", region="eu-west-1") as imds:
        env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = imds.url
        ...
        assert imds.token_puts and imds.unauthorized == []

Stand-alone use (shell)::

    python fake_aws_metadata.py imds --port 5020 --region eu-west-1
    python fake_aws_metadata.py container --port 5021 --token s3cr3t
    # prints the URL and the credentials it serves, as JSON, on the first line

Standard library only.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import secrets
import signal
import string
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler
from typing import Any

if __package__:
    from .loopback import LoopbackFake
else:  # run as a script
    from loopback import LoopbackFake

MAX_TTL_SECONDS = 21600


@dataclasses.dataclass
class AWSCredentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: str  # ISO 8601, "…Z"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def random_credentials(prefix: str = "ASIA", lifetime_seconds: int = 3600) -> AWSCredentials:
    """Fresh, unique temporary credentials (what STS would hand out)."""
    alnum = string.ascii_uppercase + string.digits
    expires = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=lifetime_seconds)
    return AWSCredentials(
        access_key_id=prefix + "".join(secrets.choice(alnum) for _ in range(16)),
        secret_access_key="".join(secrets.choice(string.ascii_letters + string.digits + "/+") for _ in range(40)),
        session_token="IQoJb3JpZ2luFAKE" + "".join(secrets.choice(string.ascii_letters + string.digits + "/+")
                                                 for _ in range(200)),
        expiration=expires.strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


@dataclasses.dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    status: int
    time: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "EC2ws"

    def log_message(self, fmt: str, *args: Any) -> None:
        if self.server.fake.verbose:  # type: ignore[attr-defined]
            sys.stderr.write(f"{type(self.server.fake).__name__}: " + (fmt % args) + "\n")  # type: ignore[attr-defined]

    def _send(self, status: int, body: str, content_type: str = "text/plain") -> None:
        fake = self.server.fake  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        fake._record(RecordedRequest(self.command, urllib.parse.urlsplit(self.path).path,
                                     {k.lower(): v for k, v in self.headers.items()}, status, time.time()))
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

    def do_GET(self) -> None:  # noqa: N802
        self.server.fake._handle(self)  # type: ignore[attr-defined]

    def do_PUT(self) -> None:  # noqa: N802
        self.server.fake._handle(self)  # type: ignore[attr-defined]

    def do_POST(self) -> None:  # noqa: N802
        self.server.fake._handle(self)  # type: ignore[attr-defined]


class _FakeBase(LoopbackFake):
    def __init__(self, host: str, port: int, verbose: bool) -> None:
        self.description = type(self).__name__
        super().__init__(host, port, _Handler)
        self.verbose = verbose
        self._requests: list[RecordedRequest] = []

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def _handle(self, handler: _Handler) -> None:
        raise NotImplementedError


class FakeIMDS(_FakeBase):
    """EC2 instance metadata, IMDSv2 only (see the module docstring)."""

    def __init__(self, credentials: AWSCredentials, *, role: str | None = "skyferry-instance-role",
                 region: str = "us-east-1", host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        super().__init__(host, port, verbose)
        self.credentials = credentials
        self.role = role
        self.region = region
        self._sessions: dict[str, float] = {}  # token -> expiry

    @property
    def token_puts(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == "PUT" and r.path == "/latest/api/token"]

    @property
    def unauthorized(self) -> list[RecordedRequest]:
        """GETs refused for a missing or unknown session token."""
        return [r for r in self.requests if r.status == 401]

    @property
    def credential_fetches(self) -> list[RecordedRequest]:
        return [r for r in self.requests if self.role and r.path.endswith(f"/security-credentials/{self.role}")
                and r.status == 200]

    def _handle(self, h: _Handler) -> None:
        path = urllib.parse.urlsplit(h.path).path
        if h.headers.get("X-Forwarded-For"):
            h._send(403, "Forbidden")
            return
        if h.command == "PUT" and path == "/latest/api/token":
            ttl = h.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
            if not ttl.isdigit() or not 1 <= int(ttl) <= MAX_TTL_SECONDS:
                h._send(400, "Bad Request")
                return
            token = "AQAEA" + secrets.token_urlsafe(40)
            with self._lock:
                self._sessions[token] = time.time() + int(ttl)
            h._send(200, token)
            return
        if h.command != "GET":
            h._send(405, "Method Not Allowed")
            return
        token = h.headers.get("X-aws-ec2-metadata-token", "")
        with self._lock:
            live = self._sessions.get(token, 0) > time.time()
        if not live:
            h._send(401, "Unauthorized")
            return
        if path == "/latest/meta-data/iam/security-credentials/" or path == "/latest/meta-data/iam/security-credentials":
            if self.role is None:
                h._send(404, "Not Found")
            else:
                h._send(200, self.role)
        elif self.role is not None and path == f"/latest/meta-data/iam/security-credentials/{self.role}":
            c = self.credentials
            h._send(200, json.dumps({
                "Code": "Success",
                "LastUpdated": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "Type": "AWS-HMAC",
                "AccessKeyId": c.access_key_id,
                "SecretAccessKey": c.secret_access_key,
                "Token": c.session_token,
                "Expiration": c.expiration,
            }, indent=2))
        elif path == "/latest/meta-data/placement/region":
            h._send(200, self.region)
        elif path == "/latest/meta-data/placement/availability-zone":
            h._send(200, self.region + "a")
        else:
            h._send(404, "Not Found")


class FakeContainerCredentials(_FakeBase):
    """The ECS / EKS Pod Identity credentials endpoint (see the module docstring)."""

    PATH = "/v1/credentials"

    def __init__(self, credentials: AWSCredentials, *, expected_token: str | None = None,
                 account_id: str = "123456789012", host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        super().__init__(host, port, verbose)
        self.credentials = credentials
        self.expected_token = expected_token
        self.account_id = account_id

    @property
    def full_uri(self) -> str:
        """The value for AWS_CONTAINER_CREDENTIALS_FULL_URI."""
        return self.url + self.PATH

    @property
    def authorizations(self) -> list[str | None]:
        """The Authorization header of each request, in order (None when absent)."""
        return [r.headers.get("authorization") for r in self.requests]

    def _handle(self, h: _Handler) -> None:
        path = urllib.parse.urlsplit(h.path).path
        if h.command != "GET" or path != self.PATH:
            h._send(404, json.dumps({"code": "NotFound", "message": f"no {h.command} {path}"}), "application/json")
            return
        if self.expected_token is not None and h.headers.get("Authorization") != self.expected_token:
            h._send(401, json.dumps({"code": "AccessDeniedException", "message": "Unauthorized"}), "application/json")
            return
        c = self.credentials
        h._send(200, json.dumps({
            "AccessKeyId": c.access_key_id,
            "SecretAccessKey": c.secret_access_key,
            "Token": c.session_token,
            "Expiration": c.expiration,
            "AccountId": self.account_id,
        }), "application/json")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["imds", "container"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--region", default="us-east-1", help="imds: placement/region")
    parser.add_argument("--role", default="skyferry-instance-role", help="imds: the instance profile role name")
    parser.add_argument("--token", help="container: the Authorization value to require")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    creds = random_credentials()
    fake: _FakeBase
    if args.kind == "imds":
        fake = FakeIMDS(creds, role=args.role, region=args.region, host=args.host, port=args.port, verbose=args.verbose)
        where = fake.url
    else:
        fake = FakeContainerCredentials(creds, expected_token=args.token, host=args.host, port=args.port,
                                        verbose=args.verbose)
        where = fake.full_uri  # type: ignore[attr-defined]
    print(json.dumps({"url": where, "credentials": creds.to_dict()}), flush=True)

    def on_signal(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        fake.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        fake._server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
