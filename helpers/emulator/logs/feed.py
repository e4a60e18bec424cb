"""What AgentCore writes to CloudWatch Logs, written into the local AWS API's log groups.

On AWS a runtime's agent logs to ``/aws/bedrock-agentcore/runtimes/<runtimeId>-DEFAULT``
(AgentCore devguide, "View observability data"): what the agent prints, one stream per
session's microVM (``<date>/[runtime-logs]<id>``), and its OpenTelemetry log records in
``otel-rt-logs``, each with the ``traceId``, ``spanId`` and ``session.id`` of where it
was logged. Transaction Search writes every span to ``aws/spans``. The real ``agentcore``
CLI reads exactly these: ``agentcore logs`` the runtime's group (``FilterLogEvents``),
``agentcore traces list`` and ``get`` the same group with Logs Insights.

:class:`AgentCoreLogs` writes them for the local stack, into moto's CloudWatch Logs
backend (the store behind the local AWS API; :mod:`helpers.emulator.logs.responses`
answers the reads moto computes wrongly):

- every line an agent process prints, after the daemon blotted out credentials
  (:meth:`runtime_output`);
- every span the collector receives, as its ``aws/spans`` record (the shape
  :func:`helpers.kit.observability.cloudwatch.span_from_record` reads on AWS), and for
  the spans of a deployed runtime's agent each span event (the messages Strands records
  on its spans) as an OpenTelemetry log record in the runtime's ``otel-rt-logs``
  (:meth:`spans`). The agents' resource gets what AgentCore's sets:
  ``aws.service.type = gen_ai_agent``, ``cloud.resource_id`` (the runtime's ARN),
  ``aws.log.group.names``.

Writes go through one queue to one writer thread: the thread that copies an agent's
output into its log file, and the collector answering an exporter, never wait for moto
(a traceback reaches the log file as fast as before; the kit reads it there). The queue
holds :data:`MAX_QUEUED` writes; past that a write is dropped, as a log pipeline under
pressure drops, rather than hold the agent up. A group appears with its first event, as
on AWS (``agentcore logs`` before any invocation says "Has the agent been invoked?").
The log groups live as long as the stack: a restart starts them empty (the trace store
keeps the spans). Each stream keeps its last :data:`MAX_EVENTS_PER_STREAM` events, so a
long workshop cannot fill the stack's memory.
"""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from helpers.wire.spans import SESSION_ATTRIBUTE, SpanRecord

SPANS_GROUP = "aws/spans"
SPANS_STREAM = "default"
OTEL_STREAM = "otel-rt-logs"
ENDPOINT = "DEFAULT"
MAX_EVENTS_PER_STREAM = 5_000
MAX_QUEUED = 10_000
# Span ids already written: an exporter that retries a batch is not written twice.
_REMEMBERED_SPANS = 20_000


def runtime_log_group(runtime_arn: str) -> str:
    """The runtime's log group, as AgentCore names it."""
    return f"/aws/bedrock-agentcore/runtimes/{runtime_arn.rsplit('/', 1)[-1]}-{ENDPOINT}"


