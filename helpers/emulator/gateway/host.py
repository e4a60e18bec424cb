"""AgentCore Gateway, locally: MCP over streamable HTTP in front of Lambda targets.

Each deployed gateway is served at ``/{gateway_id}/mcp`` by one shared ASGI app,
:class:`GatewayHost`. Like the real Gateway it lists every target's tools as
``<TargetName>___<tool>``, calls a tool by invoking the target's Lambda with the
arguments as ``event`` and the ``bedrockAgentCore*`` keys in
``context.client_context.custom``, and, when the gateway has a CUSTOM_JWT
authorizer, refuses a request without an acceptable bearer token before any MCP
(or Lambda) code runs.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from helpers.emulator.gateway.lambdas import LambdaRegistry
from helpers.emulator.inbound.authorizer import (
    JwtAuthorizer,
    JwtAuthorizerConfig,
    Unauthorized,
    authorization_of,
)
from helpers.emulator.inbound.refusals import refusal_response

if TYPE_CHECKING:
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

log = logging.getLogger("agentcore_local.gateway")

# A Gateway invokes its Lambda synchronously, whose payload limit is 6 MB: the gateway's
# listener takes no larger body (the daemon gives it this limit).
MAX_REQUEST_BYTES = 6 * 1024 * 1024
# The MCP server of a gateway (mcp_server.py) takes a third of a second to import; the
# stack starts without it and loads it with the first gateway, or soon after it is up.
MCP_SERVER_MODULE = "helpers.emulator.gateway.mcp_server"
# A stateless server has no server-initiated messages to stream. The MCP transport
# would answer GET with an SSE stream that never ends (holding a curl, or a server
# shutdown, open); the MCP spec's alternative is 405, which clients accept.
_NO_STREAM = JSONResponse(
    {
        "jsonrpc": "2.0",
        "id": "server-error",
        "error": {"code": -32600, "message": "Method Not Allowed: this gateway offers no stream"},
    },
    status_code=405,
    headers={"Allow": "POST, DELETE"},
)


@dataclass(frozen=True)
class DeployedTarget:
    """A Lambda target and the tools read from its ``toolSchemaFile`` at deploy time."""

    name: str
    lambda_arn: str
    tools: tuple[dict[str, Any], ...]  # each {"name", "description", "inputSchema"}


@dataclass(frozen=True)
class DeployedGateway:
    """A gateway as deployed: no authorizer means ``authorizerType`` NONE."""

    name: str
    gateway_id: str
    authorizer: JwtAuthorizerConfig | None
    targets: tuple[DeployedTarget, ...]


def _parse_error(status: int, message: str) -> JSONResponse:
    return JSONResponse(
        {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": message}},
        status_code=status,
    )


async def _readable_body(receive: Receive) -> bytes | JSONResponse:
    """A request's body, if it is JSON the MCP machinery can take; else the refusal.

    Nesting deeper than Python's parser allows (a few hundred levels) would end in a
    RecursionError and a 500 deep inside the MCP server: refused here as a parse error.
    """
    body = bytearray()
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    try:
        json.loads(body)
    except RecursionError:
        return _parse_error(400, "Parse error: the JSON is nested too deeply")
    except ValueError:
        return _parse_error(400, "Parse error: the body is not JSON")
    return bytes(body)


def _replaying(body: bytes) -> Receive:
    """A ``receive`` that hands the already-read ``body`` to the app, once."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


@dataclass
class _Running:
    """A gateway being served: its authorizer, its session manager and the task running it."""

    gateway: DeployedGateway
    authorizer: JwtAuthorizer | None
    manager: StreamableHTTPSessionManager
    stop: asyncio.Event
    task: asyncio.Task[None]

    async def shut_down(self) -> None:
        self.stop.set()
        await self.task


async def _keep_running(
    manager: StreamableHTTPSessionManager, ready: asyncio.Event, stop: asyncio.Event
) -> None:
    # run() holds an anyio task group, which must be left by the task that entered it:
    # this task owns it, so put(), remove() and close() may come from any task.
    try:
        async with manager.run():
            ready.set()
            await stop.wait()
    finally:
        ready.set()


