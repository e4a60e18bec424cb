"""What the real ``agentcore`` CLI needs to answer from the local stack, in a shell.

``agentcore-local env`` points the shell's AWS clients at the stack (``AWS_ENDPOINT_URL``
and the stack's own key, :meth:`~helpers.emulator.state.StackState.client_environment`):
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
"""

from __future__ import annotations

from pathlib import Path

from helpers.emulator.state import StackState

PRELOAD = Path(__file__).with_name("agentcore_cli_to_local.cjs")


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
