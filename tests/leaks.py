"""Find secrets where they must never be: notebook outputs and the stack's logs.

A finding names what leaked and where, never the secret itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import boto3

from helpers.emulator import stack

JWT_SHAPED = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")


def find_leaks(text: str, secrets: Mapping[str, str]) -> list[str]:
    """What in ``text`` is a JWT-shaped string or one of ``secrets`` (label → value)."""
    found = ["a JWT-shaped string"] if JWT_SHAPED.search(text) else []
    found += [label for label, secret in secrets.items() if secret and secret in text]
    return found


def _client(home: Path, service: str) -> Any:
    """A boto3 client of the stack in ``home`` (whatever this process's environment says)."""
    environment = stack.client_environment(home)
    return boto3.client(
        service,
        endpoint_url=environment["AWS_ENDPOINT_URL"],
        region_name=environment["AWS_REGION"],
        aws_access_key_id=environment["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
    )


def stack_secrets(home: Path) -> dict[str, str]:
    """Every secret of the stack in ``home`` a person must never see: the app clients'
    secrets and the users' passwords."""
    return client_secrets(home) | user_passwords(home)


def user_passwords(home: Path) -> dict[str, str]:
    """Every password kept in the stack's Secrets Manager (``{"username", "password"}``)."""
    secretsmanager = _client(home, "secretsmanager")
    passwords = {}
    for page in secretsmanager.get_paginator("list_secrets").paginate():
        for listed in page["SecretList"]:
            value = secretsmanager.get_secret_value(SecretId=listed["ARN"]).get("SecretString")
            try:
                secret = json.loads(value or "")
            except ValueError:
                continue
            if isinstance(secret, dict) and secret.get("password"):
                passwords[f"password in {listed['Name']}"] = str(secret["password"])
    return passwords


def client_secrets(home: Path) -> dict[str, str]:
    """Every app client secret in the Cognito of the stack in ``home``, by client id."""
    cognito = _client(home, "cognito-idp")
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
