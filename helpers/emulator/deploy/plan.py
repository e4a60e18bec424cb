"""The deploy's plan: what must change for what runs to match ``agentcore.json``.

Everything here is decided before anything is deployed, from the project folder and
what is deployed now (:class:`Deployed`), and changes neither:

- the project is read and validated, and refused on any error (:func:`load_valid_config`);
- :func:`desire` makes the records the project asks for (:class:`Desired`), keeping
  each deployed runtime's ARN and gateway's id, and refuses, as AWS does, a deployed
  gateway's new ``authorizerType``;
- :func:`plan` lists what to create, update and delete, in the order it must be done,
  each update with what changed.

The deployer (:mod:`helpers.emulator.deploy.deployer`) then applies the plan.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _
from helpers.emulator.deploy import memories
from helpers.emulator.deploy.memories import MemoryRecord, MemoryRefused, MemorySpec
from helpers.emulator.deploy.packaging import code_hash
from helpers.emulator.deploy.records import GatewayRecord, RuntimeRecord, TargetRecord
from helpers.emulator.deploy.report import PlanItem
from helpers.model.config import ConfigJSONError, read_config
from helpers.model.names import gateway_url_env_var, memory_id_env_var
from helpers.model.project_types import AgentCoreProject, CustomJwtAuthorizer, Gateway, Runtime
from helpers.model.validation import ValidationResult, validate_config

# AWS's answer when an existing gateway's authorizerType is to change (UpdateGateway's
# ValidationException; through CloudFormation, as `agentcore deploy` goes, the stack update
# fails with it and rolls back). Quoted in its words, in every language.
AUTHORIZER_TYPE_IMMUTABLE = "Authorizer type cannot be updated for an existing gateway"
# The keys of a customJwtAuthorizer, in agentcore.json's order (for the plan's wording).
_JWT_KEYS = ("discoveryUrl", "allowedAudience", "allowedClients", "allowedScopes", "customClaims")


class DeployRefused(ActionableError):
    """The project cannot be deployed as it is; the message says what to do."""


@dataclass(frozen=True)
class Deployed:
    """What is deployed now, as the deployer records it; the plan only reads it."""

    memories: Mapping[str, MemoryRecord]
    gateways: Mapping[str, GatewayRecord]
    runtimes: Mapping[str, RuntimeRecord]


@dataclass(frozen=True)
class Desired:
    """What the project asks for: its memories, gateways and runtimes, by name."""

    memories: dict[str, MemorySpec]
    gateways: dict[str, GatewayRecord]
    runtimes: dict[str, RuntimeRecord]


def _fingerprint(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


def _random_suffix(length: int = 10) -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(length))


def _custom_jwt(entry: Runtime | Gateway) -> CustomJwtAuthorizer | None:
    if entry.get("authorizerType") != "CUSTOM_JWT":
        return None
    # The CLI's rules require both with CUSTOM_JWT, and they passed.
    return entry["authorizerConfiguration"]["customJwtAuthorizer"]


def _why(current: RuntimeRecord, wanted: RuntimeRecord) -> str:
    """What changed in a runtime, for the plan's update line."""
    changes = []
    if bool(current.authorizer) != bool(wanted.authorizer):
        changes.append(
            _(
                "authorizer {before} → {after}",
                before="CUSTOM_JWT" if current.authorizer else _("none"),
                after="CUSTOM_JWT" if wanted.authorizer else _("none"),
            )
        )
    elif current.authorizer != wanted.authorizer:
        changes.append(_("authorizer settings"))
    if current.header_allowlist != wanted.header_allowlist:
        changes.append(_("header allowlist"))
    return ", ".join(changes) or _("code, configuration or gateway URLs changed")


