"""The Runtime's front door: AgentCore's invoke endpoint in front of each agent process.

``POST /runtimes/<url-encoded ARN>/invocations?qualifier=DEFAULT`` does, in order,
what the service does before the learner's code sees anything:

1. find the runtime by ARN (404 ``ResourceNotFoundException`` otherwise);
2. check or make the session id (``X-Amzn-Bedrock-AgentCore-Runtime-Session-Id``,
   33 to 256 printable ASCII characters; 400 ``ValidationException`` otherwise);
3. with a CUSTOM_JWT authorizer, verify the bearer token (401, or 403 for SigV4); the
   request must carry exactly one ``Authorization`` header, one value; the span of the
   invocation records who called (a user or a machine, by name: :mod:`helpers.wire.callers`);
4. read the payload (the Runtime's listener refuses one over AgentCore's 100 MB with
   413 before reading it: :class:`~helpers.emulator.core.serving.BodyLimit`), and refuse one
   the agent could not read as JSON (400) before any learner code sees it;
5. forward only the headers in ``requestHeaderAllowlist`` that AgentCore's header
   rules allow (:mod:`helpers.model.headers`: no restricted or reserved name,
   ``Authorization`` only with a CUSTOM_JWT authorizer and exactly the value verified,
   values up to 4 KB) to the agent's Unix socket, and stream its answer back chunk by
   chunk as it is produced.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Content, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from helpers.emulator.inbound.authorizer import JwtAuthorizer, Unauthorized, authorization_of
from helpers.emulator.inbound.refusals import refusal_response
from helpers.emulator.runtime.agent_process import AgentStartError
from helpers.emulator.runtime.sessions import AgentCrashed, SessionPool
from helpers.emulator.telemetry import tracing
from helpers.model import headers as header_rules
from helpers.wire import callers
from helpers.wire import refusal_reasons as why
from helpers.wire.callers import caller_of
from helpers.wire.invocation import (
    INVOCATIONS_PATH,
    MAX_SESSION_ID_CHARS,
    MIN_SESSION_ID_CHARS,
    REQUEST_ID_HEADER,
    SESSION_HEADER,
)

log = logging.getLogger("agentcore_local.runtime")
_tracer = trace.get_tracer("agentcore_local.runtime")

_PASSED_THROUGH = ("content-type", "accept")
# "The InvokeAgentRuntime operation accepts your request payload ... up to 100 MB": the
# Runtime's listener takes no larger body (the daemon gives it this limit).
MAX_PAYLOAD_BYTES = 100 * 1024 * 1024
_JSON_TYPES = ("", "application/json")
# Deeper than this, a payload is refused (see _json_problem).
MAX_NESTING = 200
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKET = re.compile(rb"[\[\]{}]")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


@dataclass(frozen=True)
class LiveRuntime:
    """A deployed runtime: its ARN, its sessions' agent processes, and its inbound rules."""

    name: str
    arn: str
    sessions: SessionPool
    log_file: Path
    authorizer: JwtAuthorizer | None
    header_allowlist: tuple[str, ...]

    def forwards(self, header: str, value: str) -> bool:
        """Whether AgentCore's header rules let ``header: value`` through to the agent."""
        return header_rules.forwarded(
            header, value, self.header_allowlist, jwt_authorizer=self.authorizer is not None
        )


def _error(status: int, error_type: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"message": message}, status_code=status, headers={"x-amzn-ErrorType": error_type}
    )


def _agent_stopped(runtime: LiveRuntime, template: str, cause: str) -> JSONResponse:
    """A 502 naming the agent's log; ``template`` is one of the AGENT_* reasons."""
    message = why.reason(template, runtime=runtime.name, cause=cause, log=runtime.log_file)
    log.error("runtime %s: %s", runtime.name, message)
    return _error(502, "RuntimeClientError", message)


