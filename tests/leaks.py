"""Find secrets where they must never be: notebook outputs and the stack's logs.

A finding names what leaked and where, never the secret itself.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import boto3

from helpers.emulator import stack

JWT_SHAPED = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


def find_leaks(text: str, secrets: Mapping[str, str]) -> list[str]:
    """What in ``text`` is a JWT-shaped string or one of ``secrets`` (label → value)."""
    found = ["a JWT-shaped string"] if JWT_SHAPED.search(text) else []
    found += [label for label, secret in secrets.items() if secret and secret in text]
    return found


def client_secrets(home: Path) -> dict[str, str]:
    """Every app client secret in the Cognito of the stack in ``home``, by client id."""
    environment = stack.client_environment(home)
    cognito = boto3.client(
        "cognito-idp",
        endpoint_url=environment["AWS_ENDPOINT_URL"],
        region_name=environment["AWS_REGION"],
        aws_access_key_id=environment["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
    )
    secrets = {}
    for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]:
        clients = cognito.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)
        for client in clients["UserPoolClients"]:
            described = cognito.describe_user_pool_client(
                UserPoolId=pool["Id"], ClientId=client["ClientId"]
            )["UserPoolClient"]
            if described.get("ClientSecret"):
                secrets[f"client secret of {client['ClientId']}"] = described["ClientSecret"]
    return secrets


def scan_files(paths: Iterable[Path], secrets: Mapping[str, str]) -> list[str]:
    """Findings in every readable file of ``paths``, as ``"<file>: <what>"``."""
    findings = []
    for path in paths:
        if path.is_file():
            text = path.read_text(errors="replace")
            findings += [f"{path}: {what}" for what in find_leaks(text, secrets)]
    return findings
