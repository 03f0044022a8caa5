"""The plumbing every fake server shares: bound to a loopback address only (``port=0``: a free
port), served from a daemon thread, stopped cleanly, usable as a context manager; HTTPS when given
a server ``ssl.SSLContext`` (see loopback_tls.py for the throwaway test CA)."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class LoopbackHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    #: Set for HTTPS: each connection's TLS handshake runs in its own handler thread.
    tls_context: ssl.SSLContext | None = None

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls_context is None:
            super().finish_request(request, client_address)
            return
        request.settimeout(10)  # a client that never finishes its handshake does not hold a thread for ever
        try:
            tls = self.tls_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            tls.settimeout(None)
            super().finish_request(tls, client_address)
        finally:
            try:
                tls.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            tls.close()


class LoopbackFake:
    """Base of the fakes. Handlers reach the fake as ``self.server.fake``.

    ``bind_and_activate=False`` binds the port without listening (connections are refused until a
    subclass calls ``_serve``), for servers that pretend not to be up yet.
    """

    #: How messages name the fake ("fake STS").
    description = "fake server"

    def __init__(self, host: str, port: int, handler: type[BaseHTTPRequestHandler], *, listen: bool = True,
                 tls_context: ssl.SSLContext | None = None) -> None:
        if not ipaddress.ip_address(host).is_loopback:
            raise ValueError(f"{self.description} binds loopback only, not {host}")
        self._lock = threading.Lock()
        self._stopping = threading.Event()  # set by stop(): handlers that wait can give up
        self._server = LoopbackHTTPServer((host, port), handler, bind_and_activate=False)
        self._server.fake = self  # type: ignore[attr-defined]
        self._server.tls_context = tls_context
        self._server.server_bind()  # the port is ours from now on
        self._listening = False
        self._thread: threading.Thread | None = None
        if listen:
            self._listen()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        scheme = "https" if self._server.tls_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def _listen(self) -> None:
        if not self._listening:
            self._server.server_activate()
            self._listening = True

    def _serve(self) -> None:
        """Listen (if not yet) and answer from a daemon thread."""
        if self._stopping.is_set():
            return
        self._listen()
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), name=self.description, daemon=True)
        self._thread.start()

    def start(self) -> Any:
        self._serve()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted (the modules' command-line use)."""
        self._listen()
        self._server.serve_forever()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
        self._server.server_close()

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
