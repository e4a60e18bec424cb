"""What AgentCore Memory keeps, in one SQLite file: memories, events and long-term records.

AgentCore keeps a memory's events and records until they expire, whatever happens to
the agents that wrote them; so does this file, across stack restarts (moto's own state
lives in memory only). The stack's daemon is the only writer, from the AWS API's
request threads: every operation takes one lock and one short transaction. The file is
the stack owner's alone (the daemon's umask): it holds the conversations' text.

Reads come from memory. An agent with a memory reads its whole session (a few
``ListEvents``) and retrieves records before every prompt, so decoding every row again
on each call made a long conversation slower turn by turn. Being the only writer, the
store keeps what it decoded and writes through: memories and records whole, the events
of the most recently used sessions (:data:`SESSIONS_KEPT`), each loaded from the file
on its first read after a start.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

SESSIONS_KEPT = 256
"""How many sessions' decoded events the store keeps, least recently used dropped first."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS memories (
    memory_id TEXT PRIMARY KEY,
    body      TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    memory_id  TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    session_id TEXT NOT NULL,
    event_id   TEXT NOT NULL,
    timestamp  REAL NOT NULL,
    body       TEXT NOT NULL,
    PRIMARY KEY (memory_id, actor_id, session_id, event_id)
);
CREATE TABLE IF NOT EXISTS records (
    record_id  TEXT PRIMARY KEY,
    memory_id  TEXT NOT NULL,
    namespace  TEXT NOT NULL,
    topic      TEXT NOT NULL,
    body       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS records_by_topic ON records (memory_id, namespace, topic);
"""


@dataclass(frozen=True)
class Strategy:
    """A long-term memory strategy: what it extracts (``type``) and into which namespaces."""

    strategy_id: str
    name: str
    type: str  # SEMANTIC | SUMMARIZATION | USER_PREFERENCE | EPISODIC | CUSTOM
    namespace_templates: tuple[str, ...]
    description: str | None
    created_at: float


@dataclass(frozen=True)
class Memory:
    """A memory resource, as ``CreateMemory`` made it."""

    memory_id: str
    arn: str
    name: str
    account_id: str
    region: str
    description: str | None
    event_expiry_days: int
    strategies: tuple[Strategy, ...]
    created_at: float
    updated_at: float


@dataclass(frozen=True)
class Event:
    """One ``CreateEvent``: short-term memory of one actor in one session."""

    memory_id: str
    actor_id: str
    session_id: str
    event_id: str
    timestamp: float
    payload: tuple[dict[str, Any], ...]
    branch: dict[str, Any]
    metadata: dict[str, Any]


@dataclass(frozen=True)
class Record:
    """A long-term memory record. ``topic`` says what it is about within its namespace
    (a fact's subject, or the session summary), so a newer one replaces it."""

    record_id: str
    memory_id: str
    strategy_id: str
    namespace: str
    topic: str
    text: str
    created_at: float
    updated_at: float


def _memory(body: str) -> Memory:
    fields = json.loads(body)
    strategies = tuple(
        Strategy(**{**s, "namespace_templates": tuple(s["namespace_templates"])})
        for s in fields.pop("strategies")
    )
    return Memory(**fields, strategies=strategies)


def _event(body: str) -> Event:
    fields = json.loads(body)
    return Event(**{**fields, "payload": tuple(fields["payload"])})


def _in_order(event: Event) -> tuple[float, str]:
    """A session's events are listed by time, then id (ids begin with the time)."""
    return (event.timestamp, event.event_id)


SessionKey = tuple[str, str, str]


class MemoryStore:
    """The SQLite file at ``path`` (made with its folder on first use). Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(path, check_same_thread=False)
        # Write-ahead log, synced at checkpoints: a commit costs microseconds instead of
        # an fsync, and a crash of the daemon still loses nothing committed.
        self._connection.execute("PRAGMA journal_mode=WAL")
        self._connection.execute("PRAGMA synchronous=NORMAL")
        with self._transaction() as db:
            db.executescript(_SCHEMA)
            self._memories = {
                memory.memory_id: memory
                for memory in (_memory(body) for (body,) in db.execute("SELECT body FROM memories"))
            }
            self._records = {
                record.record_id: record
                for record in (
                    Record(**json.loads(body)) for (body,) in db.execute("SELECT body FROM records")
                )
            }
        self._sessions: OrderedDict[SessionKey, list[Event]] = OrderedDict()

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, self._connection:
            yield self._connection

    # ---- memories ---------------------------------------------------------------------

    def put_memory(self, memory: Memory) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO memories VALUES (?, ?)",
                (memory.memory_id, json.dumps(asdict(memory))),
            )
            self._memories[memory.memory_id] = memory

    def memory(self, memory_id: str) -> Memory | None:
        return self._memories.get(memory_id)

    def memories(self) -> list[Memory]:
        with self._lock:  # not while a writer changes the dict
            kept = list(self._memories.values())
        return sorted(kept, key=lambda m: m.created_at)

    def delete_memory(self, memory_id: str) -> None:
        """The memory and everything in it: its events and its records."""
        with self._transaction() as db:
            for table in ("memories", "events", "records"):
                db.execute(f"DELETE FROM {table} WHERE memory_id = ?", (memory_id,))
            self._memories.pop(memory_id, None)
            for record_id in [
                r.record_id for r in self._records.values() if r.memory_id == memory_id
            ]:
                del self._records[record_id]
            for key in [key for key in self._sessions if key[0] == memory_id]:
                del self._sessions[key]

    # ---- events -----------------------------------------------------------------------

    def _session(self, db: sqlite3.Connection, key: SessionKey) -> list[Event]:
        """The session's events, oldest first, decoded once; call holding the lock."""
        events = self._sessions.get(key)
        if events is None:
            rows = db.execute(
                "SELECT body FROM events WHERE memory_id = ? AND actor_id = ? AND session_id = ?"
                " ORDER BY timestamp, event_id",
                key,
            )
            events = [_event(body) for (body,) in rows]
            self._sessions[key] = events
            if len(self._sessions) > SESSIONS_KEPT:
                self._sessions.popitem(last=False)
        self._sessions.move_to_end(key)
        return events

    def add_event(self, event: Event) -> None:
        with self._transaction() as db:
            events = self._session(db, (event.memory_id, event.actor_id, event.session_id))
            db.execute(
                "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?)",
                (
                    event.memory_id,
                    event.actor_id,
                    event.session_id,
                    event.event_id,
                    event.timestamp,
                    json.dumps(asdict(event)),
                ),
            )
            bisect.insort(events, event, key=_in_order)

    def events(self, memory_id: str, actor_id: str, session_id: str) -> list[Event]:
        """The session's events, oldest first."""
        with self._transaction() as db:
            return list(self._session(db, (memory_id, actor_id, session_id)))

    def delete_event(self, event: Event) -> None:
        with self._transaction() as db:
            db.execute(
                "DELETE FROM events WHERE memory_id = ? AND actor_id = ? AND session_id = ?"
                " AND event_id = ?",
                (event.memory_id, event.actor_id, event.session_id, event.event_id),
            )
            events = self._session(db, (event.memory_id, event.actor_id, event.session_id))
            events[:] = [kept for kept in events if kept.event_id != event.event_id]

    def actors(self, memory_id: str) -> list[str]:
        """Every actor with an event in the memory, in the order they first wrote."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT actor_id FROM events WHERE memory_id = ? GROUP BY actor_id"
                " ORDER BY MIN(timestamp)",
                (memory_id,),
            ).fetchall()
        return [actor for (actor,) in rows]

    def sessions(self, memory_id: str, actor_id: str) -> list[tuple[str, float]]:
        """The actor's sessions and when each began, oldest first."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT session_id, MIN(timestamp) FROM events WHERE memory_id = ?"
                " AND actor_id = ? GROUP BY session_id ORDER BY MIN(timestamp)",
                (memory_id, actor_id),
            ).fetchall()
        return [(session, started) for session, started in rows]

    # ---- records ----------------------------------------------------------------------

    def put_record(self, record: Record) -> None:
        """Add ``record``, or replace the one with its id."""
        with self._transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?)",
                (
                    record.record_id,
                    record.memory_id,
                    record.namespace,
                    record.topic,
                    json.dumps(asdict(record)),
                ),
            )
            self._records[record.record_id] = record

    def record_about(self, memory_id: str, namespace: str, topic: str) -> Record | None:
        with self._lock:
            return next(
                (
                    record
                    for record in self._records.values()
                    if (record.memory_id, record.namespace, record.topic)
                    == (memory_id, namespace, topic)
                ),
                None,
            )

    def records(self, memory_id: str) -> list[Record]:
        """Every record of the memory, oldest first."""
        with self._lock:
            found = [record for record in self._records.values() if record.memory_id == memory_id]
        return sorted(found, key=lambda record: (record.created_at, record.record_id))

    def delete_record(self, record_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM records WHERE record_id = ?", (record_id,))
            self._records.pop(record_id, None)
