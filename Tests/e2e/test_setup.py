"""`skyferry setup` golden outputs, one per scenario (the same files the Swift tests compare against), and
what must hold of them: trust policies parse as JSON and pin sub and aud; gcloud providers carry the
attribute condition; the script is valid shell; the generated configuration is one the agent accepts."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from e2e_support import REPO_ROOT, run

FIXTURES = REPO_ROOT / "Tests" / "SFDiagnosticsTests" / "Fixtures"
GKE = "projects/shop-prod/locations/europe-west1/clusters/main"
S3_READ = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
SA_EMAIL = "shop-api@shop-prod.iam.gserviceaccount.com"

# The scenarios of Tests/SFDiagnosticsTests/SetupScenarios.swift, as command lines.
SCENARIOS: dict[str, list[str]] = {
    "aws-gke": ["aws", "--gke-cluster", GKE, "--namespace", "shop", "--service-account", "api", "--account-id", "123456789012",
                "--role-name", "shop-api", "--policy-arn", S3_READ, "--region", "eu-west-1"],
    "aws-google": ["aws", "--google-service-account", SA_EMAIL, "--google-unique-id", "112233445566778899001",
                   "--account-id", "123456789012", "--role-name", "shop-api", "--policy-arn", S3_READ, "--region", "eu-west-1"],
    "aws-issuer": ["aws", "--issuer", "https://oidc.example.com/clusters/prod", "--namespace", "shop", "--service-account", "api",
                   "--account-id", "123456789012", "--role-name", "shop-api"],
    "gcp-eks": ["gcp", "--eks-cluster", "prod", "--eks-region", "eu-west-1", "--namespace", "shop", "--service-account", "api",
                "--project-id", "shop-prod", "--project-number", "123456789", "--pool", "skyferry", "--provider", "eks-prod",
                "--impersonate", SA_EMAIL, "--role", "roles/storage.objectViewer"],
    "gcp-aws": ["gcp", "--aws-account-id", "123456789012", "--aws-role-name", "shop-api", "--aws-region", "eu-west-1",
                "--project-id", "shop-prod", "--project-number", "123456789", "--pool", "skyferry", "--provider", "aws-prod",
                "--role", "roles/storage.objectViewer"],
    "aws-azure": ["aws", "--azure-tenant", "72f988bf-86f1-41af-91ab-2d7cd011db47", "--app-id-uri", "api://skyferry-aws",
                  "--azure-principal-id", "6f2d1a3c-5b4e-4f00-9a8b-7c6d5e4f3a2b", "--account-id", "123456789012",
                  "--role-name", "shop-api", "--policy-arn", S3_READ],
    "gcp-azure": ["gcp", "--azure-tenant", "72f988bf-86f1-41af-91ab-2d7cd011db47", "--app-id-uri", "api://skyferry-gcp",
                  "--azure-principal-id", "6f2d1a3c-5b4e-4f00-9a8b-7c6d5e4f3a2b", "--project-id", "shop-prod",
                  "--project-number", "123456789", "--pool", "skyferry", "--provider", "azure-prod",
                  "--impersonate", SA_EMAIL, "--role", "roles/storage.objectViewer"],
}


def setup(ws, name: str, *extra: str):
    result = run([str(ws.skyferry_bin), "setup", *SCENARIOS[name], *extra], ws.env)
    assert result.returncode == 0, result
    return result


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_text_matches_the_golden_file(ws, name):
    assert setup(ws, name).stdout == (FIXTURES / f"setup-{name}.txt").read_text()


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_json_matches_the_golden_file(ws, name):
    stdout = setup(ws, name, "--output", "json").stdout
    assert stdout == (FIXTURES / f"setup-{name}.json").read_text()
    json.loads(stdout)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_the_script_is_valid_shell(ws, name, tmp_path):
    script = tmp_path / "setup.sh"
    script.write_text(setup(ws, name).stdout)
    subprocess.run(["bash", "-n", str(script)], check=True)


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n.startswith("aws-")])
def test_aws_trust_policies_parse_and_pin_sub_and_aud(ws, name):
    plan = json.loads(setup(ws, name, "--output", "json").stdout)
    policy = plan["documents"]["trust-policy.json"]
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert "AWS" not in statement["Principal"], "never a wildcard AWS principal"
    conditions = statement["Condition"]["StringEquals"]
    sub = next(v for k, v in conditions.items() if k.endswith(":sub"))
    aud = next(v for k, v in conditions.items() if k.endswith(":aud"))
    if name == "aws-google":
        assert statement["Principal"]["Federated"] == "accounts.google.com"
        assert sub == aud == "112233445566778899001"
        assert conditions["accounts.google.com:oaud"] == "sts.amazonaws.com"
    elif name == "aws-azure":
        host = "sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/"
        assert statement["Principal"]["Federated"] == f"arn:aws:iam::123456789012:oidc-provider/{host}"
        assert conditions == {f"{host}:sub": "6f2d1a3c-5b4e-4f00-9a8b-7c6d5e4f3a2b", f"{host}:aud": "api://skyferry-aws"}
    else:
        assert sub == "system:serviceaccount:shop:api", "pinned to one service account, not the whole cluster"
        assert aud == "sts.amazonaws.com"
        host = statement["Principal"]["Federated"].split(":oidc-provider/")[1]
        assert set(conditions) == {f"{host}:sub", f"{host}:aud"}


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n.startswith("gcp-")])
def test_gcloud_providers_carry_the_attribute_condition(ws, name):
    plan = json.loads(setup(ws, name, "--output", "json").stdout)
    commands = [s["command"] for s in plan["steps"] if "command" in s]
    [provider] = [c for c in commands if "providers create-" in c]
    assert "--attribute-condition=" in provider
    if name == "gcp-eks":
        assert "--attribute-condition=\"assertion.sub == 'system:serviceaccount:shop:api'\"" in provider
        assert '--issuer-uri="${ISSUER_URL}"' in provider
        assert any("aws eks describe-cluster --name prod --region eu-west-1 --query cluster.identity.oidc.issuer" in c for c in commands)
    elif name == "gcp-azure":
        assert "--attribute-condition=\"assertion.sub == '6f2d1a3c-5b4e-4f00-9a8b-7c6d5e4f3a2b'\"" in provider
        assert "--issuer-uri=https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/" in provider
        assert "--allowed-audiences=api://skyferry-gcp --attribute-mapping=google.subject=assertion.sub" in provider
    else:
        assert "--attribute-condition=\"attribute.aws_role == 'arn:aws:sts::123456789012:assumed-role/shop-api'\"" in provider
        assert "--account-id=123456789012" in provider


def test_generated_configuration_is_accepted_by_doctor_parsing(ws, tmp_path):
    """The configuration `setup` prints parses with the agent's own parser (doctor reads it, exit 1 not 2)."""
    plan = json.loads(setup(ws, "aws-issuer", "--output", "json").stdout)
    config = tmp_path / "skyferry.yaml"
    config.write_text(plan["configuration"])
    result = run([str(ws.skyferry_bin), "doctor", "--config", str(config)], ws.env)
    assert result.returncode == 1, result  # the token file does not exist here; the configuration itself is valid


