"""What AgentCore Memory keeps, in one SQLite file: memories, events and long-term records.

AgentCore keeps a memory's events and records until they expire, whatever happens to
the agents that wrote them; so does this file, across stack restarts (moto's own state
lives in memory only). The stack's daemon is the only writer, from the AWS API's
request threads: every operation takes one lock and one short transaction. The file is
the stack owner's alone (the daemon's umask): it holds the conversations' text.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

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


class MemoryStore:
    """The SQLite file at ``path`` (made with its folder on first use). Thread-safe."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._connection = sqlite3.connect(path, check_same_thread=False)
        with self._transaction() as connection:
            connection.executescript(_SCHEMA)

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

    def memory(self, memory_id: str) -> Memory | None:
        with self._transaction() as db:
            row = db.execute(
                "SELECT body FROM memories WHERE memory_id = ?", (memory_id,)
            ).fetchone()
        return _memory(row[0]) if row else None

    def memories(self) -> list[Memory]:
        with self._transaction() as db:
            rows = db.execute("SELECT body FROM memories").fetchall()
        return sorted((_memory(body) for (body,) in rows), key=lambda m: m.created_at)

    def delete_memory(self, memory_id: str) -> None:
        """The memory and everything in it: its events and its records."""
        with self._transaction() as db:
            for table in ("memories", "events", "records"):
                db.execute(f"DELETE FROM {table} WHERE memory_id = ?", (memory_id,))

    # ---- events -----------------------------------------------------------------------

    def add_event(self, event: Event) -> None:
        with self._transaction() as db:
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

    def events(self, memory_id: str, actor_id: str, session_id: str) -> list[Event]:
        """The session's events, oldest first."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT body FROM events WHERE memory_id = ? AND actor_id = ? AND session_id = ?"
                " ORDER BY timestamp, event_id",
                (memory_id, actor_id, session_id),
            ).fetchall()
        return [_event(body) for (body,) in rows]

    def delete_event(self, event: Event) -> None:
        with self._transaction() as db:
            db.execute(
                "DELETE FROM events WHERE memory_id = ? AND actor_id = ? AND session_id = ?"
                " AND event_id = ?",
                (event.memory_id, event.actor_id, event.session_id, event.event_id),
            )

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

    def record_about(self, memory_id: str, namespace: str, topic: str) -> Record | None:
        with self._transaction() as db:
            row = db.execute(
                "SELECT body FROM records WHERE memory_id = ? AND namespace = ? AND topic = ?",
                (memory_id, namespace, topic),
            ).fetchone()
        return Record(**json.loads(row[0])) if row else None

    def records(self, memory_id: str) -> list[Record]:
        """Every record of the memory, oldest first."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT body FROM records WHERE memory_id = ?", (memory_id,)
            ).fetchall()
        found = [Record(**json.loads(body)) for (body,) in rows]
        return sorted(found, key=lambda record: (record.created_at, record.record_id))

    def delete_record(self, record_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM records WHERE record_id = ?", (record_id,))
