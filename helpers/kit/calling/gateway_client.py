"""Talk to a Gateway directly with the MCP client, as a learner checks it from a notebook.

The MCP client is asyncio code and a notebook kernel already runs an event loop, so
each call runs in a worker thread with a loop of its own. A refusal (401/403) is
raised as :class:`GatewayRefused` with the HTTP status and the service's message.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import ssl
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from helpers.kit.errors import GatewayRefused
from helpers.kit.tokens import AccessToken

# The MCP transport logs a refused request (401/403) with a full traceback from its
# background task; here a refusal is an expected answer, raised as GatewayRefused.
logging.getLogger("mcp.client.streamable_http").setLevel(logging.CRITICAL)


# mcp's own client defaults (30 s, and 300 s to read the event stream), restated: mcp
# keeps them in a private module (mcp.shared._httpx_utils).
MCP_TIMEOUT = httpx.Timeout(30.0, read=300.0)


def _refusal(error: BaseException) -> GatewayRefused | None:
    """The HTTP refusal buried in an MCP transport error (anyio wraps it in groups)."""
    if isinstance(error, httpx.HTTPStatusError) and error.response.status_code in (401, 403):
        try:
            message = error.response.json().get("message", error.response.text)
        except (ValueError, json.JSONDecodeError):
            message = error.response.text
        return GatewayRefused(error.response.status_code, message)
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:
            if found := _refusal(inner):
                return found
    return None


async def _read_refusal_body(response: httpx.Response) -> None:
    """Read a 401/403 body now: the transport streams responses and would leave it unread."""
    if response.status_code in (401, 403):
        await response.aread()


@functools.cache
def _tls_context(ca_file: str | None) -> ssl.SSLContext:
    """One TLS context per CA file for every client: httpx would load the whole bundle
    (over a hundred certificates, tens of ms) for each client it makes."""
    return httpx.create_ssl_context()


def _http_client(
    headers: dict[str, str] | None = None,
    timeout: httpx.Timeout | None = None,
    auth: httpx.Auth | None = None,
) -> httpx.AsyncClient:
    """mcp's default HTTP client, sharing the process's TLS context, reading refusals."""
    client = httpx.AsyncClient(
        headers=headers,
        timeout=timeout or MCP_TIMEOUT,
        auth=auth,
        verify=_tls_context(os.environ.get("SSL_CERT_FILE")),
    )
    client.event_hooks["response"].append(_read_refusal_body)
    return client


async def _with_session(url: str, token: AccessToken | None, action: str, **arguments: Any) -> Any:
    # mcp is imported on first use: it costs a notebook kernel ~0.3 s to import, and only
    # the cells that call a gateway directly need it.
    from mcp import ClientSession
    from mcp.client.streamable_http import streamablehttp_client

    headers = token.authorization_header() if token else {}
    async with (
        streamablehttp_client(url, headers=headers, httpx_client_factory=_http_client) as (
            read,
            write,
            _,
        ),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        if action == "list":
            return [tool.name for tool in (await session.list_tools()).tools]
        result = await session.call_tool(arguments["name"], arguments["arguments"])
        return "".join(getattr(block, "text", "") for block in result.content)


def _run(url: str, token: AccessToken | None, action: str, **arguments: Any) -> Any:
    with ThreadPoolExecutor(max_workers=1) as worker:
        future = worker.submit(asyncio.run, _with_session(url, token, action, **arguments))
        try:
            return future.result()
        except BaseException as error:
            refusal = _refusal(error)
            if refusal is not None:
                raise refusal from None
            raise


def list_tools(url: str, token: AccessToken | None) -> list[str]:
    """The tool names the Gateway at ``url`` offers to this caller."""
    names: list[str] = _run(url, token, "list")
    return names


def call_tool(url: str, token: AccessToken | None, name: str, arguments: dict[str, Any]) -> str:
    """Call one tool and return its text result."""
    text: str = _run(url, token, "call", name=name, arguments=arguments)
    return text
