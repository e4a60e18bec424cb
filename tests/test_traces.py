"""The trace collector, its SQLite store, and the interaction views built on them.

Spans reach the collector the way the stack's parts send them: the OpenTelemetry
SDK's BatchSpanProcessor and OTLPSpanExporter over real HTTP, to a collector under
uvicorn on a free loopback port. The synthetic traces have the shape of a real
invocation (runtime.invoke → invoke_agent → execute_event_loop_cycle → chat /
execute_tool → gateway.tools/call → lambda.invoke), with one service per hop, so
the same trace is emitted by four exporters and joined by its trace id.
"""

from __future__ import annotations

import gzip
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import boto3
import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest
import requests
from google.rpc.status_pb2 import Status as RpcStatus
from matplotlib.figure import Figure
from moto import mock_aws
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, Status, StatusCode

from helpers.emulator.telemetry.collector import MAX_BODY_BYTES, collector_app
from helpers.emulator.telemetry.store import SpanStore
from helpers.kit.errors import TransactionSearchNotEnabled
from helpers.kit.observability import views
from helpers.kit.observability.cloudwatch import (
    CloudWatchSource,
    session_query,
    traces_query,
)
from helpers.wire.interactions import (
    TraceInteraction,
    TracesIncomplete,
    build_interactions,
    to_json,
    wait_for_interactions,
)
from helpers.wire.spans import SpanRecord
from tests.support import WARRANTY_TOOL, serve_on_a_thread

SESSION_A = "a" * 8 + "-1111-4111-8111-" + "a" * 12  # uuid4-shaped, ≥ 33 chars
SESSION_B = "b" * 8 + "-2222-4222-8222-" + "b" * 12
WARRANTY_ARN = "arn:aws:lambda:us-east-1:123456789012:function:warranty-check"
MS = 1_000_000  # ns


# --- the collector under uvicorn, and the SDK sending to it -------------------------------


@dataclass
class Collector:
    url: str
    store: SpanStore

    def post(self, body: bytes, content_type: str, **headers: str) -> requests.Response:
        return requests.post(
            f"{self.url}/v1/traces",
            data=body,
            headers={"Content-Type": content_type, **headers},
            timeout=5,
        )


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[Collector]:
    store = SpanStore(tmp_path / "traces" / "spans.sqlite")
    with serve_on_a_thread(collector_app(store)) as served:
        yield Collector(served.url, store)


class Services:
    """One tracer provider per hop, each exporting over OTLP/HTTP like the stack's parts."""

    def __init__(self, endpoint: str) -> None:
        self.providers: dict[str, TracerProvider] = {}
        for service in ("agentcore-runtime", "customer-support-agent", "agentcore-gateway"):
            self._add(service, OTLPSpanExporter(endpoint=endpoint))
        # The Lambda host compresses, as OTEL_EXPORTER_OTLP_COMPRESSION=gzip would make it.
        self._add("lambda-host", OTLPSpanExporter(endpoint=endpoint, compression=Compression.Gzip))

    def _add(self, service: str, exporter: OTLPSpanExporter) -> None:
        provider = TracerProvider(resource=Resource.create({"service.name": service}))
        provider.add_span_processor(BatchSpanProcessor(exporter))
        self.providers[service] = provider

    def span(
        self,
        service: str,
        name: str,
        parent: Span | None,
        start_ms: float,
        base_ns: int,
        attributes: dict[str, Any],
        kind: SpanKind = SpanKind.INTERNAL,
    ) -> Span:
        context = trace.set_span_in_context(parent) if parent else None
        tracer = self.providers[service].get_tracer("test")
        return tracer.start_span(
            name,
            context=context,
            kind=kind,
            attributes=attributes,
            start_time=base_ns + int(start_ms * MS),
        )

    def flush(self) -> None:
        for provider in self.providers.values():
            provider.force_flush()
            provider.shutdown()


