"""What a deploy records: its runtimes and gateways, ``deployed.json``, and the project's files.

:class:`RuntimeRecord` and :class:`GatewayRecord` (with the memories'
:class:`~helpers.emulator.deploy.memories.MemoryRecord`) are what the deployer keeps of
each deployed resource. :func:`save` writes them to the stack's ``deployed.json`` after
every deploy and :func:`load` reads them back when the stack restarts;
:func:`record_in_project` writes what is deployed into the project folder, where the
real CLI looks for it (:mod:`helpers.model.deployed_state`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypedDict

from helpers.emulator.deploy.memories import MemoryRecord
from helpers.emulator.deploy.report import Deployments
from helpers.model import deployed_state
from helpers.model.project_types import AgentCoreProject, CustomJwtAuthorizer


class TargetRecord(TypedDict):
    """A gateway's Lambda target, and the tools its ``toolSchemaFile`` held at deploy time."""

    name: str
    lambda_arn: str
    tools: list[dict[str, Any]]  # the learner's tool schemas, each handed to MCP as it is


@dataclass
class RuntimeRecord:
    name: str
    arn: str
    fingerprint: str
    code_dir: str
    entrypoint: str
    authorizer: CustomJwtAuthorizer | None
    header_allowlist: list[str]
    # What GetAgentRuntime reports: the version (1, then one more for each deploy that
    # changes the runtime), when it was created and last updated (Unix seconds), and
    # agentcore.json's networkMode, protocol and description.
    version: int = 1
    created_at: float = 0.0
    updated_at: float = 0.0
    network_mode: str = "PUBLIC"
    protocol: str = "HTTP"
    description: str = ""


@dataclass
class GatewayRecord:
    name: str
    gateway_id: str
    fingerprint: str
    authorizer_type: str
    authorizer: CustomJwtAuthorizer | None
    targets: list[TargetRecord] = field(default_factory=list)


@dataclass(frozen=True)
class Saved:
    """What ``deployed.json`` holds, in the order the stack brings it back."""

    memories: list[MemoryRecord]
    gateways: list[GatewayRecord]
    runtimes: list[RuntimeRecord]


def save(
    deployed_file: Path,
    memories: Mapping[str, MemoryRecord],
    runtimes: Mapping[str, RuntimeRecord],
    gateways: Mapping[str, GatewayRecord],
) -> None:
    """Write what is deployed to ``deployed_file``, replacing it in one step.

    The stack's own file: each record's fields under their own names, so the record
    classes are its schema (a key with a default may be missing from an older stack's).
    """
    state = {
        "memories": [asdict(m) for m in memories.values()],
        "runtimes": [asdict(r) for r in runtimes.values()],
        "gateways": [asdict(g) for g in gateways.values()],
    }
    temporary = deployed_file.with_suffix(".tmp")
    temporary.write_text(json.dumps(state, indent=2))
    os.replace(temporary, deployed_file)


def load(deployed_file: Path) -> Saved | None:
    """What was deployed before the stack stopped; None when nothing was."""
    if not deployed_file.exists():
        return None
    state: dict[str, list[dict[str, Any]]] = json.loads(deployed_file.read_text())
    return Saved(
        memories=[MemoryRecord(**entry) for entry in state["memories"]],
        gateways=[GatewayRecord(**entry) for entry in state["gateways"]],
        runtimes=[RuntimeRecord(**entry) for entry in state["runtimes"]],
    )


def record_in_project(
    project_dir: Path,
    config: AgentCoreProject,
    described: Deployments,
    *,
    account: str,
    region: str,
    role_arn: Callable[[str], str],
) -> None:
    """Write what is deployed into the project, where the real CLI looks for it."""
    deployed_state.record_deploy(
        project_dir,
        config,
        account=account,
        region=region,
        runtimes={
            name: deployed_state.RuntimeIds(runtime.arn, role_arn(runtime.arn))
            for name, runtime in described.runtimes.items()
        },
        gateways={
            name: deployed_state.GatewayIds(gateway.id, gateway.arn, gateway.url)
            for name, gateway in described.gateways.items()
        },
        memories={
            name: deployed_state.MemoryIds(memory.id, memory.arn)
            for name, memory in described.memories.items()
        },
    )
