"""The ``agentcore`` CLI's project commands, run on a project folder without the CLI.

``validate``, ``add gateway``, ``add gateway-target``, ``remove gateway`` and
``remove all`` act on the project's files only (no AWS call), so the local stack's CLI
and the notebook kit's local backend both run them from here. Each returns an
:class:`Outcome`: whether it worked and what the real CLI 0.30.0 prints for the same
command in non-interactive mode (``remove gateway`` answers in JSON, as the CLI does).
Where the real command accepts, the file is written byte for byte as it writes it:
re-read, keys in schema order, defaults filled in. What the CLI prints stays in its
English words in every edition; only the workshop's own sentences are translated.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.basics.i18n import _
from helpers.model import edits
from helpers.model.config import CONFIG_PATH, ConfigJSONError, parse_json, write_config
from helpers.model.schema import Issue, format_path
from helpers.model.schemas.project import PROJECT
from helpers.model.validation import validate_project

NO_PROJECT = "No agentcore project found. Run `agentcore create` first."
REMOVED_NOTE = (
    "Your agent app source code has not been modified. Deploy with `agentcore deploy` to "
    "apply your removal changes to AWS."
)
RESET = "All schemas reset to empty state"
RESET_NOTE = (
    "Your source code has not been modified. Run `agentcore deploy` to apply changes to AWS."
)


@dataclass(frozen=True)
class Outcome:
    """What a command did: ``ok`` is its exit status, ``output`` what it printed."""

    ok: bool
    output: str


class Refused(Exception):
    """A command stops; the message is what the CLI prints."""


def validate(project: Path, value_sources: Mapping[str, str] | None = None) -> Outcome:
    """``agentcore validate``: every problem of the project, with a fix for each."""
    result = validate_project(project, value_sources)
    return Outcome(result.ok, result.format())


def add_gateway(
    project: Path,
    *,
    name: str,
    authorizer_type: str = "NONE",
    discovery_url: str | None = None,
    allowed_clients: Iterable[str] = (),
    allowed_audience: Iterable[str] = (),
    allowed_scopes: Iterable[str] = (),
) -> Outcome:
    """``agentcore add gateway --name NAME [--authorizer-type ... --discovery-url ...]``."""

    def run() -> str:
        gateway = edits.gateway_from_flags(
            name=name,
            authorizer_type=authorizer_type,
            discovery_url=discovery_url,
            allowed_audience=allowed_audience,
            allowed_clients=allowed_clients,
            allowed_scopes=allowed_scopes,
        )
        _save(project, edits.add_gateway(_load(project), gateway))
        return f"Added gateway '{name}'"

    return _run(project, run)


def add_gateway_target(
    project: Path, *, gateway: str, name: str, lambda_arn: str, tool_schema_file: str
) -> Outcome:
    """``agentcore add gateway-target --type lambda-function-arn ...`` on ``gateway``."""

    def run() -> str:
        if not name:
            raise Refused("--name is required")
        if not gateway:
            raise Refused(
                "--gateway is required. A gateway target must be attached to a gateway. "
                "Create a gateway first with 'agentcore add gateway'."
            )
        _check_gateway_exists(project, gateway)
        if not lambda_arn:
            raise Refused("--lambda-arn is required for lambda-function-arn type")
        if not tool_schema_file:
            raise Refused("--tool-schema-file is required for lambda-function-arn type")
        _check_tool_schema(project, tool_schema_file)
        config = edits.add_lambda_target(
            _load(project),
            gateway=gateway,
            name=name,
            lambda_arn=lambda_arn,
            tool_schema_file=tool_schema_file,
        )
        _save(project, config)
        return f"Added gateway target '{name}'"

    return _run(project, run)


def remove_gateway(project: Path, name: str) -> Outcome:
    """``agentcore remove gateway --name NAME -y``: its targets move to unassignedTargets."""
    if not (project / CONFIG_PATH).is_file():
        return Outcome(False, NO_PROJECT)
    answer: dict[str, Any] = {"resourceType": "gateway", "resourceName": name}
    try:
        _save(project, edits.remove_gateway(_load(project), name=name))
    except (Refused, edits.ConfigEditError) as refusal:
        answer = {"success": False, **answer, "error": str(refusal)}
    else:
        answer = {"success": True, **answer}
        answer |= {"message": f"Removed gateway '{name}'", "note": REMOVED_NOTE}
    return Outcome(answer["success"], json.dumps(answer, ensure_ascii=False, separators=(",", ":")))


def remove_all(project: Path) -> Outcome:
    """``agentcore remove all -y``: the next deploy deletes every resource of the project."""

    def run() -> str:
        try:
            name = _load(project)["name"]
        except Refused:
            # The CLI resets even a project it cannot read, under a generic name.
            name = "Project"
        _save(project, edits.empty_project(name))
        return f"{RESET}\n{RESET_NOTE}"

    return _run(project, run)


def _run(project: Path, command: Callable[[], str]) -> Outcome:
    if not (project / CONFIG_PATH).is_file():
        return Outcome(False, NO_PROJECT)
    try:
        return Outcome(True, command())
    except (Refused, edits.ConfigEditError) as refusal:
        return Outcome(False, str(refusal))


def _config_file(project: Path) -> Path:
    """The config's absolute path, which the CLI names in its messages."""
    return Path(project).resolve() / CONFIG_PATH


