"""The webhook reads identity annotations from pods' ServiceAccounts, through the fake API server.

`skyferry webhook` runs with `kubernetes.apiServer` pointing at fakes/fake_kube_api.py (loopback HTTPS,
its own CA, a bearer token file): it lists and watches ServiceAccounts, falls back to a direct GET for one
it has not seen, and decides what to do when the API server is down. Patches are applied with `jsonpatch`
and the patched pods validated with `kubernetes-validate --strict`, as the golden fixtures are.
"""

from __future__ import annotations

import base64
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import jsonpatch
import kubernetes_validate
import pytest

from e2e_support import REPO_ROOT, AgentProcess, free_port, isolated_env, metric, parse_metrics
from fakes.fake_kube_api import FakeKubeAPI
from test_webhook import IMAGE, KUBERNETES_VERSION, Webhook, make_ca, write_leaf

ROLE = "arn:aws:iam::123456789012:role/shop-reader"
OTHER_ROLE = "arn:aws:iam::123456789012:role/override"
PROVIDER = "//iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/pool/providers/kube"


def start(tmp: Path, api: FakeKubeAPI, *, healthy_only: bool = False, watch_timeout: int = 10) -> Webhook:
    tmp.mkdir(parents=True, exist_ok=True)
    ca = make_ca("skyferry-test-ca")
    cert_path, key_path = tmp / "tls.crt", tmp / "tls.key"
    write_leaf(ca, cert_path, key_path)
    port = free_port()
    config = tmp / "webhook.yaml"
    config.write_text(
        f'listen: "127.0.0.1:{port}"\n'
        f"tls:\n  certFile: {cert_path}\n  keyFile: {key_path}\n"
        f"agent:\n  image: {IMAGE}\n"
        f"kubernetes:\n  apiServer: {api.url}\n  tokenFile: {api.token_path}\n  caFile: {api.ca_path}\n"
        f"  watchTimeoutSeconds: {watch_timeout}\n")
    binary = Path(os.environ.get("SKYFERRY_BIN", REPO_ROOT / ".build" / "debug" / "skyferry"))
    process = AgentProcess([str(binary), "webhook", "--config", str(config), "--log-level", "debug"],
                           isolated_env(tmp / "home"), tmp / "logs")
    webhook = Webhook(process, port, ca, cert_path, key_path)
    path = "/healthz" if healthy_only else "/readyz"

    def ready() -> bool:
        try:
            return webhook.request("GET", path)[0] == 200
        except OSError:
            return False

    process.wait_for(ready, timeout=20, what=f"GET {path} over HTTPS")
    return webhook


@pytest.fixture
def api(tmp_path: Path) -> Iterator[FakeKubeAPI]:
    fake = FakeKubeAPI.create(tmp_path / "kube", port=free_port())
    yield fake
    fake.down()


@pytest.fixture
def running(tmp_path: Path, api: FakeKubeAPI, skyferry_bin: Path) -> Iterator[tuple[FakeKubeAPI, Webhook]]:
    api.add("shop", "api", {"skyferry.dev/aws-role-arn": ROLE, "skyferry.dev/aws-region": "eu-west-1"})
    api.add("shop", "default")
    api.up()
    webhook = start(tmp_path / "webhook", api)
    yield api, webhook
    webhook.process.stop()


def pod(service_account: str | None = "api", **annotations: str) -> dict:
    spec: dict = {"containers": [{"name": "app", "image": "registry.example/shop/api:1.4.2"}]}
    if service_account is not None:
        spec["serviceAccountName"] = service_account
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"p-{uuid.uuid4().hex[:8]}", "namespace": "shop",
                         "labels": {"skyferry.dev/inject": "true"},
                         "annotations": {f"skyferry.dev/{k.replace('_', '-')}": v for k, v in annotations.items()}},
            "spec": spec}


def injected(webhook: Webhook, body: dict) -> tuple[str, list[str]]:
    """Reviews the pod, applies and validates the patch; returns the agent's configuration and the warnings."""
    response = webhook.review(body)
    assert response["allowed"] is True and "patch" in response, response
    patched = jsonpatch.JsonPatch(json.loads(base64.b64decode(response["patch"]))).apply(body)
    kubernetes_validate.validate(patched, KUBERNETES_VERSION, strict=True)
    agent = patched["spec"]["initContainers"][0]
    config = next(e["value"] for e in agent["env"] if e["name"] == "SKYFERRY_CONFIG_YAML")
    return config, response.get("warnings", [])


def denied(webhook: Webhook, body: dict) -> str:
    response = webhook.review(body)
    assert response["allowed"] is False and "patch" not in response, response
    return response["status"]["message"]


def lists(api: FakeKubeAPI) -> list:
    """The LIST requests (not the GETs of one ServiceAccount, not the watches)."""
    return [r for r in api.requests_matching(watch=False) if "/namespaces/" not in r.path]


