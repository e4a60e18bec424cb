"""The ``memories`` of ``agentcore.json``, deployed as AgentCore Memory resources.

As ``agentcore deploy`` does on AWS (through CloudFormation), each memory becomes one
resource made with the control-plane API (``CreateMemory``; ``UpdateMemory`` when its
strategies or event expiry change; ``DeleteMemory`` when it leaves the file), here
through boto3 against the stack's own AWS API. Every runtime of the project then gets
its id as ``MEMORY_<NAME>_ID``.

A strategy without ``namespaceTemplates`` gets the CLI's defaults
(``DEFAULT_STRATEGY_NAMESPACE_TEMPLATES``); one without a name is named after its type.
The local stack extracts records for SEMANTIC and SUMMARIZATION strategies only, so a
memory with another strategy is refused rather than deployed to stay empty.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _

# The CLI's defaults (primitives/memory.ts), and the CreateMemory member of each type.
DEFAULT_NAMESPACE_TEMPLATES = {
    "SEMANTIC": ("/users/{actorId}/facts",),
    "SUMMARIZATION": ("/summaries/{actorId}/{sessionId}",),
}
STRATEGY_MEMBERS = {
    "SEMANTIC": "semanticMemoryStrategy",
    "SUMMARIZATION": "summaryMemoryStrategy",
}


class MemoryRefused(ActionableError):
    """A memory the local stack cannot deploy as declared; the message says what to change."""


@dataclass
class MemoryRecord:
    """A deployed memory: its id and ARN, and what it was deployed from."""

    name: str
    memory_id: str
    arn: str
    fingerprint: str
    event_expiry_days: int
    # CreateMemory's memoryStrategies entries, and the id AWS gave each, by type.
    strategies: list[dict[str, Any]] = field(default_factory=list)
    strategy_ids: dict[str, str] = field(default_factory=dict)

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(self.strategy_ids)


@dataclass(frozen=True)
class MemorySpec:
    """One ``memories`` entry, as the control plane takes it."""

    name: str
    event_expiry_days: int
    strategies: tuple[dict[str, Any], ...]

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(
            json.dumps([self.event_expiry_days, self.strategies], sort_keys=True).encode()
        ).hexdigest()

    @property
    def types(self) -> tuple[str, ...]:
        return tuple(_type_of(entry) for entry in self.strategies)


def _type_of(entry: Mapping[str, Any]) -> str:
    member = next(iter(entry))
    return next(kind for kind, name in STRATEGY_MEMBERS.items() if name == member)


def specs(config: Mapping[str, Any]) -> dict[str, MemorySpec]:
    """The memories ``config`` (a valid ``agentcore.json``) declares, by name."""
    found = {}
    for entry in config.get("memories", []):
        strategies = []
        for strategy in entry.get("strategies", []):
            kind = strategy["type"]
            if kind not in STRATEGY_MEMBERS:
                raise MemoryRefused(
                    _(
                        "Memory {name}: the local stack extracts long-term records only for "
                        "these strategies: {types}; not for {kind}. Remove that strategy from "
                        "agentcore.json to deploy here (AWS supports it).",
                        name=entry["name"],
                        types=", ".join(STRATEGY_MEMBERS),
                        kind=kind,
                    )
                )
            templates = strategy.get("namespaceTemplates") or strategy.get("namespaces")
            strategies.append(
                {
                    STRATEGY_MEMBERS[kind]: {
                        "name": strategy.get("name") or kind.lower(),
                        "namespaces": list(templates or DEFAULT_NAMESPACE_TEMPLATES[kind]),
                    }
                }
            )
        found[entry["name"]] = MemorySpec(
            entry["name"], entry["eventExpiryDuration"], tuple(strategies)
        )
    return found


def create(control: Any, spec: MemorySpec) -> MemoryRecord:
    """Create the memory with the control-plane client ``control``; its record."""
    memory = control.create_memory(
        name=spec.name,
        eventExpiryDuration=spec.event_expiry_days,
        memoryStrategies=list(spec.strategies),
    )["memory"]
    return _record(spec, memory)


def update(control: Any, record: MemoryRecord, spec: MemorySpec) -> MemoryRecord:
    """Change the memory's expiry and strategies to ``spec``'s; its new record.

    A strategy whose type stays but whose settings change is replaced: deleted, then
    added again (its records stay in the memory, under the old strategy's id).
    """
    wanted = {_type_of(entry): entry for entry in spec.strategies}
    kept = {_type_of(entry): entry for entry in record.strategies}
    unchanged = {kind for kind, entry in wanted.items() if kept.get(kind) == entry}
    memory = control.update_memory(
        memoryId=record.memory_id,
        eventExpiryDuration=spec.event_expiry_days,
        memoryStrategies={
            "deleteMemoryStrategies": [
                {"memoryStrategyId": record.strategy_ids[kind]}
                for kind in kept
                if kind not in unchanged
            ],
            "addMemoryStrategies": [
                entry for kind, entry in wanted.items() if kind not in unchanged
            ],
        },
    )["memory"]
    return _record(spec, memory)


def exists(control: Any, record: MemoryRecord) -> bool:
    """Whether the memory is still there (its store may have been deleted by hand)."""
    try:
        control.get_memory(memoryId=record.memory_id)
    except control.exceptions.ResourceNotFoundException:
        return False
    return True


def delete(control: Any, record: MemoryRecord) -> None:
    """Delete the memory, with its events and records."""
    # Already gone is what the deploy wanted.
    with contextlib.suppress(control.exceptions.ResourceNotFoundException):
        control.delete_memory(memoryId=record.memory_id)


def _record(spec: MemorySpec, memory: Mapping[str, Any]) -> MemoryRecord:
    return MemoryRecord(
        name=spec.name,
        memory_id=memory["id"],
        arn=memory["arn"],
        fingerprint=spec.fingerprint,
        event_expiry_days=spec.event_expiry_days,
        strategies=[dict(entry) for entry in spec.strategies],
        strategy_ids={s["type"]: s["strategyId"] for s in memory.get("strategies", [])},
    )
