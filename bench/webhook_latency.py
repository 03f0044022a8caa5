"""Admission latency and throughput of `skyferry webhook` over TLS on loopback.

Starts the webhook (release binary by default) with a self-signed certificate, then:
  1. open loop: --rate requests/s for --seconds, spread over --clients processes, each with one
     keep-alive HTTPS connection; latency is measured from each request's *scheduled* send time
     (so a stall is not hidden by the client waiting, i.e. no coordinated omission);
  2. closed loop: --clients processes sending back to back for --seconds: the throughput.
Every request is the `several-containers` golden fixture (three containers, both clouds: the
largest patch), and every answer is checked (200, uid echoed, a patch present).
Client processes (Python) share the 2 cores with the server, so the numbers include their cost.

With --idle N it then opens N idle TLS connections (handshake done, no request: what a misbehaving or
hostile client holds), measures the open loop again while they are held, and reports the server's
memory (VmRSS from /proc/PID/status, anonymous memory from /proc/PID/smaps_rollup) without and with
them. The server's connection cap is raised above N for that run so that all N are held.

Usage: python bench/webhook_latency.py [--skyferry PATH] [--rate 500] [--seconds 20] [--clients 4] [--idle 2000]
  --skyferry  default: $SKYFERRY_BIN, else <repo>/.build/release/skyferry
"""

from __future__ import annotations

import datetime as dt
import http.client
import ipaddress
import json
import multiprocessing
import os
import resource
import socket
import ssl
import sys
import tempfile
import time
import uuid
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import harness
from harness import REPO_ROOT

FIXTURE = REPO_ROOT / "Tests" / "SFWebhookTests" / "Fixtures" / "several-containers.pod.json"


