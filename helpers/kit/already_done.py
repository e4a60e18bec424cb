"""A typed command whose effect is there already: done in the terminal, or by this cell before.

The workshop's steps can be done in a notebook cell (``ws.run("agentcore …")``) or in
JupyterLab's terminal, in any mix. Run again, ``add gateway`` would fail with the CLI's
"already exists" and ``remove gateway`` with "not found", while the checker beside the
cell says the step is done. So before a command runs, :func:`already_done` looks at
the project: when what the command would make is there (or what it would remove is
gone), the cell says so instead of running it. What the command would change is
compared, not just the name: a gateway of that name with another authorizer is the
CLI's to refuse.
"""

from __future__ import annotations

from typing import Any

from helpers.basics.i18n import _
from helpers.kit.command_line import TypedCommand


def already_done(typed: TypedCommand, config: dict[str, Any]) -> str | None:
    """Why ``typed`` has nothing left to do in a project with ``config``, or None."""
    options = typed.options
    gateways = {g.get("name"): g for g in config.get("agentCoreGateways", [])}
    if typed.name == "remove gateway" and options["name"] not in gateways:
        return _(
            "✓ already done: {gateway} is not in agentcore.json (removed in the terminal, or "
            "by an earlier run of this cell).",
            gateway=options["name"],
        )
    if typed.name == "add gateway" and _same_gateway(gateways.get(options["name"]), typed):
        return _(
            "✓ already done: {gateway} is in agentcore.json with this authorizer (added in the "
            "terminal, or by an earlier run of this cell).",
            gateway=options["name"],
        )
    if typed.name == "add gateway-target":
        targets = (gateways.get(options["gateway"]) or {}).get("targets", [])
        target = next((t for t in targets if t.get("name") == options["name"]), None)
        arn = (target or {}).get("lambdaFunctionArn", {}).get("lambdaArn")
        if target is not None and arn == options["lambda_arn"]:
            return _(
                "✓ already done: {gateway} has the target {target} (added in the terminal, or "
                "by an earlier run of this cell).",
                gateway=options["gateway"],
                target=options["name"],
            )
    if typed.name == "remove all" and not any(
        config.get(key) for key in ("runtimes", "agentCoreGateways", "memories")
    ):
        return _("✓ already done: agentcore.json holds no resources any more.")
    return None


def _same_gateway(gateway: dict[str, Any] | None, typed: TypedCommand) -> bool:
    if gateway is None or gateway.get("authorizerType") != typed.options["authorizer_type"]:
        return False
    jwt = (gateway.get("authorizerConfiguration") or {}).get("customJwtAuthorizer") or {}
    # Step 4 lets one more client in later: a gateway that lets in the command's is its.
    allowed = set(jwt.get("allowedClients") or [])
    return jwt.get("discoveryUrl") == typed.options["discovery_url"] and allowed >= set(
        typed.list_option("allowed_clients")
    )
