"""What a deploy leaves in the project for the real ``agentcore`` CLI to find it by.

CLI 0.30.0's other commands (``status``, ``invoke``, ``validate``, ``remove``) learn what
was deployed, and where, from two files of the project, which its deploy writes:

- ``agentcore/aws-targets.json``, the deployment targets. ``agentcore create`` writes
  ``[]``; a deploy into a project without a target first adds
  ``{"name": "default", "account": ..., "region": ...}`` (its
  ``ensureDefaultDeploymentTarget``), and ``deploy``, ``invoke`` and ``status`` use the
  target ``default`` unless told another with ``--target``.
- ``agentcore/.cli/deployed-state.json``, per target the ids and ARNs the deploy made
  (its ``buildDeployedState``): ``resources.runtimes.<name>`` (``runtimeId``,
  ``runtimeArn``, ``roleArn``), ``resources.memories.<name>`` (``memoryId``,
  ``memoryArn``), ``resources.stackName`` (``AgentCore-<project>-<target>``), and each
  gateway's ``gatewayId``, ``gatewayArn`` and ``gatewayUrl``, under
  ``resources.mcp.gateways``, or under ``resources.gateways`` for a gateway whose
  ``protocolType`` is ``"None"``. A group with nothing in it is left out, and the other
  targets' entries are kept. A deploy of a project that declares no resource any more
  tears its target down (``performStackTeardown``): the target leaves the deployed state
  and ``aws-targets.json``.

:func:`record_deploy` writes both files as the CLI does (``JSON.stringify(value, null,
2)``, each replaced atomically), after checking them against the CLI's own rules
(:mod:`helpers.model.schemas`), so it never writes what ``agentcore validate``
would refuse. A learner's own targets are kept: the deploy is recorded under ``default``
when they list it, else under the first. The CLI's optional ``deployHash`` (a digest of the
project as its zod schema parses it, which lets a later deploy of a project without
runtimes be skipped) and each gateway target's ``targetId`` are left out: without them
the CLI deploys again rather than skip, and lists the targets from ``agentcore.json``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NotRequired, TypedDict

from helpers.model.config import CONFIG_PATH, write_json
from helpers.model.project_types import AgentCoreProject
from helpers.model.schema import Issue, Schema, format_path
from helpers.model.schemas.aws_targets import AWS_TARGETS
from helpers.model.schemas.deployed import deployed_state
from helpers.model.validation import AWS_TARGETS_PATH, DEPLOYED_STATE_PATH

DEFAULT_TARGET = "default"
# The kinds of resource whose absence makes a deploy a teardown (CLI 0.30.0's
# hasDeployableResources).
DEPLOYABLE = (
    "runtimes",
    "agentCoreGateways",
    "memories",
    "knowledgeBases",
    "evaluators",
    "onlineEvalConfigs",
    "policyEngines",
    "configBundles",
    "datasets",
    "capacityProviders",
    "harnesses",
    "payments",
)


class AwsTarget(TypedDict):
    """One entry of ``aws-targets.json``: where a project deploys."""

    name: str
    account: str
    region: str
    description: NotRequired[str]


# The deployed state's entries, as this module writes them. The CLI's rules
# (:mod:`helpers.model.schemas.deployed`) allow more keys and groups; these are the ones
# a local deploy records.


class RuntimeState(TypedDict):
    """``resources.runtimes.<name>``."""

    runtimeId: str
    runtimeArn: str
    roleArn: str


class MemoryState(TypedDict):
    """``resources.memories.<name>``."""

    memoryId: str
    memoryArn: str


class GatewayState(TypedDict):
    """``resources.mcp.gateways.<name>`` (or ``resources.gateways.<name>``)."""

    gatewayId: str
    gatewayArn: str
    gatewayUrl: str


class McpState(TypedDict):
    """``resources.mcp``: the gateways that speak MCP."""

    gateways: dict[str, GatewayState]


class TargetResources(TypedDict):
    """A target's ``resources``: a group with nothing in it is left out, as the CLI does."""

    runtimes: NotRequired[dict[str, RuntimeState]]
    memories: NotRequired[dict[str, MemoryState]]
    stackName: NotRequired[str]  # always written here; optional to the CLI
    mcp: NotRequired[McpState]
    gateways: NotRequired[dict[str, GatewayState]]


class TargetState(TypedDict):
    """``targets.<name>``: what the last deploy to that target made."""

    resources: TargetResources


@dataclass(frozen=True)
class RuntimeIds:
    """A deployed runtime as the deployed state records it."""

    arn: str
    role_arn: str

    @property
    def id(self) -> str:
        """The runtime's id: its ARN's last part."""
        return self.arn.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class GatewayIds:
    """A deployed gateway: its id, its ARN and its MCP URL."""

    id: str
    arn: str
    url: str


@dataclass(frozen=True)
class MemoryIds:
    """A deployed AgentCore Memory: its id and its ARN."""

    id: str
    arn: str


def default_target(account: str, region: str) -> AwsTarget:
    """The target a first deploy adds, as the CLI writes it."""
    return {"name": DEFAULT_TARGET, "account": account, "region": region}


def write_aws_targets(project_dir: Path, targets: list[AwsTarget]) -> None:
    """Replace ``agentcore/aws-targets.json`` (a new file gets ``agentcore.json``'s mode)."""
    folder = Path(project_dir)
    _checked(AWS_TARGETS, targets, AWS_TARGETS_PATH)
    write_json(folder / AWS_TARGETS_PATH, targets, like=folder / CONFIG_PATH)


