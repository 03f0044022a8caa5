"""The fake Entra ID itself (fakes/fake_entra.py, with fakes/fake_oidc.py as the assertion issuer): a
verifying fake that does not verify would let every Azure test pass. Checked with Microsoft's own client,
azure-identity (WorkloadIdentityCredential from its environment variables, in a fresh process), and with
raw requests where the exact form matters. No skyferry binary is involved."""

from __future__ import annotations

import json
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from azure_support import CLIENT_ID, VAULT_RESOURCE, VAULT_SCOPE, azure_identity_tokens, workload_identity_env
from e2e_support import AUDIENCE, REPO_ROOT, SUBJECT, free_port
from fakes.fake_entra import (
    ARM_RESOURCE,
    JWT_BEARER,
    FakeEntra,
    FederatedCredential,
    entra_error,
    verify,
)
from fakes.fake_oidc import FakeOIDCIssuer

pytest_plugins = ["conftest_azure"]


def fetch(fake: Any, path: str, *, data: dict[str, str] | bytes | None = None,
          headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """(status, parsed JSON) of a request to a fake, trusting its test CA, never through a proxy."""
    body = urllib.parse.urlencode(data).encode() if isinstance(data, dict) else data
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPSHandler(context=fake.ca.client_context()))
    request = urllib.request.Request(fake.url + path, data=body, headers=headers or {})
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def post_token(entra: FakeEntra, form: dict[str, str] | bytes, headers: dict[str, str] | None = None
               ) -> tuple[int, Any]:
    return fetch(entra, f"/{entra.tenant_id}/oauth2/v2.0/token", data=form, headers=headers)


def token_form(assertion: str, **overrides: str) -> dict[str, str]:
    form = {"grant_type": "client_credentials", "client_id": CLIENT_ID, "scope": VAULT_SCOPE,
            "client_assertion_type": JWT_BEARER, "client_assertion": assertion}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def exchange(tmp_path: Path, entra: FakeEntra, assertion: str, *scopes: str, count: int = 1,
             tenant_id: str | None = None, **kwargs: Any) -> list[dict[str, Any]]:
    """azure-identity's WorkloadIdentityCredential, configured by environment only, with ``assertion`` in the file."""
    token_file = tmp_path / f"token-{time.monotonic_ns()}"
    token_file.write_text(assertion)
    env = workload_identity_env(tmp_path / "home", entra, CLIENT_ID, token_file, tenant_id=tenant_id)
    return azure_identity_tokens(env, *scopes, count=count, **kwargs)


# --- success ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("credential", ["workload", "default"])
def test_azure_identity_gets_a_token_for_a_verified_assertion(tmp_path, entra, oidc_issuer, credential):
    before = int(time.time())
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT), credential=credential)
    assert "token" in result, result
    claims = entra.verify_access_token(result["token"], VAULT_RESOURCE)
    assert claims["tid"] == entra.tenant_id and claims["appid"] == CLIENT_ID
    assert claims["oid"] == entra.object_id(CLIENT_ID) == claims["sub"]
    assert claims["iss"] == f"https://sts.windows.net/{entra.tenant_id}/" and claims["ver"] == "1.0"
    assert before + 3600 - 5 <= result["expires_on"] <= int(time.time()) + 3600 + 5
    [request] = entra.token_requests
    assert request.path == f"/{entra.tenant_id}/oauth2/v2.0/token"
    assert sorted(request.form) == sorted(["client_assertion", "client_assertion_type", "client_id", "grant_type",
                                           "scope"])
    assert request.form["scope"] == VAULT_SCOPE
    # Entra's way to the issuer's keys: discovery, then the jwks_uri it names.
    assert [f.url for f in entra.discovery_fetches] == [oidc_issuer.discovery_url, oidc_issuer.jwks_url]
    assert entra.issued[0].assertion_claims["sub"] == SUBJECT


def test_the_success_document_has_entras_fields_and_a_configurable_lifetime(entra, oidc_issuer):
    entra.token_lifetime = 7
    status, body = post_token(entra, token_form(oidc_issuer.make_token(SUBJECT)))
    assert status == 200, body
    assert set(body) == {"token_type", "expires_in", "ext_expires_in", "access_token"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 7 and body["ext_expires_in"] == 7
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 7
    entra.script(verify(expires_in_as_string=True, omit=("ext_expires_in",)))
    status, body = post_token(entra, token_form(oidc_issuer.make_token(SUBJECT)))
    assert status == 200 and body["expires_in"] == "7" and "ext_expires_in" not in body


def test_each_exchange_issues_a_new_token(tmp_path, entra, oidc_issuer):
    entra.token_lifetime = 5
    first = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT))[0]["token"]
    second = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT))[0]["token"]
    assert first != second and [t.access_token for t in entra.issued] == [first, second]