def _end(span: Span, base_ns: int, end_ms: float) -> None:
    span.end(end_time=base_ns + int(end_ms * MS))


def _emit_interaction(
    services: Services, session_id: str, base_ns: int, prompt: str, tool: str | None, ok: bool
) -> None:
    """One invocation, timed in ms from ``base_ns``; spans end children-first, as real ones do."""
    session = {"session.id": session_id}
    root = services.span(
        "agentcore-runtime",
        "runtime.invoke",
        None,
        0,
        base_ns,
        {**session, "agentcore.runtime.name": "CustomerSupport"},
        SpanKind.SERVER,
    )
    agent = services.span(
        "customer-support-agent",
        "invoke_agent CustomerSupport",
        root,
        10,
        base_ns,
        {
            **session,
            "gen_ai.operation.name": "invoke_agent",
            "gen_ai.agent.name": "CustomerSupport",
        },
    )
    # strands' default: the user message as an event whose content is the JSON blocks.
    agent.add_event("gen_ai.user.message", {"content": json.dumps([{"text": prompt}])})
    cycle = services.span(
        "customer-support-agent",
        "execute_event_loop_cycle",
        agent,
        20,
        base_ns,
        {"gen_ai.operation.name": "execute_event_loop_cycle"},
    )
    chat = services.span(
        "customer-support-agent", "chat", cycle, 30, base_ns, {"gen_ai.operation.name": "chat"}
    )
    _end(chat, base_ns, 200)
    if tool:
        called = services.span(
            "customer-support-agent",
            f"execute_tool {tool}",
            cycle,
            210,
            base_ns,
            {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool},
        )
        if tool == WARRANTY_TOOL:
            gateway = services.span(
                "agentcore-gateway",
                "gateway.tools/call",
                called,
                220,
                base_ns,
                {"mcp.tool.name": tool},
                SpanKind.SERVER,
            )
            handler = services.span(
                "lambda-host",
                "lambda.invoke",
                gateway,
                230,
                base_ns,
                {
                    "faas.invoked_name": "warranty-check",
                    "aws.lambda.arn": WARRANTY_ARN,
                },
                SpanKind.SERVER,
            )
            _end(handler, base_ns, 570)
            _end(gateway, base_ns, 580)
        called.set_attribute("gen_ai.tool.status", "success" if ok else "error")
        if not ok:
            called.set_status(Status(StatusCode.ERROR, "tool failed"))
        _end(called, base_ns, 590)
    _end(cycle, base_ns, 600)
    second_cycle = services.span(
        "customer-support-agent",
        "execute_event_loop_cycle",
        agent,
        600,
        base_ns,
        {"gen_ai.operation.name": "execute_event_loop_cycle"},
    )
    final_chat = services.span(
        "customer-support-agent",
        "chat",
        second_cycle,
        610,
        base_ns,
        {"gen_ai.operation.name": "chat"},
    )
    _end(final_chat, base_ns, 970)
    _end(second_cycle, base_ns, 980)
    _end(agent, base_ns, 990)
    _end(root, base_ns, 1000)


