"""Source `azureManagedIdentity` → AWS and GCP: Entra tokens from a (fake) Azure IMDS or App Service
identity endpoint (fakes/fake_azure_imds.py), verified by an STS that checks them as AWS does for the
`https://sts.windows.net/TENANT/` OIDC provider (relayed to moto), consumed by the AWS CLI and boto3
through the credentials file, `credential_process` and the container endpoint; and by the verifying fake
GCP as a `jwt` subject token, consumed by google-auth through the metadata emulation. IMDS slow to
start, down past the wait, several identities without a choice, no identity, an unknown resource: each
named clearly."""

from __future__ import annotations

import json
import sys

import jwt
import pytest

from doctor_support import EXIT_FAILED, doctor_json, step
from e2e_support import ACCOUNT, SESSION_NAME, TARGET_NAME, agent_config, free_port, http_request, read_credentials
from e2e_support import run as run_process
from e2e_support import to_yaml, write_config
from fakes.fake_azure_imds import DEFAULT_RESOURCE, IMDS_TOKEN_PATH, FakeAzureIMDS, Identity
from fakes.fake_gcp import FakeGCP
from fakes.fake_sts import FakeSTS, JWTVerifier
from gcp_support import GOOGLE_AUTH_SCRIPT, SERVICE_ACCOUNT, client_env, gcloud_print_access_token

pytest_plugins = ["conftest_gcp"]

EXIT_SOURCE_FAILED = 3
EXPECTED_ARN = f"arn:aws:sts::{ACCOUNT}:assumed-role/reader/{SESSION_NAME}"
PRINCIPAL = Identity().principal_id
SECOND = Identity(principal_id="11111111-2222-3333-4444-555555555555",
                  client_id="aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
                  resource_id="/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/"
                              "userAssignedIdentities/second")

BOTO3_WHOAMI = """
import boto3, json
session = boto3.Session()
print(json.dumps({"arn": session.client("sts").get_caller_identity()["Arn"],
                  "method": session.get_credentials().method}))
"""


def azure_source(endpoint: str | None, **settings) -> dict:
    source = {"resource": DEFAULT_RESOURCE, **settings}
    if endpoint is not None:
        source["endpoint"] = endpoint
    return {"azureManagedIdentity": source}


def entra_verifier(imds: FakeAzureIMDS) -> JWTVerifier:
    """What AWS checks with an IAM OIDC provider for https://sts.windows.net/TENANT/ whose client id is
    the application ID URI."""
    return JWTVerifier(imds.jwks(), audiences={DEFAULT_RESOURCE}, issuers={imds.issuer})


@pytest.fixture
def imds() -> FakeAzureIMDS:
    with FakeAzureIMDS() as fake:
        yield fake


@pytest.fixture
def entra_sts(imds, moto):
    with FakeSTS(verifier=entra_verifier(imds), relay_to=moto.url) as sts:
        yield sts


def aws_config(ws, sts_url: str, source: dict, **overrides):
    return ws.config(sts_url, source=source, **overrides)


def test_imds_token_exchanged_and_cli_and_boto3_get_the_assumed_role(ws, imds, entra_sts, moto, aws_cli):
    result = ws.agent(aws_config(ws, entra_sts.url, azure_source(imds.url)), "--log-level", "debug")
    assert result.returncode == 0, result

    # The IMDS request exactly as Azure documents it, and the STS really verified the token.
    [request] = imds.token_requests
    assert request.path == IMDS_TOKEN_PATH
    assert request.query == {"api-version": "2018-02-01", "resource": DEFAULT_RESOURCE}
    assert request.headers.get("metadata") == "true"
    assert len(entra_sts.arwwi_requests) == 1 and entra_sts.rejections == []
    assert entra_sts.arwwi_requests[0].form["WebIdentityToken"] == imds.tokens[-1]

    # Claims at debug, never the token.
    assert f"sts.windows.net/{imds.tenant}/" in result.stderr
    assert PRINCIPAL in result.stderr
    assert imds.tokens[-1] not in result.stderr + result.stdout

    env = ws.client_env(ws.output, moto.url)
    cli = run_process([aws_cli, "sts", "get-caller-identity", "--output", "json"], env, timeout=60)
    assert cli.returncode == 0, cli
    assert json.loads(cli.stdout)["Arn"] == EXPECTED_ARN
    py = run_process([sys.executable, "-c", BOTO3_WHOAMI], env, timeout=60)
    assert py.returncode == 0, py
    assert json.loads(py.stdout) == {"arn": EXPECTED_ARN, "method": "shared-credentials-file"}


