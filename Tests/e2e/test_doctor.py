"""`skyferry doctor` against the fakes: each failure class reproduced with the real error response, and
the doctor naming the cause and the fix; a real exchange but no output written, and no token printed."""

from __future__ import annotations

import json
import os
import socket

import pytest

from doctor_support import EXIT_CONFIG, EXIT_FAILED, EXIT_OK, assert_no_secrets, doctor, doctor_json, statuses, step
from e2e_support import AUDIENCE, SUBJECT, free_port, run
from fakes.fake_sts import KNOWN_ERRORS, VERIFICATION_KEY_MESSAGE, FakeSTS, aws_error

ISSUER_HOSTPATH = "oidc.skyferry.test/id/EXAMPLE0123456789"  # conftest.make_jwt's iss without https://


def test_healthy_aws_target_passes_without_writing_or_printing_secrets(ws, fake_sts):
    result, report = doctor_json(ws, ws.config(fake_sts.url))

    assert result.returncode == EXIT_OK, result
    assert report["passed"] is True
    checks = statuses(report)
    for check in ("source", "token-claims", "token-expiry", "audience", "proxy", "dns", "reachability", "clock", "exchange",
                  "output awsCredentialsFile.path"):
        assert checks[check] == "pass", (check, report)
    claims = step(report, "token-claims")["detail"]
    assert f"sub={SUBJECT}" in claims and f"aud={AUDIENCE}" in claims and "iss=https://" in claims
    assert len(fake_sts.requests) == 1, "doctor makes exactly one real exchange"
    assert list(ws.out_dir.iterdir()) == [], "doctor must not write outputs"
    issued = fake_sts.issued[-1]
    assert_no_secrets(result, ws.token, issued.secret_access_key, issued.session_token, issued.access_key_id)


def test_text_report_marks_every_step(ws, fake_sts):
    result = doctor(ws, ws.config(fake_sts.url))
    assert result.returncode == EXIT_OK, result
    assert result.stdout.startswith('target "shop-s3" (aws)\n')
    assert "  ✓ exchange: AssumeRoleWithWebIdentity succeeded" in result.stdout
    assert result.stdout.endswith("all checks passed\n")


# Every AWS rejection class: the fake answers with AWS's own error document; the doctor names the cause and fix.
AWS_CLASSES = {
    "AccessDenied": (aws_error("AccessDenied"), "trust policy does not allow", f"{ISSUER_HOSTPATH}:sub = {SUBJECT}"),
    "InvalidIdentityToken-audience": (aws_error("InvalidIdentityToken"), "aud is not a client ID",
                                      "IAM OIDC identity provider for https://oidc.skyferry.test"),
    "InvalidIdentityToken-jwks": (aws_error("InvalidIdentityToken", message=VERIFICATION_KEY_MESSAGE),
                                  "could not fetch the issuer's OpenID configuration or JWKS", "publicly reachable"),
    "ExpiredTokenException": (aws_error("ExpiredTokenException"), "had expired when STS checked it", "projected token"),
    "IDPRejectedClaim": (aws_error("IDPRejectedClaim"), "rejected a claim", f"sub={SUBJECT}"),
    "IDPCommunicationError": (aws_error("IDPCommunicationError"), "could not reach the identity provider", "transient"),
    "RegionDisabledException": (aws_error("RegionDisabledException"), "not activated in this region", "activate it"),
    "Throttling": (aws_error("Throttling"), "throttling", "transient"),
}


@pytest.mark.parametrize("name", list(AWS_CLASSES))
def test_aws_rejection_names_cause_and_fix(ws, fake_sts, name):
    reply, cause, fix = AWS_CLASSES[name]
    fake_sts.script(reply)
    result, report = doctor_json(ws, ws.config(fake_sts.url))

    assert result.returncode == EXIT_FAILED, result
    assert report["passed"] is False
    exchange = step(report, "exchange")
    assert exchange["status"] == "fail"
    assert reply.code in exchange["detail"] and KNOWN_ERRORS[reply.code][1].split(":")[0] in exchange["detail"] \
        or reply.message in exchange["detail"]
    assert cause in exchange["cause"], exchange
    assert fix in exchange["fix"], exchange
    assert len(fake_sts.requests) == 1, "doctor does not retry"
    assert list(ws.out_dir.iterdir()) == []
    assert_no_secrets(result, ws.token)


def test_access_denied_prints_a_trust_policy_that_parses_and_pins_sub_and_aud(ws, fake_sts):
    fake_sts.script(aws_error("AccessDenied"))
    result, report = doctor_json(ws, ws.config(fake_sts.url))
    fix = step(report, "exchange")["fix"]
    policy = json.loads(fix[fix.index("{"):])
    [statement] = policy["Statement"]
    assert statement["Principal"] == {"Federated": f"arn:aws:iam::123456789012:oidc-provider/{ISSUER_HOSTPATH}"}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"]["StringEquals"] == {f"{ISSUER_HOSTPATH}:sub": SUBJECT, f"{ISSUER_HOSTPATH}:aud": AUDIENCE}


