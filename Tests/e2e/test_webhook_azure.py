"""The webhook's init-only Azure injection, consumed as an app would: the variables the webhook puts in the
app container (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST, with the
webhook's `azure.authorityHost` pointed at the fake Entra ID) and a token from the fake OIDC issuer with the
projected volume's audience, handed to azure-identity's WorkloadIdentityCredential, which exchanges it itself."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import jsonpatch

from azure_support import azure_identity_tokens
from e2e_support import SUBJECT, isolated_env
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