def test_credential_process_for_the_cli_and_boto3(ws, imds, entra_sts, moto, aws_cli):
    config = aws_config(ws, entra_sts.url, azure_source(imds.url), outputs={})
    command = ws.credential_process_command(config, "--cache-dir", str(ws.root / "cache"))
    aws_file = write_config(ws.root / "aws-config", f"[default]\nregion = us-east-1\ncredential_process = {command}\n")
    env = ws.env | {"AWS_CONFIG_FILE": str(aws_file), "AWS_ENDPOINT_URL": moto.url}
    cli = run_process([aws_cli, "sts", "get-caller-identity", "--output", "json"], env, timeout=60)
    assert cli.returncode == 0, cli
    assert json.loads(cli.stdout)["Arn"] == EXPECTED_ARN
    py = run_process([sys.executable, "-c", BOTO3_WHOAMI], env, timeout=60)
    assert py.returncode == 0, py
    assert json.loads(py.stdout) == {"arn": EXPECTED_ARN, "method": "custom-process"}
    # Two SDK processes, one IMDS token and one exchange: the second came from the cache.
    assert len(imds.token_requests) == 1 and len(entra_sts.arwwi_requests) == 1


def test_container_endpoint_for_boto3_and_the_cli(ws, imds, entra_sts, moto, aws_cli):
    listen, health = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    token_file = ws.root / "agent-token"
    doc = agent_config(ws.token_file, ws.output, entra_sts.url, source=azure_source(imds.url),
                       outputs={"awsContainerEndpoint": {"listen": listen, "authTokenFile": str(token_file)}},
                       health_listen=health)
    agent = ws.start_agent(ws.raw_config(to_yaml(doc) + "\n"), health=health)
    agent.wait_for(lambda: agent.get("/healthz")[0] == 200, 15, "/healthz to answer 200")
    url = f"http://{listen}/v1/credentials/{TARGET_NAME}"
    agent.wait_for(lambda: token_file.exists() and http_request(url, {"Authorization": token_file.read_text()})[0] == 200,
                   15, "the container endpoint to serve credentials")
    env = ws.env | {"AWS_CONTAINER_CREDENTIALS_FULL_URI": url,
                    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file), "AWS_ENDPOINT_URL": moto.url}
    py = run_process([sys.executable, "-c", BOTO3_WHOAMI], env, timeout=60)
    assert py.returncode == 0, py
    assert json.loads(py.stdout) == {"arn": EXPECTED_ARN, "method": "container-role"}
    cli = run_process([aws_cli, "sts", "get-caller-identity", "--output", "json"], env, timeout=60)
    assert cli.returncode == 0, cli
    assert json.loads(cli.stdout)["Arn"] == EXPECTED_ARN
    assert entra_sts.rejections == []


def test_app_service_endpoint_from_the_environment(ws, imds, entra_sts):
    env = ws.env | {"IDENTITY_ENDPOINT": imds.app_service_url, "IDENTITY_HEADER": imds.identity_header}
    result = ws.agent(aws_config(ws, entra_sts.url, azure_source(None, clientId=Identity().client_id)), env=env)
    assert result.returncode == 0, result
    [request] = imds.token_requests
    assert request.path == "/msi/token"
    assert request.query == {"api-version": "2019-08-01", "resource": DEFAULT_RESOURCE,
                             "client_id": Identity().client_id}
    assert request.headers.get("x-identity-header") == imds.identity_header
    assert imds.identity_header not in result.stderr + result.stdout
    assert read_credentials(ws.output)["aws_access_key_id"] == entra_sts.issued[-1].access_key_id