class RuntimeFrontDoor:
    """Routes invocations to live runtimes; ``put`` and ``remove`` change what is deployed."""

    def __init__(self) -> None:
        self._runtimes: dict[str, LiveRuntime] = {}
        # Requests that reached an agent, per runtime: tests use it to prove a refusal
        # happened before any learner code ran.
        self.forwarded: Counter[str] = Counter()
        self.app = Starlette(
            routes=[
                Route("/ping", self._ping),
                Route(INVOCATIONS_PATH.format(arn="{arn:path}"), self._invoke, methods=["POST"]),
            ]
        )

    def put(self, runtime: LiveRuntime) -> LiveRuntime | None:
        """Serve ``runtime``; return the one it replaces (the caller stops its process)."""
        previous = self._runtimes.get(runtime.arn)
        self._runtimes[runtime.arn] = runtime
        return previous

    def remove(self, arn: str) -> LiveRuntime | None:
        return self._runtimes.pop(arn, None)

    def live(self) -> list[LiveRuntime]:
        return list(self._runtimes.values())

    async def _ping(self, _: Request) -> Response:
        return JSONResponse({"status": "Healthy", "runtimes": len(self._runtimes)})

    async def _invoke(self, request: Request) -> Response:
        runtime = self._runtimes.get(request.path_params["arn"])
        if runtime is None:
            return _error(
                404,
                "ResourceNotFoundException",
                why.reason(why.NOT_DEPLOYED, arn=request.path_params["arn"]),
            )
        session_id = request.headers.get(SESSION_HEADER) or str(uuid.uuid4())
        if not _valid_session_id(session_id):
            return _error(
                400,
                "ValidationException",
                why.reason(
                    why.BAD_SESSION_ID,
                    header=SESSION_HEADER,
                    minimum=MIN_SESSION_ID_CHARS,
                    maximum=MAX_SESSION_ID_CHARS,
                ),
            )
        # The trace of an invocation starts here, refused or not, and lasts until the
        # last streamed byte; a caller's own traceparent is honoured.
        context = tracing.with_session(propagate.extract(request.headers), session_id)
        span = _tracer.start_span(
            "runtime.invoke",
            context=context,
            kind=SpanKind.SERVER,
            attributes={
                "agentcore.runtime.name": runtime.name,
                "agentcore.runtime.arn": runtime.arn,
            },
        )
        response = await self._admit(request, runtime, session_id, span, context)
        span.set_attribute("http.response.status_code", response.status_code)
        if response.status_code >= 400:
            span.set_status(Status(StatusCode.ERROR, f"HTTP {response.status_code}"))
        if isinstance(response, StreamingResponse):
            response.body_iterator = _ending(response.body_iterator, span)
        else:
            span.end()
        return response

    async def _admit(
        self,
        request: Request,
        runtime: LiveRuntime,
        session_id: str,
        span: trace.Span,
        context: Context,
    ) -> Response:
        authorization = None
        if runtime.authorizer is not None:
            try:
                authorization = authorization_of(request.headers)
                claims = await runtime.authorizer.authorize_async(authorization)
            except Unauthorized as refusal:
                span.set_attribute("agentcore.auth.refused", refusal.reason)
                return refusal_response(refusal, f"runtime {runtime.name}", log)
            # Who called, from the verified claims only: a name, never any of the token.
            caller = caller_of(claims)
            span.set_attribute(callers.KIND_ATTRIBUTE, caller.kind)
            span.set_attribute(callers.NAME_ATTRIBUTE, caller.name)
        payload = await _payload(request)
        if isinstance(payload, Response):
            return payload
        return await self._forward(
            request,
            runtime,
            session_id,
            payload,
            authorization,
            trace.set_span_in_context(span, context),
        )

    async def _forward(
        self,
        request: Request,
        runtime: LiveRuntime,
        session_id: str,
        payload: bytes,
        authorization: str | None,
        context: Context,
    ) -> Response:
        to_agent = {
            name: value
            for name, value in request.headers.items()
            if name != "authorization"
            and (name in _PASSED_THROUGH or runtime.forwards(name, value))
        }
        if authorization is not None and runtime.forwards("authorization", authorization):
            to_agent["authorization"] = authorization  # exactly the value verified
        to_agent[SESSION_HEADER] = session_id
        to_agent[REQUEST_ID_HEADER] = str(uuid.uuid4())
        propagate.inject(to_agent, context=context)
        try:
            process = await runtime.sessions.process_for(session_id)
        except AgentCrashed as crashed:
            return _agent_stopped(runtime, why.AGENT_STOPPED, str(crashed))
        except AgentStartError as error:
            return _agent_stopped(runtime, why.AGENT_NOT_STARTED, str(error))
        self.forwarded[runtime.name] += 1
        client = process.http
        upstream = client.build_request("POST", "/invocations", headers=to_agent, content=payload)
        try:
            answer = await client.send(upstream, stream=True)
        except httpx.HTTPError as error:
            await runtime.sessions.forget(session_id, process)
            return _agent_stopped(runtime, why.AGENT_SILENT, type(error).__name__)
        if answer.status_code >= 500:
            log.error("runtime %s: agent answered HTTP %d", runtime.name, answer.status_code)
        response_headers = {SESSION_HEADER: session_id}
        if "content-type" in answer.headers:
            response_headers["content-type"] = answer.headers["content-type"]

        async def finished() -> None:
            await answer.aclose()
            runtime.sessions.touch(session_id)

        return StreamingResponse(
            answer.aiter_raw(),
            status_code=answer.status_code,
            headers=response_headers,
            background=BackgroundTask(finished),
        )


