"""The workshop's ``agentcore`` command lines, in one place for both backends.

The AWS backend runs these argument lists; the local backend shows them, so a learner
always sees the command they would type on AWS. Every flag is one the real CLI 0.30.0
takes (``tests/test_cli_contract.py`` runs each line through the real CLI's parser).

A bearer token never goes on the command line the AWS backend starts: every user of the
machine can read a process's arguments. :func:`token_in_environment` moves it into the
environment, and a preload (``bearer_token_from_environment.cjs``) hands it to the CLI
inside its process.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path

EXECUTABLE = "agentcore"
# The CLI the kit was proven with: the AWS backend runs only this version (it checks
# `agentcore --version` at start), and the contract tests install and run it
# (helpers.tooling.agentcore_cli). The README's install line names it (a test keeps them equal).
PACKAGE = "@aws/agentcore"
VERSION = "0.30.0"
INSTALL_COMMAND = f"npm install -g {PACKAGE}@{VERSION}"
BEARER_TOKEN = "--bearer-token"
STREAM = "--stream"
# How a command line shows the token it was given: the shell variable a learner would use.
TOKEN_SHOWN = '"$TOKEN"'
# The variable the preload reads the token from; it is the preload's to name (see the file).
TOKEN_VARIABLE = "AGENTCORE_KIT_BEARER_TOKEN"
TOKEN_PRELOAD = Path(__file__).with_name("bearer_token_from_environment.cjs")


def version() -> list[str]:
    """``agentcore --version``: the CLI prints its version alone (``0.30.0``) and exits 0."""
    return [EXECUTABLE, "--version"]


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


def invoke(
    prompt: str, session_id: str, token: str | None = None, *, stream: bool | None = None
) -> list[str]:
    """``agentcore invoke``: signed with SigV4, or with a bearer token, answer streamed.

    ``stream`` adds ``--stream`` (by default: when there is a token). The workshop text's
    call without a token to the secured runtime is ``stream=True`` with no token.
    """
    argv = [EXECUTABLE, "invoke", prompt, "--session-id", session_id]
    if token is not None:
        argv += [BEARER_TOKEN, token]
    if stream is None:
        stream = token is not None
    return [*argv, STREAM] if stream else argv


def token_in_environment(
    argv: list[str], environment: Mapping[str, str]
) -> tuple[list[str], dict[str, str]]:
    """``argv`` without its ``--bearer-token``, and ``environment`` carrying the token to the
    CLI's preload instead (``NODE_OPTIONS`` gains ``--require`` of it); as given when
    ``argv`` has no token."""
    if BEARER_TOKEN not in argv[:-1]:
        return argv, dict(environment)
    at = argv.index(BEARER_TOKEN)
    node_options = environment.get("NODE_OPTIONS", "")
    preload = f'--require "{TOKEN_PRELOAD}"'
    return [*argv[:at], *argv[at + 2 :]], {
        **environment,
        TOKEN_VARIABLE: argv[at + 1],
        "NODE_OPTIONS": f"{node_options} {preload}".strip(),
    }


def remove_all() -> list[str]:
    return [EXECUTABLE, "remove", "all", "-y"]


# What a shell would expand inside double quotes.
_EXPANDED_IN_DOUBLE_QUOTES = frozenset('"$`\\!')


def _quoted(arg: str) -> str:
    """``arg`` as the workshop text writes it: bare, else in double quotes, as its prompts
    are ("What's the return policy…"), else in shell-safe single quotes."""
    bare = shlex.quote(arg)
    if bare == arg or _EXPANDED_IN_DOUBLE_QUOTES.intersection(arg):
        return bare
    return f'"{arg}"'


def shown(argv: list[str]) -> str:
    """The command as a learner types it in a shell; a bearer token shows as ``"$TOKEN"``."""
    parts = [_quoted(arg) for arg in argv]
    for index, arg in enumerate(argv[:-1]):
        if arg == BEARER_TOKEN:
            parts[index + 1] = TOKEN_SHOWN
    return " ".join(parts)
