"""The agent's loopback HTTP servers close idle, half-open and slow clients within the configured `server`
limits (defaults: ServerLimits.loopback, read 5 s, idle 15 s), so a misbehaving client in the pod cannot
hold sockets for ever; an invalid `server` key is a configuration error."""

from __future__ import annotations

import socket
import time

import pytest

from e2e_support import agent_config, to_yaml
from test_aws_container_endpoint import Endpoint

READ_TIMEOUT = 1
IDLE_TIMEOUT = 2
SERVER = {"readTimeoutSeconds": READ_TIMEOUT, "idleTimeoutSeconds": IDLE_TIMEOUT}
# Closing later than this means the configured value was not applied (the defaults are 5 s and 15 s).
SLACK = 2


def closed_by(sock: socket.socket, deadline: float) -> float | None:
    """The monotonic time the server closed `sock` (EOF or reset), or None if it was still open at `deadline`."""
    sock.settimeout(0.1)
    while time.monotonic() < deadline:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic()
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic()
    return None


def test_idle_half_open_and_slow_clients_are_closed(ws, moto):
    endpoint = Endpoint(ws, moto.url, server=SERVER)
    endpoint.wait_ready()
    host, port = endpoint.listen.rsplit(":", 1)
    opened = time.monotonic()
    idle = [socket.create_connection((host, int(port)), timeout=5) for _ in range(20)]
    half_open = socket.create_connection((host, int(port)), timeout=5)
    half_open.shutdown(socket.SHUT_WR)
    slow = socket.create_connection((host, int(port)), timeout=5)
    slow.sendall(b"GET /v1/credentials/")  # a request head that never ends
    sent = time.monotonic()

    closed = closed_by(slow, sent + READ_TIMEOUT + SLACK)
    assert closed is not None, f"a request head left unfinished must be closed after the {READ_TIMEOUT} s read timeout"
    assert closed - sent >= READ_TIMEOUT - 0.25, f"closed {closed - sent:.2f} s after its first byte"
    # A half-open connection (the client sent FIN, no request) may go earlier; an idle one not before its timeout.
    assert closed_by(half_open, opened + IDLE_TIMEOUT + SLACK) is not None, "a half-open connection must be closed"
    half_open.close()
    for sock in idle:
        closed = closed_by(sock, opened + IDLE_TIMEOUT + SLACK)
        assert closed is not None, f"an idle connection must be closed after the {IDLE_TIMEOUT} s idle timeout"
        assert closed - opened >= IDLE_TIMEOUT - 0.25, f"closed {closed - opened:.2f} s after it opened"
        sock.close()
    slow.close()
    # The endpoint still serves.
    assert endpoint.get()[0] == 200


def test_an_idle_close_is_counted(ws, moto):
    endpoint = Endpoint(ws, moto.url, server=SERVER)
    host, port = endpoint.listen.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=5)
    assert closed_by(sock, time.monotonic() + IDLE_TIMEOUT + SLACK) is not None
    sock.close()
    key = ("skyferry_connections_closed_total",
           frozenset({("server", "awsContainerEndpoint"), ("reason", "idle_timeout")}))
    assert endpoint.agent.metrics().get(key, 0) >= 1


def test_server_max_connections_0_exits_2_naming_the_key(ws, moto):
    doc = agent_config(ws.token_file, ws.output, moto.url)
    doc["server"] = {"maxConnections": 0}
    result = ws.agent(ws.raw_config(to_yaml(doc) + "\n"))

    assert result.returncode == 2, result
    assert "server.maxConnections" in result.failure_report
    assert "0 is out of range (expected 1-100000)" in result.failure_report
