"""The fake Kubernetes API server (fakes/fake_kube_api.py) proven against the official Python client.

`kubernetes` 35.x lists (with limit/continue) and watches ServiceAccounts through it exactly as it does
against a real API server: TLS with the cluster CA, the bearer token, typed objects, chunked watch events,
bookmarks, and `410 Gone` raised as `ApiException(status=410)`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import urllib3
from kubernetes import client, watch
from kubernetes.client.rest import ApiException

from e2e_support import PROXY_SAFETY_NET
from fakes.fake_kube_api import FakeKubeAPI

ROLE = "arn:aws:iam::123456789012:role/reader"


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKubeAPI]:
    for name, value in PROXY_SAFETY_NET.items():
        monkeypatch.setenv(name, value)
    with FakeKubeAPI.create(tmp_path / "kube", max_watch_seconds=5) as fake:
        yield fake


def core(api: FakeKubeAPI, token: str | None = None) -> client.CoreV1Api:
    configuration = client.Configuration()
    configuration.host = api.url
    configuration.ssl_ca_cert = str(api.ca_path)
    configuration.api_key = {"authorization": token or api.token_path.read_text()}
    configuration.api_key_prefix = {"authorization": "Bearer"}
    # 35.0.0 reads the dead proxy from the environment but then resets no_proxy to None: set it again.
    configuration.no_proxy = PROXY_SAFETY_NET["NO_PROXY"]
    return client.CoreV1Api(client.ApiClient(configuration))


def test_list_pages_with_limit_and_continue(api: FakeKubeAPI) -> None:
    for index in range(5):
        api.add("shop", f"sa-{index}", {"skyferry.dev/aws-role-arn": ROLE} if index % 2 == 0 else None)
    api.add("other", "default")
    v1 = core(api)
    first = v1.list_service_account_for_all_namespaces(limit=2)
    assert [i.metadata.name for i in first.items] == ["default", "sa-0"]
    assert first.metadata._continue and first.metadata.remaining_item_count == 4
    names, token = [i.metadata.name for i in first.items], first.metadata._continue
    api.add("shop", "sa-late")  # after the first page: not in this list (a consistent snapshot)
    while token:
        page = v1.list_service_account_for_all_namespaces(limit=2, _continue=token)
        assert page.metadata.resource_version == first.metadata.resource_version
        names += [i.metadata.name for i in page.items]
        token = page.metadata._continue
    assert names == ["default", "sa-0", "sa-1", "sa-2", "sa-3", "sa-4"]
    shop = v1.list_namespaced_service_account("shop")
    assert len(shop.items) == 6 and int(shop.metadata.resource_version) == api.resource_version
    assert shop.items[0].metadata.annotations == {"skyferry.dev/aws-role-arn": ROLE}


def test_get_and_not_found(api: FakeKubeAPI) -> None:
    api.add("shop", "api", {"skyferry.dev/aws-region": "eu-west-1"})
    sa = core(api).read_namespaced_service_account("api", "shop")
    assert sa.kind == "ServiceAccount" and sa.metadata.annotations == {"skyferry.dev/aws-region": "eu-west-1"}
    with pytest.raises(ApiException) as missing:
        core(api).read_namespaced_service_account("nope", "shop")
    assert missing.value.status == 404


def test_wrong_token_is_401(api: FakeKubeAPI) -> None:
    with pytest.raises(ApiException) as refused:
        core(api, token="wrong").list_service_account_for_all_namespaces()
    assert refused.value.status == 401
    assert api.requests[-1].status == 401 and api.requests[-1].token == "wrong"


def test_expired_continue_is_410(api: FakeKubeAPI) -> None:
    for index in range(3):
        api.add("shop", f"sa-{index}")
    first = core(api).list_service_account_for_all_namespaces(limit=1)
    api.compact()
    with pytest.raises(ApiException) as gone:
        core(api).list_service_account_for_all_namespaces(limit=1, _continue=first.metadata._continue)
    assert gone.value.status == 410


def test_watch_streams_changes_from_a_resource_version(api: FakeKubeAPI) -> None:
    api.add("shop", "api")
    listed = core(api).list_service_account_for_all_namespaces()
    events: list[tuple[str, str, str]] = []

    def script() -> None:
        while api.open_watches == 0:
            threading.Event().wait(0.02)
        api.modify("shop", "api", {"skyferry.dev/aws-role-arn": ROLE})
        api.add("shop", "worker")
        api.delete("shop", "worker")
        api.bookmark()

    threading.Thread(target=script, daemon=True).start()
    stream = watch.Watch().stream(core(api).list_service_account_for_all_namespaces,
                                  resource_version=listed.metadata.resource_version, timeout_seconds=3,
                                  allow_watch_bookmarks=True)
    for event in stream:
        if event["type"] == "BOOKMARK":
            events.append(("BOOKMARK", "", event["raw_object"]["metadata"]["resourceVersion"]))
            break
        events.append((event["type"], event["object"].metadata.name, event["object"].metadata.resource_version))
    rv = int(listed.metadata.resource_version)
    assert events == [("MODIFIED", "api", str(rv + 1)), ("ADDED", "worker", str(rv + 2)),
                      ("DELETED", "worker", str(rv + 3)), ("BOOKMARK", "", str(rv + 3))]


def test_watch_without_resource_version_starts_with_the_current_state(api: FakeKubeAPI) -> None:
    api.add("shop", "a")
    api.add("shop", "b")
    stream = watch.Watch().stream(core(api).list_namespaced_service_account, "shop", timeout_seconds=1)
    assert [(e["type"], e["object"].metadata.name) for e in stream] == [("ADDED", "a"), ("ADDED", "b")]


def test_watch_ends_at_the_server_timeout(api: FakeKubeAPI) -> None:
    api.max_watch_seconds = 0.5
    rv = api.add("shop", "a")
    started = time.monotonic()
    stream = watch.Watch().stream(core(api).list_service_account_for_all_namespaces, resource_version=str(rv),
                                  timeout_seconds=30, _request_timeout=10)
    assert list(stream) == []
    # The client asked for 30 s; the server's own cap ended the stream cleanly (no error) well before.
    assert time.monotonic() - started < 5
    assert len(api.requests_matching(watch=True)) == 1


def test_too_old_resource_version_is_an_error_event_with_410(api: FakeKubeAPI) -> None:
    rv = api.add("shop", "a")
    api.add("shop", "b")
    api.compact()
    with pytest.raises(ApiException) as gone:
        for _ in watch.Watch().stream(core(api).list_service_account_for_all_namespaces, resource_version=str(rv),
                                      timeout_seconds=2):
            pass
    assert gone.value.status == 410


def test_broken_watch_is_a_protocol_error_for_the_client(api: FakeKubeAPI) -> None:
    rv = api.add("shop", "a")
    threading.Timer(0.3, api.break_watches).start()
    with pytest.raises((urllib3.exceptions.ProtocolError, ValueError)):
        for _ in watch.Watch().stream(core(api).list_service_account_for_all_namespaces, resource_version=str(rv),
                                      timeout_seconds=5):
            pass


def test_down_refuses_and_up_serves_on_the_same_port(api: FakeKubeAPI) -> None:
    port = api.port
    api.down()
    v1 = core(api)
    v1.api_client.rest_client.pool_manager.connection_pool_kw["retries"] = False
    with pytest.raises(urllib3.exceptions.HTTPError):
        v1.list_service_account_for_all_namespaces(_request_timeout=2)
    api.up()
    assert api.port == port
    assert core(api).list_service_account_for_all_namespaces().items == []
