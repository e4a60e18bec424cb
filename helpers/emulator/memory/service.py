"""AgentCore Memory's rules: what each operation accepts, keeps, finds and answers.

It stays one long module because it is one job, one class: the operations of both
planes work on the same store and share its rules (ids, paging, namespaces, the
extraction ``CreateEvent`` starts), which the protocol handlers only put on the wire.

The operations of ``bedrock-agentcore-control`` (memories) and ``bedrock-agentcore``
(events, long-term records) as the botocore model and AgentCore's guide define them,
over a :class:`~helpers.emulator.memory.store.MemoryStore`. Where AWS behaves in a way
the strands session manager relies on, so does this:

- ``ListEvents`` answers newest first (the manager reverses the list into a
  conversation, and takes the first agent-state event as the latest), filters on event
  metadata (``EQUALS_TO``, ``EXISTS``, ``NOT_EXISTS``) and on the branch, and pages;
- ``CreateEvent`` with a conversational payload feeds the memory's strategies at once
  (:mod:`helpers.emulator.memory.extraction`; on AWS this runs in the background and
  takes seconds), unless ``extractionMode`` is ``SKIP``;
- a strategy's namespace templates are filled in with ``{actorId}``, ``{sessionId}``
  and ``{memoryStrategyId}``; ``RetrieveMemoryRecords`` and ``ListMemoryRecords``
  match ``namespace`` exactly and ``namespacePath`` as a path prefix (``/summaries/a``
  finds ``/summaries/a/s1``, not ``/summaries/ab``), and retrieval ranks by
  :func:`~helpers.emulator.memory.relevance.score`.

Nothing here checks who may read what: as on AWS, that is IAM's job for the caller of
the API, and the agent's job for the actor it names (the workshop's point).
"""

from __future__ import annotations

import re
import secrets
import string
import threading
import time
import uuid
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from moto.core.exceptions import ServiceException

from helpers.emulator.memory import extraction, relevance
from helpers.emulator.memory.store import Event, Memory, MemoryStore, Record, Strategy

# The strategy types this stack extracts records for; others are kept but stay empty.
EXTRACTED = ("SEMANTIC", "SUMMARIZATION")
# CreateMemory's memoryStrategies members, by the type GetMemory reports.
STRATEGY_INPUTS = {
    "semanticMemoryStrategy": "SEMANTIC",
    "summaryMemoryStrategy": "SUMMARIZATION",
    "userPreferenceMemoryStrategy": "USER_PREFERENCE",
    "episodicMemoryStrategy": "EPISODIC",
    "customMemoryStrategy": "CUSTOM",
}
ACTOR_ID = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-_/]*(?::[a-zA-Z0-9-_/]+)*[a-zA-Z0-9-_/]*")
SESSION_ID = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9-_]*")
NAME = re.compile(r"[a-zA-Z][a-zA-Z0-9_]{0,47}")
MAX_PAGE = 100
DEFAULT_TOP_K = 10
SUMMARY_TOPIC = "summary"
# Sessions whose user turns the service keeps at hand for their summaries (see _UserTurns).
KEPT_SESSIONS = 4096


class ResourceNotFound(ServiceException):
    code = "ResourceNotFoundException"


class Invalid(ServiceException):
    code = "ValidationException"


class Conflict(ServiceException):
    code = "ConflictException"


@dataclass(frozen=True)
class Page:
    """One page of a listing and the token of the next (None on the last)."""

    items: list[Any]
    next_token: str | None


@dataclass(frozen=True)
class Scored:
    record: Record
    score: float


def _suffix() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(10))


def _page(items: Sequence[Any], max_results: int | None, next_token: str | None) -> Page:
    size = max_results or MAX_PAGE
    if not 1 <= size <= MAX_PAGE:
        raise Invalid(f"maxResults must be between 1 and {MAX_PAGE}.")
    start = int(next_token) if next_token and next_token.isdigit() else 0
    end = start + size
    return Page(list(items[start:end]), str(end) if end < len(items) else None)


def _check(value: str | None, pattern: re.Pattern[str], field: str, longest: int) -> str:
    if not value or len(value) > longest or not pattern.fullmatch(value):
        raise Invalid(
            f"1 validation error detected: Value at '{field}' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {pattern.pattern}"
        )
    return value


def fill_template(template: str, actor_id: str, session_id: str, strategy_id: str) -> str:
    """A namespace template with the event's actor and session and the strategy put in."""
    return (
        template.replace("{actorId}", actor_id)
        .replace("{sessionId}", session_id)
        .replace("{memoryStrategyId}", strategy_id)
    )


