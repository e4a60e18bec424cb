"""Invoke an AgentCore runtime with a bearer token, and stream its answer.

boto3 cannot send an OAuth token, so a JWT-protected runtime is called with a plain
HTTPS POST, the same on AWS and on the local stack (the contract is in
:mod:`helpers.wire.invocation`). :func:`stream_invoke` yields the decoded chunks as
they arrive. A refusal raises an :class:`~helpers.kit.errors.InvokeError` subclass
carrying the HTTP status and the service's message (never the token).
"""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Generator, Mapping
from typing import Any, TextIO

import requests

from helpers.basics.i18n import N_, _
from helpers.kit import http
from helpers.kit.errors import (
    AgentFailed,
    InvokeClientError,
    InvokeError,
    InvokeForbidden,
    InvokeServerError,
    InvokeUnauthorized,
)
from helpers.kit.tokens import AccessToken
from helpers.wire.invocation import SESSION_HEADER, decode_chunk, sse_chunks

DEFAULT_TIMEOUT_SECONDS = 300.0
# Where to look when the agent's own code fails, unless the caller knows better.
DEFAULT_AGENT_LOG = N_("the runtime's log")


def new_session_id() -> str:
    """A session id the Runtime accepts (36 characters; at least 33 are required)."""
    return str(uuid.uuid4())


def _bearer(token: AccessToken | str | None) -> dict[str, str]:
    if token is None:
        return {}
    if isinstance(token, AccessToken):
        return token.authorization_header()
    return {"Authorization": f"Bearer {token}"}


def _error_for(response: requests.Response, agent_log: str) -> InvokeError:
    error_type = response.headers.get("x-amzn-ErrorType", "").split(":")[0] or response.reason
    status = response.status_code
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        if status >= 500 and "error" in body and "message" not in body:
            # The SDK's answer when the entrypoint raised: {"error": str(exception)}.
            return AgentFailed(status, _("an exception"), str(body["error"]), _(agent_log))
        message = body.get("message") or body.get("error") or json.dumps(body)
    else:
        message = response.text.strip() or response.reason
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


def _raise_if_failed(chunk: str, agent_log: str) -> str:
    """A chunk as is, unless it is the SDK's last event after the entrypoint raised."""
    if chunk.startswith("{") and '"error_type"' in chunk:
        try:
            event = json.loads(chunk)
        except ValueError:
            return chunk
        if isinstance(event, dict) and {"error", "error_type"} <= event.keys():
            raise AgentFailed(500, str(event["error_type"]), str(event["error"]), _(agent_log))
    return chunk


def stream_invoke(
    url: str,
    prompt: str,
    *,
    token: AccessToken | str | None,
    session_id: str,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    agent_log: str = DEFAULT_AGENT_LOG,
    extra_payload: Mapping[str, Any] | None = None,
) -> Generator[str, None, None]:
    """Yield the agent's answer chunk by chunk, as the runtime streams it.

    ``extra_payload`` adds fields to the JSON body beside the prompt: whatever a caller
    cares to write there (the notebooks show why an agent must not believe it).
    A refusal raises an :class:`InvokeError`; an exception in the agent's own code
    raises :class:`AgentFailed`, naming ``agent_log`` (where its traceback is).
    """
    response = http.session().post(
        url,
        json={**(extra_payload or {}), "prompt": prompt},
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
            raise _error_for(response, agent_log)
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            yield _raise_if_failed(decode_chunk(response.text), agent_log)
            return
        # iter_content(None) hands bytes over as they arrive; iter_lines would wait for 512.
        for chunk in sse_chunks(response.iter_content(chunk_size=None)):
            yield _raise_if_failed(chunk, agent_log)


def invoke(url: str, prompt: str, **options: Any) -> str:
    """The whole answer as one string (see :func:`stream_invoke` for the options)."""
    return "".join(stream_invoke(url, prompt, **options))


def print_invoke(url: str, prompt: str, *, out: TextIO | None = None, **options: Any) -> str:
    """Print the answer as it streams in (to ``out``, else the current ``sys.stdout``);
    return it whole."""
    out = out or sys.stdout
    chunks = []
    for chunk in stream_invoke(url, prompt, **options):
        out.write(chunk)
        out.flush()
        chunks.append(chunk)
    out.write("\n")
    return "".join(chunks)
