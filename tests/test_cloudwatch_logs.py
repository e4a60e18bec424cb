"""CloudWatch Logs as the local AWS API serves it: filter patterns, Logs Insights, paging.

The queries are the ones the real ``agentcore`` CLI 0.30.0 sends (``traces list``,
``traces get`` and its span query, copied from its bundle) and the kit's own; each is
checked for what CloudWatch would return, filters and ``stats`` included (moto ignores
both). The live tests go through boto3 to the stack, as the CLI's SDK does.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from helpers.emulator.core.state import StackState
from helpers.emulator.logs import filter_pattern, insights, insights_terms

TRACE_A = "0123456789abcdef0123456789abcdef"
TRACE_B = "fedcba9876543210fedcba9876543210"
SESSION = "7d1c0a52-3d0e-4d58-9a3f-1f2e3d4c5b6a"
# `agentcore traces list` (CLI 0.30.0, listTraces).
TRACES_LIST = (
    "stats earliest(@timestamp) as firstSeen, latest(@timestamp) as lastSeen, count(*) as "
    "spanCount, earliest(attributes.session.id) as sessionId by traceId\n"
    "| sort lastSeen desc\n| limit 20"
)
# `agentcore traces get` (getTrace) and the span query of fetchTraceRecords.
TRACE_GET = (
    "fields @timestamp, @message\n| filter traceId = '{}'\n| sort @timestamp asc\n| limit 10000"
)
SPANS_OF_TRACE = """fields traceId, spanId, parentSpanId, name, kind,
  startTimeUnixNano, endTimeUnixNano, durationNano,
  status.code as statusCode,
  resource.attributes.service.name as serviceName,
  attributes.session.id as sessionId