def test_a_domain_name_works_as_the_tenant(entra, oidc_issuer):
    entra.add_tenant(entra.tenant_id, "skyferry-test.onmicrosoft.com")
    status, body = fetch(entra, "/skyferry-test.onmicrosoft.com/oauth2/v2.0/token",
                         data=token_form(oidc_issuer.make_token(SUBJECT)))
    assert status == 200, body
    assert entra.verify_access_token(body["access_token"], VAULT_RESOURCE)["tid"] == entra.tenant_id


def test_the_cae_claims_parameter_is_accepted(tmp_path, entra, oidc_issuer):
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT), enable_cae=True)
    assert "token" in result, result
    assert json.loads(entra.token_requests[0].form["claims"]) == {"access_token": {"xms_cc": {"values": ["CP1"]}}}


def test_trusted_issuer_keys_skip_discovery(tmp_path, make_jwt, issuer_jwks_for_make_jwt):
    """conftest.make_jwt's tokens (an issuer that is not served anywhere) with the keys given up front."""
    claims = jwt.decode(make_jwt(), options={"verify_signature": False})
    with FakeEntra() as entra:
        entra.add_federated_credential(CLIENT_ID, FederatedCredential(claims["iss"], SUBJECT, AUDIENCE))
        entra.trust_issuer_keys(claims["iss"], issuer_jwks_for_make_jwt)
        [result] = exchange(tmp_path, entra, make_jwt())
        assert "token" in result, result
        assert entra.discovery_fetches == []


@pytest.fixture
def issuer_jwks_for_make_jwt(signing_key) -> dict[str, Any]:
    from fakes.fake_oidc import rsa_jwk

    return {"keys": [rsa_jwk(signing_key, "skyferry-test-key")]}


# --- every error class, as azure-identity surfaces it -------------------------------------------------


def assert_refused(result: dict[str, Any], code: int, *fragments: str) -> None:
    assert result.get("error") == "ClientAuthenticationError", result
    assert f"AADSTS{code}:" in result["message"], result["message"]
    for fragment in fragments:
        assert fragment in result["message"], result["message"]


def test_issuer_mismatch_is_700211(tmp_path, entra, oidc_issuer):
    # The classic: a trailing slash on one side only.
    entra.remove_federated_credential(CLIENT_ID, FederatedCredential(oidc_issuer.issuer, SUBJECT))
    entra.add_federated_credential(CLIENT_ID, FederatedCredential(oidc_issuer.issuer + "/", SUBJECT))
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT))
    assert_refused(result, 700211, f"presented assertion issuer '{oidc_issuer.issuer}'", "(invalid_client)")
    assert entra.discovery_fetches == [], "no credential matched, so no issuer is fetched"


def test_subject_mismatch_is_700213_and_case_sensitive(tmp_path, entra, oidc_issuer):
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT.upper()))
    assert_refused(result, 700213, f"presented assertion subject '{SUBJECT.upper()}'")


def test_audience_mismatch_is_700212(tmp_path, entra, oidc_issuer):
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT, audience="api://AzureADTokenExchangeUSGov"))
    assert_refused(result, 700212, "presented assertion audience 'api://AzureADTokenExchangeUSGov'")


def test_the_legacy_mismatch_error_is_70021_with_all_three_values(tmp_path, entra, oidc_issuer):
    entra.legacy_mismatch_errors = True
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token("system:serviceaccount:other:sa"))
    assert_refused(result, 70021, f"Assertion Issuer: '{oidc_issuer.issuer}'",
                   "Assertion Subject: 'system:serviceaccount:other:sa'",
                   "Assertion Audience: 'api://AzureADTokenExchange'", "(invalid_request)")


def test_a_new_credential_answers_70021_until_it_has_propagated(tmp_path, entra, oidc_issuer):
    other = "9d2f6a0c-1b7e-4c35-a8d9-5e4f3b2c1a06"
    entra.add_federated_credential(other, FederatedCredential(oidc_issuer.issuer, SUBJECT), propagation_requests=2)
    results = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT), count=3, client_id=other)
    assert_refused(results[0], 70021)
    assert_refused(results[1], 70021)
    assert "token" in results[2], results
    assert [r.code for r in entra.rejections] == [70021, 70021]


