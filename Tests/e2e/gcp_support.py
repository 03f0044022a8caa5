"""Helpers for the GCP-target end-to-end tests (`test_gcp_*.py`): constants, config building,
the GCP workspace, and google-auth / gcloud as consumers of the agent's outputs. The fixtures live in
conftest_gcp.py, which the tests load with ``pytest_plugins = ["conftest_gcp"]``."""

from __future__ import annotations

import dataclasses
import json
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from e2e_support import FAST_REFRESH, isolated_env, run, write_config
from fakes.fake_aws_metadata import AWSCredentials
from fakes.fake_gcp import DEFAULT_AUDIENCE, AWSKey, FakeGCP

GCP_AUDIENCE = DEFAULT_AUDIENCE
# What GCP accepts as the OIDC token's aud when the provider lists no allowed audiences.
GCP_TOKEN_AUDIENCE = "https:" + GCP_AUDIENCE
GCP_POOL = GCP_AUDIENCE.split("/providers/")[0]
SERVICE_ACCOUNT = "sa@proj.iam.gserviceaccount.com"
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"
ISSUER = "https://oidc.skyferry.test/id/EXAMPLE0123456789"  # conftest.make_jwt's iss
KID = "skyferry-test-key"  # conftest.make_jwt's kid
SUBJECT = "system:serviceaccount:shop:api"  # conftest.make_jwt's sub
GCP_TARGET = "gcs"

EXIT_OK = 0
EXIT_CONFIG = 2
EXIT_SOURCE = 3
EXIT_REJECTED = 4
EXIT_UNAVAILABLE = 5


@dataclasses.dataclass
class InProcessMoto:
    url: str

    @staticmethod
    def lookup(access_key_id: str) -> AWSKey | None:
        """The secret and session token moto issued for an access key (as AWS would know them)."""
        from moto.sts.models import sts_backends

        for account in list(sts_backends.keys()):
            for backend in list(sts_backends[account].values()):
                for role in backend.assumed_roles:
                    if role.access_key_id == access_key_id:
                        return AWSKey(role.access_key_id, role.secret_access_key, role.session_token, role.arn)
        return None


# --- the workspace ------------------------------------------------------------------------------


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def gcp_target(gcp: FakeGCP | str | None, *, name: str = GCP_TARGET, audience: str = GCP_AUDIENCE,
               service_account: str | None = SERVICE_ACCOUNT, scopes: list[str] | None = None,
               lifetime_seconds: int | None = None, outputs: dict[str, Any] | None = None) -> dict[str, Any]:
    settings: dict[str, Any] = {"audience": audience}
    if service_account is not None:
        settings["serviceAccount"] = service_account
    if scopes is not None:
        settings["scopes"] = scopes
    if lifetime_seconds is not None:
        settings["lifetimeSeconds"] = lifetime_seconds
    if gcp is not None:
        base = gcp if isinstance(gcp, str) else gcp.url
        settings["stsEndpoint"] = f"{base}/v1/token"
        settings["iamEndpoint"] = base
    return {"name": name, "gcp": settings, "outputs": outputs or {}}


@dataclasses.dataclass
class GCPWorkspace:
    """``ws`` plus GCP conventions: the token file holds a JWT for the GCP provider; outputs go to
    ``out/token`` and ``out/credentials.json``."""

    ws: Any
    make_jwt: Any

    @property
    def root(self) -> Path:
        return self.ws.root

    @property
    def out_dir(self) -> Path:
        return self.ws.out_dir

    @property
    def token_file(self) -> Path:
        return self.ws.token_file

    @property
    def token(self) -> str:
        return self.ws.token

    @property
    def access_token_file(self) -> Path:
        return self.out_dir / "token"

    @property
    def external_account_file(self) -> Path:
        return self.out_dir / "credentials.json"

    @property
    def env(self) -> dict[str, str]:
        return self.ws.env

    def write_token(self, token: str) -> None:
        self.ws.write_token(token)

    def outputs(self, access_token: bool = True, external_account: bool = False,
                subject_token_path: Path | None = None) -> dict[str, Any]:
        outputs: dict[str, Any] = {}
        if access_token:
            outputs["gcpAccessTokenFile"] = {"path": str(self.access_token_file)}
        if external_account:
            ext: dict[str, Any] = {"path": str(self.external_account_file)}
            if subject_token_path is not None:
                ext["subjectTokenPath"] = str(subject_token_path)
            outputs["gcpExternalAccountFile"] = ext
        return outputs

    def config(self, gcp: FakeGCP | str | None, *, source: dict[str, Any] | None = None,
               outputs: dict[str, Any] | None = None, refresh: dict[str, Any] | None = None,
               targets: list[dict[str, Any]] | None = None, health_listen: str | None = None, **target: Any) -> Path:
        doc: dict[str, Any] = {
            "source": source if source is not None else {"tokenFile": str(self.token_file)},
            "targets": targets or [gcp_target(gcp, outputs=outputs if outputs is not None else self.outputs(), **target)],
            "refresh": refresh if refresh is not None else FAST_REFRESH,
        }
        if health_listen is not None:
            doc["health"] = {"listen": health_listen}
        return write_config(self.root / "skyferry.yaml", doc)

    def aws_config(self, gcp: FakeGCP | str | None, *, region: str | None = "us-east-1", **kwargs: Any) -> Path:
        """A config with ``source: {aws: {region}}``."""
        aws: dict[str, Any] = {"region": region} if region is not None else {}
        return self.config(gcp, source={"aws": aws}, **kwargs)

    def aws_env(self, *, imds: bool = False, region_env: bool = False, **extra: str) -> dict[str, str]:
        """The isolated environment for the aws source: no AWS variables but those given; IMDS off
        unless ``imds``; no AWS_DEFAULT_REGION unless ``region_env``."""
        env = dict(self.ws.env)
        for name in list(env):
            if name.startswith("AWS_") and name not in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
                del env[name]
        if not imds:
            env["AWS_EC2_METADATA_DISABLED"] = "true"
        if region_env:
            env["AWS_DEFAULT_REGION"] = "us-east-1"
        env.update(extra)
        return env

    def agent(self, config: Path, *extra: str, env: dict[str, str] | None = None, timeout: float = 60):
        return self.ws.agent(config, *extra, env=env, timeout=timeout)

    def read_access_token(self) -> str:
        return self.access_token_file.read_text()

    def read_external_account(self) -> dict[str, Any]:
        return json.loads(self.external_account_file.read_text())

    def output_names(self) -> list[str]:
        return sorted(p.name for p in self.out_dir.iterdir())


