"""The webhook's init-only Azure injection, consumed as an app would: the variables the webhook puts in the
app container (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST, with the
webhook's `azure.authorityHost` pointed at the fake Entra ID) and a token from the fake OIDC issuer with the
projected volume's audience, handed to azure-identity's WorkloadIdentityCredential, which exchanges it itself."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import jsonpatch

from azure_support import azure_identity_tokens, managed_identity_env
from e2e_support import SUBJECT, AgentProcess, free_port, isolated_env
from fakes.fake_entra import FakeEntra, FederatedCredential
from test_webhook import FIXTURES, start_webhook

pytest_plugins = ["conftest_azure"]


def test_init_only_variables_work_with_workload_identity_credential(tmp_path: Path, skyferry_bin: Path, oidc_issuer):
    pod = json.loads((FIXTURES / "azure-init-only.pod.json").read_text())
    client = pod["metadata"]["annotations"]["skyferry.dev/azure-client-id"]
    tenant = pod["metadata"]["annotations"]["skyferry.dev/azure-tenant-id"]
    with FakeEntra(tenants=[tenant]) as entra:
        entra.add_federated_credential(client, FederatedCredential(oidc_issuer.issuer, SUBJECT))
        webhook = start_webhook(tmp_path / "webhook", azure=f'{{cloud: public, authorityHost: "{entra.url}"}}')
        try:
            patched = jsonpatch.JsonPatch(json.loads(base64.b64decode(webhook.review(pod)["patch"]))).apply(pod)
        finally:
            webhook.process.stop()
        [source] = next(v for v in patched["spec"]["volumes"] if v["name"] == "skyferry-token")["projected"]["sources"]
        projection = source["serviceAccountToken"]
        app = patched["spec"]["containers"][0]
        env = {e["name"]: e["value"] for e in app["env"]}
        assert env["AZURE_AUTHORITY_HOST"] == entra.url.rstrip("/")
        assert env["AZURE_FEDERATED_TOKEN_FILE"] == "/var/run/secrets/skyferry/" + projection["path"]
        assert any(m["mountPath"] == "/var/run/secrets/skyferry" for m in app["volumeMounts"])

        # What the kubelet would write into the projected volume, at the path the app is told.
        token_file = tmp_path / projection["path"]
        token_file.write_text(oidc_issuer.make_token(SUBJECT, audience=projection["audience"]))
        app_env = isolated_env(tmp_path / "home")
        app_env.update(env)
        app_env["AZURE_FEDERATED_TOKEN_FILE"] = str(token_file)
        app_env["REQUESTS_CA_BUNDLE"] = str(entra.ca.path)
        [result] = azure_identity_tokens(app_env, "https://vault.azure.net/.default")
        assert "token" in result, result
        assert entra.verify_access_token(result["token"], "https://vault.azure.net")["appid"] == client


def test_sidecar_configuration_serves_managed_identity_to_azure_identity(tmp_path: Path, skyferry_bin: Path,
                                                                          oidc_issuer):
    """Sidecar mode end to end: the agent runs the configuration the webhook generated (its loopback ports moved to
    free ones, the token path to a file here) and ManagedIdentityCredential, given the app container's
    IDENTITY_ENDPOINT and IDENTITY_HEADER, gets a token for the pod's client from the fake Entra ID."""
    pod = json.loads((FIXTURES / "azure-sidecar.pod.json").read_text())
    client = pod["metadata"]["annotations"]["skyferry.dev/azure-client-id"]
    tenant = pod["metadata"]["annotations"]["skyferry.dev/azure-tenant-id"]
    with FakeEntra(tenants=["72f988bf-86f1-41af-91ab-2d7cd011db47"]) as entra:
        entra.add_tenant("72f988bf-86f1-41af-91ab-2d7cd011db47", tenant)
        entra.add_federated_credential(client, FederatedCredential(oidc_issuer.issuer, SUBJECT))
        webhook = start_webhook(tmp_path / "webhook", azure=f'{{authorityHost: "{entra.url}"}}')
        try:
            patched = jsonpatch.JsonPatch(json.loads(base64.b64decode(webhook.review(pod)["patch"]))).apply(pod)
        finally:
            webhook.process.stop()
        agent = patched["spec"]["initContainers"][0]
        config = next(e["value"] for e in agent["env"] if e["name"] == "SKYFERRY_CONFIG_YAML")
        env = {e["name"]: e["value"] for e in patched["spec"]["containers"][0]["env"]}

        endpoint, health = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
        token_file = tmp_path / "azure-token"
        token_file.write_text(oidc_issuer.make_token(SUBJECT))
        config = (config.replace("127.0.0.1:9912", endpoint).replace("127.0.0.1:8686", health)
                  .replace("/var/run/secrets/skyferry/azure-token", str(token_file)))
        config_file = tmp_path / "skyferry.yaml"
        config_file.write_text(config)
        process = AgentProcess([str(skyferry_bin), "agent", "--config", str(config_file), "--ca-bundle",
                                str(entra.ca.path)], isolated_env(tmp_path / "agent-home"), tmp_path / "logs",
                               health=health)
        try:
            process.wait_for(lambda: process.get("/healthz")[0] == 200, timeout=20, what="the agent's health")
            app_env = managed_identity_env(tmp_path / "home", env["IDENTITY_ENDPOINT"].replace("127.0.0.1:9912", endpoint),
                                           env["IDENTITY_HEADER"])
            [result] = azure_identity_tokens(app_env, "https://vault.azure.net/.default", credential="managed")
            assert "token" in result, f"{result}\n{process.describe()}"
            assert entra.verify_access_token(result["token"], "https://vault.azure.net")["appid"] == client
            assert env["IDENTITY_HEADER"] not in process.stderr, "the secret never reaches the logs"
        finally:
            process.stop()