def _gateway_why(current: GatewayRecord, wanted: GatewayRecord) -> str:
    """What changed in a gateway, for the plan's update line (its type never does)."""
    changes = []
    if current.authorizer != wanted.authorizer:
        before: Mapping[str, object] = current.authorizer or {}
        after: Mapping[str, object] = wanted.authorizer or {}
        changed = [key for key in {**before, **after} if before.get(key) != after.get(key)]
        rank = {key: place for place, key in enumerate(_JWT_KEYS)}
        changed.sort(key=lambda key: (rank.get(key, len(rank)), key))
        changes.append(
            _("authorizer configuration: {keys}; in place, same URL", keys=", ".join(changed))
        )
    if current.targets != wanted.targets:
        changes.append(_("targets changed"))
    return ", ".join(changes) or _("targets changed")


def load_valid_config(project_dir: Path) -> AgentCoreProject:
    """The project's ``agentcore.json``; refused when it cannot be read or is not valid."""
    try:
        config = read_config(project_dir)
    except (ConfigJSONError, FileNotFoundError) as error:
        raise DeployRefused(str(error)) from None
    issues = validate_config(config, project_dir)
    if issues:
        raise DeployRefused(
            _("Validation failed; nothing was deployed.") + "\n" + ValidationResult(issues).format()
        )
    # Read as the learner left it, and only now known to hold the CLI's shapes.
    return cast(AgentCoreProject, config)


def gateway_env(
    gateways: Mapping[str, GatewayRecord], gateway_url: Callable[[str], str]
) -> dict[str, str]:
    """Every gateway's URL, under the variable a runtime reads it from."""
    return {
        gateway_url_env_var(name): gateway_url(record.gateway_id)
        for name, record in gateways.items()
    }


def desire(
    config: AgentCoreProject,
    project_dir: Path,
    deployed: Deployed,
    *,
    region: str,
    account_id: str,
    gateway_url: Callable[[str], str],
) -> Desired:
    """The records ``config`` asks for; refused, before anything is deployed, when a memory
    cannot be deployed locally or a deployed gateway's ``authorizerType`` would change."""
    try:
        wanted_memories = memories.specs(config)
    except MemoryRefused as refusal:
        raise DeployRefused(f"{refusal} " + _("Nothing was deployed.")) from None
    gateways = _desired_gateways(config, project_dir, deployed)
    _refuse_authorizer_type_change(deployed, gateways)
    runtimes = _desired_runtimes(
        config,
        project_dir,
        deployed,
        gateway_env(gateways, gateway_url),
        wanted_memories,
        arn_prefix=f"arn:aws:bedrock-agentcore:{region}:{account_id}:runtime/",
    )
    return Desired(wanted_memories, gateways, runtimes)


def _desired_gateways(
    config: AgentCoreProject, project_dir: Path, deployed: Deployed
) -> dict[str, GatewayRecord]:
    desired = {}
    for entry in config.get("agentCoreGateways", []):
        targets = [
            TargetRecord(
                name=target["name"],
                lambda_arn=target["lambdaFunctionArn"]["lambdaArn"],
                tools=json.loads(
                    (project_dir / target["lambdaFunctionArn"]["toolSchemaFile"]).read_text()
                ),
            )
            for target in entry.get("targets", [])
        ]
        existing = deployed.gateways.get(entry["name"])
        authorizer = _custom_jwt(entry)
        desired[entry["name"]] = GatewayRecord(
            name=entry["name"],
            gateway_id=existing.gateway_id
            if existing
            else f"{entry['name']}-{_random_suffix().lower()}",
            fingerprint=_fingerprint(entry.get("authorizerType"), authorizer, targets),
            authorizer_type=entry.get("authorizerType", "NONE"),
            authorizer=authorizer,
            targets=targets,
        )
    return desired


