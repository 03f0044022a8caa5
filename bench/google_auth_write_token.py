"""The baseline for the GCP benchmark: what google-auth does when an app or a Python helper obtains a
GCP access token by workload identity federation, as one fresh process.

Loads an external_account configuration (a file credential source → identity_pool.Credentials, or
an AWS one → aws.Credentials, which signs GetCallerIdentity with the environment's AWS keys),
refreshes it (STS exchange, then IAM generateAccessToken when the config impersonates), and writes
the access token atomically (mode 0600, no newline), as `skyferry agent --once` does with
gcpAccessTokenFile. bench/gcp_time_to_credentials.py times this against the agent.
"""

from __future__ import annotations

import argparse
import json
import sys

from google.auth import aws, identity_pool
from google.auth.transport.requests import Request

from atomic_file import write_atomically  # bench/, next to this script

CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", required=True, help="external_account JSON")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    with open(args.config) as f:
        info = json.load(f)
    kind = aws.Credentials if "environment_id" in info.get("credential_source", {}) else identity_pool.Credentials
    # from_info without scopes, then with_scopes: scopes at load time make google-auth look the
    # project up at cloudresourcemanager.googleapis.com (shared/reference/peers.md §3).
    creds = kind.from_info(info).with_scopes([CLOUD_PLATFORM])
    creds.refresh(Request())
    write_atomically(args.output, creds.token, 0o600, prefix=".token-")
    return 0


if __name__ == "__main__":
    sys.exit(main())
