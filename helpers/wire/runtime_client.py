"""Invoke an AgentCore Runtime over HTTP and read its answer: the contract's one client.

The notebook kit (:mod:`helpers.kit.calling.invoke`) and ``agentcore-local invoke`` both
call :func:`stream_invoke`, so the same answer becomes the same error in both:

- HTTP 401, 403, another 4xx, a 5xx: :class:`InvokeUnauthorized`, :class:`InvokeForbidden`,
  :class:`InvokeClientError`, :class:`InvokeServerError`, with AWS's error type (the
  ``x-amzn-ErrorType`` header) and the service's message;
- the SDK's HTTP 500 ``{"error": ...}`` (the entrypoint raised before its answer began),
  or its last event ``{"error", "error_type"}`` (it raised mid-stream): :class:`AgentFailed`.

The caller brings the ``httpx.Client``, and with it the TLS trust and the connection
pool: the kit keeps one for the process, the CLI makes one per command. A failure to
connect or a timeout stays httpx's own exception: no HTTP answer was there to map.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Mapping
from typing import Any

import httpx

from helpers.basics.i18n import _
from helpers.wire.invocation import SESSION_HEADER, decode_chunk, sse_chunks
from helpers.wire.invoke_errors import (
    AgentFailed,
    InvokeClientError,
    InvokeError,
    InvokeForbidden,
    InvokeServerError,
    InvokeUnauthorized,
)

DEFAULT_TIMEOUT_SECONDS = 300.0
# A streaming agent answers with events, one that returns answers with one JSON body.
ACCEPT = "text/event-stream, application/json"


def error_for(response: httpx.Response, agent_log: str) -> InvokeError:
    """The error an HTTP answer of 400 or more stands for; ``response`` has been read.

    ``agent_log`` is where the agent's traceback is, as the message shows it.
    """
    error_type = response.headers.get("x-amzn-ErrorType", "").split(":")[0]
    error_type = error_type or response.reason_phrase
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        if status >= 500 and "error" in body and "message" not in body:
            # The SDK's answer when the entrypoint raised: {"error": str(exception)}.
            return AgentFailed(status, _("an exception"), str(body["error"]), agent_log)
        message = body.get("message") or body.get("error") or json.dumps(body)
    else:
        message = response.text.strip() or response.reason_phrase
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


def raise_if_failed(chunk: str, agent_log: str) -> str:
    """A chunk as is, unless it is the SDK's last event after the entrypoint raised."""
    if chunk.startswith("{") and '"error_type"' in chunk:
        try:
            event = json.loads(chunk)
        except ValueError:
            return chunk
        if isinstance(event, dict) and {"error", "error_type"} <= event.keys():
            raise AgentFailed(500, str(event["error_type"]), str(event["error"]), agent_log)
    return chunk


def stream_invoke(
    client: httpx.Client,
    url: str,
    payload: Mapping[str, Any],
    *,
    bearer_token: str | None,
    session_id: str | None,
    agent_log: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
) -> Generator[str, None, None]:
    """Yield the agent's answer chunk by chunk, as the Runtime streams it.

    POSTs ``payload`` to ``url`` (:func:`~helpers.wire.invocation.invoke_url`) with the
    bearer token, if any, and the session id, if any (else the Runtime makes one up).
    ``timeout`` bounds the connection and each read. A refusal raises an
    :class:`InvokeError`; an exception in the agent's own code raises
    :class:`AgentFailed`, naming ``agent_log``. Closing the generator early ends the
    HTTP response at once.
    """
    headers = {"Content-Type": "application/json", "Accept": ACCEPT}
    if session_id is not None:
        headers[SESSION_HEADER] = session_id
    if bearer_token is not None:
        headers["Authorization"] = f"Bearer {bearer_token}"
    with client.stream(
        "POST", url, json=dict(payload), headers=headers, timeout=timeout
    ) as response:
        if response.status_code >= 400:
            response.read()
            raise error_for(response, agent_log)
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            response.read()
            yield raise_if_failed(decode_chunk(response.text), agent_log)
            return
        for chunk in sse_chunks(response):
            yield raise_if_failed(chunk, agent_log)
