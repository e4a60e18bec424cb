"""Decode an OTLP trace export request (protobuf or OTLP/JSON) into span records.

OTLP/JSON is the protobuf JSON mapping with one deliberate difference: trace and
span ids are hex strings, not base64 (OTLP specification, "JSON Protobuf
Encoding"), so they are converted before protobuf's own JSON parser sees them.
Unknown fields are ignored, as the specification asks of receivers. A span whose
ids have the wrong length cannot be stored or joined to its trace; it is counted
as rejected, which the collector reports back as a partial success.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from helpers.wire.spans import SpanEvent, SpanRecord

_TRACE_ID_BYTES = 16
_SPAN_ID_BYTES = 8
_HEX_ID_FIELDS = ("traceId", "spanId", "parentSpanId")


class UnreadableRequest(ValueError):
    """The body is not an ExportTraceServiceRequest in the declared encoding."""


@dataclass(frozen=True)
class DecodedExport:
    """The spans of one export request, and how many of them could not be kept."""

    spans: list[SpanRecord]
    rejected: int


def parse_protobuf(body: bytes) -> ExportTraceServiceRequest:
    """Parse a binary-protobuf request body."""
    try:
        return ExportTraceServiceRequest.FromString(body)
    except DecodeError as error:
        raise UnreadableRequest(f"not a protobuf ExportTraceServiceRequest: {error}") from None


def parse_json(body: bytes) -> ExportTraceServiceRequest:
    """Parse an OTLP/JSON request body (lowerCamelCase keys, hex ids)."""
    try:
        document = json.loads(body)
        if not isinstance(document, dict):
            raise UnreadableRequest("an OTLP/JSON request is a JSON object")
        _hex_ids_to_base64(document)
        return json_format.ParseDict(
            document, ExportTraceServiceRequest(), ignore_unknown_fields=True
        )
    except (UnicodeDecodeError, json.JSONDecodeError, json_format.ParseError) as error:
        raise UnreadableRequest(f"not an OTLP/JSON ExportTraceServiceRequest: {error}") from None


def decode(request: ExportTraceServiceRequest) -> DecodedExport:
    """Flatten resource → scope → span into records carrying their service name."""
    spans: list[SpanRecord] = []
    rejected = 0
    for resource_spans in request.resource_spans:
        resource = _attributes(resource_spans.resource.attributes)
        service_name = str(resource.get("service.name", ""))
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                if len(span.trace_id) != _TRACE_ID_BYTES or len(span.span_id) != _SPAN_ID_BYTES:
                    rejected += 1
                else:
                    spans.append(_record(span, service_name))
    return DecodedExport(spans=spans, rejected=rejected)


def _record(span: Span, service_name: str) -> SpanRecord:
    return SpanRecord(
        trace_id=span.trace_id.hex(),
        span_id=span.span_id.hex(),
        parent_span_id=span.parent_span_id.hex(),
        name=span.name,
        kind=Span.SpanKind.Name(span.kind).removeprefix("SPAN_KIND_"),
        service_name=service_name,
        start_ns=span.start_time_unix_nano,
        end_ns=span.end_time_unix_nano,
        status_code=Status.StatusCode.Name(span.status.code).removeprefix("STATUS_CODE_"),
        status_message=span.status.message,
        attributes=_attributes(span.attributes),
        events=tuple(
            SpanEvent(
                name=event.name,
                time_ns=event.time_unix_nano,
                attributes=_attributes(event.attributes),
            )
            for event in span.events
        ),
    )


def _attributes(pairs: Iterable[KeyValue]) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs}


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind) if kind else None


def _hex_ids_to_base64(document: dict[str, Any]) -> None:
    for span in _json_spans(document):
        for holder in (span, *_list(span.get("links"))):
            for field in _HEX_ID_FIELDS:
                if isinstance(holder.get(field), str):
                    holder[field] = _hex_to_base64(field, holder[field])


def _json_spans(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for resource_spans in _list(document.get("resourceSpans")):
        for scope_spans in _list(resource_spans.get("scopeSpans")):
            yield from _list(scope_spans.get("spans"))


def _list(value: Any) -> list[dict[str, Any]]:
    # Anything that is not a list of objects is left for protobuf's parser to refuse.
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _hex_to_base64(field: str, value: str) -> str:
    try:
        return base64.b64encode(bytes.fromhex(value)).decode("ascii")
    except ValueError:
        raise UnreadableRequest(f"{field} {value!r} is not hex, as OTLP/JSON requires") from None
