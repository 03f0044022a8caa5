"""`skyferry setup azure`: golden outputs (the same files as Tests/SFDiagnosticsTests/AzureSetupTests.swift),
the exact issuer, subject and audience of each federated identity credential, the AWS policy for
`sts:GetWebIdentityToken`, valid shell, the printed configuration accepted by the agent's parser, and
flags validated with what is expected."""

from __future__ import annotations

import json
import subprocess

import pytest

from e2e_support import run
from test_setup import FIXTURES, GKE

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "6d2a1c3e-8f4b-4b8e-9c1d-2e3f4a5b6c7d"
SCOPE = "/subscriptions/0b1f6471-1bf0-4dda-aec3-cb9272f09590/resourceGroups/shop"
UAMI = ["--identity-name", "shop-api", "--resource-group", "shop", "--client-id", CLIENT]
ROLE = ["--role", "Storage Blob Data Reader", "--scope", SCOPE]

# The scenarios of Tests/SFDiagnosticsTests/SetupScenarios+Azure.swift, as command lines.
SCENARIOS: dict[str, list[str]] = {
    "azure-gke": ["--gke-cluster", GKE, "--namespace", "shop", "--service-account", "api", "--tenant-id", TENANT,
                  *UAMI, *ROLE],
    "azure-eks-app": ["--eks-cluster", "shop", "--eks-region", "eu-west-1", "--namespace", "shop", "--service-account",
                      "api", "--tenant-id", "contoso.onmicrosoft.com", "--app-id", CLIENT],
    "azure-google": ["--gcp-service-account-id", "112233445566778899001", "--tenant-id", TENANT, *UAMI, *ROLE],
    "azure-aws": ["--aws-role-arn", "arn:aws:iam::123456789012:role/shop-api", "--aws-region", "us-east-1",
                  "--tenant-id", TENANT, *UAMI, "--cloud", "usgov", *ROLE],
}


def setup(ws, name: str, *extra: str):
    result = run([str(ws.skyferry_bin), "setup", "azure", *SCENARIOS[name], *extra], ws.env)
    assert result.returncode == 0, result
    return result


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_text_and_json_match_the_golden_files(ws, name, tmp_path):
    text = setup(ws, name).stdout
    assert text == (FIXTURES / f"setup-{name}.txt").read_text()
    script = tmp_path / "setup.sh"
    script.write_text(text)
    subprocess.run(["bash", "-n", str(script)], check=True)
    stdout = setup(ws, name, "--output", "json").stdout
    assert stdout == (FIXTURES / f"setup-{name}.json").read_text()
    json.loads(stdout)


@pytest.mark.parametrize("name,issuer,subject,audience", [
    ("azure-gke", f"https://container.googleapis.com/v1/{GKE}", "system:serviceaccount:shop:api",
     "api://AzureADTokenExchange"),
    ("azure-google", "https://accounts.google.com", "112233445566778899001", "api://AzureADTokenExchange"),
    ("azure-aws", '"${ISSUER_URL}"', "arn:aws:iam::123456789012:role/shop-api", "api://AzureADTokenExchangeUSGov"),
])
def test_the_credential_pins_issuer_subject_and_audience(ws, name, issuer, subject, audience):
    plan = json.loads(setup(ws, name, "--output", "json").stdout)
    commands = [s["command"] for s in plan["steps"] if "command" in s]
    [create] = [c for c in commands if c.startswith("az identity federated-credential create")]
    assert f" --issuer {issuer} --subject {subject} --audience {audience}" in create
    [assign] = [c for c in commands if c.startswith("az role assignment create")]
    assert assign == f'az role assignment create --assignee {CLIENT} --role "Storage Blob Data Reader" --scope {SCOPE}'


def test_an_app_registration_gets_a_credential_document(ws):
    plan = json.loads(setup(ws, "azure-eks-app", "--output", "json").stdout)
    credential = plan["documents"]["skyferry-federated-credential.json"]
    assert credential == {"name": "skyferry-shop-api", "issuer": "${ISSUER_URL}",
                          "subject": "system:serviceaccount:shop:api", "audiences": ["api://AzureADTokenExchange"]}
    commands = [s["command"] for s in plan["steps"] if "command" in s]
    assert commands[-1] == f"az ad app federated-credential create --id {CLIENT} --parameters skyferry-federated-credential.json"
    assert plan["serviceAccountAnnotations"] == {"skyferry.dev/azure-client-id": CLIENT,
                                   "skyferry.dev/azure-tenant-id": "contoso.onmicrosoft.com"}


def test_aws_outbound_federation_and_a_least_privilege_policy(ws):
    plan = json.loads(setup(ws, "azure-aws", "--output", "json").stdout)
    commands = [s["command"] for s in plan["steps"] if "command" in s]
    assert commands[0] == "aws iam enable-outbound-web-identity-federation"
    [statement] = plan["documents"]["skyferry-get-web-identity-token.json"]["Statement"]
    assert statement["Action"] == "sts:GetWebIdentityToken" and statement["Effect"] == "Allow"
    assert statement["Condition"]["ForAllValues:StringEquals"] == {"sts:IdentityTokenAudience": "api://AzureADTokenExchangeUSGov"}
    assert statement["Condition"]["NumericLessThanEquals"] == {"sts:DurationSeconds": "3600"}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_generated_configuration_is_accepted_by_doctor_parsing(ws, name, tmp_path):
    """The printed configuration parses with the agent's own parser: doctor exits 1 (checks fail here), not 2."""
    plan = json.loads(setup(ws, name, "--output", "json").stdout)
    config = tmp_path / "skyferry.yaml"
    config.write_text(plan["configuration"])
    result = run([str(ws.skyferry_bin), "doctor", "--config", str(config)], ws.env)
    assert result.returncode == 1, result


@pytest.mark.parametrize("args,status,message", [
    (["--tenant-id", TENANT, "--app-id", CLIENT], 64, "give one source"),
    (["--gcp-service-account-id", "1", "--tenant-id", TENANT], 64, "give one identity"),
    (["--gcp-service-account-id", "1", "--tenant-id", TENANT, "--identity-name", "x", "--resource-group", "g"], 64,
     "--identity-name needs --client-id"),
    (["--gcp-service-account-id", "1", "--tenant-id", TENANT, "--app-id", CLIENT, "--role", "Reader"], 64,
     "--role needs --scope"),
    (["--gcp-service-account-id", "sa@p.iam.gserviceaccount.com", "--tenant-id", TENANT, "--app-id", CLIENT], 2,
     "--gcp-service-account-id \"sa@p.iam.gserviceaccount.com\" is not valid (expected the numeric unique id"),
    (["--gcp-service-account-id", "1", "--tenant-id", "contoso", "--app-id", CLIENT], 2,
     "--tenant-id \"contoso\" is not valid (expected a GUID (the directory id) or a tenant domain"),
    (["--gcp-service-account-id", "1", "--tenant-id", TENANT, "--app-id", "my-app"], 2,
     "--app-id \"my-app\" is not valid (expected a GUID)"),
    (["--aws-role-arn", "arn:aws:iam::1:role/x", "--tenant-id", TENANT, "--app-id", CLIENT], 2,
     "--aws-role-arn \"arn:aws:iam::1:role/x\" is not valid"),
])
def test_bad_flags_say_what_is_expected(ws, args, status, message):
    result = run([str(ws.skyferry_bin), "setup", "azure", *args], ws.env)
    assert result.returncode == status, result
    assert message in result.stderr, result.stderr
