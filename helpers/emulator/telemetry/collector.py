"""The local stack's trace collector: an OTLP/HTTP receiver that keeps spans in SQLite.

It answers ``POST /v1/traces`` as the OTLP/HTTP specification asks, so any
standard exporter (the Python SDK's ``OTLPSpanExporter``, an OpenTelemetry
Collector) can send to it unchanged, given the stack's collector token in
``OTEL_EXPORTER_OTLP_HEADERS`` (the daemon wraps this app in
:class:`~helpers.emulator.core.guard.StackOnly`, and gives the header to every part):

- a body is an ``ExportTraceServiceRequest`` in binary protobuf
  (``application/x-protobuf``) or OTLP/JSON (``application/json``), optionally
  ``Content-Encoding: gzip`` (the Python exporter's ``compression``) or ``deflate``;
- success is HTTP 200 with an ``ExportTraceServiceResponse`` in the request's
  encoding, its ``partial_success`` filled in when some spans were unusable;
- another media type or content encoding is HTTP 415, an unreadable body HTTP 400,
  and a body over 16 MiB, sent or inflated, HTTP 413, each with a
  ``google.rpc.Status`` body saying why. None is retryable, which is right: sending
  the same bytes again cannot help.

``GET /health`` reports that it runs and how many spans the store holds.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable

from google.protobuf import json_format
from google.protobuf.message import Message
from google.rpc.status_pb2 import Status
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceResponse
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from helpers.emulator.telemetry import otlp
from helpers.emulator.telemetry.store import SpanStore
from helpers.wire.spans import SpanRecord

log = logging.getLogger("agentcore_local.collector")

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
TRACES_PATH = "/v1/traces"
# A batch of 512 spans (the SDK's default) is well under 1 MiB; a body inflating past
# this is refused before it can fill the stack's memory.
MAX_BODY_BYTES = 16 * 1024 * 1024
_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class _Refused(Exception):
    """A request answered with an error status and a ``Status`` message saying why."""

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code


def collector_app(
    store: SpanStore, on_spans: Callable[[list[SpanRecord]], None] | None = None
) -> Starlette:
    """The receiver as an ASGI app, storing into ``store``; serve it at the root of a port.

    Exporters append ``/v1/traces`` to ``OTEL_EXPORTER_OTLP_ENDPOINT``, so the
    endpoint the stack hands out is this app's base URL. ``on_spans`` is also given each
    request's spans once stored (the stack writes them to CloudWatch Logs too).
    """

    async def export(request: Request) -> Response:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            if media_type not in (PROTOBUF, JSON):
                raise _Refused(
                    415,
                    f"Content-Type {media_type or '(none)'!r} is not OTLP/HTTP:"
                    f" send {PROTOBUF} or {JSON}",
                )
            body = _decompressed(await _body(request), request.headers.get("content-encoding"))
            parse = otlp.parse_protobuf if media_type == PROTOBUF else otlp.parse_json
            try:
                decoded = otlp.decode(parse(body))
            except otlp.UnreadableRequest as error:
                raise _Refused(400, str(error)) from None
        except _Refused as refusal:
            # Answer in the request's encoding when it has one we speak.
            answer_in = media_type if media_type == JSON else PROTOBUF
            return _message(Status(message=str(refusal)), answer_in, refusal.status_code)
        stored = await run_in_threadpool(store.add, decoded.spans)
        if on_spans is not None:
            await run_in_threadpool(on_spans, decoded.spans)
        log.debug("stored %d new spans of %d received", stored, len(decoded.spans))
        response = ExportTraceServiceResponse()
        if decoded.rejected:
            response.partial_success.rejected_spans = decoded.rejected
            response.partial_success.error_message = (
                f"{decoded.rejected} spans were dropped: a trace id must be 16 bytes"
                " and a span id 8 bytes"
            )
        return _message(response, media_type, 200)

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "spans": await run_in_threadpool(store.count)})

    return Starlette(
        routes=[
            Route(TRACES_PATH, export, methods=["POST"]),
            Route("/health", health, methods=["GET"]),
        ]
    )


def _decompressed(body: bytes, content_encoding: str | None) -> bytes:
    """The body as sent, inflated when compressed, never past :data:`MAX_BODY_BYTES`."""
    encoding = (content_encoding or "identity").strip().lower()
    if encoding == "identity":
        return body
    if encoding not in _WBITS:
        raise _Refused(
            415, f"Content-Encoding {encoding!r} is not supported: send gzip, deflate or none"
        )
    inflater = zlib.decompressobj(wbits=_WBITS[encoding])
    try:
        inflated = inflater.decompress(body, MAX_BODY_BYTES + 1)
    except zlib.error as error:
        raise _Refused(400, f"the body is not valid {encoding} data: {error}") from None
    if len(inflated) > MAX_BODY_BYTES or inflater.unconsumed_tail:
        raise _Refused(413, f"the inflated body is larger than {MAX_BODY_BYTES // 2**20} MiB")
    if not inflater.eof:
        raise _Refused(400, f"the body is not valid {encoding} data: it ends too early")
    return inflated


async def _body(request: Request) -> bytes:
    """The request's body, read up to :data:`MAX_BODY_BYTES`."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise _Refused(413, f"the body is larger than {MAX_BODY_BYTES // 2**20} MiB")
    return bytes(body)


def _message(message: Message, media_type: str, status_code: int) -> Response:
    if media_type == JSON:
        content = json_format.MessageToJson(message, indent=None).encode()
    else:
        content = message.SerializeToString()
    return Response(content, status_code=status_code, media_type=media_type)
