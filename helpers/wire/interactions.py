"""From spans to interactions: what one invocation of the agent did, step by step.

An interaction is one trace: the Runtime front door's ``runtime.invoke`` span and
everything under it. Each span becomes a :class:`Step` of a kind the notebook can
colour and count, and every tool the agent ran becomes a :class:`ToolCall`.

Span names and attributes come from two places:

- strands-agents' tracer (``strands/telemetry/tracer.py``, 1.62): ``invoke_agent
  <agent name>``, ``execute_event_loop_cycle``, ``chat`` and ``execute_tool <tool
  name>``, each with ``gen_ai.operation.name``; tool spans carry
  ``gen_ai.tool.name`` and, once finished, ``gen_ai.tool.status``
  (``success``/``error``). The user's prompt is recorded on the ``invoke_agent``
  span: by default as a ``gen_ai.user.message`` event whose ``content`` is the
  message's content blocks as JSON; under ``OTEL_SEMCONV_STABILITY_OPT_IN=
  gen_ai_latest_experimental`` as ``gen_ai.input.messages`` (an event attribute,
  or a span attribute with ``gen_ai_span_attributes_only``).
- the local stack's own hops: ``runtime.invoke``, ``gateway.tools/call`` and
  ``gateway.tools/list``, ``lambda.invoke``. On AWS, AgentCore's own Runtime span
  is ``AgentCore.Runtime.Invoke`` (the starter toolkit's observability tests). The
  local Runtime's span also says who called (:mod:`helpers.wire.callers`); AgentCore's
  does not, so on AWS an interaction's ``caller`` is unknown.

A Gateway tool (``WarrantyCheck___check_warranty_status``) is one tool call: the
agent's ``execute_tool`` span, with the Gateway and Lambda spans as its
descendants, so they are steps but not further tool calls.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _
from helpers.wire import callers
from helpers.wire.callers import Caller
from helpers.wire.spans import SpanRecord

StepKind = Literal["runtime", "agent", "memory", "model", "tool", "gateway", "lambda", "other"]

_NS_PER_MS = 1_000_000
_STACK_SPANS: dict[str, StepKind] = {
    "runtime.invoke": "runtime",
    "lambda.invoke": "lambda",
    "AgentCore.Runtime.Invoke": "runtime",
}
_GATEWAY_PREFIX = "gateway."
# An AWS API call the agent made, as botocore's instrumentation names it (rpc.service):
# AgentCore Memory's data plane, and the model.
_AWS_SERVICES: dict[str, StepKind] = {
    "Bedrock AgentCore": "memory",
    "Bedrock AgentCore Control": "memory",
    "Bedrock Runtime": "model",
}
# strands names a span after its gen_ai.operation.name, then a space and a subject.
_GEN_AI_OPERATIONS: dict[str, StepKind] = {
    "invoke_agent": "agent",
    "execute_event_loop_cycle": "agent",
    "chat": "model",
    "execute_tool": "tool",
}
_TOOL_PREFIX = "execute_tool "


@dataclass(frozen=True)
class Step:
    """One span of an interaction, placed on the interaction's timeline.

    ``depth`` is how many ancestors the span has in its trace, for indenting.
    """

    name: str
    kind: StepKind
    start_ms: float  # from the interaction's first span
    duration_ms: float
    status: str  # UNSET, OK or ERROR
    service: str
    depth: int


@dataclass(frozen=True)
class ToolCall:
    """A tool the agent ran: its name, ``success`` or ``error``, and how long it took."""

    name: str
    status: str
    duration_ms: float

    @property
    def ok(self) -> bool:
        return self.status == "success"


@dataclass(frozen=True)
class TraceInteraction:
    """One invocation of the agent: its trace, prompt, tool calls and steps.

    ``complete`` says whether every process's part of the trace has arrived (see
    :func:`_complete`); until then steps may still be missing.
    """

    trace_id: str
    session_id: str
    started_at: datetime
    duration_ms: float
    prompt: str | None
    tools: list[ToolCall]
    steps: list[Step]
    complete: bool
    caller: Caller | None = None  # who called, where the Runtime's span says (not on AWS)

    @property
    def refused(self) -> bool:
        """The Runtime turned the call away (a 401, say) before any agent code ran."""
        return (
            self.complete
            and not any(step.kind == "agent" for step in self.steps)
            and any(step.kind == "runtime" and step.status == "ERROR" for step in self.steps)
        )


_STATUS_CODE = "http.response.status_code"


def classify(span: SpanRecord) -> StepKind:
    """The kind of step a span is, from its name and ``gen_ai.operation.name``."""
    if span.name in _STACK_SPANS:
        return _STACK_SPANS[span.name]
    if span.name.startswith(_GATEWAY_PREFIX):
        return "gateway"
    if span.attributes.get("rpc.system") == "aws-api":
        return _AWS_SERVICES.get(str(span.attributes.get("rpc.service")), "other")
    operation = span.attributes.get("gen_ai.operation.name") or span.name.split(" ", 1)[0]
    return _GEN_AI_OPERATIONS.get(str(operation), "other")


def build_interactions(spans: Iterable[SpanRecord]) -> list[TraceInteraction]:
    """Group ``spans`` by trace into interactions, ordered by start time."""
    traces: dict[str, list[SpanRecord]] = {}
    for span in spans:
        traces.setdefault(span.trace_id, []).append(span)
    built = [_interaction(trace_id, trace_spans) for trace_id, trace_spans in traces.items()]
    return sorted(built, key=lambda interaction: interaction.started_at)


def _interaction(trace_id: str, spans: list[SpanRecord]) -> TraceInteraction:
    depths = _depths(spans)
    # A parent before a child that started in the same nanosecond.
    spans = sorted(spans, key=lambda span: (span.start_ns, depths[span.span_id], span.span_id))
    # Clocks of different processes may disagree a little: anchor on the earliest span.
    start_ns = spans[0].start_ns
    end_ns = max(span.end_ns for span in spans)
    steps = [
        Step(
            name=span.name,
            kind=classify(span),
            start_ms=(span.start_ns - start_ns) / _NS_PER_MS,
            duration_ms=_duration_ms(span),
            status=span.status_code,
            service=span.service_name,
            depth=depths[span.span_id],
        )
        for span in spans
    ]
    return TraceInteraction(
        trace_id=trace_id,
        session_id=next((span.session_id for span in spans if span.session_id), ""),
        started_at=datetime.fromtimestamp(start_ns / 1e9, tz=UTC),
        duration_ms=(end_ns - start_ns) / _NS_PER_MS,
        prompt=next((p for p in map(_prompt, spans) if p is not None), None),
        tools=[_tool_call(span) for span in spans if classify(span) == "tool"],
        steps=steps,
        complete=_complete(spans),
        caller=next((c for c in map(_caller, spans) if c is not None), None),
    )


class TracesIncomplete(ActionableError, TimeoutError):
    """The expected traces did not all arrive in time; ``found`` is what had arrived."""

    def __init__(self, message: str, found: list[TraceInteraction]) -> None:
        super().__init__(message)
        self.found = found


def wait_for_interactions(
    spans_for_session: Callable[[str], list[SpanRecord]],
    session_id: str,
    *,
    expected: int | None,
    timeout: float,
    poll_interval: float,
    where: str,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[TraceInteraction]:
    """The session's interactions, once ``expected`` of them are complete.

    ``expected=None`` waits until there is at least one and every one found is complete.
    Spans reach a store in batches, a little after they end, so a trace read at once
    may still be missing parts. ``where`` names the store in the message of
    :class:`TracesIncomplete`, raised when ``timeout`` seconds pass first.
    """
    deadline = clock() + timeout
    while True:
        found = build_interactions(spans_for_session(session_id))
        complete = sum(interaction.complete for interaction in found)
        if complete >= (expected if expected is not None else max(len(found), 1)):
            return found
        remaining = deadline - clock()
        if remaining <= 0:
            raise TracesIncomplete(
                _(
                    "After {timeout:g} s, {where} holds {complete} complete interaction(s) of"
                    " session {session_id} ({seen} seen), not the {expected} expected."
                    " Spans are exported in batches a little after they end and the Runtime's"
                    " root span ends last: wait a moment and ask again.",
                    timeout=timeout,
                    where=where,
                    complete=complete,
                    session_id=repr(session_id),
                    seen=len(found),
                    expected=expected if expected is not None else _("all"),
                ),
                found,
            )
        sleep(min(poll_interval, remaining))


def to_json(interactions: Sequence[TraceInteraction]) -> dict[str, Any]:
    """Interactions as a JSON document, durations rounded to the microsecond."""
    return {"interactions": [_interaction_json(interaction) for interaction in interactions]}


def _interaction_json(interaction: TraceInteraction) -> dict[str, Any]:
    document = dataclasses.asdict(interaction)
    document["started_at"] = interaction.started_at.isoformat()
    document["duration_ms"] = round(interaction.duration_ms, 3)
    for item in (*document["tools"], *document["steps"]):
        item["duration_ms"] = round(item["duration_ms"], 3)
    for step in document["steps"]:
        step["start_ms"] = round(step["start_ms"], 3)
    return document


def _complete(spans: list[SpanRecord]) -> bool:
    """Whether the trace is whole: its root is there, and the agent's root if it ran.

    Each process exports its spans as they end, children before parents, in batches
    of its own. In the stack the Runtime's span ends last (after the Gateway's and the
    Lambda's); in the agent process ``invoke_agent`` ends last. So a trace is whole once
    its root has arrived and, when the Runtime let the call through (HTTP 200), the
    agent's root too. (The Runtime's parent may be the caller's, stored nowhere.)
    """
    root = next((s for s in spans if not s.parent_span_id or classify(s) == "runtime"), None)
    if root is None:
        return False
    reached_agent = classify(root) == "runtime" and root.attributes.get(_STATUS_CODE) == 200
    return not reached_agent or any(span.name.startswith("invoke_agent") for span in spans)


def _depths(spans: list[SpanRecord]) -> dict[str, int]:
    parents = {span.span_id: span.parent_span_id for span in spans}
    depths: dict[str, int] = {}
    for span in spans:
        depth, parent, seen = 0, parents[span.span_id], {span.span_id}
        # A parent outside this trace's spans (not arrived, or the caller's) ends the walk.
        while parent in parents and parent not in seen:
            seen.add(parent)
            depth, parent = depth + 1, parents[parent]
        depths[span.span_id] = depth
    return depths


def _duration_ms(span: SpanRecord) -> float:
    return (span.end_ns - span.start_ns) / _NS_PER_MS


def _tool_call(span: SpanRecord) -> ToolCall:
    status = span.attributes.get("gen_ai.tool.status")
    if not status:
        status = "error" if span.status_code == "ERROR" else "success"
    return ToolCall(
        name=str(span.attributes.get("gen_ai.tool.name") or span.name.removeprefix(_TOOL_PREFIX)),
        status=str(status),
        duration_ms=_duration_ms(span),
    )


def _caller(span: SpanRecord) -> Caller | None:
    """Who called, as the Runtime's span records it from the verified token."""
    kind, name = (
        span.attributes.get(callers.KIND_ATTRIBUTE),
        span.attributes.get(callers.NAME_ATTRIBUTE),
    )
    if kind not in ("user", "machine") or not name:
        return None
    return Caller(kind, str(name))