def _in_path(namespace: str, path: str) -> bool:
    prefix = path.rstrip("/")
    return not prefix or namespace == prefix or namespace.startswith(prefix + "/")


@dataclass
class _UserTurns:
    """What a session's summary needs of it: how many messages the user sent, the last few."""

    count: int = 0
    last: deque[extraction.Turn] = field(
        default_factory=lambda: deque(maxlen=extraction.SUMMARY_TURNS)
    )
    latest: float = 0.0  # the timestamp of the newest event counted

    def add(self, event: Event) -> None:
        for turn in extraction.turns(event.payload):
            if turn.role == extraction.USER:
                self.count += 1
                self.last.append(turn)
        self.latest = max(self.latest, event.timestamp)


class MemoryService:
    """AgentCore Memory for one stack (see the module docstring). Thread-safe: the store
    is, and the service's own cache of user turns has a lock."""

    def __init__(self, store: MemoryStore, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock
        # Per (memory, actor, session), so that a turn's extraction reads one event, not
        # the whole session again: a long session's turns cost what a short one's do.
        self._user_turns: OrderedDict[tuple[str, str, str], _UserTurns] = OrderedDict()
        self._user_turns_lock = threading.Lock()

    # ---- control plane: memories ------------------------------------------------------

    def create_memory(
        self,
        account_id: str,
        region: str,
        name: str,
        event_expiry_days: int,
        strategies: Sequence[Mapping[str, Any]],
        description: str | None = None,
    ) -> Memory:
        _check(name, NAME, "name", 48)
        if not 3 <= event_expiry_days <= 3650:
            raise Invalid("eventExpiryDuration must be between 3 and 3650 days.")
        if any(m.name == name and m.account_id == account_id for m in self._store.memories()):
            raise Conflict(f"A memory named {name} already exists.")
        now = self._clock()
        memory_id = f"{name}-{_suffix()}"
        memory = Memory(
            memory_id=memory_id,
            arn=f"arn:aws:bedrock-agentcore:{region}:{account_id}:memory/{memory_id}",
            name=name,
            account_id=account_id,
            region=region,
            description=description,
            event_expiry_days=event_expiry_days,
            strategies=tuple(self._strategy(entry, now) for entry in strategies),
            created_at=now,
            updated_at=now,
        )
        self._store.put_memory(memory)
        return memory

    def _strategy(self, entry: Mapping[str, Any], now: float) -> Strategy:
        if len(entry) != 1 or next(iter(entry)) not in STRATEGY_INPUTS:
            raise Invalid(
                "Each memory strategy must be exactly one of: " + ", ".join(STRATEGY_INPUTS)
            )
        member, config = next(iter(entry.items()))
        name = _check(config.get("name"), NAME, "memoryStrategies.name", 48)
        templates = config.get("namespaceTemplates") or config.get("namespaces") or []
        return Strategy(
            strategy_id=f"{name}-{_suffix()}",
            name=name,
            type=STRATEGY_INPUTS[member],
            namespace_templates=tuple(templates),
            description=config.get("description"),
            created_at=now,
        )

    def memory(self, memory_id: str) -> Memory:
        """The memory by id or ARN; ``ResourceNotFoundException`` if there is none."""
        memory = self._store.memory(memory_id.rsplit("/", 1)[-1])
        if memory is None:
            raise ResourceNotFound(f"Memory {memory_id} not found.")
        return memory

    def memories(self, account_id: str, region: str) -> list[Memory]:
        return [
            m for m in self._store.memories() if (m.account_id, m.region) == (account_id, region)
        ]

    def update_memory(
        self,
        memory_id: str,
        *,
        description: str | None,
        event_expiry_days: int | None,
        changes: Mapping[str, Any] | None,
    ) -> Memory:
        memory = self.memory(memory_id)
        now = self._clock()
        strategies = list(memory.strategies)
        changes = changes or {}
        deleted = {entry["memoryStrategyId"] for entry in changes.get("deleteMemoryStrategies", [])}
        strategies = [s for s in strategies if s.strategy_id not in deleted]
        for entry in changes.get("modifyMemoryStrategies", []):
            strategies = [
                replace(
                    s,
                    description=entry.get("description", s.description),
                    namespace_templates=tuple(
                        entry.get("namespaceTemplates")
                        or entry.get("namespaces")
                        or s.namespace_templates
                    ),
                )
                if s.strategy_id == entry["memoryStrategyId"]
                else s
                for s in strategies
            ]
        strategies += [self._strategy(e, now) for e in changes.get("addMemoryStrategies", [])]
        updated = replace(
            memory,
            description=description if description is not None else memory.description,
            event_expiry_days=event_expiry_days or memory.event_expiry_days,
            strategies=tuple(strategies),
            updated_at=now,
        )
        self._store.put_memory(updated)
        return updated

    def delete_memory(self, memory_id: str) -> Memory:
        memory = self.memory(memory_id)
        self._store.delete_memory(memory.memory_id)
        with self._user_turns_lock:
            for key in [key for key in self._user_turns if key[0] == memory.memory_id]:
                del self._user_turns[key]
        return memory

    # ---- data plane: events (short-term memory) ---------------------------------------

    def create_event(
        self,
        memory_id: str,
        actor_id: str,
        session_id: str,
        timestamp: float,
        payload: Sequence[dict[str, Any]],
        *,
        branch: dict[str, Any] | None = None,
        metadata: dict[str, Any] | None = None,
        extract: bool = True,
    ) -> Event:
        memory = self.memory(memory_id)
        _check(actor_id, ACTOR_ID, "actorId", 255)
        _check(session_id, SESSION_ID, "sessionId", 100)
        if not payload:
            raise Invalid("payload must hold at least one item.")
        event = Event(
            memory_id=memory.memory_id,
            actor_id=actor_id,
            session_id=session_id,
            event_id=f"{int(timestamp * 1000):019d}#{secrets.token_hex(4)}",
            timestamp=timestamp,
            payload=tuple(payload),
            branch=branch or {"name": "main"},
            metadata=metadata or {},
        )
        self._store.add_event(event)
        if extract:
            self._extract(memory, event)
        return event

    def event(self, memory_id: str, actor_id: str, session_id: str, event_id: str) -> Event:
        memory = self.memory(memory_id)
        for event in self._store.events(memory.memory_id, actor_id, session_id):
            if event.event_id == event_id:
                return event
        raise ResourceNotFound(f"Event {event_id} not found.")

    def delete_event(self, memory_id: str, actor_id: str, session_id: str, event_id: str) -> str:
        event = self.event(memory_id, actor_id, session_id, event_id)
        self._store.delete_event(event)
        with self._user_turns_lock:
            self._user_turns.pop((event.memory_id, actor_id, session_id), None)
        return event_id

    def events(
        self,
        memory_id: str,
        actor_id: str,
        session_id: str,
        *,
        event_filter: Mapping[str, Any] | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> Page:
        """The session's events, newest first, filtered and paged."""
        memory = self.memory(memory_id)
        events = self._store.events(memory.memory_id, actor_id, session_id)
        events = _on_branch(events, (event_filter or {}).get("branch"))
        conditions = (event_filter or {}).get("eventMetadata") or []
        matching = [e for e in reversed(events) if all(_holds(c, e.metadata) for c in conditions)]
        return _page(matching, max_results, next_token)

    def actors(self, memory_id: str, max_results: int | None, next_token: str | None) -> Page:
        memory = self.memory(memory_id)
        return _page(self._store.actors(memory.memory_id), max_results, next_token)

    def sessions(
        self, memory_id: str, actor_id: str, max_results: int | None, next_token: str | None
    ) -> Page:
        memory = self.memory(memory_id)
        return _page(self._store.sessions(memory.memory_id, actor_id), max_results, next_token)

    # ---- long-term records ------------------------------------------------------------

    def _extract(self, memory: Memory, event: Event) -> None:
        """Bring the memory's records up to date with what ``event`` adds to its session.

        Records come from what the user says, so an event without a user turn changes
        none. Facts come from the event's own turns (a newer statement on a topic
        replaces the record on it); the summary from the session's user turns so far.
        """
        said = [t for t in extraction.turns(event.payload) if t.role == extraction.USER]
        if not said:
            return
        session = self._session_user_turns(event)
        for strategy in memory.strategies:
            if strategy.type == "SEMANTIC":
                found = [(f.topic, f.text) for f in extraction.facts(said)]
            elif strategy.type == "SUMMARIZATION":
                text = extraction.summary(session.last, earlier=session.count - len(session.last))
                found = [(SUMMARY_TOPIC, text)] if text else []
            else:
                continue
            for template in strategy.namespace_templates:
                namespace = fill_template(
                    template, event.actor_id, event.session_id, strategy.strategy_id
                )
                for topic, text in found:
                    self._keep(memory, strategy, namespace, topic, text)

    def _session_user_turns(self, event: Event) -> _UserTurns:
        """The user turns of ``event``'s session, ``event`` (already stored) included.

        Read from the store on a session's first event after a start, or when an event
        comes dated before the newest one counted; counted on from the event otherwise.
        """
        key = (event.memory_id, event.actor_id, event.session_id)
        with self._user_turns_lock:
            known = self._user_turns.get(key)
            if known is None or event.timestamp < known.latest:
                known = _UserTurns()
                for stored in self._store.events(*key):
                    known.add(stored)
                self._user_turns[key] = known
            else:
                known.add(event)
            self._user_turns.move_to_end(key)
            while len(self._user_turns) > KEPT_SESSIONS:
                self._user_turns.popitem(last=False)
            return _UserTurns(known.count, deque(known.last, known.last.maxlen), known.latest)

    def _keep(
        self, memory: Memory, strategy: Strategy, namespace: str, topic: str, text: str
    ) -> None:
        """Add the record, or update the one on the same topic (consolidation)."""
        known = self._store.record_about(memory.memory_id, namespace, topic)
        if known is not None and known.text == text:
            return
        now = self._clock()
        self._store.put_record(
            Record(
                record_id=known.record_id if known else f"mem-{uuid.uuid4()}",
                memory_id=memory.memory_id,
                strategy_id=strategy.strategy_id,
                namespace=namespace,
                topic=topic,
                text=text,
                created_at=known.created_at if known else now,
                updated_at=now,
            )
        )

    def records(
        self,
        memory_id: str,
        *,
        namespace: str | None,
        namespace_path: str | None,
        strategy_id: str | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> Page:
        """``ListMemoryRecords``: the records in a namespace (or under a path), newest first."""
        found = self._in_namespace(memory_id, namespace, namespace_path, strategy_id)
        found.sort(key=lambda record: record.updated_at, reverse=True)
        return _page(found, max_results, next_token)

    def retrieve(
        self,
        memory_id: str,
        query: str,
        *,
        namespace: str | None,
        namespace_path: str | None,
        strategy_id: str | None = None,
        top_k: int | None = None,
        max_results: int | None = None,
        next_token: str | None = None,
    ) -> Page:
        """``RetrieveMemoryRecords``: the ``top_k`` records most relevant to ``query``."""
        if not query:
            raise Invalid("searchCriteria.searchQuery must not be empty.")
        found = self._in_namespace(memory_id, namespace, namespace_path, strategy_id)
        ranked = sorted(
            (Scored(record, relevance.score(query, record.text)) for record in found),
            key=lambda scored: (-scored.score, -scored.record.updated_at),
        )
        return _page(ranked[: top_k or DEFAULT_TOP_K], max_results, next_token)

    def _in_namespace(
        self,
        memory_id: str,
        namespace: str | None,
        namespace_path: str | None,
        strategy_id: str | None,
    ) -> list[Record]:
        if (namespace is None) == (namespace_path is None):
            raise Invalid("Exactly one of namespace and namespacePath must be given.")
        memory = self.memory(memory_id)
        return [
            record
            for record in self._store.records(memory.memory_id)
            if (
                record.namespace == namespace
                if namespace is not None
                else _in_path(record.namespace, namespace_path or "")
            )
            and (strategy_id is None or record.strategy_id == strategy_id)
        ]

    def record(self, memory_id: str, record_id: str) -> Record:
        memory = self.memory(memory_id)
        for record in self._store.records(memory.memory_id):
            if record.record_id == record_id:
                return record
        raise ResourceNotFound(f"Memory record {record_id} not found.")

    def delete_record(self, memory_id: str, record_id: str) -> str:
        self._store.delete_record(self.record(memory_id, record_id).record_id)
        return record_id


def _holds(condition: Mapping[str, Any], metadata: Mapping[str, Any]) -> bool:
    """Whether an event's metadata meets one ``eventMetadata`` filter condition."""
    key = condition["left"]["metadataKey"]
    operator = condition["operator"]
    if operator == "EXISTS":
        return key in metadata
    if operator == "NOT_EXISTS":
        return key not in metadata
    wanted = condition.get("right", {}).get("metadataValue", {}).get("stringValue")
    found: bool = metadata.get(key, {}).get("stringValue") == wanted
    return found


def _on_branch(events: list[Event], wanted: Mapping[str, Any] | None) -> list[Event]:
    """The events of one branch (with the main branch's up to its root, if asked)."""
    if not wanted:
        return events
    name = wanted["name"]
    own = [e for e in events if e.branch.get("name") == name]
    if not wanted.get("includeParentBranches") or not own:
        return own
    root = own[0].branch.get("rootEventId")
    parents = []
    for event in events:
        if event.branch.get("name", "main") == "main":
            parents.append(event)
        if event.event_id == root:
            break
    return parents + own
