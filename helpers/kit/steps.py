"""The learner's project: a fresh copy of ``agent/``, and catch-up that respects their work.

Notebooks use :func:`prepare` to start from the state a step expects (so a learner
can open notebook 03 first), and the "do it for me" cells use the ``apply_*``
functions. Both change a step **only when that step's checks fail**: code that
passes the checkers, in the learner's own words, is kept as it is. Whatever is
replaced is copied to ``<name>.bak-<timestamp>`` first, and each replacement is
reported (:class:`Replaced`) with the path of that backup.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from helpers.basics.i18n import _
from helpers.kit.backends.base import Backend, CommandResult, Progress
from helpers.kit.checks.code import (
    MAIN_FILE,
    MCP_CLIENT_FILE,
    check_main,
    check_mcp_client,
    check_memory_actor,
)
from helpers.kit.checks.common import CheckResult
from helpers.kit.checks.config import (
    TOOL_SCHEMA_FILE,
    check_gateway_replaced,
    check_old_gateway_removed,
    check_runtime_authorizer,
    check_secure_gateway,
    check_warranty_target,
    check_web_client_allowed,
)
from helpers.kit.errors import SettingsError, WorkshopUsageError
from helpers.kit.paths import AGENT_TEMPLATE_DIR, SOLUTIONS_DIR, shown
from helpers.kit.settings import WorkshopSettings
from helpers.model.config import CONFIG_PATH, ConfigJSONError, read_config, write_config
from helpers.model.edits import secure_runtime, with_gateway_jwt_authorizer
from helpers.model.names import OLD_GATEWAY, RUNTIME, SECURE_GATEWAY, WARRANTY_TARGET

__all__ = [
    "OLD_GATEWAY",
    "RUNTIME",
    "SECURE_GATEWAY",
    "TOOL_SCHEMA_FILE",
    "WARRANTY_TARGET",
    "Replaced",
    "apply_gateway_authorizer",
    "apply_memory_actor",
    "apply_runtime_authorizer",
    "apply_token_forwarding",
    "apply_web_client",
    "backup",
    "fresh_project",
    "prepare",
    "replace_gateway_commands",
    "step_checks",
    "steps_done",
]

STEP3_SOLUTION = SOLUTIONS_DIR / "03_mcp_client_auth"
STEP4_SOLUTION = SOLUTIONS_DIR / "04_memory_actor"
LAST_STEP = 4
_PROJECT_PARTS = ("agentcore", "app")
CodeFiles = tuple[tuple[Path, Callable[[Path], CheckResult]], ...]
# The code files of steps 3 and 4, each with the checker that decides whether it is done.
_STEP3_FILES: CodeFiles = ((MCP_CLIENT_FILE, check_mcp_client), (MAIN_FILE, check_main))
_STEP4_FILES: CodeFiles = ((MAIN_FILE, check_memory_actor),)


def step_checks(project: Path, settings: WorkshopSettings, step: int) -> list[CheckResult]:
    """The checks that decide whether ``step`` (1 to 4) is done in ``project``."""
    if step == 1:
        return [check_runtime_authorizer(project, settings)]
    if step == 2:
        return [check_gateway_replaced(project, settings)]
    if step == 3:
        return [check_mcp_client(project), check_main(project)]
    if step == 4:
        return [check_web_client_allowed(project, settings), check_memory_actor(project)]
    raise WorkshopUsageError(_("The workshop's steps are 1, 2, 3 and 4."))


def steps_done(project: Path, settings: WorkshopSettings) -> int:
    """How many of the steps, in order, the project has done: the real state, whoever
    did them (a notebook, the terminal, by hand)."""
    done = 0
    while done < LAST_STEP and all(c.ok for c in step_checks(project, settings, done + 1)):
        done += 1
    return done


@dataclass(frozen=True)
class Replaced:
    """A learner's file that catch-up replaced, why, and where their version is kept."""

    path: Path
    backup: Path | None
    reason: str

    def __str__(self) -> str:
        if self.backup is None:
            return _(
                "applied {step} to {path} (it held no edit of yours)",
                step=self.reason,
                path=shown(self.path),
            )
        return _(
            "replaced {path} ({reason}); your version is kept in {backup}",
            path=shown(self.path),
            reason=self.reason,
            backup=shown(self.backup),
        )


def backup(path: Path) -> Path | None:
    """Copy ``path`` aside (``name.bak-YYYYmmdd-HHMMSS``) before it is overwritten.

    Two backups within one second get ``-2``, ``-3``…, so none overwrites another.
    """
    if not path.exists():
        return None
    stamp = time.strftime("%Y%m%d-%H%M%S")
    copy = path.with_name(f"{path.name}.bak-{stamp}")
    number = 2
    while copy.exists():
        copy = path.with_name(f"{path.name}.bak-{stamp}-{number}")
        number += 1
    if path.is_dir():
        shutil.copytree(path, copy)
    else:
        shutil.copy2(path, copy)
    return copy


