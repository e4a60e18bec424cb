"""Serve the stack's ASGI parts with uvicorn on one event loop, each on its loopback port.

The daemon runs several servers at once, so a :class:`PartServer` leaves the signals to
it. Each listens with ``TCP_NODELAY`` (without it, Nagle's algorithm holds a response
body ~40 ms behind its headers on every keep-alive request), writes no access log
(query strings would land in it), and gives a client :data:`HEADER_TIMEOUT_SECONDS` to
send a request's headers: uvicorn starts no timer before the first request, so a
client that opens connections and trickles bytes would otherwise hold them forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from helpers.emulator.state import LOOPBACK
from helpers.emulator.tls import TlsFiles
from helpers.model.errors import ActionableError
from helpers.model.i18n import _

HEADER_TIMEOUT_SECONDS = 10.0


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
            self.transport.close()


class PartServer(uvicorn.Server):
    """A uvicorn server for one part, on a socket bound in advance, leaving signals alone."""

    def __init__(self, config: uvicorn.Config, listener: socket.socket) -> None:
        super().__init__(config)
        self.listener = listener

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield

    async def serve_part(self) -> None:
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


def part_server(app: Any, part: str, port: int, tls: TlsFiles | None) -> PartServer:
    config = uvicorn.Config(
        app,
        http=HeaderTimeoutProtocol,
        ssl_certfile=str(tls.server_cert_chain) if tls else None,
        ssl_keyfile=str(tls.server_key) if tls else None,
        log_config=None,
        access_log=False,
        lifespan="off",
        # Idle keep-alive clients would otherwise hold a graceful shutdown open forever.
        timeout_graceful_shutdown=1,
    )
    return PartServer(config, bind(part, port))