def lookups(webhook: Webhook, result: str) -> float:
    samples = parse_metrics(webhook.request("GET", "/metrics")[1].decode())
    return metric(samples, "skyferry_webhook_serviceaccount_lookups_total", result=result) or 0


def eventually(what: str, check: Callable[[], object], timeout: float = 10) -> None:
    """Polls until `check` returns something other than False without raising AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if check() is not False:
                return
        except AssertionError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.1)


def test_service_account_annotations_are_injected(running: tuple[FakeKubeAPI, Webhook]) -> None:
    api, webhook = running
    config, warnings = injected(webhook, pod())
    assert ROLE in config and "eu-west-1" in config and warnings == []
    assert lookups(webhook, "hit") == 1
    # Served from the cache: one list, one watch, no GET.
    assert api.requests_matching(name="api") == []
    samples = parse_metrics(webhook.request("GET", "/metrics")[1].decode())
    assert metric(samples, "skyferry_webhook_serviceaccounts_cached") == 2


def test_pod_annotations_override_key_by_key(running: tuple[FakeKubeAPI, Webhook]) -> None:
    _, webhook = running
    config, _ = injected(webhook, pod(aws_role_arn=OTHER_ROLE))
    assert OTHER_ROLE in config and ROLE not in config and "eu-west-1" in config


def test_default_service_account_and_non_identity_keys(running: tuple[FakeKubeAPI, Webhook]) -> None:
    api, webhook = running
    api.modify("shop", "default", {"skyferry.dev/gcp-audience": PROVIDER, "skyferry.dev/mode": "init-only"})
    def sees_it() -> None:
        config, warnings = injected(webhook, pod(service_account=None))
        assert PROVIDER in config
        assert warnings == [
            "skyferry: ServiceAccount shop/default has the annotation skyferry.dev/mode, which is read from pods "
            "only; it was ignored (expected on a ServiceAccount: skyferry.dev/aws-role-arn, skyferry.dev/aws-region, "
            "skyferry.dev/gcp-audience, skyferry.dev/gcp-service-account, skyferry.dev/azure-client-id, "
            "skyferry.dev/azure-tenant-id, skyferry.dev/token-audience, skyferry.dev/token-expiration)"]
    eventually("the modified default ServiceAccount to be seen", sees_it)


def test_invalid_service_account_value_denies_naming_it(running: tuple[FakeKubeAPI, Webhook]) -> None:
    api, webhook = running
    api.add("shop", "broken", {"skyferry.dev/aws-role-arn": "arn:aws:iam::12:role/x"})
    assert denied(webhook, pod("broken")) == (
        'skyferry: ServiceAccount shop/broken annotation skyferry.dev/aws-role-arn: "arn:aws:iam::12:role/x" is not '
        "valid (expected an IAM role ARN, arn:PARTITION:iam::ACCOUNT:role/NAME with a 12-digit ACCOUNT)")


def test_service_account_created_just_before_the_pod(running: tuple[FakeKubeAPI, Webhook]) -> None:
    api, webhook = running
    api.pause_watches()  # the watch lags: only a direct GET can know the new ServiceAccount
    api.add("shop", "fresh", {"skyferry.dev/aws-role-arn": OTHER_ROLE})
    config, _ = injected(webhook, pod("fresh"))
    assert OTHER_ROLE in config
    gets = api.requests_matching(name="fresh")
    assert [r.status for r in gets] == [200]
    assert lookups(webhook, "fetched") == 1
    # Remembered: the next pod is a cache hit.
    injected(webhook, pod("fresh"))
    assert len(api.requests_matching(name="fresh")) == 1
    api.pause_watches(False)


def test_changed_annotations_are_honoured_by_the_next_pod(running: tuple[FakeKubeAPI, Webhook]) -> None:
    api, webhook = running
    api.modify("shop", "api", {"skyferry.dev/aws-role-arn": OTHER_ROLE})
    eventually("the change to reach the cache", lambda: OTHER_ROLE in injected(webhook, pod())[0])
    config, _ = injected(webhook, pod())
    assert OTHER_ROLE in config and "eu-west-1" not in config
    api.delete("shop", "api")
    eventually("the deletion to reach the cache",
               lambda: denied(webhook, pod()).startswith("skyferry: the pod has the label"))
    assert api.requests_matching(name="api") != []  # a deleted account is a miss: checked with a GET (404)


def test_broken_watch_is_resumed_from_its_resource_version(running: tuple[FakeKubeAPI, Webhook]) -> None:
    api, webhook = running
    assert len(lists(api)) == 1
    first_watch = api.requests_matching(watch=True)[0]
    api.break_watches()
    api.modify("shop", "api", {"skyferry.dev/aws-role-arn": OTHER_ROLE})

    def seen() -> None:
        assert OTHER_ROLE in injected(webhook, pod())[0]

    eventually("the change made while the watch was down", seen)
    watches = api.requests_matching(watch=True)
    assert len(watches) >= 2
    assert int(watches[1].query["resourceVersion"]) >= int(first_watch.query["resourceVersion"])
    assert len(lists(api)) == 1, "a broken watch resumes; it does not relist"
    samples = parse_metrics(webhook.request("GET", "/metrics")[1].decode())
    assert (metric(samples, "skyferry_webhook_serviceaccount_watch_restarts_total") or 0) >= 1


def test_gone_relists(running: tuple[FakeKubeAPI, Webhook]) -> None:
    api, webhook = running
    api.pause_watches()  # the webhook does not see this change, so its resourceVersion stays behind
    api.modify("shop", "api", {"skyferry.dev/aws-role-arn": OTHER_ROLE})
    api.compact()
    api.break_watches()  # resumes from a compacted resourceVersion: ERROR 410, then a fresh list
    api.pause_watches(False)

    def relisted() -> None:
        assert len(lists(api)) == 2

    eventually("a relist after 410 Gone", relisted)
    # The list's answer reaches the cache a moment after the request reached the fake.
    eventually("the relisted change", lambda: OTHER_ROLE in injected(webhook, pod())[0], timeout=5)
    assert api.requests_matching(name="api") == []
    webhook.process.wait_for_log("ServiceAccount list restarted", timeout=5)


def test_api_server_down_at_start(tmp_path: Path, api: FakeKubeAPI, skyferry_bin: Path) -> None:
    api.add("shop", "api", {"skyferry.dev/aws-role-arn": ROLE})
    started = time.monotonic()
    webhook = start(tmp_path / "webhook", api, healthy_only=True)
    try:
        assert webhook.request("GET", "/readyz")[0] == 503  # not yet: the bounded wait
        # Complete by itself: admitted, with a warning.
        config, warnings = injected(webhook, pod(aws_role_arn=OTHER_ROLE))
        assert OTHER_ROLE in config
        assert len(warnings) == 1 and warnings[0].startswith("skyferry: ServiceAccount shop/api could not be read (")
        # Needs its ServiceAccount: denied, saying so.
        message = denied(webhook, pod(aws_region="eu-west-1"))
        assert message.startswith("skyferry: ServiceAccount shop/api could not be read (API server unreachable: ")
        assert "not complete by themselves" in message
        webhook.process.wait_for(lambda: webhook.request("GET", "/readyz")[0] == 200, timeout=15,
                                 what="/readyz after the bounded wait")
        assert time.monotonic() - started >= 9
        assert lookups(webhook, "unavailable") == 2
        api.up()
        eventually("injection once the API server is up", lambda: ROLE in injected(webhook, pod())[0], timeout=40)
    finally:
        webhook.process.stop()


def test_api_server_down_mid_way(running: tuple[FakeKubeAPI, Webhook]) -> None:
    api, webhook = running
    api.down()
    # Cached: still injected from the ServiceAccount.
    assert ROLE in injected(webhook, pod())[0]
    # Not cached and needed: denied; complete by itself: admitted.
    assert "could not be read" in denied(webhook, pod("unknown"))
    assert OTHER_ROLE in injected(webhook, pod("unknown", aws_role_arn=OTHER_ROLE))[0]
    assert webhook.request("GET", "/healthz")[0] == 200 and webhook.request("GET", "/readyz")[0] == 200
    api.up()
    api.add("shop", "later", {"skyferry.dev/aws-role-arn": OTHER_ROLE})
    eventually("the watch to come back", lambda: api.open_watches == 1, timeout=40)
    assert OTHER_ROLE in injected(webhook, pod("later"))[0]


def test_wrong_token_is_refused_then_rotated(tmp_path: Path, api: FakeKubeAPI, skyferry_bin: Path) -> None:
    api.add("shop", "api", {"skyferry.dev/aws-role-arn": ROLE})
    good = api.token_path.read_text()
    api.token_path.write_text("stale-token")
    api.up()
    webhook = start(tmp_path / "webhook", api, healthy_only=True)
    try:
        eventually("a refused list", lambda: any(r.status == 401 for r in api.requests))
        assert all(r.status == 401 for r in api.requests)
        assert webhook.request("GET", "/readyz")[0] == 503
        assert "HTTP 401" in denied(webhook, pod(aws_region="eu-west-1"))
        api.token_path.write_text(good)  # the kubelet rotates the token: re-read after the 401
        eventually("the rotated token to be used", lambda: webhook.request("GET", "/readyz")[0] == 200, timeout=40)
        assert ROLE in injected(webhook, pod())[0]
        assert "stale-token" not in webhook.process.stderr + webhook.process.stdout
    finally:
        webhook.process.stop()


def test_sigterm_stops_with_a_watch_open(running: tuple[FakeKubeAPI, Webhook]) -> None:
    api, webhook = running
    assert api.open_watches == 1
    code, elapsed = webhook.process.signal()
    assert code == 0 and elapsed < 3, (code, elapsed)
    assert "skyferry webhook stopped" in webhook.process.stderr
