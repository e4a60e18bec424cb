"""HTTP for the agent's MCP clients, with one TLS context for the whole process.

httpx builds a new SSL context for every client it makes, and building one loads the
whole CA bundle (over a hundred certificates, tens of milliseconds). The agent makes
MCP clients for every caller of a session, and checks each server once before relying
on it (reachability.py); certificates do not change while the process runs, so the
context is built once, as the module is imported (when the process starts, not within
a session's first request), and every client shares it.
"""

from __future__ import annotations

import functools
import os
import ssl
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx

# streamablehttp_client is the mcp 1.x name the workshop text uses (2.x renamed it),
# so pyproject.toml keeps mcp below 2. Recent 1.x releases warn that it is deprecated.
from mcp.client.streamable_http import streamablehttp_client as _mcp_streamablehttp_client
from mcp.shared._httpx_utils import MCP_DEFAULT_SSE_READ_TIMEOUT, MCP_DEFAULT_TIMEOUT


def tls_context() -> ssl.SSLContext:
    """The process's TLS context, trusting what httpx would (``SSL_CERT_FILE``, else certifi)."""
    return _context_for(os.environ.get("SSL_CERT_FILE"))


@functools.cache
def _context_for(ca_file: str | None) -> ssl.SSLContext:
    # Keyed by the CA file, so a process that changes SSL_CERT_FILE gets a matching context.
    return httpx.create_ssl_context()


def _http_client(
    headers: dict[str, str] | None = None,
    timeout: httpx.Timeout | None = None,
    auth: httpx.Auth | None = None,
) -> httpx.AsyncClient:
    """mcp's default HTTP client for its transports, sharing the process's TLS context."""
    return httpx.AsyncClient(
        headers=headers,
        timeout=timeout or httpx.Timeout(MCP_DEFAULT_TIMEOUT, read=MCP_DEFAULT_SSE_READ_TIMEOUT),
        auth=auth,
        verify=tls_context(),
    )


def streamablehttp_client(
    url: str, headers: dict[str, str] | None = None, auth: httpx.Auth | None = None
) -> AbstractAsyncContextManager[Any]:
    """mcp's ``streamablehttp_client``, on an HTTP client that shares the TLS context."""
    return _mcp_streamablehttp_client(
        url, headers=headers, auth=auth, httpx_client_factory=_http_client
    )


tls_context()