def _load(project: Path) -> dict[str, Any]:
    """The project as the CLI reads it before an edit: checked, keys and defaults its own."""
    file = _config_file(project)
    try:
        data = parse_json(file.read_text(encoding="utf-8"), CONFIG_PATH.name)
    except ConfigJSONError as err:
        raise Refused(f"Failed to parse JSON in config file at {file}: {err.reason}") from None
    parsed = PROJECT.parse(data)
    _refuse_problems(file, parsed.issues)
    assert isinstance(parsed.value, dict)
    return parsed.value


def _save(project: Path, config: Mapping[str, object]) -> None:
    """Check the edited project as the CLI does before writing, then write it as it does."""
    parsed = PROJECT.parse(config)
    _refuse_problems(_config_file(project), parsed.issues)
    write_config(project, parsed.value)


def _refuse_problems(file: Path, issues: list[Issue]) -> None:
    cli = [issue for issue in issues if not issue.kit_only]
    if cli:
        lines = [f"  - {format_path(issue.shown_path)}: {issue.message}" for issue in cli]
        raise Refused("\n".join([f"{file}:", *lines]))
    if issues:
        lines = [f"  - {format_path(issue.path)}: {issue.message}" for issue in issues]
        raise Refused(
            "\n".join(
                [
                    _(
                        "{file}: the workshop kit cannot edit this project as the CLI would:",
                        file=file,
                    ),
                    *lines,
                ]
            )
        )


def _check_gateway_exists(project: Path, gateway: str) -> None:
    """The CLI's first look at the gateways; a project it cannot read has none."""
    try:
        names = [entry["name"] for entry in _load(project)["agentCoreGateways"]]
    except Refused:
        names = []
    if not names:
        raise Refused(
            "No gateways found. Create a gateway first with 'agentcore add gateway' before "
            "adding a gateway target."
        )
    if gateway not in names:
        raise Refused(f'Gateway "{gateway}" not found. Available gateways: {", ".join(names)}')


def _check_tool_schema(project: Path, tool_schema_file: str) -> None:
    """The CLI's checks of the tool schema file, relative to the project folder."""
    file = Path(project) / tool_schema_file
    if not file.exists():
        raise Refused(f"Tool schema file not found: {tool_schema_file}")
    try:
        tools = json.loads(file.read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError):
        raise Refused(f"Tool schema file is not valid JSON: {tool_schema_file}") from None
    if not isinstance(tools, list):
        raise Refused("Tool schema file must contain a JSON array")
    if not tools:
        raise Refused("Tool schema file must contain at least one tool definition")
    for index, tool in enumerate(tools):
        if tool is None:
            raise Refused("Cannot read properties of null (reading 'name')")
        for key in ("name", "description"):
            value = tool.get(key) if isinstance(tool, dict) else None
            if not isinstance(value, str) or not value:
                raise Refused(f'Tool schema entry {index} is missing a valid "{key}" field')