def test_an_expired_assertion_is_700024_with_entras_times(tmp_path, entra, oidc_issuer):
    issued_at = time.time() - 7200
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT, lifetime=3600, issued_at=issued_at))
    assert_refused(result, 700024, "Client assertion is not within its valid time range. Current time: ",
                   ", assertion valid from ", ", expiry time of assertion ")
    description = entra.rejections[0].description
    expected_expiry = time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime(int(issued_at) + 3600))
    assert f"expiry time of assertion {expected_expiry}" in description


def test_a_not_yet_valid_assertion_is_700024(tmp_path, entra, oidc_issuer):
    later = int(time.time()) + 3600
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT, nbf=later, exp=later + 3600))
    assert_refused(result, 700024)


def test_clock_skew_is_tolerated_up_to_the_configured_leeway(entra, oidc_issuer):
    just_expired = oidc_issuer.make_token(SUBJECT, lifetime=60, issued_at=time.time() - 90)
    status, _ = fetch(entra, f"/{entra.tenant_id}/oauth2/v2.0/token", data=token_form(just_expired))
    assert status == 200
    entra.clock_skew_seconds = 0
    status, body = fetch(entra, f"/{entra.tenant_id}/oauth2/v2.0/token", data=token_form(just_expired))
    assert status == 401 and body["error_codes"] == [700024]


@pytest.mark.parametrize("code", [90061, 50166])
def test_an_unreachable_issuer_discovery_is_90061_or_50166(tmp_path, oidc_issuer, code):
    with FakeEntra(discovery_error_code=code) as entra:
        entra.add_federated_credential(CLIENT_ID, FederatedCredential(oidc_issuer.issuer, SUBJECT))
        oidc_issuer.discovery_status = 404
        [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT))
        assert_refused(result, code, "Request to External OIDC endpoint failed.")
        assert entra.discovery_fetches[0].status == 404


def test_a_stopped_issuer_and_an_unreachable_jwks_are_90061(tmp_path, entra, oidc_issuer):
    oidc_issuer.jwks_status = 500
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT))
    assert_refused(result, 90061)
    gone = FakeOIDCIssuer()
    token = gone.make_token(SUBJECT)
    gone.stop()
    entra.add_federated_credential(CLIENT_ID, FederatedCredential(gone.issuer, SUBJECT))
    [result] = exchange(tmp_path, entra, token)
    assert_refused(result, 90061)
    assert entra.discovery_fetches[-1].status is None


def test_a_discovery_document_for_another_issuer_is_90061(tmp_path, entra, oidc_issuer):
    oidc_issuer.discovery_issuer = oidc_issuer.issuer + "/"
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT))
    assert_refused(result, 90061)


def test_a_jwks_without_keys_is_900612(tmp_path, entra, oidc_issuer):
    oidc_issuer.jwks_body = '{"keys": []}'
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT))
    assert_refused(result, 900612, "Failed to parse provider signing keys.")


def test_a_non_loopback_issuer_is_never_fetched(tmp_path, entra, oidc_issuer):
    issuer = "https://oidc.example.invalid/id/abc"
    entra.add_federated_credential(CLIENT_ID, FederatedCredential(issuer, SUBJECT))
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT, iss=issuer))
    assert_refused(result, 90061)
    assert entra.discovery_fetches[0].status is None and "loopback" in entra.discovery_fetches[0].detail


@pytest.mark.parametrize("issuer", ["https://login.microsoftonline.com/{tenant}/v2.0",
                                    "https://sts.windows.net/{tenant}/"])
def test_an_entra_issuer_is_700222(tmp_path, entra, oidc_issuer, issuer):
    issuer = issuer.format(tenant=entra.tenant_id)
    entra.add_federated_credential(CLIENT_ID, FederatedCredential(issuer, SUBJECT))
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT, iss=issuer))
    assert_refused(result, 700222, "AAD-issued tokens may not be used for federated identity flows.")


def test_a_bad_signature_is_700027(tmp_path, entra, oidc_issuer):
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT, key=other_key))
    assert_refused(result, 700027, "Client assertion contains an invalid signature.",
                   "did not match the expected signature value")
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT, kid="unknown-kid"))
    assert_refused(result, 700027, "[Reason - The key was not found.]")
    header, payload, signature = oidc_issuer.make_token(SUBJECT).split(".")
    forged = jwt.utils.base64url_encode(json.dumps({**jwt.decode(oidc_issuer.make_token(SUBJECT),
                                                                 options={"verify_signature": False}),
                                                    "sub": SUBJECT}).encode()).decode()
    [result] = exchange(tmp_path, entra, f"{header}.{forged}.{signature}")
    assert_refused(result, 700027)


