"""Invoke an AgentCore runtime with a bearer token, and stream its answer.

boto3 cannot send an OAuth token, so a JWT-protected runtime is called with a
plain HTTPS POST (the same on AWS and on the local stack; only the URL differs):

    POST <invoke URL>
    Authorization: Bearer <token>
    X-Amzn-Bedrock-AgentCore-Runtime-Session-Id: <33+ characters>
    {"prompt": "..."}

A streaming agent answers ``text/event-stream``: one ``data: <json>`` event per
chunk it yields, strings JSON-quoted. :func:`stream_invoke` yields the decoded
chunks as they arrive. A refusal raises an :class:`InvokeError` subclass carrying
the HTTP status and the service's message (never the token).
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from typing import Any, TextIO

import requests

from helpers import http
from helpers.tokens import AccessToken

SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
DEFAULT_TIMEOUT_SECONDS = 300.0


class InvokeError(RuntimeError):
    """The runtime refused or failed the call."""

    def __init__(self, status: int, error_type: str, message: str) -> None:
        super().__init__(f"HTTP {status} {error_type}: {message}")
        self.status = status
        self.error_type = error_type
        self.message = message


class InvokeUnauthorized(InvokeError):
    """401: no token, or a token the runtime's authorizer does not accept."""


class InvokeForbidden(InvokeError):
    """403: e.g. a SigV4 call to a JWT runtime ("Authorization method mismatch")."""


class InvokeClientError(InvokeError):
    """Any other 4xx: a bad request, an unknown runtime, a too-short session id."""


class InvokeServerError(InvokeError):
    """5xx: the agent failed; the runtime's log has the traceback."""


def new_session_id() -> str:
    """A session id the Runtime accepts (36 characters; at least 33 are required)."""
    return str(uuid.uuid4())


def _bearer(token: AccessToken | str | None) -> dict[str, str]:
    if token is None:
        return {}
    if isinstance(token, AccessToken):
        return token.authorization_header()
    return {"Authorization": f"Bearer {token}"}


def _error_for(response: requests.Response) -> InvokeError:
    error_type = response.headers.get("x-amzn-ErrorType", "").split(":")[0] or response.reason
    try:
        body: Any = response.json()
        message = body.get("message") or body.get("error") or json.dumps(body)
    except ValueError:
        message = response.text.strip() or response.reason
    status = response.status_code
    kind = (
        InvokeUnauthorized
        if status == 401
        else InvokeForbidden
        if status == 403
        else InvokeClientError
        if status < 500
        else InvokeServerError
    )
    return kind(status, error_type, message)


def _decode(data: str) -> str:
    try:
        value = json.loads(data)
    except ValueError:
        return data
    return value if isinstance(value, str) else json.dumps(value)


def _sse_data(response: requests.Response) -> Iterator[str]:
    """Decoded ``data:`` payloads, each as soon as its line is complete.

    ``iter_content(chunk_size=None)`` hands over bytes as they arrive; ``iter_lines``
    would wait for 512 bytes and hold the first chunk of a short answer back.
    """
    pending = b""
    for block in response.iter_content(chunk_size=None):
        pending += block
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line.startswith(b"data:"):
                yield _decode(line[len(b"data:") :].strip().decode())


def stream_invoke(
    url: str,
    prompt: str,
    *,
    token: AccessToken | str | None,
    session_id: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> Iterator[str]:
    """Yield the agent's answer chunk by chunk, as the runtime streams it."""
    response = http.session().post(
        url,
        json={"prompt": prompt},
        headers={
            **_bearer(token),
            SESSION_HEADER: session_id,
            "Content-Type": "application/json",
            "Accept": "text/event-stream, application/json",
        },
        stream=True,
        timeout=timeout,
    )
    with response:
        if response.status_code >= 400:
            raise _error_for(response)
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            yield _decode(response.text)
            return
        yield from _sse_data(response)


def invoke(url: str, prompt: str, **options: Any) -> str:
    """The whole answer as one string (see :func:`stream_invoke` for the options)."""
    return "".join(stream_invoke(url, prompt, **options))


def print_invoke(url: str, prompt: str, *, out: TextIO = sys.stdout, **options: Any) -> str:
    """Print the answer as it streams in; return it whole."""
    chunks = []
    for chunk in stream_invoke(url, prompt, **options):
        out.write(chunk)
        out.flush()
        chunks.append(chunk)
    out.write("\n")
    return "".join(chunks)