def _prompt(span: SpanRecord) -> str | None:
    """The user's text, if this is an agent span that recorded it (see module docstring)."""
    if span.attributes.get("gen_ai.operation.name") != "invoke_agent":
        return None
    sources: list[Mapping[str, Any]] = [span.attributes]
    sources += [event.attributes for event in span.events]
    for attributes in sources:
        if "gen_ai.input.messages" in attributes:
            return _latest_convention_text(attributes["gen_ai.input.messages"])
    for event in reversed(span.events):
        if event.name == "gen_ai.user.message":
            return _content_blocks_text(event.attributes.get("content"))
    return None


def _latest_convention_text(messages_json: Any) -> str | None:
    messages = _json(messages_json)
    if not isinstance(messages, list):
        return None
    users = [m for m in messages if isinstance(m, dict) and m.get("role") == "user"]
    if not users:
        return None
    parts = users[-1].get("parts") or []
    texts = [p.get("content") for p in parts if isinstance(p, dict) and p.get("type") == "text"]
    return "\n".join(str(text) for text in texts if text) or None


def _content_blocks_text(content_json: Any) -> str | None:
    blocks = _json(content_json)
    if not isinstance(blocks, list):
        return None
    texts = [block.get("text") for block in blocks if isinstance(block, dict)]
    return "\n".join(str(text) for text in texts if text) or None


def _json(value: Any) -> Any:
    # Redacted or truncated values are plain strings, not JSON: no prompt then.
    try:
        return json.loads(value) if isinstance(value, str) else None
    except json.JSONDecodeError:
        return None
