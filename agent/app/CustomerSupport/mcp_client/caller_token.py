"""The caller's token for the Gateway, read afresh by every HTTP request the client sends.

An agent lives as long as its runtime session, and its Gateway client with it: the MCP
connection is set up once, on the session's first request. A caller's token does not
live that long: it expires after 60 minutes, and a good client fetches a new one before
then. Headers fixed when the client was built (the workshop text's
``streamablehttp_client(url, headers=...)``) would go on presenting the first request's
token for the whole session. An ``httpx.Auth`` is asked for each HTTP request as it
goes out, so the Gateway always sees the token of the request being answered, and,
between requests, none at all.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator
from contextlib import asynccontextmanager

import httpx


class CallerToken(httpx.Auth):
    """The ``Authorization`` value of the request the agent is answering, while it answers."""

    def __init__(self, authorization: str | None = None) -> None:
        # Set when the client is built (it lists the Gateway's tools), then per request.
        self.authorization = authorization

    @asynccontextmanager
    async def presenting(self, authorization: str | None) -> AsyncIterator[None]:
        """Present ``authorization`` on the Gateway calls made inside the ``async with``."""
        self.authorization = authorization
        try:
            yield
        finally:
            self.authorization = None  # no token outlives the request it came with

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.authorization:
            request.headers["Authorization"] = self.authorization
        yield request

    def __repr__(self) -> str:
        # The value is a bearer token: whoever reads it can call as the caller.
        return f"CallerToken(present={self.authorization is not None})"