class AgentCoreLogs:
    """Writes the runtimes' output and the spans into CloudWatch Logs (moto's backend)."""

    def __init__(self, account_id: str, region: str) -> None:
        self._account_id = account_id
        self._region = region
        self._lock = threading.Lock()
        self._queue: queue.Queue[tuple[str, str, list[tuple[int, str]]]] = queue.Queue(MAX_QUEUED)
        # The one thread that writes to moto's log groups: no lock is needed around them.
        threading.Thread(target=self._write_forever, name="cloudwatch", daemon=True).start()
        self._runtimes: dict[str, str] = {}  # an agent's service.name → its runtime ARN
        self._written: OrderedDict[tuple[str, str], None] = OrderedDict()

    def runtime_deployed(self, service_name: str, runtime_arn: str) -> None:
        """The agents whose spans say ``service_name`` run in ``runtime_arn``."""
        with self._lock:
            self._runtimes[service_name] = runtime_arn

    def runtime_output(self, runtime_arn: str) -> Callable[[str], None]:
        """Where one agent process's lines go: a stream of its own in the runtime's group."""
        stream = f"{time.strftime('%Y/%m/%d', time.gmtime())}/[runtime-logs]{uuid.uuid4()}"
        group = runtime_log_group(runtime_arn)

        def write(line: str) -> None:
            text = line.rstrip("\n")
            if text:
                self._put(group, stream, [(int(time.time() * 1000), text)])

        return write

    def spans(self, spans: Iterable[SpanRecord]) -> None:
        """The spans a collector received: to ``aws/spans``, their events to their runtime."""
        with self._lock:
            fresh = [span for span in spans if self._first_time(span)]
            runtimes = dict(self._runtimes)
        if not fresh:
            return
        records: list[tuple[int, str]] = []
        by_group: dict[str, list[tuple[int, str]]] = {}
        for span in fresh:
            runtime_arn = runtimes.get(span.service_name)
            resource = _resource(span.service_name, runtime_arn)
            records.append((span.end_ns // 1_000_000, json.dumps(_span_record(span, resource))))
            if runtime_arn is not None:
                by_group.setdefault(runtime_log_group(runtime_arn), []).extend(
                    (event.time_ns // 1_000_000, json.dumps(record))
                    for event, record in _log_records(span, resource)
                )
        self._put(SPANS_GROUP, SPANS_STREAM, records)
        for group, events in by_group.items():
            self._put(group, OTEL_STREAM, events)

    def _first_time(self, span: SpanRecord) -> bool:
        key = (span.trace_id, span.span_id)
        if key in self._written:
            return False
        self._written[key] = None
        if len(self._written) > _REMEMBERED_SPANS:
            self._written.popitem(last=False)
        return True

    def _put(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        """Hand ``events`` to the writer thread; never blocks."""
        if not events:
            return
        # Full: dropped; the agent and the collector are not held up by CloudWatch.
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait((group, stream, events))

    def _write_forever(self) -> None:
        while True:
            self._write(*self._queue.get())

    def _write(self, group: str, stream: str, events: list[tuple[int, str]]) -> None:
        from moto.logs.models import logs_backends

        backend = logs_backends[self._account_id][self._region]
        ordered = [{"timestamp": at, "message": text} for at, text in sorted(events)]
        if group not in backend.groups:
            backend.create_log_group(group, tags={})
        backend.ensure_log_stream(group, stream)
        backend.put_log_events(group, stream, ordered)
        kept = backend.groups[group].streams[stream].events
        if len(kept) > MAX_EVENTS_PER_STREAM:
            del kept[: len(kept) - MAX_EVENTS_PER_STREAM]


def _resource(service_name: str, runtime_arn: str | None) -> dict[str, Any]:
    attributes: dict[str, Any] = {"service.name": service_name}
    if runtime_arn is not None:
        attributes.update(
            {
                "aws.service.type": "gen_ai_agent",
                "cloud.resource_id": runtime_arn,
                "aws.log.group.names": runtime_log_group(runtime_arn),
            }
        )
    return {"attributes": attributes}


def _span_record(span: SpanRecord, resource: Mapping[str, Any]) -> dict[str, Any]:
    """The span as Transaction Search writes it to ``aws/spans`` (events are not kept)."""
    status: dict[str, str] = {"code": span.status_code}
    if span.status_message:
        status["message"] = span.status_message
    return {
        "resource": resource,
        "traceId": span.trace_id,
        "spanId": span.span_id,
        "parentSpanId": span.parent_span_id,
        "name": span.name,
        "kind": span.kind,
        "startTimeUnixNano": span.start_ns,
        "endTimeUnixNano": span.end_ns,
        "durationNano": span.end_ns - span.start_ns,
        "attributes": dict(span.attributes),
        "status": status,
    }


def _log_records(
    span: SpanRecord, resource: Mapping[str, Any]
) -> Iterable[tuple[Any, dict[str, Any]]]:
    """Each event of ``span`` as an OpenTelemetry log record (OTLP/JSON's field names)."""
    for event in span.events:
        attributes: dict[str, Any] = {"event.name": event.name}
        if span.session_id:
            attributes[SESSION_ATTRIBUTE] = span.session_id
        yield (
            event,
            {
                "resource": resource,
                "timeUnixNano": event.time_ns,
                "observedTimeUnixNano": event.time_ns,
                "severityNumber": 9,
                "severityText": "INFO",
                "body": dict(event.attributes),
                "attributes": attributes,
                "traceId": span.trace_id,
                "spanId": span.span_id,
            },
        )
