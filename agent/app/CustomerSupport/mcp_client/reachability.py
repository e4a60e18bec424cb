"""Ask an MCP server whether it will serve us, before an agent depends on it.

An MCP client that cannot connect (server down, offline laptop, HTTP 401 from a Gateway
that wants a token) fails deep inside its background thread and logs a long traceback.
One short request first turns those cases into a one-line reason, so the agent can skip
that server's tools and still answer.
"""

from __future__ import annotations

import httpx

from .transport import tls_context

DEFAULT_TIMEOUT_SECONDS = 2.0

# A JSON-RPC ping: any MCP server can take it, and it opens no session on the server.
_PING = {"jsonrpc": "2.0", "id": "reachability-check", "method": "ping"}
_MCP_HEADERS = {"Accept": "application/json, text/event-stream"}


def mcp_server_problem(
    url: str,
    auth: httpx.Auth | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> str | None:
    """Why the MCP server at ``url`` will not serve us, or None when it answers.

    A refusal (401/403), a server error (5xx: down or failing) or no answer is a
    problem; any other reply, even an error about the ping itself, shows the server is
    there and lets us in.
    """
    try:
        response = httpx.post(
            url,
            json=_PING,
            headers=_MCP_HEADERS,
            auth=auth,
            timeout=timeout,
            verify=tls_context(),
        )
    except httpx.TimeoutException:
        return f"did not answer within {timeout:g} s"
    except httpx.HTTPError as error:
        # httpx messages name the host and the failure, never the request headers.
        return f"cannot be reached ({error})"
    if response.status_code in (401, 403):
        return f"refused the call (HTTP {response.status_code})"
    if response.status_code >= 500:
        return f"is unavailable (HTTP {response.status_code})"
    return None