def make_certificates(directory: Path) -> Path:
    """Writes tls.crt/tls.key (signed by a fresh CA) and returns the CA file."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "bench-ca")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
          .not_valid_after(now + dt.timedelta(days=1)).add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(hours=2))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    (directory / "tls.crt").write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    (directory / "tls.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                          serialization.NoEncryption()))
    (directory / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return directory / "ca.crt"


def review_body(pod: dict, uid: str) -> bytes:
    return json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
        "uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"}, "operation": "CREATE",
        "namespace": "shop", "object": pod}}).encode()


def client(port: int, ca: str, rate: float, seconds: float, start_at: float, queue: multiprocessing.Queue,
           pod_file: Path = FIXTURE) -> None:
    """One keep-alive connection. rate > 0: open loop at that rate; rate == 0: back to back."""
    pod = json.loads(pod_file.read_text())
    # Each body is built before its send time (the server's latency, not the client's JSON encoder).
    placeholder = "00000000-0000-0000-0000-000000000000"
    prefix, suffix = review_body(pod, placeholder).split(placeholder.encode())
    context = ssl.create_default_context(cafile=ca)
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
    latencies: list[float] = []
    errors = 0
    while time.time() < start_at:
        time.sleep(0.001)
    begin = time.perf_counter()
    sent = 0
    while True:
        scheduled = begin + sent / rate if rate > 0 else time.perf_counter()
        if scheduled - begin >= seconds:
            break
        uid = str(uuid.uuid4())
        body = prefix + uid.encode() + suffix
        delay = scheduled - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        try:
            connection.request("POST", "/mutate", body=body, headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            raw = response.read()
            done = time.perf_counter()
            answer = json.loads(raw)["response"]
            if response.status != 200 or answer["uid"] != uid or "patch" not in answer:
                errors += 1
        except (OSError, http.client.HTTPException, ValueError, KeyError):
            errors += 1
            done = time.perf_counter()
            connection.close()
            connection = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=10)
        latencies.append(done - scheduled)
        sent += 1
    queue.put((latencies, errors, time.perf_counter() - begin))


def run_phase(port: int, ca: str, clients: int, rate: float, seconds: float,
              pod_file: Path = FIXTURE) -> tuple[list[float], int, float]:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    start_at = time.time() + 0.5
    processes = [multiprocessing.Process(target=client, args=(port, ca, rate / clients if rate else 0, seconds, start_at,
                                                              queue, pod_file))
                 for _ in range(clients)]
    for process in processes:
        process.start()
    results = [queue.get(timeout=seconds + 60) for _ in processes]
    for process in processes:
        process.join()
    latencies = [value for result in results for value in result[0]]
    return latencies, sum(r[1] for r in results), max(r[2] for r in results)


def open_idle(port: int, ca: str, count: int) -> list[ssl.SSLSocket]:
    """`count` TLS connections with the handshake done and no request sent."""
    context = ssl.create_default_context(cafile=ca)
    held = []
    for _ in range(count):
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        held.append(context.wrap_socket(raw, server_hostname="127.0.0.1"))
    return held


def open_loop_row(label: str, latencies: list[float], errors: int, elapsed: float, rate: float) -> list[str]:
    st = harness.summary(latencies).scaled(1000)
    return [label, f"{rate:.0f}/s ({st.n / elapsed:.0f}/s achieved)", *st.cells(("median", "p99", "max"), "{:.2f} ms"),
            str(errors)]


def main() -> int:
    parser = harness.argument_parser(__doc__)
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--idle", type=int, default=0, help="idle TLS connections to hold for a second open-loop run")
    args = harness.parse_arguments(parser)
    if args.idle:
        # Each held connection is one descriptor here and one in the server (which inherits this limit).
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = min(hard, max(soft, 2 * args.idle + 1024))
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        ca = str(make_certificates(directory))
        port = harness.free_port()
        config = directory / "webhook.yaml"
        config.write_text(f'listen: "127.0.0.1:{port}"\ntls: {{certFile: {directory}/tls.crt, keyFile: {directory}/tls.key}}\n'
                          "agent: {image: ghcr.io/example/skyferry:0.1.0}\n"
                          + (f"server: {{maxConnections: {args.idle + 256}}}\n" if args.idle else ""))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
        log = directory / "webhook.log"
        with harness.running([args.skyferry, "webhook", "--config", config, "--log-level", "warning"], env=env,
                             log=log) as server:
            harness.wait_until(lambda: harness.http_ok(f"https://127.0.0.1:{port}/healthz",
                                                       context=ssl.create_default_context(cafile=ca)),
                               "webhook", process=server, log=log)
            run_phase(port, ca, args.clients, 100, 2)  # warm-up
            cpu_before = harness.cpu_seconds(server.pid)
            latencies, errors, elapsed = run_phase(port, ca, args.clients, args.rate, args.seconds)
            server_cpu = harness.cpu_seconds(server.pid) - cpu_before
            st = harness.summary(latencies).scaled(1000)
            print(f"open loop: {st.n} requests at {args.rate:.0f}/s target ({st.n / elapsed:.0f}/s achieved) over "
                  f"{args.clients} keep-alive TLS connections, {errors} errors; server CPU {1000 * server_cpu / st.n:.3f} ms per request "
                  f"({100 * server_cpu / elapsed:.0f}% of one core)")
            print(harness.markdown_table(["rate", "p50", "p90", "p99", "max"],
                                         [[f"{args.rate:.0f}/s", *st.cells(("median", "p90", "p99", "max"), "{:.2f} ms")]],
                                         align="rrrrr"))
            print(harness.PERCENTILE_NOTE)
            latencies, errors, elapsed = run_phase(port, ca, args.clients, 0, min(args.seconds, 10))
            print(f"closed loop: {len(latencies) / elapsed:.0f} requests/s with {args.clients} connections "
                  f"(p50 {1000 * harness.summary(latencies).median:.2f} ms), {errors} errors")
            if args.idle:
                rows = []
                memory = [("0", harness.memory_kib(server.pid))]
                latencies, errors, elapsed = run_phase(port, ca, args.clients, args.rate, args.seconds)
                rows.append(open_loop_row("0", latencies, errors, elapsed, args.rate))
                held = open_idle(port, ca, args.idle)
                time.sleep(1)
                memory.append((str(args.idle), harness.memory_kib(server.pid)))
                latencies, errors, elapsed = run_phase(port, ca, args.clients, args.rate, args.seconds)
                rows.append(open_loop_row(str(args.idle), latencies, errors, elapsed, args.rate))
                still_open = sum(1 for tls in held if tls.fileno() >= 0)
                for tls in held:
                    tls.close()
                print(harness.markdown_table(["idle connections held", "rate", "p50", "p99", "max", "errors"], rows))
                print(harness.PERCENTILE_NOTE)
                print(harness.markdown_table(["idle connections held", "VmRSS", "anonymous"],
                                             [[label, f"{m.rss / 1024:.1f} MiB", f"{m.anonymous / 1024:.1f} MiB"]
                                              for label, m in memory]))
                m0, m1 = memory[0][1], memory[1][1]
                print(f"per idle connection: {(m1.rss - m0.rss) / args.idle:.1f} KiB RSS, "
                      f"{(m1.anonymous - m0.anonymous) / args.idle:.1f} KiB "
                      f"anonymous ({still_open} sockets still open client-side)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