def test_imds_slow_to_start_is_waited_for(ws):
    with FakeAzureIMDS(not_ready_seconds=2, not_ready_mode="refuse") as imds, \
            FakeSTS(verifier=entra_verifier(imds)) as sts:
        result = ws.agent(aws_config(ws, sts.url, azure_source(imds.url, startupWaitSeconds=20)))
        assert result.returncode == 0, result
        assert len(imds.token_requests) == 1
        assert sts.rejections == [] and len(sts.issued) == 1


@pytest.mark.parametrize("not_ready_mode", ["refuse", "503"])
def test_imds_down_past_the_wait_is_named(ws, fake_sts, not_ready_mode):
    with FakeAzureIMDS(not_ready_seconds=60, not_ready_mode=not_ready_mode) as imds:
        result = ws.agent(aws_config(ws, fake_sts.url, azure_source(imds.url, startupWaitSeconds=2)))
    assert result.returncode == EXIT_SOURCE_FAILED, result
    assert f"Azure IMDS 127.0.0.1:{imds.port} did not answer within 2 s" in result.failure_line
    assert "source.azureManagedIdentity.endpoint" in result.failure_line
    assert fake_sts.requests == []


def test_several_identities_without_a_choice_are_named_and_a_choice_works(ws, fake_sts):
    with FakeAzureIMDS(identities=[Identity(), SECOND]) as imds:
        result = ws.agent(aws_config(ws, fake_sts.url, azure_source(imds.url)))
        assert result.returncode == EXIT_SOURCE_FAILED, result
        assert "Multiple user assigned identities exist" in result.failure_line
        assert "set one of source.azureManagedIdentity.clientId" in result.failure_line
        assert fake_sts.requests == []

        for key, value in [("clientId", SECOND.client_id), ("objectId", SECOND.principal_id),
                           ("resourceId", SECOND.resource_id)]:
            chosen = ws.agent(aws_config(ws, fake_sts.url, azure_source(imds.url, **{key: value})))
            assert chosen.returncode == 0, chosen
            token = fake_sts.arwwi_requests[-1].form["WebIdentityToken"]
            assert jwt.decode(token, options={"verify_signature": False})["sub"] == SECOND.principal_id
        assert [r.query.get("msi_res_id") for r in imds.token_requests][-1] == SECOND.resource_id


@pytest.mark.parametrize(
    "identities, settings, expected",
    [
        ([], {}, "No managed identity is assigned here"),
        ([Identity()], {"clientId": SECOND.client_id}, f"No identity with clientId {SECOND.client_id}"),
        ([Identity()], {"resource": "api://nobody"}, "AADSTS500011"),
    ],
    ids=["no-identity", "unknown-client-id", "unknown-resource"],
)
def test_definite_refusals_are_named(ws, fake_sts, identities, settings, expected):
    with FakeAzureIMDS(identities=identities) as imds:
        result = ws.agent(aws_config(ws, fake_sts.url, azure_source(imds.url, **settings)))
    assert result.returncode == EXIT_SOURCE_FAILED, result
    assert expected in result.failure_line
    assert len(imds.token_requests) == 1, "a definite refusal is not retried"


