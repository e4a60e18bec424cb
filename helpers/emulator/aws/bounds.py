"""The local AWS API's bounds on what a client can make the daemon hold.

Any local user can reach the port, so these hold before any signature is checked:

- a connection's request (line, headers, body) must be in within
  :data:`REQUEST_TIMEOUT_SECONDS` of connecting (:class:`DeadlineRequestHandler`), or
  the connection is dropped (headers) or answered 408 (body);
- a body over :data:`MAX_REQUEST_BYTES` is refused with 413 from its ``Content-Length``,
  unread, or once a chunked one passes the limit; a body within it is read by the guard
  (:func:`take_body`, called by :class:`~helpers.emulator.aws.api.AwsApiGuard`), so
  moto never reads the connection.
"""

from __future__ import annotations

import io
import socket
import time
from typing import Any

from werkzeug.serving import WSGIRequestHandler

# The largest request body taken. The kit's largest requests are Converse calls carrying
# a conversation, tens of KB; this leaves room for a document as large as Converse takes
# one (4.5 MB, 6 MB once base64 in JSON):
# https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Message.html
MAX_REQUEST_BYTES = 8 * 1024 * 1024
# How long a client has, from connecting, to send its whole request.
REQUEST_TIMEOUT_SECONDS = 10.0


class BodyRefused(Exception):
    """A request body not taken, with AWS's common error for why.

    https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html
    """

    def __init__(self, status: str, error_type: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type
        self.message = message


def take_body(environ: dict[str, Any]) -> None:
    """Read the request's body, at most :data:`MAX_REQUEST_BYTES`, and give it to moto in memory.

    Read here, whole, so that moto (which reads the body from several places) never
    reads the connection, and a late or broken body is AWS's error rather than moto's
    500. A chunked body (werkzeug has taken the chunks apart) is counted as it comes.
    Raises :class:`BodyRefused`.
    """
    stream = environ["wsgi.input"]
    if environ.pop("wsgi.input_terminated", False):
        expected = None
    else:
        declared = environ.get("CONTENT_LENGTH") or "0"
        if not declared.isdigit():
            raise _malformed("Invalid Content-Length.")
        expected = int(declared)
        if expected > MAX_REQUEST_BYTES:
            raise _too_large()
    try:
        body = _read_up_to(stream, MAX_REQUEST_BYTES + 1 if expected is None else expected)
    except TimeoutError:
        raise BodyRefused(
            "408 Request Timeout",
            "RequestTimeoutException",
            f"Reading the request timed out: it was not in within {REQUEST_TIMEOUT_SECONDS:g} s.",
        ) from None
    except OSError:  # a chunk werkzeug could not read, or the client gone
        raise _malformed("The request body is not readable.") from None
    if expected is not None and len(body) < expected:
        raise _malformed("The request body is shorter than its Content-Length.")
    if len(body) > MAX_REQUEST_BYTES:
        raise _too_large()
    environ["wsgi.input"] = io.BytesIO(body)
    environ["CONTENT_LENGTH"] = str(len(body))


def _read_up_to(stream: Any, size: int) -> bytes:
    """``size`` bytes of ``stream``, or fewer if it ends first."""
    body = bytearray()
    while len(body) < size:
        piece = stream.read(min(size - len(body), 1 << 16))
        if not piece:
            break
        body += piece
    return bytes(body)


def _malformed(message: str) -> BodyRefused:
    return BodyRefused("400 Bad Request", "MalformedHttpRequestException", message)


def _too_large() -> BodyRefused:
    return BodyRefused(
        "413 Request Entity Too Large",
        "RequestEntityTooLargeException",
        f"The request entity is too large: the local AWS API takes up to "
        f"{MAX_REQUEST_BYTES} bytes.",
    )


class _ReadByDeadline(io.RawIOBase):
    """A connection's incoming bytes; a read past ``deadline`` fails with TimeoutError."""

    def __init__(self, connection: socket.socket, deadline: float) -> None:
        super().__init__()
        self.connection = connection
        self.deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the request was not in by its deadline")
        # Only the read is timed: an answer (a ConverseStream) is written for as long
        # as the model takes.
        self.connection.settimeout(left)
        try:
            return self.connection.recv_into(buffer)
        finally:
            self.connection.settimeout(None)


class DeadlineRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, reading a connection's request by a deadline.

    werkzeug answers one request per connection (``Connection: close``), so the clock
    runs from the connection's start, through the request line, the headers and the
    body, however slowly they trickle: :data:`REQUEST_TIMEOUT_SECONDS`. A read past it
    fails: werkzeug drops a connection whose headers are late (one ``Request timed
    out`` line in the log), and the guard answers one whose body is late with 408.
    """

    def setup(self) -> None:
        super().setup()
        self.rfile.close()  # the socket's own reader, replaced by a timed one
        deadline = time.monotonic() + REQUEST_TIMEOUT_SECONDS
        self.rfile = io.BufferedReader(_ReadByDeadline(self.connection, deadline))
