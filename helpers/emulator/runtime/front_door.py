"""The Runtime's front door: AgentCore's invoke endpoint in front of each agent process.

``POST /runtimes/<url-encoded ARN>/invocations?qualifier=DEFAULT`` does, in order,
what the service does before the learner's code sees anything:

1. find the runtime by ARN (404 ``ResourceNotFoundException`` otherwise);
2. with a CUSTOM_JWT authorizer, verify the bearer token (401, or 403 for SigV4);
3. check or make the session id (``X-Amzn-Bedrock-AgentCore-Runtime-Session-Id``,
   at least 33 characters);
4. forward only the headers in ``requestHeaderAllowlist`` that AgentCore's header
   rules allow (:mod:`helpers.model.headers`: no restricted or reserved name,
   ``Authorization`` only with a CUSTOM_JWT authorizer, values up to 4 KB), and stream
   the agent's answer back chunk by chunk as it is produced.
"""

from __future__ import annotations

import logging
import uuid
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

import httpx
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import SpanKind, Status, StatusCode
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Content, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from helpers.emulator.authorizer import JwtAuthorizer, Unauthorized
from helpers.emulator.refusals import refusal_response
from helpers.emulator.runtime.agent_process import AgentProcess
from helpers.emulator.telemetry import tracing
from helpers.model import headers
from helpers.model.invocation import (
    INVOCATIONS_PATH,
    MAX_SESSION_ID_CHARS,
    MIN_SESSION_ID_CHARS,
    REQUEST_ID_HEADER,
    SESSION_HEADER,
)

log = logging.getLogger("agentcore_local.runtime")
_tracer = trace.get_tracer("agentcore_local.runtime")

_PASSED_THROUGH = ("content-type", "accept")


@dataclass(frozen=True)
class LiveRuntime:
    """A deployed runtime: its ARN, the agent process behind it, and its inbound rules."""

    name: str
    arn: str
    process: AgentProcess
    authorizer: JwtAuthorizer | None
    header_allowlist: tuple[str, ...]

    def forwards(self, header: str, value: str) -> bool:
        """Whether AgentCore's header rules let ``header: value`` through to the agent."""
        return headers.forwarded(
            header, value, self.header_allowlist, jwt_authorizer=self.authorizer is not None
        )


def _error(status: int, error_type: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"message": message}, status_code=status, headers={"x-amzn-ErrorType": error_type}
    )


def _agent_stopped(runtime: LiveRuntime, what: str) -> JSONResponse:
    log.error("runtime %s: agent process %s", runtime.name, what)
    return _error(
        502,
        "RuntimeClientError",
        f"The agent process of {runtime.name} {what}; its traceback is in "
        f"{runtime.process.log_file}. Fix the code if needed, then run "
        "`agentcore-local deploy -y -v` to start it again.",
    )


class RuntimeFrontDoor:
    """Routes invocations to live runtimes; ``put`` and ``remove`` change what is deployed."""

    def __init__(self) -> None:
        self._runtimes: dict[str, LiveRuntime] = {}
        # Requests that reached an agent, per runtime: tests use it to prove a refusal
        # happened before any learner code ran.
        self.forwarded: Counter[str] = Counter()
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(connect=5.0, read=600.0, write=30.0, pool=30.0)
        )
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

    async def close(self) -> None:
        await self._client.aclose()

    async def _ping(self, _: Request) -> Response:
        return JSONResponse({"status": "Healthy", "runtimes": len(self._runtimes)})

    async def _invoke(self, request: Request) -> Response:
        runtime = self._runtimes.get(request.path_params["arn"])
        if runtime is None:
            return _error(
                404,
                "ResourceNotFoundException",
                f"No runtime with ARN {request.path_params['arn']} is deployed on the local "
                "stack. Run `agentcore-local deploy -y -v` in the project folder.",
            )
        session_id = request.headers.get(SESSION_HEADER) or str(uuid.uuid4())
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
        if runtime.authorizer is not None:
            try:
                await runtime.authorizer.authorize_async(request.headers.get("authorization"))
            except Unauthorized as refusal:
                span.set_attribute("agentcore.auth.refused", refusal.reason)
                return refusal_response(refusal, f"runtime {runtime.name}", log)
        if not MIN_SESSION_ID_CHARS <= len(session_id) <= MAX_SESSION_ID_CHARS:
            return _error(
                400,
                "ValidationException",
                f"{SESSION_HEADER} must be {MIN_SESSION_ID_CHARS} to {MAX_SESSION_ID_CHARS} "
                f"characters long (got {len(session_id)}); a uuid4 string fits.",
            )
        if not runtime.process.alive:
            return _agent_stopped(runtime, "has stopped")
        return await self._forward(
            request, runtime, session_id, trace.set_span_in_context(span, context)
        )

    async def _forward(
        self, request: Request, runtime: LiveRuntime, session_id: str, context: Context
    ) -> Response:
        headers = {
            name: value
            for name, value in request.headers.items()
            if name in _PASSED_THROUGH or runtime.forwards(name, value)
        }
        headers[SESSION_HEADER] = session_id
        headers[REQUEST_ID_HEADER] = str(uuid.uuid4())
        propagate.inject(headers, context=context)
        self.forwarded[runtime.name] += 1
        upstream = self._client.build_request(
            "POST",
            f"{runtime.process.base_url}/invocations",
            headers=headers,
            content=await request.body(),
        )
        try:
            answer = await self._client.send(upstream, stream=True)
        except httpx.HTTPError as error:
            return _agent_stopped(runtime, f"did not answer ({type(error).__name__})")
        if answer.status_code >= 500:
            log.error("runtime %s: agent answered HTTP %d", runtime.name, answer.status_code)
        response_headers = {SESSION_HEADER: session_id}
        if "content-type" in answer.headers:
            response_headers["content-type"] = answer.headers["content-type"]
        return StreamingResponse(
            answer.aiter_raw(),
            status_code=answer.status_code,
            headers=response_headers,
            background=BackgroundTask(answer.aclose),
        )


async def _ending(chunks: AsyncIterable[Content], span: trace.Span) -> AsyncIterator[Content]:
    """Pass the stream through, and end the invocation's span after its last chunk."""
    try:
        async for chunk in chunks:
            yield chunk
    finally:
        span.end()