def test_gcp_target_through_the_metadata_emulation_for_google_auth(gws, imds):
    with FakeGCP(jwks=imds.jwks(), issuer=imds.issuer, allowed_audiences={DEFAULT_RESOURCE},
                 service_accounts={SERVICE_ACCOUNT}) as gcp:
        listen, health = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
        config = gws.config(gcp, source=azure_source(imds.url), health_listen=health,
                            outputs={"gcpMetadataServer": {"listen": listen, "projectId": "my-project"}})
        agent = gws.ws.start_agent(config, health=health)
        agent.wait_for(lambda: agent.get("/healthz")[0] == 200, 15, "/healthz to answer 200")
        token_url = f"http://{listen}/computeMetadata/v1/instance/service-accounts/default/token"
        agent.wait_for(lambda: http_request(token_url, {"Metadata-Flavor": "Google"})[0] == 200, 15,
                       "the emulation to serve a token")

        [exchange] = gcp.sts_requests[:1]
        assert exchange.form["subject_token_type"] == "urn:ietf:params:oauth:token-type:jwt"
        assert exchange.form["subject_token"] == imds.tokens[0]
        assert gcp.rejections == []

        script = r"""
import json, google.auth
from google.auth.transport.requests import AuthorizedSession, Request
creds, _ = google.auth.default(scopes=["https://www.googleapis.com/auth/cloud-platform"])
creds.refresh(Request())
print(json.dumps({"class": type(creds).__name__, "status": AuthorizedSession(creds).get(%r).status_code}))
""" % gcp.resource_url
        env = client_env(gws, GCE_METADATA_HOST=listen, GCE_METADATA_IP=listen)
        env.pop("NO_GCE_CHECK", None)
        py = run_process([sys.executable, "-c", script], env, timeout=60)
        assert py.returncode == 0, py
        assert json.loads(py.stdout) == {"class": "Credentials", "status": 200}


@pytest.fixture
def entra_gcp(imds):
    with FakeGCP(jwks=imds.jwks(), issuer=imds.issuer, allowed_audiences={DEFAULT_RESOURCE},
                 service_accounts={SERVICE_ACCOUNT}) as gcp:
        yield gcp


def test_external_account_file_asks_imds_itself_and_google_auth_runs_the_exchange(gws, imds, entra_gcp):
    config = gws.config(entra_gcp, source=azure_source(imds.url), outputs=gws.outputs(external_account=True))
    result = gws.agent(config)
    assert result.returncode == 0, result
    document = gws.read_external_account()
    assert document["subject_token_type"] == "urn:ietf:params:oauth:token-type:jwt"
    assert document["credential_source"] == {
        "url": f"{imds.url}{IMDS_TOKEN_PATH}?api-version=2018-02-01&resource=api%3A%2F%2Fskyferry-aws",
        "headers": {"Metadata": "True"},
        "format": {"type": "json", "subject_token_field_name": "access_token"},
    }
    assert "credentials.json.subject-token" not in gws.output_names(), "IMDS is the subject token's source"

    before = len(imds.token_requests)
    py = run_process([sys.executable, "-c", GOOGLE_AUTH_SCRIPT, str(gws.external_account_file),
                      entra_gcp.resource_url], client_env(gws), timeout=60)
    assert py.returncode == 0, py
    assert json.loads(py.stdout)["resource_status"] == 200
    # google-auth asked the (fake) IMDS itself, with the Metadata header, and the fake GCP verified the token.
    [request] = imds.token_requests[before:]
    assert request.headers.get("metadata") == "True"
    assert entra_gcp.sts_requests[-1].form["subject_token"] == imds.tokens[-1]
    assert entra_gcp.rejections == []


def test_external_account_file_on_app_service_points_at_a_fresh_subject_token(gws, imds, entra_gcp):
    env = gws.env | {"IDENTITY_ENDPOINT": imds.app_service_url, "IDENTITY_HEADER": imds.identity_header}
    config = gws.config(entra_gcp, source=azure_source(None), outputs=gws.outputs(external_account=True))
    result = gws.agent(config, env=env)
    assert result.returncode == 0, result
    document = gws.read_external_account()
    subject = gws.out_dir / "credentials.json.subject-token"
    assert document["credential_source"] == {"file": str(subject), "format": {"type": "text"}}
    assert subject.read_text() == imds.tokens[-1]
    py = run_process([sys.executable, "-c", GOOGLE_AUTH_SCRIPT, str(gws.external_account_file),
                      entra_gcp.resource_url], client_env(gws), timeout=60)
    assert py.returncode == 0, py
    assert json.loads(py.stdout)["resource_status"] == 200


