"""The local stack's trace store: finished spans in one SQLite file.

The collector (one process) writes; the notebook kernel and ``agentcore-local
traces`` read from their own processes at the same time. SQLite in WAL mode
allows exactly that: readers see the last committed batch and never block the
writer. Reads open a short-lived connection each, so they can come from any
thread or process and hold no file handle between calls. Writes share one
connection, kept open under a lock: closing a WAL database's last connection
checkpoints it, and a connection per batch made that checkpoint cost more than the
inserts (an eighth of the stack's time under load).

A span is stored once per (trace_id, span_id): an exporter that retries a batch
the collector already stored (its response was lost) changes nothing.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from helpers.wire.spans import SpanEvent, SpanRecord

# Spans a reader cannot see yet are at most one export batch away; waiting this long
# for the writer's lock is far longer than any batch takes to commit.
_BUSY_TIMEOUT_MS = 5000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS spans (
    trace_id       TEXT    NOT NULL,
    span_id        TEXT    NOT NULL,
    parent_span_id TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    kind           TEXT    NOT NULL,
    service_name   TEXT    NOT NULL,
    start_ns       INTEGER NOT NULL,
    end_ns         INTEGER NOT NULL,
    status_code    TEXT    NOT NULL,
    status_message TEXT    NOT NULL,
    attributes     TEXT    NOT NULL,
    events         TEXT    NOT NULL,
    session_id     TEXT,
    -- Also the trace_id index: SQLite searches a primary key by its leading column.
    PRIMARY KEY (trace_id, span_id)
);
CREATE INDEX IF NOT EXISTS spans_by_session ON spans (session_id);
"""

# What a SpanRecord is read back from; session_id is only there to be searched.
_SPAN_COLUMNS = (
    "trace_id, span_id, parent_span_id, name, kind, service_name, start_ns, end_ns,"
    " status_code, status_message, attributes, events"
)
_INSERT = (
    f"INSERT OR IGNORE INTO spans ({_SPAN_COLUMNS}, session_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


class SpanStore:
    """Spans in the SQLite file at ``path`` (created, with its folder, on first use)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connection() as connection:
            # WAL is a property of the file: set once, every later connection uses it.
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)
        self._writer: sqlite3.Connection | None = None
        self._writing = threading.Lock()

    def __str__(self) -> str:
        return f"the local trace store {self.path}"

    def add(self, spans: Iterable[SpanRecord]) -> int:
        """Store ``spans`` in one transaction; returns how many were new."""
        rows = [_row(span) for span in spans]
        with self._writing:
            if self._writer is None:
                self._writer = self._open(check_same_thread=False)
            with self._writer as connection:  # one transaction: committed, or rolled back
                before = connection.total_changes
                connection.executemany(_INSERT, rows)
                return connection.total_changes - before

    def count(self) -> int:
        """How many spans the store holds."""
        with self._connection() as connection:
            return int(connection.execute("SELECT COUNT(*) FROM spans").fetchone()[0])

    def spans_for_session(self, session_id: str) -> list[SpanRecord]:
        """Every span of every trace that has a span of ``session_id``, by start time.

        Whole traces, not only the spans stamped with the session: a hop that lost
        the baggage still belongs to the interaction its trace id says it does.
        """
        with self._connection() as connection:
            rows = connection.execute(
                f"SELECT {_SPAN_COLUMNS} FROM spans WHERE trace_id IN"
                " (SELECT trace_id FROM spans WHERE session_id = ?)"
                " ORDER BY start_ns, span_id",
                (session_id,),
            ).fetchall()
        return [_record(row) for row in rows]

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        # closing() closes the file; the connection's own context commits or rolls back.
        with closing(self._open()) as connection, connection:
            yield connection

    def _open(self, check_same_thread: bool = True) -> sqlite3.Connection:
        opened = sqlite3.connect(
            self.path, timeout=_BUSY_TIMEOUT_MS / 1000, check_same_thread=check_same_thread
        )
        # Synced at WAL checkpoints, not at every commit (only a power cut could lose spans).
        opened.execute("PRAGMA synchronous=NORMAL")
        return opened


def _row(span: SpanRecord) -> tuple[Any, ...]:
    return (
        span.trace_id,
        span.span_id,
        span.parent_span_id,
        span.name,
        span.kind,
        span.service_name,
        span.start_ns,
        span.end_ns,
        span.status_code,
        span.status_message,
        json.dumps(dict(span.attributes)),
        json.dumps(
            [
                {"name": e.name, "time_ns": e.time_ns, "attributes": dict(e.attributes)}
                for e in span.events
            ]
        ),
        span.session_id,
    )


def _record(row: tuple[Any, ...]) -> SpanRecord:
    (trace_id, span_id, parent, name, kind, service, start, end, code, message, attrs, events) = row
    return SpanRecord(
        trace_id=trace_id,
        span_id=span_id,
        parent_span_id=parent,
        name=name,
        kind=kind,
        service_name=service,
        start_ns=start,
        end_ns=end,
        status_code=code,
        status_message=message,
        attributes=json.loads(attrs),
        events=tuple(
            SpanEvent(name=e["name"], time_ns=e["time_ns"], attributes=e["attributes"])
            for e in json.loads(events)
        ),
    )