@pytest.fixture
def exported(collector: Collector) -> Collector:
    """Two interactions in session A (a Gateway tool that works, a tool that fails), one in B."""
    services = Services(f"{collector.url}/v1/traces")
    base = (time.time_ns() // MS) * MS
    _emit_interaction(
        services, SESSION_A, base, "Is my <X1> still under warranty?", WARRANTY_TOOL, True
    )
    _emit_interaction(
        services, SESSION_A, base + 5000 * MS, "What is my order?", "lookup_order", False
    )
    _emit_interaction(services, SESSION_B, base + 2000 * MS, "Hello", None, True)
    services.flush()
    return collector


# --- the store and the interactions ---------------------------------------------------------


def test_exported_spans_are_stored_one_row_each_with_service_and_session(
    exported: Collector,
) -> None:
    spans = exported.store.spans_for_session(SESSION_A)
    assert exported.store.count() == 9 + 7 + 6
    assert len(spans) == 9 + 7
    by_name = {span.name: span for span in spans if span.trace_id == spans[0].trace_id}
    assert by_name["runtime.invoke"].parent_span_id == ""
    assert by_name["runtime.invoke"].kind == "SERVER"
    assert by_name["gateway.tools/call"].service_name == "agentcore-gateway"
    # Gateway and Lambda spans carry no session id, yet belong to the session's trace.
    assert by_name["lambda.invoke"].session_id is None
    assert by_name["lambda.invoke"].attributes["faas.invoked_name"] == "warranty-check"
    assert by_name["invoke_agent CustomerSupport"].events[0].name == "gen_ai.user.message"


def test_interactions_list_tools_steps_and_prompts_in_start_order(exported: Collector) -> None:
    warranty, failing = _interactions(SESSION_A, exported.store)

    assert warranty.session_id == failing.session_id == SESSION_A
    assert warranty.started_at < failing.started_at
    assert warranty.complete and failing.complete
    assert warranty.prompt == "Is my <X1> still under warranty?"
    assert warranty.duration_ms == pytest.approx(1000)
    assert [(t.name, t.status, round(t.duration_ms)) for t in warranty.tools + failing.tools] == [
        (WARRANTY_TOOL, "success", 380),
        ("lookup_order", "error", 380),
    ]
    assert [(step.name, step.kind, step.depth) for step in warranty.steps] == [
        ("runtime.invoke", "runtime", 0),
        ("invoke_agent CustomerSupport", "agent", 1),
        ("execute_event_loop_cycle", "agent", 2),
        ("chat", "model", 3),
        (f"execute_tool {WARRANTY_TOOL}", "tool", 3),
        ("gateway.tools/call", "gateway", 4),
        ("lambda.invoke", "lambda", 5),
        ("execute_event_loop_cycle", "agent", 2),
        ("chat", "model", 3),
    ]
    lambda_step = warranty.steps[6]
    assert lambda_step.start_ms == pytest.approx(230)
    assert lambda_step.duration_ms == pytest.approx(340)
    assert lambda_step.service == "lambda-host"
    assert lambda_step.status == "UNSET"
    assert failing.steps[4].status == "ERROR"
    assert "gateway" not in {step.kind for step in failing.steps}


def test_sessions_are_kept_apart(exported: Collector) -> None:
    (only,) = _interactions(SESSION_B, exported.store)
    assert only.prompt == "Hello"
    assert only.tools == []
    assert _interactions("no-such-session", exported.store) == []


def test_format_for_cli_is_json_with_rounded_durations(exported: Collector) -> None:
    document = to_json(_interactions(SESSION_A, exported.store))
    reread = json.loads(json.dumps(document))
    first = reread["interactions"][0]
    assert first["session_id"] == SESSION_A
    assert first["tools"] == [{"name": WARRANTY_TOOL, "status": "success", "duration_ms": 380.0}]
    assert first["steps"][0] == {
        "name": "runtime.invoke",
        "kind": "runtime",
        "start_ms": 0.0,
        "duration_ms": 1000.0,
        "status": "UNSET",
        "service": "agentcore-runtime",
        "depth": 0,
    }
    assert first["started_at"].endswith("+00:00")


# --- OTLP/HTTP as the specification asks ------------------------------------------------------


def _json_request(trace_id: str, span_id: str, name: str = "runtime.invoke") -> dict[str, Any]:
    return {
        "resourceSpans": [
            {
                "resource": {
                    "attributes": [{"key": "service.name", "value": {"stringValue": "json-sender"}}]
                },
                "scopeSpans": [
                    {
                        "scope": {"name": "test"},
                        "spans": [
                            {
                                "traceId": trace_id,
                                "spanId": span_id,
                                "name": name,
                                "kind": 2,
                                "startTimeUnixNano": "1700000000000000000",
                                "endTimeUnixNano": "1700000000250000000",
                                "attributes": [
                                    {"key": "session.id", "value": {"stringValue": SESSION_A}},
                                    {"key": "http.status_code", "value": {"intValue": "200"}},
                                    {
                                        "key": "tags",
                                        "value": {"arrayValue": {"values": [{"stringValue": "x"}]}},
                                    },
                                ],
                                "status": {"code": 1},
                                "someFutureField": True,
                            }
                        ],
                    }
                ],
            }
        ]
    }


TRACE_ID = "5b8efff798038103d269b633813fc60c"
SPAN_ID = "eee19b7ec3c1b174"


def test_json_encoding_is_stored_and_answered_in_json(collector: Collector) -> None:
    answer = collector.post(
        json.dumps(_json_request(TRACE_ID, SPAN_ID)).encode(), "application/json"
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    assert answer.json() == {}
    (span,) = collector.store.spans_for_session(SESSION_A)
    assert (span.trace_id, span.span_id, span.kind, span.status_code) == (
        TRACE_ID,
        SPAN_ID,
        "SERVER",
        "OK",
    )
    assert span.service_name == "json-sender"
    assert span.attributes["http.status_code"] == 200
    assert span.attributes["tags"] == ["x"]
    assert span.end_ns - span.start_ns == 250 * MS


def test_gzip_bodies_are_accepted(collector: Collector) -> None:
    body = gzip.compress(json.dumps(_json_request(TRACE_ID, SPAN_ID)).encode())
    answer = collector.post(body, "application/json; charset=utf-8", **{"Content-Encoding": "gzip"})
    assert answer.status_code == 200
    assert collector.store.count() == 1


def test_a_body_that_inflates_past_the_cap_is_refused(collector: Collector) -> None:
    bomb = gzip.compress(b"\0" * (MAX_BODY_BYTES + 1))
    assert len(bomb) < 100_000  # what was sent is small; what it inflates to is not
    answer = collector.post(bomb, "application/x-protobuf", **{"Content-Encoding": "gzip"})
    assert answer.status_code == 413
    assert "larger than 16 MiB" in RpcStatus.FromString(answer.content).message
    assert collector.store.count() == 0


def test_a_resent_batch_is_stored_once(collector: Collector) -> None:
    body = json.dumps(_json_request(TRACE_ID, SPAN_ID)).encode()
    for _ in range(2):
        assert collector.post(body, "application/json").status_code == 200
    assert collector.store.count() == 1
    assert collector.store.add(collector.store.spans_for_session(SESSION_A)) == 0


def test_spans_with_malformed_ids_are_a_partial_success(collector: Collector) -> None:
    request = _json_request(TRACE_ID, SPAN_ID)
    spans = request["resourceSpans"][0]["scopeSpans"][0]["spans"]
    spans.append({**spans[0], "spanId": "abcd"})  # 2 bytes, not 8
    answer = collector.post(json.dumps(request).encode(), "application/json")
    assert answer.status_code == 200
    assert answer.json()["partialSuccess"]["rejectedSpans"] == "1"
    assert collector.store.count() == 1


@pytest.mark.parametrize(
    ("content_type", "headers", "status", "says"),
    [
        ("text/plain", {}, 415, "is not OTLP/HTTP"),
        ("application/x-protobuf", {"Content-Encoding": "br"}, 415, "'br' is not supported"),
        ("application/x-protobuf", {}, 400, "not a protobuf ExportTraceServiceRequest"),
        ("application/x-protobuf", {"Content-Encoding": "gzip"}, 400, "not valid gzip"),
    ],
)
def test_refusals_carry_a_protobuf_status(
    collector: Collector, content_type: str, headers: dict[str, str], status: int, says: str
) -> None:
    answer = collector.post(b"\xff\xff not a message", content_type, **headers)
    assert answer.status_code == status
    assert answer.headers["content-type"] == "application/x-protobuf"
    assert says in RpcStatus.FromString(answer.content).message
    assert collector.store.count() == 0


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"{not json", "not an OTLP/JSON"),
        (b"[]", "is a JSON object"),
        (json.dumps(_json_request("zz" * 16, SPAN_ID)).encode(), "traceId 'zzzz"),
    ],
)
def test_unreadable_json_is_refused_in_json(collector: Collector, body: bytes, says: str) -> None:
    answer = collector.post(body, "application/json")
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/json"
    assert says in answer.json()["message"]


