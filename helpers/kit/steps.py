"""The learner's project: a fresh copy of ``agent/``, and each workshop step applied to it.

Notebooks use these to start from the state a step expects (so a learner can open
notebook 03 first), and the "do it for me" cells use them to catch up. Applying a
step never loses what the learner typed: a file about to be replaced is copied to
``<name>.bak-<timestamp>`` first.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from helpers.kit.backends.base import Backend, CommandResult, Progress
from helpers.kit.paths import AGENT_TEMPLATE_DIR, SOLUTIONS_DIR
from helpers.kit.settings import WorkshopSettings
from helpers.model.config import CONFIG_PATH, read_config, write_config
from helpers.model.edits import secure_runtime

RUNTIME = "CustomerSupport"
OLD_GATEWAY = "my-gateway"
SECURE_GATEWAY = "my-gateway-secure"
WARRANTY_TARGET = "WarrantyCheck"
TOOL_SCHEMA_FILE = "app/CustomerSupport/tool/warranty_schema.json"
STEP3_SOLUTION = SOLUTIONS_DIR / "03_mcp_client_auth"
_PROJECT_PARTS = ("agentcore", "app")


def backup(path: Path) -> Path | None:
    """Copy ``path`` aside (``name.bak-YYYYmmdd-HHMMSS``) before it is overwritten."""
    if not path.exists():
        return None
    copy = path.with_name(f"{path.name}.bak-{time.strftime('%Y%m%d-%H%M%S')}")
    if path.is_dir():
        shutil.copytree(path, copy, dirs_exist_ok=True)
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


def apply_runtime_authorizer(project: Path, settings: WorkshopSettings) -> None:
    """Step 1: the CUSTOM_JWT authorizer and the Authorization header allowlist."""
    config = read_config(project)
    secured = secure_runtime(
        config,
        runtime=RUNTIME,
        discovery_url=settings.cognito_discovery_url,
        allowed_clients=[settings.client_id],
    )
    if secured != config:
        backup(project / CONFIG_PATH)
        write_config(project, secured)


def replace_gateway_commands(
    project: Path, settings: WorkshopSettings, backend: Backend
) -> list[CommandResult]:
    """Step 2, after the removal is deployed: add the secure gateway and re-attach the target."""
    config = read_config(project)
    if any(g["name"] == SECURE_GATEWAY for g in config.get("agentCoreGateways", [])):
        return []
    return [
        backend.add_gateway(
            project,
            name=SECURE_GATEWAY,
            runtimes=[RUNTIME],
            discovery_url=settings.cognito_discovery_url,
            allowed_clients=[settings.client_id],
        ).raise_for_failure(),
        backend.add_gateway_target(
            project,
            gateway=SECURE_GATEWAY,
            name=WARRANTY_TARGET,
            lambda_arn=settings.warranty_check_lambda_arn,
            tool_schema_file=TOOL_SCHEMA_FILE,
        ).raise_for_failure(),
    ]


def apply_token_forwarding(project: Path) -> list[Path]:
    """Step 3: the MCP client and main.py that forward the caller's Authorization header."""
    replaced = []
    for solution in sorted(STEP3_SOLUTION.rglob("*.py")):
        target = project / solution.relative_to(STEP3_SOLUTION)
        if target.exists() and target.read_bytes() == solution.read_bytes():
            continue
        backup(target)
        shutil.copy2(solution, target)
        replaced.append(target)
    return replaced


def prepare(
    project: Path,
    settings: WorkshopSettings,
    backend: Backend,
    *,
    through_step: int,
    progress: Progress = lambda _: None,
) -> None:
    """Apply and deploy steps 1..``through_step`` (0: the start state), skipping what is done."""
    if through_step >= 1:
        apply_runtime_authorizer(project, settings)
    if through_step >= 2:
        gateways = read_config(project).get("agentCoreGateways", [])
        if any(gateway["name"] == OLD_GATEWAY for gateway in gateways):
            backend.remove_gateway(project, OLD_GATEWAY).raise_for_failure()
            # The removal must be deployed before the replacement: same target, new gateway.
            backend.deploy(project, progress).raise_for_failure()
        replace_gateway_commands(project, settings, backend)
    if through_step >= 3:
        apply_token_forwarding(project)
    backend.deploy(project, progress).raise_for_failure()
