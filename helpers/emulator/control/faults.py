"""Switch a part of the stack off and on again, to test what happens while it is down.

``Switchable`` wraps a part's ASGI app; while ``down`` it answers every request with
503, as an unreachable dependency would look to its callers, without stopping the
process (so switching it back on is instant).
"""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send


class Switchable:
    """An ASGI app that can be taken down (503) and brought back."""

    def __init__(self, app: ASGIApp, part: str) -> None:
        self.app = app
        self.part = part
        self.down = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.down and scope["type"] == "http":
            refusal = JSONResponse(
                {"message": f"{self.part} is down (fault injected for a test)"}, status_code=503
            )
            await refusal(scope, receive, send)
            return
        await self.app(scope, receive, send)