def test_expired_token_is_named_before_the_exchange(ws, fake_sts, make_jwt):
    ws.write_token(make_jwt(expired=True))
    fake_sts.script(aws_error("ExpiredTokenException"))
    result, report = doctor_json(ws, ws.config(fake_sts.url))

    assert result.returncode == EXIT_FAILED
    expiry = step(report, "token-expiry")
    assert expiry["status"] == "fail" and "expired at" in expiry["detail"] and "projected serviceAccountToken" in expiry["fix"]
    assert step(report, "token-claims")["status"] == "pass", "the claims of an expired token are still shown"


def test_token_about_to_expire_warns(ws, fake_sts, make_jwt):
    ws.write_token(make_jwt(lifetime=120))
    result, report = doctor_json(ws, ws.config(fake_sts.url))
    assert result.returncode == EXIT_OK, result
    assert step(report, "token-expiry")["status"] == "warn"


def test_unusual_audience_warns_with_the_provider_command(ws, fake_sts, make_jwt):
    ws.write_token(make_jwt(aud=["vault"]))
    result, report = doctor_json(ws, ws.config(fake_sts.url))
    audience = step(report, "audience")
    assert audience["status"] == "warn"
    assert "add-client-id-to-open-id-connect-provider" in audience["fix"] and "--client-id vault" in audience["fix"]


def test_missing_token_file_names_the_projected_volume(ws, fake_sts):
    ws.token_file.unlink()
    result, report = doctor_json(ws, ws.config(fake_sts.url))
    assert result.returncode == EXIT_FAILED
    source = step(report, "source")
    assert source["status"] == "fail" and str(ws.token_file) in source["detail"] and "projected serviceAccountToken" in source["fix"]
    assert step(report, "exchange")["status"] == "skip"
    assert fake_sts.requests == []


def test_clock_skew_against_the_sts_date_header_fails(ws):
    with FakeSTS(date_offset_seconds=-900) as sts:
        result, report = doctor_json(ws, ws.config(sts.url))
    assert result.returncode == EXIT_FAILED
    clock = step(report, "clock")
    assert clock["status"] == "fail" and "ahead of" in clock["detail"] and "NTP" in clock["fix"]


def test_unreachable_sts_fails_reachability_and_the_exchange(ws, closed_port_url):
    result, report = doctor_json(ws, ws.config(closed_port_url))
    assert result.returncode == EXIT_FAILED
    reachability = step(report, "reachability")
    assert reachability["status"] == "fail" and "egress" in reachability["fix"]
    assert step(report, "exchange")["cause"] == "STS could not be reached"


def test_proxy_in_effect_is_reported_with_its_password_masked(ws):
    # A non-loopback STS goes through the (dead, loopback) proxy: nothing is resolved or leaves the machine.
    env = dict(ws.env, https_proxy="http://user:hunter2@127.0.0.1:9", HTTPS_PROXY="http://user:hunter2@127.0.0.1:9",
               no_proxy="localhost", NO_PROXY="localhost")
    result, report = doctor_json(ws, ws.config("https://sts.skyferry-test.invalid"), env=env)
    proxy = step(report, "proxy")
    assert "via http://user:***@127.0.0.1:9 to sts.skyferry-test.invalid" in proxy["detail"]
    assert "hunter2" not in result.stdout + result.stderr
    assert step(report, "dns")["status"] == "skip"


def test_a_loopback_sts_is_reported_direct_whatever_no_proxy_says(ws, fake_sts):
    env = dict(ws.env, http_proxy="http://user:hunter2@127.0.0.1:9", HTTP_PROXY="http://user:hunter2@127.0.0.1:9",
               no_proxy="", NO_PROXY="")
    result, report = doctor_json(ws, ws.config(fake_sts.url), env=env)
    assert step(report, "proxy")["detail"].endswith("(loopback, link-local and metadata hosts are never proxied)")
    assert "hunter2" not in result.stdout + result.stderr


