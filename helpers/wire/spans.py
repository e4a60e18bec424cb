"""One finished span, in the shape both trace backends read into.

The local store (spans received over OTLP) and CloudWatch (the records Transaction
Search writes to ``aws/spans``) describe a span with the same facts; reading both
into :class:`SpanRecord` lets one piece of code answer the notebook's questions for
either backend. The vocabulary follows the ``aws/spans`` records: span kinds and
status codes are the OTLP enum names without their prefixes (``SERVER``,
``ERROR``), ids are lower-case hex, times are Unix nanoseconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# AgentCore carries the runtime session as W3C baggage ``session.id``; the stack's
# span processor and AgentCore's own instrumentation stamp it on spans under this key.
SESSION_ATTRIBUTE = "session.id"


@dataclass(frozen=True)
class SpanEvent:
    """A timestamped event recorded on a span (strands records messages this way)."""

    name: str
    time_ns: int
    attributes: Mapping[str, Any]


@dataclass(frozen=True)
class SpanRecord:
    """A finished span: identity, place in its trace, timing, status and attributes."""

    trace_id: str
    span_id: str
    parent_span_id: str  # "" for a trace's root span
    name: str
    kind: str  # INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER or UNSPECIFIED
    service_name: str  # the resource attribute service.name
    start_ns: int
    end_ns: int
    status_code: str  # UNSET, OK or ERROR
    status_message: str
    attributes: Mapping[str, Any]
    events: tuple[SpanEvent, ...]

    @property
    def session_id(self) -> str | None:
        """The AgentCore runtime session this span belongs to, when it says so."""
        value = self.attributes.get(SESSION_ATTRIBUTE)
        return str(value) if value else None