def fresh_project(destination: Path) -> Path | None:
    """Copy the module's start state (``agent/agentcore`` and ``agent/app``) to ``destination``.

    An existing project there is moved to a backup folder next to it, whose path is
    returned (None when there was nothing to keep).
    """
    kept = backup(destination)
    if kept is not None:
        shutil.rmtree(destination)
    destination.mkdir(parents=True)
    for part in _PROJECT_PARTS:
        shutil.copytree(AGENT_TEMPLATE_DIR / part, destination / part)
    return kept


def apply_runtime_authorizer(project: Path, settings: WorkshopSettings) -> list[Replaced]:
    """Step 1, only if its check fails: the CUSTOM_JWT authorizer and the header allowlist.

    A file that is not valid JSON any more is set aside and the step applied to the
    start state's file.
    """
    check = check_runtime_authorizer(project, settings)
    if check.ok:
        return []
    return _secure_runtime(project, settings, [settings.client_id], 1, check)


def apply_web_client(project: Path, settings: WorkshopSettings) -> list[Replaced]:
    """Step 4, config part, only if its check fails: the web app client in the
    ``allowedClients`` of the runtime and of the secure gateway (an update in place)."""
    check = check_web_client_allowed(project, settings)
    if check.ok:
        return []
    if settings.web_client_id is None:
        raise SettingsError(check.missing[0])
    clients = [settings.client_id, settings.web_client_id]
    replaced = _secure_runtime(project, settings, clients, 4, check)
    config = read_config(project)
    gateways = config.get("agentCoreGateways", [])
    for index, gateway in enumerate(gateways):
        if gateway.get("name") == SECURE_GATEWAY and gateway.get("authorizerType") == "CUSTOM_JWT":
            gateways[index] = with_gateway_jwt_authorizer(
                gateway, discovery_url=settings.cognito_discovery_url, allowed_clients=clients
            )
    write_config(project, config)
    return replaced


def _secure_runtime(
    project: Path,
    settings: WorkshopSettings,
    clients: list[str],
    step: int,
    check: CheckResult,
) -> list[Replaced]:
    """The runtime's JWT authorizer, letting in ``clients``, written over the config."""
    try:
        config = read_config(project)
    except (ConfigJSONError, FileNotFoundError):
        config = json.loads((AGENT_TEMPLATE_DIR / CONFIG_PATH).read_text())
    secured = secure_runtime(
        config,
        runtime=RUNTIME,
        discovery_url=settings.cognito_discovery_url,
        allowed_clients=clients,
    )
    path = project / CONFIG_PATH
    untouched = _is_start_state(path, CONFIG_PATH)
    kept = None if untouched else backup(path)
    write_config(project, secured)
    return [Replaced(path, kept, _step(step) if untouched else _step(step, _first(check)))]


def apply_gateway_authorizer(project: Path, settings: WorkshopSettings) -> list[Replaced]:
    """Step 2, only if its check fails on the configuration alone: the secure gateway's
    ``authorizerConfiguration`` rewritten in agentcore.json, for the next deploy.

    A CUSTOM_JWT gateway's configuration (``discoveryUrl``, ``allowedClients``…) is updated
    in place, as AWS's ``UpdateGateway`` does: same gateway, same URL. Its
    ``authorizerType`` cannot be: a gateway of another type is left to
    :func:`replace_gateway_commands` (remove, deploy, add again).
    """
    check = check_secure_gateway(project, settings)
    if check.ok:
        return []
    try:
        config = read_config(project)
    except (ConfigJSONError, FileNotFoundError):
        return []  # replace_gateway_commands reports the broken file
    gateways = config.get("agentCoreGateways", [])
    index = next(
        (
            i
            for i, g in enumerate(gateways)
            if isinstance(g, dict) and g.get("name") == SECURE_GATEWAY
        ),
        None,
    )
    if index is None or gateways[index].get("authorizerType") != "CUSTOM_JWT":
        return []
    gateways[index] = with_gateway_jwt_authorizer(
        gateways[index],
        discovery_url=settings.cognito_discovery_url,
        allowed_clients=[settings.client_id],
    )
    path = project / CONFIG_PATH
    kept = backup(path)
    write_config(project, config)
    return [Replaced(path, kept, _step(2, _first(check)))]


