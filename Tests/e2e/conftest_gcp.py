"""Fixtures for the GCP-target end-to-end tests (`test_gcp_*.py` load this module with
``pytest_plugins = ["conftest_gcp"]``): the verifying fake GCP (fakes/fake_gcp.py), an in-process
moto whose STS backend the fake can read issued secrets from, the AWS metadata fakes
(fakes/fake_aws_metadata.py), the GCP workspace, and gcloud. Helpers are in gcp_support.py.

Builds on conftest.py's ``ws`` (fresh directory, isolated HOME, proxy safety net), ``make_jwt``,
``signing_key`` and ``skyferry_bin``.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from e2e_support import free_port
from fakes.fake_aws_metadata import FakeContainerCredentials, FakeIMDS, random_credentials
from fakes.fake_gcp import FakeGCP
from gcp_support import GCP_TOKEN_AUDIENCE, ISSUER, KID, SERVICE_ACCOUNT, GCPWorkspace, InProcessMoto


def _b64url_uint(value: int) -> str:
    return base64.urlsafe_b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


@pytest.fixture(scope="session")
def issuer_jwks(signing_key) -> dict[str, Any]:
    """The test issuer's JWKS (conftest's signing key): what the workload identity provider trusts."""
    numbers = signing_key.public_key().public_numbers()
    return {"keys": [{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": KID,
                      "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}]}


@pytest.fixture
def fake_gcp(issuer_jwks) -> Iterator[FakeGCP]:
    """A verifying fake GCP STS + IAM Credentials + protected resource, fresh per test."""
    with FakeGCP(jwks=issuer_jwks, issuer=ISSUER, service_accounts={SERVICE_ACCOUNT}) as gcp:
        yield gcp


@pytest.fixture(scope="session")
def inprocess_moto() -> Iterator[InProcessMoto]:
    """moto's server in this process, so the fake GCP can read the credentials its STS issued."""
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield InProcessMoto(f"http://{host}:{port}")
    finally:
        server.stop()


@pytest.fixture
def fake_gcp_with_moto(issuer_jwks, inprocess_moto) -> Iterator[FakeGCP]:
    """The fake GCP, also knowing every credential moto's STS has issued."""
    with FakeGCP(jwks=issuer_jwks, issuer=ISSUER, service_accounts={SERVICE_ACCOUNT},
                 aws_lookup=InProcessMoto.lookup) as gcp:
        yield gcp


@pytest.fixture
def fake_imds() -> Iterator[FakeIMDS]:
    with FakeIMDS(random_credentials(), role="skyferry-instance-role", region="eu-west-1") as imds:
        yield imds


@pytest.fixture
def fake_container() -> Iterator[FakeContainerCredentials]:
    with FakeContainerCredentials(random_credentials(), expected_token="pod-identity-" + os.urandom(8).hex()) as fake:
        yield fake


@pytest.fixture
def gws(ws, make_jwt) -> GCPWorkspace:
    """The GCP workspace: ``ws`` whose token is an RS256 JWT for the provider (aud https://iam…)."""
    workspace = GCPWorkspace(ws, make_jwt)
    workspace.write_token(make_jwt(aud=[GCP_TOKEN_AUDIENCE]))
    return workspace


@pytest.fixture(scope="session")
def gcloud_bin() -> str:
    found = shutil.which("gcloud")
    if found is None:
        pytest.skip("gcloud is not installed (command -v gcloud failed)")
    return found
