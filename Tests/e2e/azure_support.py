"""Helpers for the Azure end-to-end tests: Microsoft's real clients (azure-identity from the main venv, the
Azure CLI from its own venv, ``<repo>/.venv-az``) pointed at the loopback fakes (fakes/fake_entra.py,
fakes/fake_oidc.py), each in a fresh process with an isolated environment and the proxy safety net.

azure-identity (shared/reference/azure.md §2.1, §5)::

    env = workload_identity_env(home, entra, CLIENT_ID, token_file)     # AZURE_* + REQUESTS_CA_BUNDLE
    [result] = azure_identity_tokens(env, "https://vault.azure.net/.default")
    result["token"] / result["expires_on"]  or  result["error"] ("ClientAuthenticationError"), result["message"]

    env = managed_identity_env(home, endpoint_url, secret, ca_path=…)    # IDENTITY_ENDPOINT / IDENTITY_HEADER
    azure_identity_tokens(env, scope, credential="managed", client_id=…)

The Azure CLI (§2.4, §5)::

    cli = AzureCLI.create(tmp_path / "az", entra)      # skips the test when .venv-az is missing
    cli.run("login", "--identity", "--allow-no-subscriptions", env=managed_identity_env(...))
    cli.access_token("https://vault.azure.net")        # az account get-access-token, parsed
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from e2e_support import REPO_ROOT, isolated_env

VAULT_RESOURCE = "https://vault.azure.net"
VAULT_SCOPE = VAULT_RESOURCE + "/.default"
ARM_RESOURCE = "https://management.core.windows.net/"
CLIENT_ID = "3c9e1b52-7a4d-4f0e-8b61-2d5a9c0e7f14"  # the app / user-assigned identity the tests federate into
AZ_VENV = Path(os.environ.get("SKYFERRY_AZ_VENV", REPO_ROOT / ".venv-az"))
CLOUD_NAME = "SkyferryFakeCloud"
SUBPROCESS_TIMEOUT_SECONDS = 120

# Runs in a fresh interpreter: the credential reads only its environment, like an application would.
AZURE_IDENTITY_SCRIPT = r"""
import json, sys
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import (DefaultAzureCredential, ManagedIdentityCredential, WorkloadIdentityCredential)

request = json.loads(sys.argv[1])
kind, kwargs = request["credential"], request["kwargs"]
credential = {"workload": WorkloadIdentityCredential, "default": DefaultAzureCredential,
              "managed": ManagedIdentityCredential}[kind](**kwargs)
results = []
for _ in range(request["count"]):
    try:
        token = credential.get_token(*request["scopes"], enable_cae=request["enable_cae"])
        results.append({"token": token.token, "expires_on": token.expires_on})
    except ClientAuthenticationError as error:
        results.append({"error": type(error).__name__, "message": error.message})