def test_output_directory_missing_fails(ws, fake_sts):
    config = ws.config(fake_sts.url, output=ws.root / "no-such-dir" / "credentials")
    result, report = doctor_json(ws, config)
    assert result.returncode == EXIT_FAILED
    output = step(report, "output awsCredentialsFile.path")
    assert output["status"] == "fail" and "does not exist" in output["detail"] and "Mount a volume" in output["fix"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any directory")
def test_output_directory_not_writable_fails(ws, fake_sts):
    ws.out_dir.chmod(0o500)
    try:
        result, report = doctor_json(ws, ws.config(fake_sts.url))
    finally:
        ws.out_dir.chmod(0o700)
    assert step(report, "output awsCredentialsFile.path")["status"] == "fail"


def test_existing_output_mode_is_shown_and_the_file_left_alone(ws, fake_sts):
    ws.output.write_text("old")
    ws.output.chmod(0o644)
    result, report = doctor_json(ws, ws.config(fake_sts.url, mode="0640"))
    output = step(report, "output awsCredentialsFile.path")
    assert output["status"] == "pass" and "exists with mode 0644 (rewritten as 0640)" in output["detail"]
    assert ws.output.read_text() == "old", "doctor must not write outputs"


def test_health_listen_address_in_use_fails(ws, fake_sts):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result, report = doctor_json(ws, ws.config(fake_sts.url, health_listen=f"127.0.0.1:{port}"))
    assert result.returncode == EXIT_FAILED
    listen = step(report, "listen health.listen", target=-1)
    assert listen["status"] == "fail" and "in use" in listen["detail"]


def test_free_health_listen_address_passes(ws, fake_sts):
    result, report = doctor_json(ws, ws.config(fake_sts.url, health_listen=f"127.0.0.1:{free_port()}"))
    assert result.returncode == EXIT_OK, result
    assert step(report, "listen health.listen", target=-1)["status"] == "pass"


def test_container_endpoint_listen_address_in_use_fails_and_its_token_file_is_checked(ws, fake_sts):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        outputs = {"awsContainerEndpoint": {"listen": f"127.0.0.1:{port}", "authTokenFile": str(ws.out_dir / "auth-token")}}
        result, report = doctor_json(ws, ws.config(fake_sts.url, outputs=outputs))
    assert result.returncode == EXIT_FAILED
    listen = step(report, "listen targets[0].outputs.awsContainerEndpoint.listen", target=-1)
    assert listen["status"] == "fail" and "in use" in listen["detail"] and "choose another port" in listen["fix"]
    assert step(report, "output awsContainerEndpoint.authTokenFile")["status"] == "pass"
    assert list(ws.out_dir.iterdir()) == [], "doctor must not write the auth token file either"


def test_only_configured_listen_addresses_are_checked(ws, fake_sts):
    doc_outputs = {"awsCredentialsFile": {"path": str(ws.output)}}
    config = ws.config(fake_sts.url, outputs=doc_outputs, health_listen=f"127.0.0.1:{free_port()}")
    result, report = doctor_json(ws, config)
    assert result.returncode == EXIT_OK, result
    assert [s["check"] for s in report["agent"]] == ["listen health.listen"]


def test_unknown_target_is_a_usage_error(ws, fake_sts):
    result = doctor(ws, ws.config(fake_sts.url), "--target", "nope")
    assert result.returncode == EXIT_CONFIG
    assert "no target named \"nope\"" in result.stderr


# --- GCE/GKE → AWS: Google ID tokens from the metadata server --------------------------------------


def test_google_id_token_to_aws_passes_against_a_verifying_sts(ws, fake_metadata, verifying_sts):
    result, report = doctor_json(ws, ws.gcp_config(fake_metadata.url, verifying_sts.url))
    assert result.returncode == EXIT_OK, result
    assert "iss=https://accounts.google.com" in step(report, "token-claims")["detail"]
    assert len(verifying_sts.arwwi_requests) == 1


def test_google_id_token_access_denied_names_the_google_condition_keys(ws, fake_metadata, fake_sts):
    fake_sts.script(aws_error("AccessDenied"))
    result, report = doctor_json(ws, ws.gcp_config(fake_metadata.url, fake_sts.url))
    assert result.returncode == EXIT_FAILED
    fix = step(report, "exchange")["fix"]
    assert "Federated principal accounts.google.com" in fix
    policy = json.loads(fix[fix.index("{"):])
    conditions = policy["Statement"][0]["Condition"]["StringEquals"]
    assert set(conditions) == {"accounts.google.com:sub", "accounts.google.com:oaud", "accounts.google.com:aud"}
    assert conditions["accounts.google.com:oaud"] == AUDIENCE


def test_next_to_a_running_agent_its_addresses_pass_and_the_config_comes_from_the_environment(ws, fake_sts):
    """`kubectl exec -c skyferry-agent POD -- skyferry doctor`: no --config (the webhook injects the YAML
    in SKYFERRY_CONFIG_YAML), and the agent in that container already holds every listen address."""
    health = f"127.0.0.1:{free_port()}"
    endpoint = f"127.0.0.1:{free_port()}"
    outputs = {"awsContainerEndpoint": {"listen": endpoint, "authTokenFile": str(ws.out_dir / "auth-token")}}
    text = ws.config(fake_sts.url, outputs=outputs, health_listen=health).read_text()
    env = dict(ws.env, SKYFERRY_CONFIG_YAML=text)
    agent = ws.start_agent(None, health=health, env=env)
    agent.wait_for(lambda: agent.get("/healthz")[0] == 200, 15, "/healthz to answer 200")

    result = run([str(ws.skyferry_bin), "doctor", "--output", "json"], env)
    assert result.returncode == EXIT_OK, result
    report = json.loads(result.stdout)
    for check, address in (("listen health.listen", health), ("listen targets[0].outputs.awsContainerEndpoint.listen", endpoint)):
        listen = step(report, check, target=-1)
        assert listen["status"] == "pass" and f"{address} is in use by the running agent" in listen["detail"], listen
    assert_no_secrets(result, ws.token)