class GatewayHost:
    """One ASGI app serving every deployed gateway at ``/{gateway_id}/mcp``.

    ``put``, ``remove`` and ``close`` must run on the event loop that serves the
    requests: each gateway's MCP machinery lives in a task on that loop.
    """

    def __init__(
        self,
        registry: LambdaRegistry,
        make_authorizer: Callable[[JwtAuthorizerConfig], JwtAuthorizer] = JwtAuthorizer,
    ) -> None:
        self._registry = registry
        self._make_authorizer = make_authorizer
        self._running: dict[str, _Running] = {}

    @property
    def gateway_ids(self) -> tuple[str, ...]:
        return tuple(self._running)

    def get(self, gateway_id: str) -> DeployedGateway | None:
        running = self._running.get(gateway_id)
        return running.gateway if running else None

    async def put(self, gateway: DeployedGateway) -> None:
        """Serve ``gateway``, replacing any gateway with the same id.

        The new gateway is running before it takes the old one's place, so the id
        never answers 404 in between; the old one's in-flight requests are cancelled.
        """
        from helpers.emulator.gateway import mcp_server

        authorizer = self._make_authorizer(gateway.authorizer) if gateway.authorizer else None
        manager = mcp_server.session_manager(gateway, self._registry)
        ready, stop = asyncio.Event(), asyncio.Event()
        task = asyncio.create_task(
            _keep_running(manager, ready, stop), name=f"gateway {gateway.gateway_id}"
        )
        await ready.wait()
        if task.done():
            task.result()  # run() failed to start: raise its error here
        previous = self._running.get(gateway.gateway_id)
        self._running[gateway.gateway_id] = _Running(gateway, authorizer, manager, stop, task)
        if previous is not None:
            await previous.shut_down()
        log.info("gateway %s serving at /%s/mcp", gateway.name, gateway.gateway_id)

    async def remove(self, gateway_id: str) -> None:
        """Stop serving ``gateway_id``; an unknown id is ignored, so cleanup can be repeated."""
        running = self._running.pop(gateway_id, None)
        if running is not None:
            await running.shut_down()
            log.info("gateway %s removed", running.gateway.name)

    async def close(self) -> None:
        """Stop serving every gateway."""
        for gateway_id in list(self._running):
            await self.remove(gateway_id)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # the Gateway speaks HTTP only; uvicorn refuses a websocket left unanswered
        running = self._route(scope)
        if running is None:
            await JSONResponse(
                {"message": "Not found: no gateway is deployed at this path."}, status_code=404
            )(scope, receive, send)
            return
        if running.authorizer is not None:
            try:
                authorization = authorization_of(Headers(scope=scope))
                # May wait for a JWKS fetch, which runs in a thread of its own.
                await running.authorizer.authorize_async(authorization)
            except Unauthorized as refusal:
                response = refusal_response(refusal, f"gateway {running.gateway.name}", log)
                await response(scope, receive, send)
                return
        if scope["method"] == "GET":
            await _NO_STREAM(scope, receive, send)
            return
        if scope["method"] == "POST":
            body = await _readable_body(receive)
            if isinstance(body, JSONResponse):
                await body(scope, receive, send)
                return
            receive = _replaying(body)
        await running.manager.handle_request(scope, receive, send)

    def _route(self, scope: Scope) -> _Running | None:
        path: str = scope["path"]
        # Mounted under a prefix (Starlette Mount, uvicorn --root-path), the path includes it.
        root_path: str = scope.get("root_path", "")
        if root_path and path.startswith(root_path):
            path = path[len(root_path) :]
        gateway_id, _, rest = path.removeprefix("/").partition("/")
        return self._running.get(gateway_id) if rest == "mcp" else None

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        # Served on its own (uvicorn lifespan "on" or "auto"), shut down with the server.
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return