def replace_gateway_commands(
    project: Path, settings: WorkshopSettings, backend: Backend
) -> list[CommandResult]:
    """Step 2, after the removal is deployed: add what is missing of the secure gateway.

    Each command runs only if its checker fails, so a gateway or target the learner
    added already is kept. A secure gateway added with another authorizer type is
    removed (and the removal deployed) before it is added again: AWS cannot update an
    existing gateway's authorizer type. One with the right type and a wrong
    configuration is :func:`apply_gateway_authorizer`'s, in place: call it first.
    """
    results = []
    if not check_secure_gateway(project, settings).ok:
        config = read_config(project)
        added = next(
            (g for g in config.get("agentCoreGateways", []) if g.get("name") == SECURE_GATEWAY),
            None,
        )
        if added is not None and added.get("authorizerType") != "CUSTOM_JWT":
            # "Authorizer type cannot be updated for an existing gateway": it goes first.
            results.append(backend.remove_gateway(project, SECURE_GATEWAY).raise_for_failure())
            backend.deploy(project, lambda _: None).raise_for_failure()
            added = None
        if added is None:
            results.append(
                backend.add_gateway(
                    project,
                    name=SECURE_GATEWAY,
                    runtimes=[RUNTIME],
                    discovery_url=settings.cognito_discovery_url,
                    allowed_clients=[settings.client_id],
                ).raise_for_failure()
            )
    if not check_warranty_target(project, settings).ok:
        results.append(
            backend.add_gateway_target(
                project,
                gateway=SECURE_GATEWAY,
                name=WARRANTY_TARGET,
                lambda_arn=settings.warranty_check_lambda_arn,
                tool_schema_file=TOOL_SCHEMA_FILE,
            ).raise_for_failure()
        )
    return results


def apply_token_forwarding(project: Path) -> list[Replaced]:
    """Step 3: each file whose check fails is replaced by the finished one; others are kept."""
    return _apply_code(project, _STEP3_FILES, STEP3_SOLUTION, 3)


def apply_memory_actor(project: Path) -> list[Replaced]:
    """Step 4, code part: main.py takes the memory actor from the caller's token."""
    return _apply_code(project, _STEP4_FILES, STEP4_SOLUTION, 4)


def _apply_code(project: Path, files: CodeFiles, solution: Path, step: int) -> list[Replaced]:
    replaced = []
    for relative, check in files:
        result = check(project)
        if result.ok:
            continue
        target = project / relative
        untouched = _is_start_state(target, relative)
        kept = None if untouched else backup(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(solution / relative, target)
        why = _step(step) if untouched else _step(step, _first(result))
        replaced.append(Replaced(target, kept, why))
    return replaced


def prepare(
    project: Path,
    settings: WorkshopSettings,
    backend: Backend,
    *,
    through_step: int,
    progress: Progress = lambda _: None,
) -> list[Replaced]:
    """Bring steps 1..``through_step`` about (0: the start state) and deploy.

    A step whose checks pass is left alone, whoever did it and however it is worded.
    Returns what was replaced; each replacement is also reported to ``progress``.
    """
    replaced: list[Replaced] = []
    if through_step >= 1:
        replaced += apply_runtime_authorizer(project, settings)
    if through_step >= 2:
        if not check_old_gateway_removed(project).ok:
            backend.remove_gateway(project, OLD_GATEWAY).raise_for_failure()
            progress(
                _(
                    "step 2: removed {gateway} from agentcore.json (its target is kept)",
                    gateway=OLD_GATEWAY,
                )
            )
            # The removal must be deployed before the replacement: same target, new gateway.
            backend.deploy(project, progress).raise_for_failure()
        # A wrong authorizer configuration is fixed in place; a wrong type by the commands.
        replaced += apply_gateway_authorizer(project, settings)
        for result in replace_gateway_commands(project, settings, backend):
            progress(_("step 2: ran `{command}`", command=result.command))
    if through_step >= 3:
        replaced += apply_token_forwarding(project)
    if through_step >= 4:
        replaced += apply_web_client(project, settings)
        replaced += apply_memory_actor(project)
    for item in replaced:
        progress(str(item))
    backend.deploy(project, progress).raise_for_failure()
    return replaced


def _is_start_state(path: Path, relative: Path) -> bool:
    """Whether ``path`` is byte for byte the module's start state (nothing of the learner's)."""
    template = AGENT_TEMPLATE_DIR / relative
    return path.is_file() and template.is_file() and path.read_bytes() == template.read_bytes()


def _first(check: CheckResult) -> str:
    """The first thing a check found missing, as the reason a file was replaced."""
    return check.missing[0].rstrip(".。") if check.missing else _("not done")


def _step(number: int, why: str | None = None) -> str:
    """``step 1``, or ``step 1: <why>`` when a file of the learner's was replaced."""
    if why is None:
        return _("step {number}", number=number)
    return _("step {number}: {why}", number=number, why=why)
