"""What the real ``agentcore`` CLI needs to answer from the local stack, in a shell.

``agentcore-local env`` points the shell's AWS clients at the stack (``AWS_ENDPOINT_URL``
and the stack's own key, :meth:`~helpers.emulator.core.state.StackState.client_environment`):
the CLI's AWS SDK calls honour that. Three things of the CLI do not, and get these:

- ``agentcore invoke`` of a JWT runtime builds the Runtime's URL itself
  (``https://bedrock-agentcore.<region>.amazonaws.com/runtimes/<ARN>/invocations``) and
  calls Node's ``fetch``; no endpoint variable reaches it. :data:`PRELOAD`, loaded by
  ``NODE_OPTIONS``, sends those requests, and no others, to the local front door. (An
  endpoint variable of the CLI's own would make this unnecessary.)
- Node trusts its built-in CA list, not ``SSL_CERT_FILE``: ``NODE_EXTRA_CA_CERTS`` adds
  the stack's CA (its bundle holds the public roots too).
- At start the CLI asks npm whether it is current; its config folder
  (``AGENTCORE_CONFIG_DIR``, here the stack's own) gets a recent check from the preload,
  so nothing leaves loopback. Its telemetry is off.

The shell's ``agentcore`` becomes a function (:func:`shell_function`): the real CLI
where one is on ``PATH`` (``make lab`` links the pinned one into ``.venv/bin``), except
``agentcore deploy``, whose real path needs AWS (CDK and CloudFormation) and which runs
the local deploy instead, saying so; ``agentcore-local`` for every command where no real
CLI is installed.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from helpers.emulator.core.state import StackState

PRELOAD = Path(__file__).with_name("agentcore_cli_to_local.cjs")
PACKAGE = "@aws/agentcore"
# The real CLI's names for its deploy command; `dp` is its alias.
DEPLOY_COMMANDS = ("deploy", "dp")
# What `agentcore-local deploy` is told when it runs as the terminal's `agentcore deploy`.
INSTEAD_OF_CDK = "--instead-of-cdk"


@dataclass(frozen=True)
class RealCli:
    """An installed npm ``@aws/agentcore``: the command found on ``PATH`` and its version."""

    command: Path
    version: str


def find_real_cli(search_path: str | None = None) -> RealCli | None:
    """The real CLI that ``agentcore`` on ``search_path`` (default: ``$PATH``) runs, if any.

    Only npm's ``@aws/agentcore`` counts: other tools install an ``agentcore`` command
    too (the Python starter toolkit does), and the stand-in must not be replaced by one.
    The package is recognised by the ``package.json`` above the command's real file.
    """
    found = shutil.which("agentcore", path=search_path)
    if found is None:
        return None
    for folder in Path(os.path.realpath(found)).parents:
        manifest = folder / "package.json"
        if manifest.is_file():
            try:
                package = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return None
            if package.get("name") != PACKAGE:
                return None
            return RealCli(Path(found), str(package.get("version", "")))
    return None


def shell_function(real: RealCli | None) -> str:
    """The shell's ``agentcore``: the real CLI but for ``deploy``, or else the stand-in."""
    if real is None:
        return 'agentcore() { agentcore-local "$@"; }'
    deploy = "|".join(DEPLOY_COMMANDS)
    return (
        f'agentcore() {{ case "${{1-}}" in {deploy}) shift; '
        f'agentcore-local deploy {INSTEAD_OF_CDK} "$@" ;; '
        f'*) {shlex.quote(str(real.command))} "$@" ;; esac; }}'
    )


def node_environment(state: StackState, config_dir: Path, node_options: str) -> dict[str, str]:
    """The variables for Node and the real CLI; ``node_options`` is the shell's own
    ``NODE_OPTIONS``, kept (and not given the preload twice)."""
    require = f'--require "{PRELOAD}"'
    if require not in node_options:
        node_options = f"{node_options} {require}".strip()
    return {
        "NODE_OPTIONS": node_options,
        "NODE_EXTRA_CA_CERTS": str(state.ca_bundle),
        "AGENTCORE_LOCAL_RUNTIME_URL": state.url("runtime"),
        "AGENTCORE_CONFIG_DIR": str(config_dir),
        "AGENTCORE_TELEMETRY_DISABLED": "1",
    }
