"""What notebook 04 asks of a session's traces, answered alike on both backends.

- :func:`interactions`: the session's interactions (one per trace), each with its
  prompt when recorded, its tool calls (status, duration) and every step's timing;
- :func:`wait_for_traces`: the same, once the expected number of traces is complete
  (spans reach a store in batches, a little after they end);
- :func:`html_table`, :func:`waterfall`, :func:`browser`: the notebook's views;
- :func:`format_for_cli`: the JSON ``agentcore-local traces --json`` prints.

A source is where spans are read from: the local stack's :class:`SpanStore` (or the
path of its SQLite file), or :class:`CloudWatchSource` on AWS.
:func:`default_source` picks the one for ``WORKSHOP_BACKEND``.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Sequence
from typing import Any, Protocol

from helpers.cloudwatch_spans import CloudWatchSource, TransactionSearchNotEnabled
from helpers.local.span_store import SpanStore, traces_file
from helpers.mode import backend
from helpers.paths import workshop_home
from helpers.spans import SpanRecord
from helpers.trace_model import Step, StepKind, ToolCall, TraceInteraction, build_interactions
from helpers.trace_views import browser, format_ms, html_table, waterfall

__all__ = [
    "CloudWatchSource",
    "SpanSource",
    "SpanStore",
    "Step",
    "StepKind",
    "ToolCall",
    "TraceInteraction",
    "TransactionSearchNotEnabled",
    "browser",
    "default_source",
    "format_for_cli",
    "format_ms",
    "html_table",
    "interactions",
    "wait_for_traces",
    "waterfall",
]


class SpanSource(Protocol):
    """Somewhere a session's spans can be read from; ``str()`` names it in messages."""

    def spans_for_session(self, session_id: str) -> list[SpanRecord]: ...


Source = SpanSource | str | os.PathLike[str]


def default_source() -> SpanSource:
    """The local stack's trace store, or CloudWatch when ``WORKSHOP_BACKEND=aws``."""
    if backend() == "aws":
        return CloudWatchSource()
    return SpanStore(traces_file(workshop_home()))


def interactions(session_id: str, source: Source) -> list[TraceInteraction]:
    """The interactions of ``session_id`` found in ``source``, oldest first."""
    return build_interactions(_opened(source).spans_for_session(session_id))


def wait_for_traces(
    session_id: str,
    source: Source,
    expected: int,
    timeout: float = 10,
    poll_interval: float = 0.25,
) -> list[TraceInteraction]:
    """The session's interactions, once ``expected`` of them are complete.

    Raises TimeoutError, saying what was found, when ``timeout`` seconds pass first.
    """
    opened = _opened(source)
    deadline = time.monotonic() + timeout
    while True:
        found = interactions(session_id, opened)
        complete = sum(interaction.complete for interaction in found)
        if complete >= expected:
            return found
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(
                f"After {timeout:g} s, {opened} holds {complete} complete interaction(s) of"
                f" session {session_id!r} ({len(found)} seen), not the {expected} expected."
                " Spans are exported in batches a few seconds after they end"
                " (OTEL_BSP_SCHEDULE_DELAY) and the Runtime's root span ends last: wait"
                " longer, or (locally) check that OTEL_EXPORTER_OTLP_ENDPOINT reaches the"
                " stack's collector."
            )
        time.sleep(min(poll_interval, remaining))


def format_for_cli(interactions: Sequence[TraceInteraction]) -> dict[str, Any]:
    """The JSON document ``agentcore-local traces --session-id ID --json`` prints."""
    return {"interactions": [_interaction_json(interaction) for interaction in interactions]}


def _opened(source: Source) -> SpanSource:
    return SpanStore(source) if isinstance(source, str | os.PathLike) else source


def _interaction_json(interaction: TraceInteraction) -> dict[str, Any]:
    document = dataclasses.asdict(interaction)
    document["started_at"] = interaction.started_at.isoformat()
    document["duration_ms"] = round(interaction.duration_ms, 3)
    for item in (*document["tools"], *document["steps"]):
        item["duration_ms"] = round(item["duration_ms"], 3)
    for step in document["steps"]:
        step["start_ms"] = round(step["start_ms"], 3)
    return document
