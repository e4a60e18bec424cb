"""MCP clients the agent gets extra tools from: Exa web search and the AgentCore Gateway.

Both are optional: when a server cannot be reached the agent answers without its tools,
after one warning line, instead of failing the request.
"""

from __future__ import annotations

import functools
import logging
import os

from strands.tools.mcp import MCPClient

from .caller_token import CallerToken
from .reachability import mcp_server_problem

# mcp's streamablehttp_client, sharing one TLS context per process (see transport.py).
from .transport import streamablehttp_client

logger = logging.getLogger(__name__)

# Exa offers web search over MCP without authentication. EXA_MCP_URL="" turns it off.
EXA_MCP_URL_ENV = "EXA_MCP_URL"
EXA_MCP_URL = "https://mcp.exa.ai/mcp"

# AgentCore injects AGENTCORE_GATEWAY_<GATEWAY NAME>_URL for every gateway of the project.
GATEWAY_URL_ENV = "AGENTCORE_GATEWAY_MY_GATEWAY_SECURE_URL"


def get_streamable_http_mcp_client() -> MCPClient | None:
    """A client for the Exa web-search MCP server, or None when it is off or unreachable."""
    url = os.environ.get(EXA_MCP_URL_ENV, EXA_MCP_URL)
    if not url or not _exa_reachable(url):
        return None
    return MCPClient(lambda: streamablehttp_client(url))


@functools.cache
def _exa_reachable(url: str) -> bool:
    # Checked once per process: offline, every request would otherwise wait for the timeout.
    problem = mcp_server_problem(url)
    if problem:
        logger.warning("Web search MCP server %s %s; answering without web search.", url, problem)
    return problem is None


def get_gateway_mcp_client(caller_token: CallerToken) -> MCPClient | None:
    """A client for the secured Gateway that presents the caller's token on every call.

    The Gateway checks the same Cognito JWT as the Runtime, so the agent forwards the
    token it was called with instead of holding credentials of its own; ``caller_token``
    hands each HTTP request the token of the request being answered (see
    caller_token.py). The token is a secret: it goes into requests and nowhere else.
    """
    url = os.environ.get(GATEWAY_URL_ENV)
    if not url:
        logger.warning("%s is not set; answering without the Gateway's tools.", GATEWAY_URL_ENV)
        return None
    if not caller_token.authorization:
        logger.warning(
            "No Authorization header reached the agent (is it in the runtime's "
            "requestHeaderAllowlist?); answering without the Gateway's tools."
        )
        return None
    # Checked for each new agent, so a Gateway that is down costs one warning, not a failure.
    problem = mcp_server_problem(url, caller_token)
    if problem:
        logger.warning("Gateway %s %s; answering without its tools.", url, problem)
        return None
    return MCPClient(lambda: streamablehttp_client(url, auth=caller_token))
