"""Fixtures for the Azure end-to-end tests (``pytest_plugins = ["conftest_azure"]``): a fake OIDC issuer on
loopback HTTPS (fakes/fake_oidc.py) and a verifying fake Entra ID that trusts it for ``CLIENT_ID``
(fakes/fake_entra.py), both fresh per test and signed by the process's test CA. Helpers for the real
clients (azure-identity, az) are in azure_support.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from azure_support import CLIENT_ID
from e2e_support import SUBJECT
from fakes.fake_entra import FakeEntra, FederatedCredential
from fakes.fake_oidc import FakeOIDCIssuer


@pytest.fixture
def oidc_issuer() -> Iterator[FakeOIDCIssuer]:
    """An OIDC issuer (discovery + JWKS over HTTPS) whose tokens Entra is told to trust."""
    with FakeOIDCIssuer(path="/id/skyferry-test-cluster") as issuer:
        yield issuer


@pytest.fixture
def entra(oidc_issuer: FakeOIDCIssuer) -> Iterator[FakeEntra]:
    """A fake Entra ID where ``CLIENT_ID`` has one federated credential: the issuer above, subject
    ``system:serviceaccount:shop:api``, audience api://AzureADTokenExchange."""
    with FakeEntra() as fake:
        fake.add_federated_credential(CLIENT_ID, FederatedCredential(oidc_issuer.issuer, SUBJECT))
        yield fake