@pytest.mark.parametrize(
    "identities, not_ready, settings, expected",
    [
        ([Identity(), SECOND], 0, {}, "set one of source.azureManagedIdentity.clientId"),
        ([], 0, {}, "No managed identity is assigned here"),
        ([Identity()], 0, {"resource": "api://nobody"}, "api://nobody is not an application ID URI in this tenant"),
        ([Identity()], 120, {}, "is not ready (one request, last: HTTP 503)"),
    ],
    ids=["several-identities", "no-identity", "unknown-resource", "unreachable"],
)
def test_doctor_explains_imds_failures(ws, fake_sts, identities, not_ready, settings, expected):
    with FakeAzureIMDS(identities=identities, not_ready_seconds=not_ready, not_ready_mode="503") as imds:
        config = aws_config(ws, fake_sts.url, azure_source(imds.url, startupWaitSeconds=30, **settings))
        result, report = doctor_json(ws, config)
    assert result.returncode == EXIT_FAILED, result
    source = step(report, "source")
    assert source["status"] == "fail", source
    assert expected in source["detail"], source["detail"]
    assert "managed identity" in source["fix"]
    assert result.elapsed < 15, f"the doctor took {result.elapsed:.2f}s"


def test_doctor_passes_and_shows_the_entra_claims(ws, imds, entra_sts):
    result, report = doctor_json(ws, aws_config(ws, entra_sts.url, azure_source(imds.url)))
    claims = step(report, "token-claims")
    assert f"iss=https://sts.windows.net/{imds.tenant}/" in claims["detail"]
    assert f"sub={PRINCIPAL}" in claims["detail"]
    assert step(report, "audience")["status"] == "pass"
    assert imds.tokens[-1] not in result.stdout + result.stderr


def workload_identity_source(ws, imds: FakeAzureIMDS, make_jwt) -> dict:
    """AKS workload identity: the projected token (aud api://AzureADTokenExchange) in the token file."""
    ws.write_token(make_jwt(aud=["api://AzureADTokenExchange"]))
    return {"azureWorkloadIdentity": {"tokenFile": str(ws.token_file), "tenantId": imds.tenant,
                                      "clientId": Identity().client_id, "resource": DEFAULT_RESOURCE,
                                      "authorityHost": imds.url}}


def test_workload_identity_exchange_gives_the_same_token_into_aws(ws, issuer_jwks, make_jwt, moto, aws_cli):
    with FakeAzureIMDS(federated_jwks=issuer_jwks) as imds, \
            FakeSTS(verifier=entra_verifier(imds), relay_to=moto.url) as sts:
        result = ws.agent(aws_config(ws, sts.url, workload_identity_source(ws, imds, make_jwt)))
        assert result.returncode == 0, result
        [entra] = [r for r in imds.requests if r.method == "POST"]
        assert entra.path == f"/{imds.tenant}/oauth2/v2.0/token"
        assert entra.query["scope"] == DEFAULT_RESOURCE + "/.default"
        assert entra.query["client_assertion"] == ws.token
        assert sts.rejections == [] and sts.arwwi_requests[0].form["WebIdentityToken"] == imds.tokens[-1]
        claims = jwt.decode(imds.tokens[-1], options={"verify_signature": False})
        assert claims["iss"] == imds.issuer and claims["sub"] == PRINCIPAL
    env = ws.client_env(ws.output, moto.url)
    cli = run_process([aws_cli, "sts", "get-caller-identity", "--output", "json"], env, timeout=60)
    assert cli.returncode == 0, cli
    assert json.loads(cli.stdout)["Arn"] == EXPECTED_ARN