def test_an_unknown_tenant_is_90002(tmp_path, entra, oidc_issuer):
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT),
                        tenant_id="00000000-0000-0000-0000-0000000dead0")
    assert_refused(result, 90002, "Tenant '00000000-0000-0000-0000-0000000dead0' not found.")


@pytest.mark.parametrize("scopes", [("https://vault.azure.net/user_impersonation",),
                                    (VAULT_SCOPE, "https://storage.azure.com/.default")])
def test_a_bad_scope_is_70011(tmp_path, entra, oidc_issuer, scopes):
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT), *scopes)
    assert_refused(result, 70011, "(invalid_scope)")


def test_an_unknown_client_is_700016_and_one_without_credentials_70025(tmp_path, entra, oidc_issuer):
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT), client_id="no-such-client")
    assert_refused(result, 700016, "Application with identifier 'no-such-client' was not found")
    entra.add_client("bare-client")
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT), client_id="bare-client")
    assert_refused(result, 70025)


def test_a_resource_outside_the_list_is_500011(tmp_path, entra, oidc_issuer):
    entra.resources = {"https://storage.azure.com"}
    [result] = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT))
    assert_refused(result, 500011, "The resource principal named https://vault.azure.net was not found")


def test_a_scripted_error_is_served_as_is_then_verification_resumes(tmp_path, entra, oidc_issuer):
    entra.script(entra_error(53003), verify())
    results = exchange(tmp_path, entra, oidc_issuer.make_token(SUBJECT), count=2)
    assert_refused(results[0], 53003)
    assert "token" in results[1]


# --- the exact form and the error document --------------------------------------------------------------


@pytest.mark.parametrize(("change", "code"), [
    ({"grant_type": "authorization_code"}, 70003),
    ({"grant_type": None}, 900144),
    ({"client_id": None}, 900144),
    ({"scope": None}, 900144),
    ({"scope": "https://vault.azure.net/.default openid"}, 70011),
    ({"scope": "/.default"}, 70011),
    ({"client_assertion": None}, 7000218),
    ({"client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:saml2-bearer"}, 9002313),
    ({"client_secret": "s3cr3t"}, 9002313),
    ({"claims": "not json"}, 9002313),
    ({"client_assertion": "not-a-jwt"}, 50027),
])
def test_the_form_is_checked_exactly(entra, oidc_issuer, change, code):
    form = token_form(oidc_issuer.make_token(SUBJECT), **change)
    status, body = fetch(entra, f"/{entra.tenant_id}/oauth2/v2.0/token", data=form)
    assert body["error_codes"] == [code], body
    assert status == (401 if body["error"] == "invalid_client" else 400)