@pytest.mark.parametrize("args,message", [
    (["aws", "--account-id", "123456789012", "--role-name", "r"], "give either a cluster"),
    (["aws", "--issuer", "http://x", "--namespace", "a", "--service-account", "b", "--account-id", "123456789012", "--role-name", "r"], "https://"),
    (["aws", "--gke-cluster", "main", "--namespace", "a", "--service-account", "b", "--account-id", "123456789012", "--role-name", "r"], "projects/PROJECT"),
    (["gcp", "--aws-account-id", "123456789012", "--aws-role-name", "r", "--project-id", "p", "--project-number", "my-project",
      "--pool", "p", "--provider", "q"], "project NUMBER"),
])
def test_bad_flags_say_what_is_expected(ws, args, message):
    result = run([str(ws.skyferry_bin), "setup", *args], ws.env)
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize("flag,value,rule", [
    ("--namespace", "x;touch /tmp/skyferry-pwned", "DNS-1123 label"),
    ("--namespace", "$(id)", "DNS-1123 label"),
    ("--namespace", "Shop", "DNS-1123 label"),
    ("--namespace", "a" * 64, "DNS-1123 label"),
    ("--service-account", "api'; id; '", "DNS-1123 subdomain"),
    ("--service-account", "api..v1", "DNS-1123 subdomain"),
])
def test_hostile_kubernetes_names_exit_2_naming_the_rule(ws, flag, value, rule):
    args = list(SCENARIOS["aws-issuer"])
    args[args.index(flag) + 1] = value
    result = run([str(ws.skyferry_bin), "setup", *args], ws.env)
    assert result.returncode == 2, result
    assert result.stdout == ""
    assert f"{flag} {json.dumps(value)} must be a {rule}" in result.stderr, result.stderr
    assert not Path("/tmp/skyferry-pwned").exists()


@pytest.mark.parametrize("args", [
    ["aws", "--google-service-account", "sa?x=1@p.iam.gserviceaccount.com", "--account-id", "123456789012",
     "--role-name", "r"],
    ["gcp", "--aws-account-id", "123456789012", "--aws-role-name", "r", "--project-id", "p", "--project-number", "1",
     "--pool", "p", "--provider", "q", "--impersonate", "sa/../x@p.iam.gserviceaccount.com"],
])
def test_service_account_emails_are_validated_strictly(ws, args):
    result = run([str(ws.skyferry_bin), "setup", *args], ws.env)
    assert result.returncode == 2, result
    assert "is not a service account email" in result.stderr, result.stderr