def stack_name(project: str, target: str) -> str:
    """The CloudFormation stack the CLI deploys a project's target to (its ``UO``)."""
    return f"AgentCore-{project.replace('_', '-')}-{target.replace('_', '-')}"


def record_deploy(
    project_dir: Path,
    config: AgentCoreProject,
    *,
    account: str,
    region: str,
    runtimes: Mapping[str, RuntimeIds],
    gateways: Mapping[str, GatewayIds],
    memories: Mapping[str, MemoryIds],
) -> str | None:
    """Record a deploy of ``config`` in ``project_dir``, as ``agentcore deploy`` does.

    ``runtimes``, ``gateways`` and ``memories`` are what is deployed now, by name (all of
    it: a name left out is no longer deployed); ``account`` and ``region`` are those of
    the target a project without one gets. Returns the target's name, or None when the
    project declares no resource and there was nothing to tear down.
    """
    folder = Path(project_dir)
    targets = _targets(folder)
    recorded = _recorded_targets(folder)
    if not any(config.get(kind) for kind in DEPLOYABLE):
        return _tear_down(folder, targets, recorded)
    if not targets:
        targets = [default_target(account, region)]
        write_aws_targets(folder, targets)
    names = [target["name"] for target in targets]
    target = DEFAULT_TARGET if DEFAULT_TARGET in names else names[0]
    deployed = TargetState(resources=_resources(config, target, runtimes, gateways, memories))
    _write_state(folder, {**recorded, target: deployed}, names)
    return target


def _resources(
    config: AgentCoreProject,
    target: str,
    runtimes: Mapping[str, RuntimeIds],
    gateways: Mapping[str, GatewayIds],
    memories: Mapping[str, MemoryIds],
) -> TargetResources:
    """A target's ``resources``, its keys in the order the CLI's deploy writes them."""
    resources: TargetResources = {}  # filled in the CLI's order of keys
    if runtimes:
        resources["runtimes"] = {
            name: RuntimeState(runtimeId=ids.id, runtimeArn=ids.arn, roleArn=ids.role_arn)
            for name, ids in runtimes.items()
        }
    if memories:
        resources["memories"] = {
            name: MemoryState(memoryId=ids.id, memoryArn=ids.arn) for name, ids in memories.items()
        }
    resources["stackName"] = stack_name(str(config["name"]), target)
    without_protocol = {
        entry.get("name")
        for entry in config.get("agentCoreGateways", [])
        if isinstance(entry, dict) and entry.get("protocolType") == "None"
    }
    mcp: dict[str, GatewayState] = {}
    http: dict[str, GatewayState] = {}
    for name, ids in gateways.items():
        entry = GatewayState(gatewayId=ids.id, gatewayArn=ids.arn, gatewayUrl=ids.url)
        (http if name in without_protocol else mcp)[name] = entry
    if mcp:
        resources["mcp"] = McpState(gateways=mcp)
    if http:
        resources["gateways"] = http
    return resources


def _tear_down(folder: Path, targets: list[AwsTarget], recorded: dict[str, object]) -> str | None:
    """A deploy of nothing: the target leaves both files, if anything was deployed to it."""
    if not targets or not recorded:
        return None
    names = [target["name"] for target in targets]
    target = DEFAULT_TARGET if DEFAULT_TARGET in names else names[0]
    _write_state(folder, {name: e for name, e in recorded.items() if name != target}, names)
    write_aws_targets(folder, [entry for entry in targets if entry["name"] != target])
    return target


def _targets(folder: Path) -> list[AwsTarget]:
    """The project's targets; none when there is no file yet."""
    path = folder / AWS_TARGETS_PATH
    if not path.is_file():
        return []
    document = json.loads(path.read_text(encoding="utf-8"))
    _checked(AWS_TARGETS, document, AWS_TARGETS_PATH)
    targets: list[AwsTarget] = list(document)  # the CLI's rules for aws-targets.json passed
    return targets


def _recorded_targets(folder: Path) -> dict[str, object]:
    """The deployed state's targets so far, each entry as read: checked with the rest
    before it is written again (a file the CLI would refuse is replaced, as one that is
    missing)."""
    path = folder / DEPLOYED_STATE_PATH
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    targets = state.get("targets") if isinstance(state, dict) else None
    return dict(targets) if isinstance(targets, dict) else {}


def _write_state(folder: Path, targets: Mapping[str, object], target_names: list[str]) -> None:
    """Write the deployed state of ``targets`` (this deploy's :class:`TargetState` among
    the entries read), once the CLI's rules for the whole file pass."""
    state = {"targets": dict(targets)}
    _checked(deployed_state(target_names), state, DEPLOYED_STATE_PATH)
    path = folder / DEPLOYED_STATE_PATH
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True)
        path.parent.chmod(path.parent.parent.stat().st_mode & 0o7777)
    write_json(path, state, like=folder / CONFIG_PATH)


def _checked(schema: Schema, value: object, file: Path) -> None:
    """Refuse to write (or read on) a file the CLI's rules refuse."""
    issues: list[Issue] = schema.parse(value).issues
    if issues:
        problems = "; ".join(
            f"{format_path(issue.shown_path)}: {issue.message}" for issue in issues
        )
        raise ValueError(f"{file.as_posix()}: {problems}")