def test_workload_identity_into_gcp_writes_a_subject_token_file_for_google_auth(gws, issuer_jwks, make_jwt):
    with FakeAzureIMDS(federated_jwks=issuer_jwks) as imds, \
            FakeGCP(jwks=imds.jwks(), issuer=imds.issuer, allowed_audiences={DEFAULT_RESOURCE},
                    service_accounts={SERVICE_ACCOUNT}) as gcp:
        source = workload_identity_source(gws.ws, imds, make_jwt)
        result = gws.agent(gws.config(gcp, source=source, outputs=gws.outputs(external_account=True)))
        assert result.returncode == 0, result
        subject = gws.out_dir / "credentials.json.subject-token"
        assert gws.read_external_account()["credential_source"] == {"file": str(subject), "format": {"type": "text"}}
        assert subject.read_text() == imds.tokens[-1]
        py = run_process([sys.executable, "-c", GOOGLE_AUTH_SCRIPT, str(gws.external_account_file),
                          gcp.resource_url], client_env(gws), timeout=60)
        assert py.returncode == 0, py
        assert json.loads(py.stdout)["resource_status"] == 200


def test_gcloud_runs_the_exchange_from_the_external_account_file_asking_imds(gws, imds, entra_gcp, gcloud_bin):
    config = gws.config(entra_gcp, source=azure_source(imds.url), outputs=gws.outputs(external_account=True))
    assert gws.agent(config).returncode == 0
    before = len(imds.token_requests)
    result = gcloud_print_access_token(gws, gcloud_bin, gws.external_account_file, entra_gcp)
    assert result.returncode == 0, f"gcloud failed:\n{result.stderr}"
    token = result.stdout.strip()
    assert token == entra_gcp.issued_tokens("sa")[-1]
    assert entra_gcp.resource_status(token) == 200
    assert len(imds.token_requests) > before, "gcloud asked the (fake) IMDS itself"
    assert entra_gcp.sts_requests[-1].form["subject_token"] == imds.tokens[-1]


def test_gcloud_prints_the_token_of_the_metadata_emulation(gws, imds, entra_gcp, gcloud_bin):
    listen, health = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    config = gws.config(entra_gcp, source=azure_source(imds.url), health_listen=health,
                        outputs={"gcpMetadataServer": {"listen": listen, "projectId": "my-project"}})
    agent = gws.ws.start_agent(config, health=health)
    token_url = f"http://{listen}/computeMetadata/v1/instance/service-accounts/default/token"
    agent.wait_for(lambda: http_request(token_url, {"Metadata-Flavor": "Google"})[0] == 200, 20,
                   "the emulation to serve a token")
    env = client_env(gws, GCE_METADATA_ROOT=listen)
    env.pop("NO_GCE_CHECK", None)
    result = run_process([gcloud_bin, "auth", "print-access-token", "--verbosity=error"], env, timeout=120)
    assert result.returncode == 0, result
    token = result.stdout.strip()
    assert token == entra_gcp.issued_tokens("sa")[-1]
    assert entra_gcp.resource_status(token) == 200


def test_long_running_agent_keeps_the_app_service_subject_token_fresh(gws, imds):
    """On App Service the libraries read the subject-token file: each refresh asks the identity endpoint again
    and rewrites it with the new token."""
    with FakeGCP(jwks=imds.jwks(), issuer=imds.issuer, allowed_audiences={DEFAULT_RESOURCE},
                 service_accounts={SERVICE_ACCOUNT}, sts_expires_in=8) as gcp:
        env = gws.env | {"IDENTITY_ENDPOINT": imds.app_service_url, "IDENTITY_HEADER": imds.identity_header}
        refresh = {"requestTimeoutSeconds": 2, "retryDeadlineSeconds": 6, "lifetimeFraction": 0.5, "jitterFraction": 0}
        config = gws.config(gcp, source=azure_source(None), service_account=None, refresh=refresh,
                            outputs=gws.outputs(access_token=True, external_account=True))
        agent = gws.ws.start_agent(config, env=env)
        subject = gws.out_dir / "credentials.json.subject-token"
        first = agent.wait_for(lambda: subject.exists() and subject.read_text(), 15, "the first subject token")
        assert first == imds.tokens[0]
        second = agent.wait_for(lambda: subject.read_text() != first and subject.read_text(), 20,
                                "a refreshed subject token")
        assert second in imds.tokens[1:]
        assert {r.path for r in imds.token_requests} == {"/msi/token"}
        assert gcp.rejections == []