def test_a_repeated_field_and_a_json_body_are_refused(entra, oidc_issuer):
    form = urllib.parse.urlencode(token_form(oidc_issuer.make_token(SUBJECT)))
    form += "&scope=" + urllib.parse.quote(VAULT_SCOPE)
    status, body = fetch(entra, f"/{entra.tenant_id}/oauth2/v2.0/token", data=form.encode(),
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and body["error_codes"] == [9002313]
    status, body = fetch(entra, f"/{entra.tenant_id}/oauth2/v2.0/token",
                         data=json.dumps(token_form(oidc_issuer.make_token(SUBJECT))).encode(),
                         headers={"Content-Type": "application/json"})
    assert status == 400 and body["error_codes"] == [900144]


def test_the_error_document_has_entras_fields(entra, oidc_issuer):
    status, body = fetch(entra, f"/{entra.tenant_id}/oauth2/v2.0/token",
                         data=token_form(oidc_issuer.make_token("someone-else")),
                         headers={"client-request-id": "0f0e0d0c-0b0a-4909-8807-060504030201"})
    assert status == 401
    assert set(body) == {"error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id",
                         "error_uri"}
    assert body["error"] == "invalid_client" and body["error_codes"] == [700213]
    assert body["correlation_id"] == "0f0e0d0c-0b0a-4909-8807-060504030201"
    assert body["error_uri"] == "https://login.microsoftonline.com/error?code=700213"
    first, trace, correlation, stamp = body["error_description"].split("\r\n")
    assert first.startswith("AADSTS700213: No matching federated identity record found")
    assert trace == f"Trace ID: {body['trace_id']}" and correlation == f"Correlation ID: {body['correlation_id']}"
    assert stamp == f"Timestamp: {body['timestamp']}"


# --- tenant discovery (MSAL) and the fake ARM ------------------------------------------------------------


def test_tenant_discovery_names_the_fake_as_issuer_and_token_endpoint(entra):
    status, body = fetch(entra, f"/{entra.tenant_id}/v2.0/.well-known/openid-configuration")
    assert status == 200
    assert body["issuer"] == f"{entra.url}/{entra.tenant_id}/v2.0"
    assert body["token_endpoint"] == entra.token_url
    status, body = fetch(entra, "/no-such-tenant/v2.0/.well-known/openid-configuration")
    assert status == 400 and body["error"] == "invalid_tenant" and body["error_codes"] == [90002]


def test_msal_confidential_client_gets_a_token_through_discovery(entra, oidc_issuer):
    import msal
    import requests

    session = requests.Session()
    session.verify = str(entra.ca_path)
    session.trust_env = False
    assertion = {"client_assertion": lambda: oidc_issuer.make_token(SUBJECT)}
    app = msal.ConfidentialClientApplication(CLIENT_ID, authority=entra.authority, client_credential=assertion,
                                             instance_discovery=False, http_client=session)
    result = app.acquire_token_for_client(scopes=[VAULT_SCOPE])
    assert "access_token" in result, result
    assert entra.verify_access_token(result["access_token"], VAULT_RESOURCE)["appid"] == CLIENT_ID
    assert [r.path for r in entra.requests] == [f"/{entra.tenant_id}/v2.0/.well-known/openid-configuration",
                                                f"/{entra.tenant_id}/oauth2/v2.0/token"]
    assert entra.token_requests[0].form["client_info"] == "1"


def test_arm_lists_no_subscriptions_for_a_management_token_only(entra):
    management = entra.issue_access_token(CLIENT_ID, ARM_RESOURCE).access_token
    bearer = {"Authorization": f"Bearer {management}"}
    status, body = fetch(entra, "/subscriptions?api-version=2022-12-01", headers=bearer)
    assert status == 200 and body["value"] == []
    status, body = fetch(entra, "/tenants?api-version=2022-12-01", headers=bearer)
    assert status == 200 and body["value"][0]["tenantId"] == entra.tenant_id
    vault = entra.issue_access_token(CLIENT_ID, VAULT_RESOURCE).access_token
    for headers in ({}, {"Authorization": f"Bearer {vault}"}, {"Authorization": f"Bearer {management}x"}):
        status, body = fetch(entra, "/subscriptions?api-version=2022-12-01", headers=headers)
        assert status == 401 and body["error"]["code"] in ("AuthenticationFailed", "InvalidAuthenticationToken")


# --- stand-alone -----------------------------------------------------------------------------------------


class RemoteFake:
    """A fake in another process, as ``fetch`` sees it: its URL and the CA file it wrote."""

    def __init__(self, url: str, ca_file: Path) -> None:
        self.url = url
        self.ca = self
        self._ca_file = ca_file

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self._ca_file))


def test_the_fake_runs_stand_alone_and_is_scriptable_over_http(tmp_path, oidc_issuer):
    port = free_port()
    ca_file = tmp_path / "ca.pem"
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "Tests/e2e/fakes/fake_entra.py"), "--port", str(port), "--ca-out",
         str(ca_file), "--issuer-ca-file", str(oidc_issuer.ca.path), "--token-lifetime", "9",
         "--federated-credential", f"{CLIENT_ID},{oidc_issuer.issuer},{SUBJECT}"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert f"https://127.0.0.1:{port}" in line, line + process.stderr.read()
        tenant = line.rsplit("tenant ", 1)[1].rstrip(")\n")
        remote = RemoteFake(f"https://127.0.0.1:{port}", ca_file)
        status, _ = fetch(remote, "/_fake/script", data=json.dumps([{"kind": "error", "code": 700024}]).encode())
        assert status == 200
        status, body = fetch(remote, f"/{tenant}/oauth2/v2.0/token", data=token_form(oidc_issuer.make_token(SUBJECT)))
        assert status == 401 and body["error_codes"] == [700024]
        fetch(remote, "/_fake/reset", data=b"")
        status, body = fetch(remote, f"/{tenant}/oauth2/v2.0/token", data=token_form(oidc_issuer.make_token(SUBJECT)))
        assert status == 200 and body["expires_in"] == 9, body
        status, issued = fetch(remote, "/_fake/issued")
        assert [t["access_token"] for t in issued] == [body["access_token"]]
    finally:
        process.terminate()
        process.wait(timeout=10)
