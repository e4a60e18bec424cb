"""A gateway's MCP server: its targets' tools, each call run by the target's Lambda.

Its own module because mcp takes a third of a second to import: the stack's daemon
starts without it (see :data:`~helpers.emulator.gateway.host.MCP_SERVER_MODULE`).
"""

from __future__ import annotations

import importlib.metadata
import json
import logging
import uuid
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import anyio
from mcp import types
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from helpers.emulator.gateway.lambdas import LambdaRegistry

if TYPE_CHECKING:
    from helpers.emulator.gateway.host import DeployedGateway, DeployedTarget

log = logging.getLogger("agentcore_local.gateway")
_tracer = trace.get_tracer("agentcore_local.gateway")

TOOL_SEPARATOR = "___"
MESSAGE_VERSION = "1.0"
# The version a gateway's MCP server reports: mcp's, which the server would otherwise
# read from the package metadata on every (stateless) request.
SERVER_VERSION = importlib.metadata.version("mcp")


def session_manager(
    gateway: DeployedGateway, registry: LambdaRegistry
) -> StreamableHTTPSessionManager:
    """What serves ``gateway``'s MCP requests: stateless, JSON answers (no SSE stream)."""
    return StreamableHTTPSessionManager(
        build_mcp_server(gateway, registry), json_response=True, stateless=True
    )


def _error_result(message: str) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=message)], isError=True
    )


def build_mcp_server(gateway: DeployedGateway, registry: LambdaRegistry) -> Server:
    """The MCP server of one gateway: its targets' tools, each call run by the target's Lambda."""
    server: Server = Server(gateway.name, version=SERVER_VERSION)
    tools: list[types.Tool] = []
    targets_by_tool: dict[str, DeployedTarget] = {}
    for target in gateway.targets:
        for tool in target.tools:
            full_name = f"{target.name}{TOOL_SEPARATOR}{tool['name']}"
            targets_by_tool[full_name] = target
            tools.append(
                types.Tool(
                    name=full_name,
                    description=tool.get("description"),
                    inputSchema=tool["inputSchema"],
                )
            )

    def span(operation: str, **attributes: str) -> AbstractContextManager[trace.Span]:
        """A SERVER span joined to the caller's trace (``_meta`` carries its traceparent)."""
        meta = server.request_context.meta
        carrier = meta.model_dump(exclude_none=True) if meta is not None else {}
        return _tracer.start_as_current_span(
            f"gateway.{operation}",
            context=propagate.extract(carrier),
            kind=SpanKind.SERVER,
            attributes={"agentcore.gateway.name": gateway.name, **attributes},
        )

    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        with span("tools/list"):
            return tools

    @server.call_tool()
    async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        with span("tools/call", **{"mcp.tool.name": name}) as current:
            result = await run_tool(name, arguments)
            if result.isError:
                current.set_status(Status(StatusCode.ERROR, "tool failed"))
            return result

    async def run_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
        target = targets_by_tool.get(name)
        if target is None:
            return _error_result(f"Unknown tool {name!r} on gateway {gateway.name}.")
        custom = {
            "bedrockAgentCoreToolName": name,
            "bedrockAgentCoreGatewayId": gateway.gateway_id,
            "bedrockAgentCoreTargetId": target.name,
            "bedrockAgentCoreMessageVersion": MESSAGE_VERSION,
            "bedrockAgentCoreAwsRequestId": str(uuid.uuid4()),
            "bedrockAgentCoreMcpMessageId": str(server.request_context.request_id),
        }
        try:
            with _tracer.start_as_current_span(
                "lambda.invoke",
                kind=SpanKind.CLIENT,
                attributes={
                    "faas.invoked_name": target.lambda_arn.rsplit(":", 1)[-1],
                    "aws.lambda.arn": target.lambda_arn,
                },
            ):
                # Handlers are blocking code; a worker thread keeps the event loop serving.
                result = await anyio.to_thread.run_sync(
                    registry.invoke, target.lambda_arn, arguments, custom
                )
            text = result if isinstance(result, str) else json.dumps(result)
        except Exception:
            log.exception("gateway %s: tool %s failed in %s", gateway.name, name, target.lambda_arn)
            return _error_result(
                f"The Lambda function of target {target.name} failed to run {name}."
            )
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)])

    return server