print(json.dumps(results))
"""


def workload_identity_env(home: Path, entra: Any, client_id: str, token_file: Path, *,
                          tenant_id: str | None = None, **extra: str) -> dict[str, str]:
    """The AKS workload-identity environment, pointed at a fake Entra: AZURE_CLIENT_ID, AZURE_TENANT_ID,
    AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST (https only) and REQUESTS_CA_BUNDLE (azure-core ignores
    SSL_CERT_FILE), plus the proxy safety net and a fresh HOME."""
    env = isolated_env(home)
    env.update({
        "AZURE_CLIENT_ID": client_id,
        "AZURE_TENANT_ID": tenant_id or entra.tenant_id,
        "AZURE_FEDERATED_TOKEN_FILE": str(token_file),
        "AZURE_AUTHORITY_HOST": entra.url,
    })
    if entra.ca_path is not None:
        env["REQUESTS_CA_BUNDLE"] = str(entra.ca_path)
    env.update(extra)
    return env


def managed_identity_env(home: Path, endpoint: str, secret: str, *, ca_path: Path | None = None,
                         **extra: str) -> dict[str, str]:
    """The App Service managed-identity environment: IDENTITY_ENDPOINT (plain http on loopback is fine) and
    IDENTITY_HEADER; nothing else that would change the source MSAL picks (azure.md §2.2)."""
    env = isolated_env(home)
    env.update({"IDENTITY_ENDPOINT": endpoint, "IDENTITY_HEADER": secret})
    if ca_path is not None:
        env["REQUESTS_CA_BUNDLE"] = str(ca_path)
    env.update(extra)
    return env


def azure_identity_tokens(env: dict[str, str], *scopes: str, credential: str = "workload", count: int = 1,
                          enable_cae: bool = False, timeout: float = SUBPROCESS_TIMEOUT_SECONDS,
                          **kwargs: Any) -> list[dict[str, Any]]:
    """Call ``get_token(*scopes)`` ``count`` times on one azure-identity credential (``workload``,
    ``default`` or ``managed``; ``kwargs`` go to its constructor) in a fresh process with ``env``.
    One dict per call: ``{"token", "expires_on"}`` or ``{"error", "message"}``."""
    request = {"credential": credential, "kwargs": kwargs, "scopes": list(scopes or (VAULT_SCOPE,)), "count": count,
               "enable_cae": enable_cae}
    result = subprocess.run([sys.executable, "-c", AZURE_IDENTITY_SCRIPT, json.dumps(request)], env=env,
                            capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, f"azure-identity failed ({result.returncode}):\n{result.stderr}\n{result.stdout}"
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- the Azure CLI ----------------------------------------------------------------------------------


def az_executable() -> Path | None:
    """``<repo>/.venv-az/bin/az`` (scripts/install-deps.sh makes it), or None."""
    path = AZ_VENV / "bin" / "az"
    return path if path.is_file() and os.access(path, os.X_OK) else None


@dataclass
class AzResult:
    args: list[str]
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __str__(self) -> str:
        return f"az {' '.join(self.args)} -> {self.returncode}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


@dataclass
class AzureCLI:
    """``az`` with its own AZURE_CONFIG_DIR, the fake cloud registered and selected, instance discovery off
    (MSAL would ask login.microsoftonline.com about 127.0.0.1), telemetry and survey off, the test CA in
    REQUESTS_CA_BUNDLE, the proxy safety net."""

    executable: Path
    home: Path
    base_env: dict[str, str] = field(default_factory=dict)

    @staticmethod
    def create(home: Path, entra: Any, *, cloud: str = CLOUD_NAME) -> "AzureCLI":
        """Skip the calling test when the CLI's venv is missing; else a CLI whose cloud is ``entra``."""
        import pytest

        executable = az_executable()
        if executable is None:
            pytest.skip(f"the Azure CLI is not installed at {AZ_VENV} (run scripts/install-deps.sh)")
        home.mkdir(parents=True, exist_ok=True)
        config_dir = home / "azure-config"
        config_dir.mkdir(exist_ok=True)
        base = isolated_env(home)
        base.update({
            "AZURE_CONFIG_DIR": str(config_dir),
            "AZURE_CORE_INSTANCE_DISCOVERY": "false",
            "AZURE_CORE_COLLECT_TELEMETRY": "false",
            "AZURE_CORE_SURVEY_MESSAGE": "false",
            "AZURE_CORE_NO_COLOR": "true",
            "AZURE_CORE_ONLY_SHOW_ERRORS": "true",
            "AZURE_EXTENSION_DIR": str(home / "azure-extensions"),
        })
        if entra.ca_path is not None:
            base["REQUESTS_CA_BUNDLE"] = str(entra.ca_path)
        cli = AzureCLI(executable, home, base)
        cli.check("cloud", "register", "-n", cloud, "--skip-endpoint-discovery",
                  "--endpoint-active-directory", entra.url,
                  "--endpoint-resource-manager", entra.url + "/",
                  "--endpoint-active-directory-resource-id", ARM_RESOURCE,
                  "--endpoint-active-directory-graph-resource-id", entra.url + "/graph/",
                  "--endpoint-management", ARM_RESOURCE)
        cli.check("cloud", "set", "-n", cloud)
        return cli

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = dict(self.base_env)
        env.update(extra or {})
        return env

    def run(self, *args: str, env: dict[str, str] | None = None,
            timeout: float = SUBPROCESS_TIMEOUT_SECONDS) -> AzResult:
        """``az ARGS`` with the CLI's environment plus ``env`` (e.g. IDENTITY_ENDPOINT / IDENTITY_HEADER)."""
        result = subprocess.run([str(self.executable), *args], env=self.env(env), capture_output=True, text=True,
                                timeout=timeout, stdin=subprocess.DEVNULL)
        return AzResult(list(args), result.returncode, result.stdout, result.stderr)

    def check(self, *args: str, env: dict[str, str] | None = None) -> AzResult:
        result = self.run(*args, env=env)
        assert result.returncode == 0, str(result)
        return result

    def access_token(self, resource: str, env: dict[str, str] | None = None) -> dict[str, Any]:
        """``az account get-access-token --resource R``: {accessToken, expiresOn, expires_on, tenant, …}."""
        return self.check("account", "get-access-token", "--resource", resource, "-o", "json", env=env).json()

    def remove(self) -> None:
        shutil.rmtree(self.home, ignore_errors=True)


def wait_seconds(seconds: float) -> None:
    """Sleep, for tests that wait out a short token lifetime (named so the intent reads in the test)."""
    time.sleep(seconds)
