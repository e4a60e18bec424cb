"""Serve the stack's ASGI parts with uvicorn on one event loop, each on its loopback port.

The daemon runs several servers at once, so a :class:`PartServer` leaves the signals to
it. Each listens with ``TCP_NODELAY`` (without it, Nagle's algorithm holds a response
body ~40 ms behind its headers on every keep-alive request), writes no access log
(query strings would land in it), and bounds what a client may make it hold before the
part's app has even looked at the request (every part is open to any local user):

- :data:`HEADER_TIMEOUT_SECONDS` to send a request's headers: uvicorn starts no timer
  before the first request, so a client that opens connections and trickles bytes would
  otherwise hold them forever; as long to finish a TLS handshake, before which no
  protocol of the part sees the connection (asyncio's own default is 60 s, and uvicorn
  passes no timeout of its own: :meth:`PartServer.serve_part` sets asyncio's default);
- :data:`BODY_TIMEOUT_SECONDS` from the headers to the body's last byte: uvicorn has no
  timer at all once a request has begun. Only the request is timed: a response (the
  Runtime's server-sent events) streams as long as it takes;
- the part's own maximum body size (:class:`BodyLimit`), from ``Content-Length`` before
  the app starts, or counted as a chunked body streams in.

This module is the one place that leans on uvicorn's internals: the two timers subclass
``uvicorn.protocols.http.h11_impl.H11Protocol`` and read its ``cycle`` (which is why
``pyproject.toml`` pins uvicorn's exact version; the suite's ``tests/test_bounded_doors.py``
fails if a new one moves them). Upstream to watch: request-start and request-complete
timeouts, proposed as ``--timeout-request-start`` and ``--timeout-request-complete`` in
<https://github.com/Kludex/uvicorn/issues/157>; once uvicorn has them, this subclass goes.
"""

from __future__ import annotations

import asyncio
import asyncio.constants
import contextlib
import logging
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _
from helpers.emulator.core.state import LOOPBACK
from helpers.emulator.core.tls import TlsFiles

log = logging.getLogger("agentcore_local.serving")

HEADER_TIMEOUT_SECONDS = 10.0
BODY_TIMEOUT_SECONDS = 10.0


class PartStartError(ActionableError):
    """A part could not start; the message names the part and its port."""


class HeaderTimeoutProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request headers are late.

    The clock starts when the connection opens and again after each response; it stops
    once a request's headers are in.
    """

    _header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.cycle is not None and not self.cycle.response_complete:
            self._disarm_header_timer()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_header_timer()
        super().connection_lost(exc)

    def _arm_header_timer(self) -> None:
        self._disarm_header_timer()
        self._header_timer = self.loop.call_later(HEADER_TIMEOUT_SECONDS, self._headers_late)

    def _disarm_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if self.cycle is None or self.cycle.response_complete:
            # Not close(): over TLS that waits up to 30 s for the client's close_notify.
            self.transport.abort()


class BoundedProtocol(HeaderTimeoutProtocol):
    """:class:`HeaderTimeoutProtocol`, also closing a connection whose request body is late.

    The body's clock starts when a request's headers are in and stops with its last
    byte; it does not restart as bytes trickle in. A response still streaming after the
    body is in is never timed.
    """

    _body_timer: asyncio.TimerHandle | None = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        cycle = self.cycle
        if cycle is None or cycle.response_complete or not cycle.more_body:
            self._disarm_body_timer()
        elif self._body_timer is None:
            self._body_timer = self.loop.call_later(BODY_TIMEOUT_SECONDS, self._body_late)

    def on_response_complete(self) -> None:
        self._disarm_body_timer()
        super().on_response_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm_body_timer()
        super().connection_lost(exc)

    def _disarm_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _body_late(self) -> None:
        self._body_timer = None
        if self.cycle is not None and self.cycle.more_body and not self.cycle.response_complete:
            self.transport.abort()


class BodyLimit:
    """ASGI middleware refusing a request body over ``max_bytes`` with 413, before the app
    reads past the limit.

    A ``Content-Length`` over the limit is refused before the app starts; a chunked body
    is counted as the app reads it, and refused once it passes the limit (the app then
    sees the client gone, and what it does about that is not reported). Either refusal
    closes the connection: the rest of the body is never read. The answer is AWS's
    common ``RequestEntityTooLargeException`` (HTTP 413, "The request entity is too
    large"): <https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html>.
    """

    def __init__(self, app: ASGIApp, part: str, max_bytes: int) -> None:
        self.app = app
        self.part = part
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        # h11 has checked that a Content-Length is digits.
        if declared is not None and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        # refused: the body passed the limit; cut_off: the client left (or was timed out)
        # before its body's end. Either way the app's request is moot, and so is its error.
        refused = cut_off = body_done = responding = False

        async def limited_receive() -> Message:
            nonlocal received, refused, cut_off, body_done
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.disconnect":
                cut_off = not body_done
                return message
            body_done = not message.get("more_body", False)
            received += len(message.get("body", b""))
            if received > self.max_bytes:
                refused = True
                if not responding:
                    await self._refuse(scope, receive, send)
                return {"type": "http.disconnect"}
            return message

        async def app_send(message: Message) -> None:
            nonlocal responding
            if refused:
                return
            responding = True
            await send(message)

        try:
            await self.app(scope, limited_receive, app_send)
        except Exception:
            if not (refused or cut_off):
                raise

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        log.info("%s: refused a request body over %d bytes", self.part, self.max_bytes)
        response = JSONResponse(
            {
                "__type": "RequestEntityTooLargeException",
                "message": f"The request entity is too large: the local {self.part} takes "
                f"up to {self.max_bytes} bytes.",
            },
            status_code=413,
            headers={"x-amzn-ErrorType": "RequestEntityTooLargeException", "Connection": "close"},
        )
        await response(scope, receive, send)


class PartServer(uvicorn.Server):
    """A uvicorn server for one part, on a socket bound in advance, leaving signals alone."""

    def __init__(self, config: uvicorn.Config, listener: socket.socket) -> None:
        super().__init__(config)
        self.listener = listener

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def serve_part(self) -> None:
        # Read by asyncio's TLS transport for every server that names no timeout itself.
        asyncio.constants.SSL_HANDSHAKE_TIMEOUT = HEADER_TIMEOUT_SECONDS
        await self.serve(sockets=[self.listener])


def bind(part: str, port: int) -> socket.socket:
    """A listening socket on the loopback ``port``; a taken port names the part."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit it.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        listener.bind((LOOPBACK, port))
    except OSError as error:
        listener.close()
        raise PartStartError(
            _(
                "{part}: cannot listen on {address} ({reason}); another program holds the "
                "port: stop it, or move the stack's ports with AGENTCORE_LOCAL_PORT_BASE.",
                part=part,
                address=f"{LOOPBACK}:{port}",
                reason=error.strerror,
            )
        ) from None
    return listener


def part_server(
    app: Any, part: str, port: int, tls: TlsFiles | None, max_body_bytes: int
) -> PartServer:
    """``app`` served on the loopback ``port``; request bodies over ``max_body_bytes`` refused."""
    config = uvicorn.Config(
        BodyLimit(app, part, max_body_bytes),
        http=BoundedProtocol,
        ssl_certfile=str(tls.server_cert_chain) if tls else None,
        ssl_keyfile=str(tls.server_key) if tls else None,
        log_config=None,
        access_log=False,
        lifespan="off",
        # Idle keep-alive clients would otherwise hold a graceful shutdown open forever.
        timeout_graceful_shutdown=1,
    )
    return PartServer(config, bind(part, port))