| filter ispresent(traceId) and ispresent(resource.attributes.service.name)
| filter resource.attributes.aws.service.type = "gen_ai_agent"
| filter ispresent(kind)
| filter traceId = '{}'
| sort startTimeUnixNano asc"""


def _record(trace: str, span: str, start: int, **extra: Any) -> str:
    return json.dumps(
        {
            "resource": {
                "attributes": {
                    "service.name": "CustomerSupport",
                    "aws.service.type": "gen_ai_agent",
                }
            },
            "traceId": trace,
            "spanId": span,
            "kind": "INTERNAL",
            "startTimeUnixNano": start,
            "status": {"code": "OK"},
            "attributes": {"session.id": SESSION},
            **extra,
        }
    )


def _events(*messages: tuple[int, str]) -> list[insights.Event]:
    return [
        insights.Event("123:/g", "s", at, at, message, f"p{number}")
        for number, (at, message) in enumerate(messages)
    ]


EVENTS = _events(
    (1_000, _record(TRACE_A, "a1", 30)),
    (2_000, _record(TRACE_A, "a2", 10)),
    (3_000, "2026-12-07 12:00:00 INFO a plain line, no fields"),
    (4_000, _record(TRACE_B, "b1", 20)),
)


def _rows(query: str, events: list[insights.Event] = EVENTS) -> list[dict[str, str]]:
    result = insights.run(query, events, 0, 10_000)
    return [{cell["field"]: cell["value"] for cell in row} for row in result.rows]


def test_traces_list_groups_the_records_by_trace() -> None:
    rows = _rows(TRACES_LIST)
    assert [(r["traceId"], r["spanCount"], r["sessionId"]) for r in rows] == [
        (TRACE_B, "1", SESSION),  # the latest first
        (TRACE_A, "2", SESSION),
    ]
    assert rows[1]["firstSeen"] == "1970-01-01 00:00:01.000"
    assert rows[1]["lastSeen"] == "1970-01-01 00:00:02.000"


def test_traces_get_keeps_only_the_trace_oldest_first() -> None:
    rows = _rows(TRACE_GET.format(TRACE_A))
    assert [json.loads(r["@message"])["spanId"] for r in rows] == ["a1", "a2"]
    assert all(r["@ptr"] for r in rows)


def test_the_span_query_renames_filters_and_sorts_by_number() -> None:
    rows = _rows(SPANS_OF_TRACE.format(TRACE_A))
    assert [(r["spanId"], r["statusCode"], r["serviceName"]) for r in rows] == [
        ("a2", "OK", "CustomerSupport"),  # startTimeUnixNano 10 before 30
        ("a1", "OK", "CustomerSupport"),
    ]
    assert rows[0]["sessionId"] == SESSION


def test_filter_operators() -> None:
    query = "fields spanId | filter {} | sort spanId asc"
    assert [r["spanId"] for r in _rows(query.format(f"traceId in ['{TRACE_B}', 'x']"))] == ["b1"]
    assert [r["spanId"] for r in _rows(query.format(f"traceId not in ['{TRACE_B}']"))] == [
        "a1",
        "a2",
    ]
    assert [
        r["spanId"]
        for r in _rows(query.format("ispresent(spanId) and not (spanId = 'a1' or spanId = 'b1')"))
    ] == ["a2"]
    assert [r["spanId"] for r in _rows(query.format("startTimeUnixNano >= 20"))] == ["a1", "b1"]
    assert [r["spanId"] for r in _rows(query.format("spanId like /^a/"))] == ["a1", "a2"]
    plain = _rows("fields @message | filter @message like 'plain line'")
    assert len(plain) == 1 and "INFO" in plain[0]["@message"]


def test_ids_of_digits_compare_as_text() -> None:
    """Two 32-digit trace ids differ though they are the same float."""
    first, second = "1" * 31 + "2", "1" * 31 + "3"
    events = _events((1, json.dumps({"traceId": first})), (2, json.dumps({"traceId": second})))
    assert _rows(f"fields traceId | filter traceId = '{first}'", events) == [
        {"traceId": first, "@ptr": "p0"}
    ]


def test_without_sort_the_newest_come_first_and_limit_counts() -> None:
    rows = _rows("fields @timestamp | limit 2")
    assert [r["@timestamp"] for r in rows] == ["1970-01-01 00:00:04.000", "1970-01-01 00:00:03.000"]


def test_the_time_range_bounds_the_events() -> None:
    result = insights.run("stats count(*) as n", EVENTS, 1_500, 3_500)
    assert result.rows == [[{"field": "n", "value": "2"}]]
    assert result.records_scanned == 2


@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("parse @message 'a * b' as x", "not 'parse'"),
        ("stats percentile(x, 90)", "not 'percentile'"),
        ("fields a | | limit 1", "missing between two '|'"),
        ("filter a = ", "ends where more was expected"),
        ("limit ten", "whole number"),
        ("fields a b", "unexpected 'b'"),
        ("SELECT * FROM `g`", "not 'SELECT'"),
    ],
)
def test_what_is_not_computed_is_refused_by_name(query: str, said: str) -> None:
    with pytest.raises(insights_terms.MalformedQuery, match=said):
        insights.parse(query)


@pytest.mark.parametrize(
    ("pattern", "kept"),
    [
        ("", ["INFO ready", "ERROR failed: timeout", 'span "session.id": "abc"']),
        ("ERROR", ["ERROR failed: timeout"]),
        ("error", []),  # case-sensitive
        ("ERROR timeout", ["ERROR failed: timeout"]),
        ('"session.id" "abc"', ['span "session.id": "abc"']),
        ('"failed: timeout"', ["ERROR failed: timeout"]),
        ("?ready ?timeout", ["INFO ready", "ERROR failed: timeout"]),
        ("-ERROR", ["INFO ready", 'span "session.id": "abc"']),
    ],
)
def test_filter_patterns_of_terms(pattern: str, kept: list[str]) -> None:
    messages = ["INFO ready", "ERROR failed: timeout", 'span "session.id": "abc"']
    matches = filter_pattern.matcher(pattern)
    assert [message for message in messages if matches(message)] == kept


@pytest.mark.parametrize("pattern", ['{ $.level = "ERROR" }', "[ip, user]", "%ERR.*%"])
def test_structured_patterns_are_refused_not_misread(pattern: str) -> None:
    with pytest.raises(filter_pattern.UnsupportedPattern, match="terms"):
        filter_pattern.matcher(pattern)


# --- Through the local AWS API -----------------------------------------------------------


@pytest.fixture(scope="module")
def log_group(local_stack: StackState) -> Iterator[tuple[Any, str]]:
    """A logs client of the stack and a group with three events in two streams."""
    client = boto3.client("logs")
    group = f"/test/{time.time_ns()}"
    client.create_log_group(logGroupName=group)
    for stream in ("one", "two"):
        client.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    client.put_log_events(
        logGroupName=group,
        logStreamName="one",
        logEvents=[
            {"timestamp": now - 3000, "message": _record(TRACE_A, "a1", 1)},
            {"timestamp": now - 1000, "message": "ERROR in one"},
        ],
    )
    client.put_log_events(
        logGroupName=group,
        logStreamName="two",
        logEvents=[{"timestamp": now - 2000, "message": _record(TRACE_B, "b1", 2)}],
    )
    yield client, group
    client.delete_log_group(logGroupName=group)


def test_filter_log_events_matches_terms_across_streams_oldest_first(
    log_group: tuple[Any, str],
) -> None:
    logs, group = log_group
    found = logs.filter_log_events(logGroupName=group, filterPattern='"traceId"')["events"]
    assert [(e["logStreamName"], json.loads(e["message"])["spanId"]) for e in found] == [
        ("one", "a1"),
        ("two", "b1"),
    ]
    errors = logs.filter_log_events(logGroupName=group, filterPattern="ERROR")["events"]
    assert [e["message"] for e in errors] == ["ERROR in one"]


def test_filter_log_events_pages_with_next_token(log_group: tuple[Any, str]) -> None:
    logs, group = log_group
    first = logs.filter_log_events(logGroupName=group, limit=2)
    rest = logs.filter_log_events(logGroupName=group, limit=2, nextToken=first["nextToken"])
    assert len(first["events"]) == 2 and len(rest["events"]) == 1
    assert "nextToken" not in rest


def test_a_query_runs_and_its_results_are_complete(log_group: tuple[Any, str]) -> None:
    logs, group = log_group
    now = int(time.time())
    started = logs.start_query(
        logGroupName=group, startTime=now - 60, endTime=now, queryString=TRACES_LIST
    )
    results = logs.get_query_results(queryId=started["queryId"])
    assert results["status"] == "Complete"
    traces = [{c["field"]: c["value"] for c in row}["traceId"] for row in results["results"]]
    assert traces == [TRACE_B, TRACE_A]
    assert results["statistics"]["recordsScanned"] == 3


def test_the_service_refuses_what_it_cannot_answer(log_group: tuple[Any, str]) -> None:
    logs, group = log_group
    now = int(time.time())
    with pytest.raises(ClientError) as malformed:
        logs.start_query(logGroupName=group, startTime=now - 60, endTime=now, queryString="dedup x")
    assert malformed.value.response["Error"]["Code"] == "MalformedQueryException"
    assert "not 'dedup'" in malformed.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as missing:
        logs.start_query(logGroupName="/nobody", startTime=0, endTime=now, queryString="limit 1")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as pattern:
        logs.filter_log_events(logGroupName=group, filterPattern="{ $.a = 1 }")
    assert pattern.value.response["Error"]["Code"] == "InvalidParameterException"