def _refuse_authorizer_type_change(deployed: Deployed, desired: dict[str, GatewayRecord]) -> None:
    """Refuse, as AWS does, a deployed gateway's new ``authorizerType``.

    Only the type: a new ``authorizerConfiguration`` under the same type is an update
    in place (``UpdateGateway`` takes it; terraform-provider-aws makes only
    ``authorizer_type`` force a new gateway). ARCHITECTURE.md names the sources.
    """
    for name, wanted in desired.items():
        current = deployed.gateways.get(name)
        if current and current.authorizer_type != wanted.authorizer_type:
            raise DeployRefused(
                f"{AUTHORIZER_TYPE_IMMUTABLE}. "
                + _(
                    "Gateway '{name}' is deployed with authorizerType {deployed}, and "
                    "agentcore.json asks for {wanted}. To change the type, remove the "
                    "gateway (`agentcore remove gateway --name {name} -y`), deploy, add it "
                    "again with the new authorizer type (and attach its targets again), "
                    "and deploy once more. A change of its authorizerConfiguration alone "
                    "(such as allowedClients or discoveryUrl) is deployed in place. "
                    "Nothing was deployed.",
                    name=name,
                    deployed=current.authorizer_type,
                    wanted=wanted.authorizer_type,
                )
            )


def _desired_runtimes(
    config: AgentCoreProject,
    project_dir: Path,
    deployed: Deployed,
    gateway_env: dict[str, str],
    wanted_memories: dict[str, MemorySpec],
    *,
    arn_prefix: str,
) -> dict[str, RuntimeRecord]:
    # Which memories a runtime gets (their ids are known once they exist).
    memory_vars = sorted(memory_id_env_var(name) for name in wanted_memories)
    desired = {}
    for entry in config.get("runtimes", []):
        code_location = project_dir / entry["codeLocation"]
        existing = deployed.runtimes.get(entry["name"])
        arn = (
            existing.arn
            if existing
            else f"{arn_prefix}{config['name']}_{entry['name']}-{_random_suffix()}"
        )
        authorizer = _custom_jwt(entry)
        fingerprint = _fingerprint(entry, code_hash(code_location), gateway_env, memory_vars)
        now = time.time()
        if existing is None:
            version, created_at, updated_at = 1, now, now
        elif existing.fingerprint == fingerprint:
            version, created_at, updated_at = (
                existing.version,
                existing.created_at,
                existing.updated_at,
            )
        else:
            version, created_at, updated_at = existing.version + 1, existing.created_at, now
        desired[entry["name"]] = RuntimeRecord(
            name=entry["name"],
            arn=arn,
            fingerprint=fingerprint,
            code_dir=str(code_location),
            entrypoint=entry["entrypoint"],
            authorizer=authorizer,
            header_allowlist=list(entry.get("requestHeaderAllowlist", [])),
            version=version,
            created_at=created_at,
            updated_at=updated_at,
            network_mode=entry.get("networkMode", "PUBLIC"),
            protocol=entry.get("protocol", "HTTP"),
            description=entry.get("description", ""),
        )
    return desired


def plan(desired: Desired, deployed: Deployed) -> list[PlanItem]:
    """What to change, in the order it must be done (memories are needed first)."""
    items = []
    for name, spec in desired.memories.items():
        current_memory = deployed.memories.get(name)
        if current_memory is None:
            items.append(PlanItem("create", "memory", name))
        elif current_memory.fingerprint != spec.fingerprint:
            items.append(PlanItem("update", "memory", name, _("strategies or expiry changed")))
    for name, gateway in desired.gateways.items():
        current_gateway = deployed.gateways.get(name)
        if current_gateway is None:
            items.append(PlanItem("create", "gateway", name))
        elif current_gateway.fingerprint != gateway.fingerprint:
            items.append(
                PlanItem("update", "gateway", name, _gateway_why(current_gateway, gateway))
            )
    items += [
        PlanItem("delete", "gateway", n) for n in deployed.gateways if n not in desired.gateways
    ]
    for name, runtime in desired.runtimes.items():
        current_runtime = deployed.runtimes.get(name)
        if current_runtime is None:
            items.append(PlanItem("create", "runtime", name))
        elif current_runtime.fingerprint != runtime.fingerprint:
            items.append(PlanItem("update", "runtime", name, _why(current_runtime, runtime)))
    items += [
        PlanItem("delete", "runtime", n) for n in deployed.runtimes if n not in desired.runtimes
    ]
    items += [
        PlanItem("delete", "memory", n) for n in deployed.memories if n not in desired.memories
    ]
    return items
