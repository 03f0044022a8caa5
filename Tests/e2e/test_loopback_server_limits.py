"""The agent's loopback HTTP servers close idle, half-open and slow clients (ServerLimits.loopback:
read timeout 5 s, idle timeout 15 s), so a misbehaving client in the pod cannot hold sockets for ever."""

from __future__ import annotations

import socket
import time

from test_aws_container_endpoint import Endpoint

IDLE_TIMEOUT = 15
READ_TIMEOUT = 5


def closed_within(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed `sock` (EOF or reset), or None if it stayed open that long."""
    start = time.monotonic()
    sock.settimeout(0.2)
    while time.monotonic() - start < seconds:
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - start
        except socket.timeout:
            continue
        except OSError:
            return time.monotonic() - start
    return None


def test_idle_half_open_and_slow_clients_are_closed(ws, moto):
    endpoint = Endpoint(ws, moto.url)
    endpoint.wait_ready()
    host, port = endpoint.listen.rsplit(":", 1)
    idle = [socket.create_connection((host, int(port)), timeout=5) for _ in range(20)]
    half_open = socket.create_connection((host, int(port)), timeout=5)
    half_open.shutdown(socket.SHUT_WR)
    slow = socket.create_connection((host, int(port)), timeout=5)
    slow.sendall(b"GET /v1/credentials/")  # a request head that never ends

    elapsed = closed_within(slow, READ_TIMEOUT + 5)
    assert elapsed is not None, f"a request head left unfinished must be closed after the {READ_TIMEOUT} s read timeout"
    for sock in [half_open, *idle]:
        elapsed = closed_within(sock, IDLE_TIMEOUT + 10)
        assert elapsed is not None, f"an idle or half-open connection must be closed after the {IDLE_TIMEOUT} s idle timeout"
        sock.close()
    slow.close()
    # The endpoint still serves.
    assert endpoint.get()[0] == 200