def test_protobuf_success_answers_an_export_response(collector: Collector) -> None:
    answer = collector.post(b"", "application/x-protobuf")  # an empty request is valid
    assert answer.status_code == 200
    assert ExportTraceServiceResponse.FromString(answer.content) == ExportTraceServiceResponse()
    health = requests.get(f"{collector.url}/health", timeout=5).json()
    assert health == {"status": "ok", "spans": 0}


# --- waiting for traces -----------------------------------------------------------------------


class FakeClock:
    """A monotonic clock that moves only when the code under test sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _interactions(session_id: str, source: Any) -> list[TraceInteraction]:
    return build_interactions(source.spans_for_session(session_id))


def _wait(session_id: str, source: Any, expected: int | None) -> list[TraceInteraction]:
    clock = FakeClock()
    return wait_for_interactions(
        source.spans_for_session,
        session_id,
        expected=expected,
        timeout=1.0,
        poll_interval=0.25,
        where=str(source),
        clock=clock,
        sleep=clock.sleep,
    )


def test_wait_for_traces_returns_once_enough_are_complete(exported: Collector) -> None:
    assert len(_wait(SESSION_A, exported.store, expected=2)) == 2
    assert len(_wait(SESSION_A, exported.store, expected=None)) == 2


def test_wait_for_traces_says_what_it_found_when_it_times_out(exported: Collector) -> None:
    with pytest.raises(TracesIncomplete) as raised:
        _wait(SESSION_A, exported.store, expected=3)
    message = str(raised.value)
    assert "After 1 s" in message
    assert "2 complete interaction(s)" in message
    assert SESSION_A in message
    assert str(exported.store.path) in message
    assert len(raised.value.found) == 2


def test_a_trace_whose_root_has_not_arrived_is_incomplete(tmp_path: Path) -> None:
    store = SpanStore(tmp_path / "spans.sqlite")
    child = SpanRecord(
        trace_id=TRACE_ID,
        span_id=SPAN_ID,
        parent_span_id="00f067aa0ba902b7",
        name="chat",
        kind="INTERNAL",
        service_name="agent",
        start_ns=0,
        end_ns=5 * MS,
        status_code="OK",
        status_message="",
        attributes={"session.id": SESSION_A, "gen_ai.operation.name": "chat"},
        events=(),
    )
    store.add([child])
    (partial,) = _interactions(SESSION_A, store)
    assert not partial.complete
    with pytest.raises(TracesIncomplete, match=r"0 complete interaction\(s\) .* \(1 seen\)"):
        _wait(SESSION_A, store, expected=1)
    # The front door's span completes the trace even when a caller's traceparent made
    # it a child of a span that is stored nowhere.
    front_door = replace(
        child, span_id="00f067aa0ba902b7", parent_span_id="1111111111111111", name="runtime.invoke"
    )
    store.add([front_door])
    assert _wait(SESSION_A, store, expected=1)[0].complete


# --- the views --------------------------------------------------------------------------------


@pytest.fixture
def agg() -> Iterator[None]:
    backend = plt.get_backend()
    plt.switch_backend("Agg")
    yield
    plt.switch_backend(backend)


def test_waterfall_draws_one_bar_per_step(exported: Collector, agg: None) -> None:
    warranty, _ = _interactions(SESSION_A, exported.store)
    figure = views.waterfall(warranty)
    assert isinstance(figure, Figure)
    (ax,) = figure.axes
    assert len(ax.patches) == len(warranty.steps)
    assert [label.get_text().strip() for label in ax.get_yticklabels()][-3] == "lambda.invoke"
    assert not plt.get_fignums()  # released from pyplot: a notebook shows it once

    _, own_ax = plt.subplots()
    assert views.waterfall(warranty, ax=own_ax) is own_ax.figure
    plt.close("all")


def test_html_table_shows_time_prompt_duration_and_tools(exported: Collector) -> None:
    table = views.html_table(_interactions(SESSION_A, exported.store))
    assert "Is my &lt;X1&gt; still under warranty?" in table
    assert f"<code>{WARRANTY_TOOL}</code> ✓ 380 ms" in table
    assert "<code>lookup_order</code> ✗ 380 ms" in table
    assert table.count("<tr>") == 3  # header and two interactions


def test_browser_offers_each_interaction(exported: Collector, agg: None) -> None:
    found = _interactions(SESSION_A, exported.store)
    view = views.browser(found)
    assert isinstance(view, widgets.VBox)
    choice = view.children[0]
    assert isinstance(choice, widgets.Dropdown)
    assert [value for _, value in choice.options] == [0, 1]
    choice.value = 1  # renders the second one without error
    assert isinstance(views.browser([]), widgets.HTML)


# --- AWS: the aws/spans log group -------------------------------------------------------------


@pytest.fixture
def logs(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.client("logs", region_name="us-east-1")


def test_missing_aws_spans_log_group_says_to_enable_transaction_search(logs: Any) -> None:
    with pytest.raises(TransactionSearchNotEnabled) as raised:
        _interactions(SESSION_A, CloudWatchSource(logs_client=logs))
    message = str(raised.value)
    assert "'aws/spans'" in message and "us-east-1" in message
    assert "CloudWatch → Application Signals → Transaction Search" in message
    assert "aws xray update-trace-segment-destination --destination CloudWatchLogs" in message


def test_queries_filter_by_session_then_by_trace() -> None:
    assert session_query(SESSION_A) == (
        f"fields @message | filter attributes.session.id = '{SESSION_A}' | limit 10000"
    )
    assert traces_query([TRACE_ID, "1-5759e988-bd862e3fe1be46a994272793"]) == (
        f"fields @message | filter traceId in ['{TRACE_ID}', '1-5759e988-bd862e3fe1be46a994272793']"
        " | limit 10000"
    )
    with pytest.raises(ValueError, match="cannot go in a query"):
        session_query("x' or 1=1 or '")


def _aws_record(span: SpanRecord) -> dict[str, Any]:
    """The span as Transaction Search writes it to aws/spans (no events: those go elsewhere)."""
    return {
        "resource": {"attributes": {"service.name": span.service_name}},
        "scope": {"name": "test"},
        "traceId": span.trace_id,
        "spanId": span.span_id,
        "parentSpanId": span.parent_span_id,
        "name": span.name,
        "kind": span.kind,
        "startTimeUnixNano": span.start_ns,
        "endTimeUnixNano": span.end_ns,
        "durationNano": span.end_ns - span.start_ns,
        "attributes": dict(span.attributes),
        "status": {"code": span.status_code},
    }


def test_cloudwatch_answers_like_the_local_store(exported: Collector, logs: Any) -> None:
    logs.create_log_group(logGroupName="aws/spans")
    logs.create_log_stream(logGroupName="aws/spans", logStreamName="default")
    spans = [s for sid in (SESSION_A, SESSION_B) for s in exported.store.spans_for_session(sid)]
    now_ms = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName="aws/spans",
        logStreamName="default",
        logEvents=[{"timestamp": now_ms, "message": json.dumps(_aws_record(s))} for s in spans],
    )
    source = CloudWatchSource(logs_client=logs, poll_interval=0)
    on_aws = _interactions(SESSION_A, source)
    local = _interactions(SESSION_A, exported.store)
    # aws/spans keeps no span events, so the prompt is not there; everything else agrees.
    assert on_aws == [replace(interaction, prompt=None) for interaction in local]