def aws_env_credentials(creds: AWSCredentials, with_session_token: bool = True) -> dict[str, str]:
    env = {"AWS_ACCESS_KEY_ID": creds.access_key_id, "AWS_SECRET_ACCESS_KEY": creds.secret_access_key}
    if with_session_token:
        env["AWS_SESSION_TOKEN"] = creds.session_token
    return env


def register(gcp: FakeGCP, creds: AWSCredentials, with_session_token: bool = True,
             arn: str | None = None) -> AWSKey:
    return gcp.register_aws_credentials(creds.access_key_id, creds.secret_access_key,
                                        creds.session_token if with_session_token else None, arn=arn)


# --- google-auth and gcloud as consumers -----------------------------------------------------------

GOOGLE_AUTH_SCRIPT = r"""
import json, sys
import google.auth
from google.auth.transport.requests import AuthorizedSession, Request

path, resource = sys.argv[1], sys.argv[2]
# Load WITHOUT scopes: with scopes, google-auth looks the project up at cloudresourcemanager (peers.md §3).
creds, _ = google.auth.load_credentials_from_file(path)
creds = creds.with_scopes(["https://www.googleapis.com/auth/cloud-platform"])
creds.refresh(Request())
status = AuthorizedSession(creds).get(resource, timeout=10).status_code
print(json.dumps({"class": type(creds).__module__ + "." + type(creds).__name__, "token": creds.token,
                  "expiry": creds.expiry.isoformat() if creds.expiry else None, "resource_status": status}))
"""


def client_env(gws: GCPWorkspace, **extra: str) -> dict[str, str]:
    """A fresh isolated environment for a client process (its own HOME and CLOUDSDK_CONFIG)."""
    home = gws.root / f"client-home-{time.monotonic_ns()}"
    env = isolated_env(home)
    gcloud_config = home / "gcloud"
    gcloud_config.mkdir()
    env.update({
        "CLOUDSDK_CONFIG": str(gcloud_config),
        "CLOUDSDK_CORE_DISABLE_PROMPTS": "1",
        "CLOUDSDK_CORE_DISABLE_USAGE_REPORTING": "true",
        "CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK": "true",
        "NO_GCE_CHECK": "true",
    })
    env.update(extra)
    return env


def google_auth_token(gws: GCPWorkspace, credentials_file: Path, gcp: FakeGCP,
                      env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run google-auth (fresh process) on the external_account file: token + protected resource status."""
    result = run([sys.executable, "-c", GOOGLE_AUTH_SCRIPT, str(credentials_file), gcp.resource_url],
                 env if env is not None else client_env(gws), timeout=60)
    assert result.returncode == 0, f"google-auth failed:\n{result}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def gcloud_print_access_token(gws: GCPWorkspace, gcloud: str, credentials_file: Path, gcp: FakeGCP) -> Any:
    """``gcloud auth print-access-token`` with CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE (no login), in a
    fresh CLOUDSDK_CONFIG. Without impersonation gcloud introspects the token to learn the account;
    the introspection endpoint (default https://sts.googleapis.com/v1/introspect, a leak the proxy
    net would catch) is pointed at the fake through the auth/token_introspection_endpoint property."""
    env = client_env(gws, CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE=str(credentials_file),
                     CLOUDSDK_AUTH_TOKEN_INTROSPECTION_ENDPOINT=gcp.introspect_url)
    return subprocess.run([gcloud, "auth", "print-access-token", "--verbosity=error"], env=env, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
