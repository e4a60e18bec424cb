"""Spans of a session on AWS, from the ``aws/spans`` log group, with Logs Insights.

With CloudWatch Transaction Search enabled, X-Ray stores every span it receives as
one structured log event in the ``aws/spans`` log group. Each event's ``@message``
is the span as JSON (AgentCore devguide, "Understanding input spans"; the
bedrock-agentcore starter toolkit's observability query builder reads the same
fields): ``traceId``, ``spanId``, ``parentSpanId``, ``name``, ``kind``,
``startTimeUnixNano``, ``endTimeUnixNano``, ``durationNano``, ``status.code``
and ``status.message``, ``attributes`` (flat, dotted keys: ``session.id``,
``gen_ai.tool.name``, …) and ``resource.attributes`` (``service.name``). Message
bodies (prompts, tool results) are not in ``aws/spans``: AgentCore writes them as
log events to the runtime's own log group, so on AWS a prompt is usually None.

Two queries answer "the spans of a session": the traces that have a span stamped
with the session, then every span of those traces (AgentCore's Gateway spans need
not carry the session attribute). Both read whole ``@message`` records and the
results are checked again in Python, so a query engine that ignores the filter
(moto's Logs Insights does) still yields the right spans.

What only an account can show: that Logs Insights applies the filters as written
(moto parses ``fields``/``sort``/``limit`` only), query latency and the 10,000-row
cap on results, the real records' exact ``kind``/``status.code`` spellings (both
the bare and the ``SPAN_KIND_``/``STATUS_CODE_`` forms are accepted), and which
span names AgentCore's own Runtime and Gateway spans use.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
from botocore.exceptions import ClientError

from helpers.basics.i18n import _
from helpers.kit.errors import (
    TraceQueryFailed,
    TraceQueryTimeout,
    TransactionSearchNotEnabled,
    WorkshopUsageError,
)
from helpers.wire.spans import SESSION_ATTRIBUTE, SpanEvent, SpanRecord

SPANS_LOG_GROUP = "aws/spans"
# Logs Insights returns at most 10,000 rows per query; ask for all of them.
_MAX_ROWS = 10_000
# Keeps a trace-id filter well under the 10,000-character query limit.
_TRACES_PER_QUERY = 100
_RUNNING = ("Scheduled", "Running", "Unknown")
# Session and trace ids are letters, digits and dashes; refusing anything else keeps
# an id from ever changing the meaning of the query it is quoted into.
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]*$")


class CloudWatchSource:
    """The spans Transaction Search keeps in CloudWatch Logs, read with Logs Insights.

    ``logs_client`` defaults to ``boto3.client("logs")`` (the default region and
    credentials); ``lookback_minutes`` bounds how far back the queries search.
    """

    def __init__(
        self,
        logs_client: Any = None,
        log_group: str = SPANS_LOG_GROUP,
        lookback_minutes: int = 60,
        query_timeout: float = 60.0,
        poll_interval: float = 1.0,
    ) -> None:
        self.logs = logs_client or boto3.client("logs")
        self.log_group = log_group
        self.lookback_minutes = lookback_minutes
        self.query_timeout = query_timeout
        self.poll_interval = poll_interval

    def __str__(self) -> str:
        return _(
            "CloudWatch log group {group} (Transaction Search makes a span"
            " searchable a few minutes after it ends)",
            group=self.log_group,
        )

    def spans_for_session(self, session_id: str) -> list[SpanRecord]:
        """Every span of every trace with a span of ``session_id`` in the lookback window."""
        window = self._window()
        stamped = self._spans(session_query(session_id), window)
        trace_ids = sorted({span.trace_id for span in stamped if span.session_id == session_id})
        spans: list[SpanRecord] = []
        for start in range(0, len(trace_ids), _TRACES_PER_QUERY):
            batch = trace_ids[start : start + _TRACES_PER_QUERY]
            spans += [s for s in self._spans(traces_query(batch), window) if s.trace_id in batch]
        return spans

    def _window(self) -> tuple[int, int]:
        now = int(time.time())
        # Whole seconds, and this machine's clock may lag AWS's: a minute of slack at
        # the end keeps the spans of the invocation that just finished in the window.
        return now - self.lookback_minutes * 60, now + 60

    def _spans(self, query: str, window: tuple[int, int]) -> list[SpanRecord]:
        spans = []
        for row in self._run(query, window):
            record = _message(row)
            if record is not None:
                spans.append(span_from_record(record))
        return spans

    def _run(self, query: str, window: tuple[int, int]) -> list[list[dict[str, str]]]:
        try:
            query_id = self.logs.start_query(
                logGroupName=self.log_group,
                startTime=window[0],
                endTime=window[1],
                queryString=query,
            )["queryId"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "ResourceNotFoundException":
                raise TransactionSearchNotEnabled(self._not_enabled_message()) from None
            raise
        deadline = time.monotonic() + self.query_timeout
        while True:
            answer = self.logs.get_query_results(queryId=query_id)
            if answer["status"] == "Complete":
                rows: list[list[dict[str, str]]] = answer["results"]
                return rows
            if answer["status"] not in _RUNNING:
                raise TraceQueryFailed(
                    _(
                        "Logs Insights query on {group}: {status}",
                        group=self.log_group,
                        status=answer["status"],
                    )
                )
            if time.monotonic() > deadline:
                self.logs.stop_query(queryId=query_id)
                raise TraceQueryTimeout(
                    _(
                        "Logs Insights query on {group} still running after {seconds} s; "
                        "try again, or lower lookback_minutes",
                        group=self.log_group,
                        seconds=f"{self.query_timeout:g}",
                    )
                )
            time.sleep(self.poll_interval)

    def _not_enabled_message(self) -> str:
        region = self.logs.meta.region_name
        return _(
            "CloudWatch Logs has no log group {group} in {region}: CloudWatch"
            " Transaction Search is not enabled for this account and Region, so no spans"
            " are kept. Enable it once, in the console (CloudWatch → Application Signals →"
            " Transaction Search → Enable Transaction Search) or with the CLI"
            " (`aws xray update-trace-segment-destination --destination CloudWatchLogs`,"
            " after a logs resource policy lets X-Ray write to aws/spans), then invoke the"
            " agent again: spans become searchable about ten minutes after enabling.",
            group=repr(self.log_group),
            region=region,
        )


def session_query(session_id: str) -> str:
    """Logs Insights query for the spans stamped with ``session_id``."""
    return (
        f"fields @message | filter attributes.{SESSION_ATTRIBUTE} = {_quoted(session_id)}"
        f" | limit {_MAX_ROWS}"
    )


def traces_query(trace_ids: list[str]) -> str:
    """Logs Insights query for every span of the given traces."""
    quoted = ", ".join(_quoted(trace_id) for trace_id in trace_ids)
    return f"fields @message | filter traceId in [{quoted}] | limit {_MAX_ROWS}"


def span_from_record(record: Mapping[str, Any]) -> SpanRecord:
    """A span record of ``aws/spans`` (the JSON of one log event) as a SpanRecord."""
    status = record.get("status") or {}
    resource = (record.get("resource") or {}).get("attributes") or {}
    start_ns = int(record.get("startTimeUnixNano") or 0)
    end_ns = int(record.get("endTimeUnixNano") or start_ns + int(record.get("durationNano") or 0))
    return SpanRecord(
        trace_id=str(record.get("traceId", "")).lower(),
        span_id=str(record.get("spanId", "")).lower(),
        parent_span_id=str(record.get("parentSpanId") or "").lower(),
        name=str(record.get("name", "")),
        kind=str(record.get("kind") or "UNSPECIFIED").removeprefix("SPAN_KIND_"),
        service_name=str(resource.get("service.name", "")),
        start_ns=start_ns,
        end_ns=end_ns,
        status_code=str(status.get("code") or "UNSET").removeprefix("STATUS_CODE_"),
        status_message=str(status.get("message") or ""),
        attributes=dict(record.get("attributes") or {}),
        events=tuple(_events(record.get("events"))),
    )


def _events(events: Any) -> Iterator[SpanEvent]:
    for event in events if isinstance(events, list) else []:
        if isinstance(event, dict):
            yield SpanEvent(
                name=str(event.get("name", "")),
                time_ns=int(event.get("timeUnixNano") or 0),
                attributes=dict(event.get("attributes") or {}),
            )


def _message(row: list[dict[str, str]]) -> dict[str, Any] | None:
    """The span record in a result row's ``@message``; None for anything else."""
    text = next((cell["value"] for cell in row if cell.get("field") == "@message"), None)
    try:
        record = json.loads(text) if text else None
    except json.JSONDecodeError:
        return None
    return record if isinstance(record, dict) and "traceId" in record else None


def _quoted(identifier: str) -> str:
    if not _SAFE_ID.match(identifier):
        raise WorkshopUsageError(
            _(
                "{identifier} is not a session or trace id: it cannot go in a query",
                identifier=repr(identifier),
            )
        )
    return f"'{identifier}'"
