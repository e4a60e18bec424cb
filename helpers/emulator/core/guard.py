"""The lock on the stack's own HTTP doors: the control API and the span collector.

Loopback is no trust boundary: another user of the machine can connect to any port,
and a web page can make the browser send a "simple" cross-origin POST. So
:class:`StackOnly`, in front of such an app:

- answers only requests whose ``Host`` is the loopback address it serves (a page that
  rebinds a domain name to 127.0.0.1 sends its own name);
- refuses any request with an ``Origin`` header: browsers add one to cross-origin
  requests, and the kit's clients never send one;
- wants ``Authorization: Bearer <the stack's token for this door>``, compared in
  constant time; the token is in the stack's owner-only credentials file.

Paths in ``open_paths`` (a health check that tells nothing) skip the token, not the
other checks. A refusal never quotes what was sent.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from helpers.emulator.core.state import LOOPBACK


class StackOnly:
    """ASGI middleware admitting only the stack's own clients (see the module docstring)."""

    def __init__(
        self, app: ASGIApp, *, port: int, token: str, open_paths: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.hosts = {f"{LOOPBACK}:{port}", f"localhost:{port}"}
        self.expected = f"Bearer {token}".encode()
        self.open_paths = frozenset(open_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(Headers(scope=scope), scope["path"])
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def refusal(self, headers: Headers, path: str) -> JSONResponse | None:
        if headers.get("host") not in self.hosts:
            return JSONResponse({"message": "Host is not this local stack."}, 403)
        if "origin" in headers:
            return JSONResponse({"message": "Requests from web pages are refused."}, 403)
        if path in self.open_paths:
            return None
        presented = headers.getlist("authorization")
        if len(presented) != 1 or not hmac.compare_digest(presented[0].encode(), self.expected):
            return JSONResponse(
                {
                    "message": "Unauthorized: this door of the local stack wants the stack's "
                    "own credential (only its owner can read it)."
                },
                401,
                headers={"WWW-Authenticate": 'Bearer realm="agentcore-local"'},
            )
        return None
