"""The baseline: what a Python credential helper does today, as one fresh process.

Reads the web-identity token file, calls STS AssumeRoleWithWebIdentity with boto3, and writes an
AWS shared-credentials file atomically (temp file in the same directory, mode 0600, fsync, rename).
bench/time_to_credentials.py times this against `skyferry agent --once`.
"""

from __future__ import annotations

import argparse
import configparser
import io
import sys

import boto3
from botocore import UNSIGNED
from botocore.config import Config

from atomic_file import write_atomically  # bench/, next to this script


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--token-file", required=True)
    parser.add_argument("--role-arn", required=True)
    parser.add_argument("--session-name", default="boto3-helper")
    parser.add_argument("--duration-seconds", type=int, default=3600)
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--region", default="us-east-1")
    parser.add_argument("--output", required=True)
    parser.add_argument("--profile", default="default")
    args = parser.parse_args()

    with open(args.token_file) as f:
        token = f.read().strip()
    sts = boto3.client(
        "sts",
        endpoint_url=args.endpoint,
        region_name=args.region,
        config=Config(signature_version=UNSIGNED, retries={"mode": "standard", "max_attempts": 3}),
    )
    creds = sts.assume_role_with_web_identity(
        RoleArn=args.role_arn,
        RoleSessionName=args.session_name,
        WebIdentityToken=token,
        DurationSeconds=args.duration_seconds,
    )["Credentials"]

    ini = configparser.ConfigParser(interpolation=None)
    ini[args.profile] = {
        "aws_access_key_id": creds["AccessKeyId"],
        "aws_secret_access_key": creds["SecretAccessKey"],
        "aws_session_token": creds["SessionToken"],
    }
    buffer = io.StringIO()
    ini.write(buffer)
    write_atomically(args.output, buffer.getvalue(), 0o600, prefix=".credentials-")
    return 0


if __name__ == "__main__":
    sys.exit(main())
