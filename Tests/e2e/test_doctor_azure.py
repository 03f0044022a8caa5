"""`skyferry doctor` for Azure targets against the verifying fake Entra ID (fakes/fake_entra.py) and a fake
OIDC issuer: the assertion's claims against the federated credential the target needs, the token endpoint's
name resolution, and each AADSTS answer named with its cause and fix."""

from __future__ import annotations

import pytest

from azure_support import CLIENT_ID, VAULT_RESOURCE
from doctor_support import EXIT_FAILED, EXIT_OK, assert_no_secrets, doctor_json, step
from e2e_support import SUBJECT
from fakes.fake_entra import entra_error

pytest_plugins = ["conftest_azure"]


def azure_config(ws, entra) -> object:
    return ws.raw_config(
        "source:\n"
        f'  tokenFile: "{ws.token_file}"\n'
        "targets:\n"
        '  - name: "vault"\n'
        "    azure:\n"
        f'      tenantId: "{entra.tenant_id}"\n'
        f'      clientId: "{CLIENT_ID}"\n'
        f'      authorityHost: "{entra.url}"\n'
        f'      resources: ["{VAULT_RESOURCE}"]\n'
        "    outputs:\n"
        "      azureAccessTokenFile:\n"
        f'        path: "{ws.out_dir}/vault-token"\n'
    )


def run_doctor(ws, entra):
    return doctor_json(ws, azure_config(ws, entra), "--ca-bundle", str(entra.ca.path))


def test_healthy_azure_target_passes_and_names_its_credential(ws, entra, oidc_issuer):
    ws.write_token(oidc_issuer.make_token(SUBJECT))
    result, report = run_doctor(ws, entra)
    assert result.returncode == EXIT_OK, result
    assert step(report, "audience")["status"] == "pass"
    credential = step(report, "federated-credential")
    assert credential["status"] == "pass"
    assert f"issuer={oidc_issuer.issuer} subject={SUBJECT} audience=api://AzureADTokenExchange" in credential["detail"]
    assert step(report, "dns")["status"] == "pass"
    assert "Entra ID issued access tokens for " + VAULT_RESOURCE in step(report, "exchange")["detail"]
    assert not (ws.out_dir / "vault-token").exists(), "doctor writes no output"
    assert_no_secrets(result, ws.token)


def test_unknown_subject_names_the_credential_to_create(ws, entra, oidc_issuer):
    ws.write_token(oidc_issuer.make_token("system:serviceaccount:shop:other"))
    result, report = run_doctor(ws, entra)
    assert result.returncode == EXIT_FAILED
    exchange = step(report, "exchange")
    assert exchange["status"] == "fail"
    assert exchange["detail"].startswith("Entra ID answered AADSTS7002"), exchange
    assert "federated" in exchange["cause"]
    assert "system:serviceaccount:shop:other" in exchange["fix"]


def test_wrong_audience_is_caught_before_the_exchange(ws, entra, oidc_issuer):
    ws.write_token(oidc_issuer.make_token(SUBJECT, audience="sts.amazonaws.com"))
    result, report = run_doctor(ws, entra)
    assert result.returncode == EXIT_FAILED
    audience = step(report, "audience")
    assert audience["status"] == "fail" and "api://AzureADTokenExchange" in audience["detail"]


@pytest.mark.parametrize("code", [700024, 700027, 90061, 90002, 53003, 700016, 500011])
def test_each_aadsts_answer_is_named_with_cause_and_fix(ws, entra, oidc_issuer, code):
    ws.write_token(oidc_issuer.make_token(SUBJECT))
    entra.script(entra_error(code))
    result, report = run_doctor(ws, entra)
    assert result.returncode == EXIT_FAILED
    exchange = step(report, "exchange")
    assert exchange["detail"].startswith(f"Entra ID answered AADSTS{code} ("), exchange
    assert exchange["cause"] and exchange["cause"] != "Entra ID refused the exchange"
    assert exchange["fix"]
