"""A recording HTTP proxy on 127.0.0.1 that forwards nothing: every request (forward-proxy GET/POST
with an absolute URI, or CONNECT host:port for HTTPS) is recorded with its headers and answered
502, so a test can prove what would have gone through a proxy and nothing leaves the machine."""

from __future__ import annotations

import dataclasses
import sys
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from fakes.loopback import LoopbackFake


@dataclasses.dataclass
class ProxiedRequest:
    method: str
    target: str  # the request target: an absolute URI, or host:port for CONNECT
    headers: dict[str, str]  # lower-cased names


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:
        if self.server.fake.verbose:  # type: ignore[attr-defined]
            sys.stderr.write("recording proxy: " + (fmt % args) + "\n")

    def _refuse(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length and self.command != "CONNECT":
            self.rfile.read(length)
        self.server.fake._record(ProxiedRequest(  # type: ignore[attr-defined]
            self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
        body = b"recording proxy: not forwarded\n"
        try:
            self.send_response(502, "Bad Gateway")
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True

    do_GET = do_POST = do_PUT = do_CONNECT = do_HEAD = _refuse  # noqa: N815


class RecordingProxy(LoopbackFake):
    description = "recording proxy"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> None:
        self.verbose = verbose
        self._requests: list[ProxiedRequest] = []
        self._requests_lock = threading.Lock()
        super().__init__(host, port, _Handler)

    def _record(self, request: ProxiedRequest) -> None:
        with self._requests_lock:
            self._requests.append(request)

    @property
    def requests(self) -> list[ProxiedRequest]:
        with self._requests_lock:
            return list(self._requests)

    def url_with_credentials(self, user: str, password: str) -> str:
        return f"http://{user}:{password}@127.0.0.1:{self.port}"
