"""The ``agentcore`` CLI's project commands, run on a project folder without the CLI.

``validate``, ``add gateway``, ``add gateway-target``, ``remove gateway`` and
``remove all`` act on ``agentcore/agentcore.json`` only (no AWS call), so the local
stack's CLI and the notebook kit's local backend both run them from here. Each
returns an :class:`Outcome`: whether it worked and what the CLI would print.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.model import edits
from helpers.model.config import ConfigJSONError, read_config, write_config
from helpers.model.i18n import _
from helpers.model.validation import validate_project


@dataclass(frozen=True)
class Outcome:
    """What a command did: ``ok`` is its exit status, ``output`` what it printed."""

    ok: bool
    output: str


def validate(project: Path, value_sources: Mapping[str, str] | None = None) -> Outcome:
    """``agentcore validate``: every problem of the config, with a fix for each."""
    result = validate_project(project, value_sources)
    return Outcome(result.ok, result.format())


def remove_gateway(project: Path, name: str) -> Outcome:
    """``agentcore remove gateway --name NAME -y``: its targets move to unassignedTargets."""
    return _edit(
        project,
        lambda config: edits.remove_gateway(config, name=name),
        _(
            "Removed gateway '{name}'; its targets moved to unassignedTargets. "
            "Run `agentcore deploy -y -v` to delete it from the account.",
            name=name,
        ),
    )


def add_gateway(
    project: Path,
    *,
    name: str,
    runtimes: list[str],
    authorizer_type: str,
    discovery_url: str | None = None,
    allowed_clients: list[str] | None = None,
) -> Outcome:
    """``agentcore add gateway --name NAME --runtimes … --authorizer-type …``."""
    return _edit(
        project,
        lambda config: edits.add_gateway(
            config,
            name=name,
            runtimes=runtimes,
            authorizer_type=authorizer_type,
            discovery_url=discovery_url,
            allowed_clients=allowed_clients,
        ),
        _(
            "Added gateway '{name}' (authorizer {authorizer_type}). "
            "Run `agentcore deploy -y -v` to apply it.",
            name=name,
            authorizer_type=authorizer_type,
        ),
    )


def add_gateway_target(
    project: Path, *, gateway: str, name: str, lambda_arn: str, tool_schema_file: str
) -> Outcome:
    """``agentcore add gateway-target --type lambda-function-arn …`` on ``gateway``."""
    return _edit(
        project,
        lambda config: edits.add_lambda_target(
            config,
            gateway=gateway,
            name=name,
            lambda_arn=lambda_arn,
            tool_schema_file=tool_schema_file,
        ),
        _(
            "Added target '{name}' to gateway '{gateway}'. "
            "Run `agentcore deploy -y -v` to apply it.",
            name=name,
            gateway=gateway,
        ),
    )


def remove_all(project: Path) -> Outcome:
    """``agentcore remove all -y``: the next deploy deletes every resource of the project."""
    return _edit(
        project,
        edits.remove_all,
        _(
            "Removed every runtime and gateway from the project. "
            "Run `agentcore deploy -y -v` to delete them from the account."
        ),
    )


def _edit(project: Path, edit: Callable[[dict[str, Any]], dict[str, Any]], done: str) -> Outcome:
    try:
        config = edit(read_config(project))
    except (edits.ConfigEditError, ConfigJSONError, FileNotFoundError) as error:
        return Outcome(False, str(error))
    write_config(project, config)
    return Outcome(True, done)
