"""The workshop's ``agentcore`` command lines, in one place for both backends.

The AWS backend runs these argument lists; the local backend shows them, so a
learner always sees the command they would type on AWS.
"""

from __future__ import annotations

import shlex

EXECUTABLE = "agentcore"


def validate() -> list[str]:
    return [EXECUTABLE, "validate"]


def deploy() -> list[str]:
    return [EXECUTABLE, "deploy", "-y", "-v"]


def remove_gateway(name: str) -> list[str]:
    return [EXECUTABLE, "remove", "gateway", "--name", name, "-y"]


def add_gateway(
    name: str, runtimes: list[str], discovery_url: str, allowed_clients: list[str]
) -> list[str]:
    return [
        *(EXECUTABLE, "add", "gateway", "--name", name),
        *("--runtimes", ",".join(runtimes)),
        *("--authorizer-type", "CUSTOM_JWT"),
        *("--discovery-url", discovery_url),
        *("--allowed-clients", ",".join(allowed_clients)),
    ]


def add_gateway_target(
    gateway: str, name: str, lambda_arn: str, tool_schema_file: str
) -> list[str]:
    return [
        *(EXECUTABLE, "add", "gateway-target", "--type", "lambda-function-arn"),
        *("--name", name),
        *("--lambda-arn", lambda_arn),
        *("--tool-schema-file", tool_schema_file),
        *("--gateway", gateway),
    ]


def invoke(prompt: str, session_id: str) -> list[str]:
    return [EXECUTABLE, "invoke", prompt, "--session-id", session_id]


def remove_all() -> list[str]:
    return [EXECUTABLE, "remove", "all", "-y"]


def shown(argv: list[str]) -> str:
    """The command as a learner types it in a shell."""
    return shlex.join(argv)
