"""What a deploy tells its clients: the plan it follows, and what is deployed afterwards.

The deployer sends these over the control API as JSON; the CLI and the notebook kit
read them back with :meth:`Deployments.from_json` and print a plan with
:meth:`PlanItem.line`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from helpers.basics.i18n import N_, _
from helpers.emulator.control.wire import (
    DeploymentsDocument,
    GatewayDocument,
    MemoryDocument,
    PlanAction,
    PlanItemDocument,
    PlanKind,
    RuntimeDocument,
)

_SYMBOLS = {"create": "+", "update": "~", "delete": "-"}
# The plan's verbs, as a person reads them (the JSON keeps the English word).
_ACTIONS = {"create": N_("create"), "update": N_("update"), "delete": N_("delete")}


@dataclass(frozen=True)
class PlanItem:
    action: PlanAction
    kind: PlanKind
    name: str
    reason: str = ""

    def to_json(self) -> PlanItemDocument:
        return {"action": self.action, "kind": self.kind, "name": self.name, "reason": self.reason}

    @classmethod
    def from_json(cls, document: PlanItemDocument) -> PlanItem:
        return cls(document["action"], document["kind"], document["name"], document["reason"])

    def line(self) -> str:
        reason = f" ({self.reason})" if self.reason else ""
        action = _(_ACTIONS[self.action])
        return f"  {_SYMBOLS[self.action]} {action:<7} {self.kind:<7} {self.name}{reason}"

    def progress(self) -> str:
        """The line said while the item is being applied."""
        return f"{_(_ACTIONS[self.action])} {self.kind} {self.name} ..."


@dataclass(frozen=True)
class RuntimeInfo:
    """A deployed runtime: where to invoke it, and the agent processes that serve it."""

    arn: str
    invoke_url: str
    authorizer: str  # CUSTOM_JWT | NONE
    running: bool
    pids: tuple[int, ...]  # every live agent process, the spare included
    sessions: Mapping[str, int]  # runtime session id → its agent process
    log: str
    code_dir: str  # the stack's copy of the code deployed, as AWS keeps the CodeZip


@dataclass(frozen=True)
class GatewayInfo:
    """A deployed gateway: its id, ARN and MCP URL, and its targets."""

    id: str
    arn: str
    url: str
    authorizer: str  # NONE | AWS_IAM | CUSTOM_JWT
    targets: tuple[str, ...]


@dataclass(frozen=True)
class MemoryInfo:
    """A deployed AgentCore Memory: its id (what runtimes get) and its strategies' types."""

    id: str
    arn: str
    strategies: tuple[str, ...]


@dataclass(frozen=True)
class Deployments:
    """Everything deployed on a stack, by name."""

    runtimes: Mapping[str, RuntimeInfo] = field(default_factory=dict)
    gateways: Mapping[str, GatewayInfo] = field(default_factory=dict)
    memories: Mapping[str, MemoryInfo] = field(default_factory=dict)

    def to_json(self) -> DeploymentsDocument:
        return {
            "runtimes": {name: _runtime_json(info) for name, info in self.runtimes.items()},
            "gateways": {name: _gateway_json(info) for name, info in self.gateways.items()},
            "memories": {name: _memory_json(info) for name, info in self.memories.items()},
        }

    @classmethod
    def from_json(cls, document: DeploymentsDocument) -> Deployments:
        return cls(
            runtimes={
                name: RuntimeInfo(
                    arn=info["arn"],
                    invoke_url=info["invoke_url"],
                    authorizer=info["authorizer"],
                    running=info["running"],
                    pids=tuple(info["pids"]),
                    sessions=info["sessions"],
                    log=info["log"],
                    code_dir=info["code_dir"],
                )
                for name, info in document["runtimes"].items()
            },
            gateways={
                name: GatewayInfo(
                    id=info["id"],
                    arn=info["arn"],
                    url=info["url"],
                    authorizer=info["authorizer"],
                    targets=tuple(info["targets"]),
                )
                for name, info in document["gateways"].items()
            },
            memories={
                name: MemoryInfo(
                    id=info["id"], arn=info["arn"], strategies=tuple(info["strategies"])
                )
                for name, info in document["memories"].items()
            },
        )

    def summary(self) -> str:
        """The lines a deploy ends with: each runtime's ARN and each gateway's URL."""
        lines = [_("Deployed:")]
        for name, memory in self.memories.items():
            lines.append(
                "  "
                + _(
                    "memory {name}: {id} ({strategies})",
                    name=name,
                    id=memory.id,
                    strategies=", ".join(memory.strategies) or _("short-term"),
                )
            )
        for name, runtime in self.runtimes.items():
            lines.append(
                "  "
                + _(
                    "runtime {name}: {arn} (authorizer {authorizer})",
                    name=name,
                    arn=runtime.arn,
                    authorizer=runtime.authorizer,
                )
            )
        for name, gateway in self.gateways.items():
            lines.append(
                "  "
                + _(
                    "gateway {name}: {url} (authorizer {authorizer})",
                    name=name,
                    url=gateway.url,
                    authorizer=gateway.authorizer,
                )
            )
        return "\n".join(lines)


def _runtime_json(info: RuntimeInfo) -> RuntimeDocument:
    return {
        "arn": info.arn,
        "invoke_url": info.invoke_url,
        "authorizer": info.authorizer,
        "running": info.running,
        "pids": list(info.pids),
        "sessions": dict(info.sessions),
        "log": info.log,
        "code_dir": info.code_dir,
    }


def _gateway_json(info: GatewayInfo) -> GatewayDocument:
    return {
        "id": info.id,
        "arn": info.arn,
        "url": info.url,
        "authorizer": info.authorizer,
        "targets": list(info.targets),
    }


def _memory_json(info: MemoryInfo) -> MemoryDocument:
    return {"id": info.id, "arn": info.arn, "strategies": list(info.strategies)}
