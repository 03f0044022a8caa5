"""The baseline for the Azure benchmark: what azure-identity does when an app or a Python helper obtains an
Entra ID access token by workload identity federation, as one fresh process.

WorkloadIdentityCredential reads AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE and
AZURE_AUTHORITY_HOST from the environment (as on AKS), exchanges the token file's JWT at Entra ID's token
endpoint (client credentials with a jwt-bearer assertion) and the access token is written atomically
(mode 0600, no newline), as `skyferry agent --once` does with azureAccessTokenFile.
bench/azure_time_to_token.py times this against the agent.
"""

from __future__ import annotations

import argparse
import sys

from azure.identity import WorkloadIdentityCredential

from atomic_file import write_atomically  # bench/, next to this script


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scope", required=True, help="e.g. https://vault.azure.net/.default")
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    token = WorkloadIdentityCredential().get_token(args.scope)
    write_atomically(args.output, token.token, 0o600, prefix=".token-")
    return 0


if __name__ == "__main__":
    sys.exit(main())
