"""``bedrock-agentcore``'s memory operations, in moto's protocol handler, over the stack's memory.

moto parses each request by the botocore model and serializes each answer by it, so
the shapes (``memoryRecordSummaries``, ``eventTimestamp`` …) are AWS's; this class only
maps parameters to :class:`~helpers.emulator.memory.service.MemoryService` and results
to the output members. Other data-plane operations are moto's.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from moto.bedrockagentcore.responses import BedrockAgentCoreResponse
from moto.core.responses import ActionResult

from helpers.emulator.aws.limits import WithinModelLimits
from helpers.emulator.aws.moto_internals import SignedWithoutBody
from helpers.emulator.memory.service import MemoryService, Page, Scored
from helpers.emulator.memory.store import Event, Record


def moment(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _seconds(value: Any) -> float:
    """A timestamp parameter as Unix seconds (moto's parser hands over a datetime)."""
    if isinstance(value, datetime):
        return value.timestamp()
    return float(value)


def event_shape(event: Event, with_payload: bool = True) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "memoryId": event.memory_id,
        "actorId": event.actor_id,
        "sessionId": event.session_id,
        "eventId": event.event_id,
        "eventTimestamp": moment(event.timestamp),
        "payload": list(event.payload) if with_payload else [],
        "branch": event.branch,
    }
    if event.metadata:
        shape["metadata"] = event.metadata
    return shape


def record_shape(record: Record) -> dict[str, Any]:
    return {
        "memoryRecordId": record.record_id,
        "content": {"text": record.text},
        "memoryStrategyId": record.strategy_id,
        "namespaces": [record.namespace],
        "createdAt": moment(record.created_at),
    }


def _scored_shape(scored: Scored) -> dict[str, Any]:
    return {**record_shape(scored.record), "score": scored.score}


def _listing(member: str, page: Page, shape: Any) -> ActionResult:
    result: dict[str, Any] = {member: [shape(item) for item in page.items]}
    if page.next_token:
        result["nextToken"] = page.next_token
    return ActionResult(result)


class MemoryDataResponse(WithinModelLimits, SignedWithoutBody, BedrockAgentCoreResponse):
    """moto's ``bedrock-agentcore`` handler with the memory operations served by ``memory``."""

    def __init__(self, memory: MemoryService) -> None:
        super().__init__()
        self._memory = memory

    def create_event(self) -> ActionResult:
        params = self._get_params()
        event = self._memory.create_event(
            params["memoryId"],
            params.get("actorId") or "",
            params.get("sessionId") or "",
            _seconds(params["eventTimestamp"]),
            params.get("payload") or [],
            branch=params.get("branch"),
            metadata=params.get("metadata"),
            extract=params.get("extractionMode") != "SKIP",
        )
        return ActionResult({"event": event_shape(event)})

    def get_event(self) -> ActionResult:
        params = self._get_params()
        event = self._memory.event(
            params["memoryId"], params["actorId"], params["sessionId"], params["eventId"]
        )
        return ActionResult({"event": event_shape(event)})

    def delete_event(self) -> ActionResult:
        params = self._get_params()
        deleted = self._memory.delete_event(
            params["memoryId"], params["actorId"], params["sessionId"], params["eventId"]
        )
        return ActionResult({"eventId": deleted})

    def list_events(self) -> ActionResult:
        params = self._get_params()
        page = self._memory.events(
            params["memoryId"],
            params["actorId"],
            params["sessionId"],
            event_filter=params.get("filter"),
            max_results=params.get("maxResults"),
            next_token=params.get("nextToken"),
        )
        with_payload = params.get("includePayloads", True)
        return _listing("events", page, lambda event: event_shape(event, with_payload))

    def list_actors(self) -> ActionResult:
        params = self._get_params()
        page = self._memory.actors(
            params["memoryId"], params.get("maxResults"), params.get("nextToken")
        )
        return _listing("actorSummaries", page, lambda actor: {"actorId": actor})

    def list_sessions(self) -> ActionResult:
        params = self._get_params()
        actor = params["actorId"]
        page = self._memory.sessions(
            params["memoryId"], actor, params.get("maxResults"), params.get("nextToken")
        )
        return _listing(
            "sessionSummaries",
            page,
            lambda item: {"sessionId": item[0], "actorId": actor, "createdAt": moment(item[1])},
        )

    def retrieve_memory_records(self) -> ActionResult:
        params = self._get_params()
        criteria = params["searchCriteria"]
        page = self._memory.retrieve(
            params["memoryId"],
            criteria.get("searchQuery", ""),
            namespace=params.get("namespace"),
            namespace_path=params.get("namespacePath"),
            strategy_id=criteria.get("memoryStrategyId"),
            top_k=criteria.get("topK"),
            max_results=params.get("maxResults"),
            next_token=params.get("nextToken"),
        )
        return _listing("memoryRecordSummaries", page, _scored_shape)

    def list_memory_records(self) -> ActionResult:
        params = self._get_params()
        page = self._memory.records(
            params["memoryId"],
            namespace=params.get("namespace"),
            namespace_path=params.get("namespacePath"),
            strategy_id=params.get("memoryStrategyId"),
            max_results=params.get("maxResults"),
            next_token=params.get("nextToken"),
        )
        return _listing("memoryRecordSummaries", page, record_shape)

    def get_memory_record(self) -> ActionResult:
        params = self._get_params()
        record = self._memory.record(params["memoryId"], params["memoryRecordId"])
        return ActionResult({"memoryRecord": record_shape(record)})

    def delete_memory_record(self) -> ActionResult:
        params = self._get_params()
        deleted = self._memory.delete_record(params["memoryId"], params["memoryRecordId"])
        return ActionResult({"memoryRecordId": deleted})