def _valid_session_id(session_id: str) -> bool:
    return MIN_SESSION_ID_CHARS <= len(session_id) <= MAX_SESSION_ID_CHARS and all(
        "!" <= character <= "~" for character in session_id
    )


async def _payload(request: Request) -> bytes | Response:
    """The request's body; or the refusal to send instead."""
    body = await request.body()
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    problem = _json_problem(body, declared_json=media_type in _JSON_TYPES)
    if problem is not None:
        return _error(400, "ValidationException", problem)
    return body


def _json_problem(body: bytes, declared_json: bool) -> str | None:
    """Why the agent could not read ``body`` as JSON, if it could not; else None.

    The agent's SDK parses every payload as JSON, whatever its type says. A payload
    nested deeper than :data:`MAX_NESTING` would end its parser in a RecursionError
    (a 500, and a traceback per call in its log) or parse here and not there: the
    stack's own bound, as AWS documents none. A lone UTF-16 surrogate (``"\\ud800"``)
    parses, then fails every UTF-8 encoder after it (the agent's span exporter logs a
    traceback per attribute). A body declared JSON must parse at all.
    """
    if _nesting(body) > MAX_NESTING:
        return why.PAYLOAD_TOO_DEEP
    try:
        parsed = json.loads(body or b"null")
    except (ValueError, RecursionError):
        return why.PAYLOAD_NOT_JSON if declared_json else None
    if _SURROGATE_ESCAPE.search(body):
        try:
            json.dumps(parsed, ensure_ascii=False).encode()
        except UnicodeEncodeError:
            return why.PAYLOAD_NOT_JSON
    return None


def _nesting(body: bytes) -> int:
    """How deep ``body``'s brackets nest, outside JSON strings (C-speed scans, then one
    step per bracket)."""
    depth = deepest = 0
    for bracket in _BRACKET.finditer(_JSON_STRING.sub(b"", body)):
        depth += 1 if bracket.group() in b"[{" else -1
        deepest = max(deepest, depth)
    return deepest


async def _ending(chunks: AsyncIterable[Content], span: trace.Span) -> AsyncIterator[Content]:
    """Pass the stream through, and end the invocation's span after its last chunk."""
    try:
        async for chunk in chunks:
            yield chunk
    finally:
        span.end()
