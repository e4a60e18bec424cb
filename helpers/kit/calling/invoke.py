"""Invoke an AgentCore runtime with a bearer token, and stream its answer.

boto3 cannot send an OAuth token, so a JWT-protected runtime is called with a plain
HTTPS POST, the same on AWS and on the local stack (the contract is in
:mod:`helpers.wire.invocation`, its one client in :mod:`helpers.wire.runtime_client`,
which ``agentcore-local invoke`` uses too). :func:`stream_invoke` yields the decoded
chunks as they arrive. A refusal raises an :class:`~helpers.wire.invoke_errors.InvokeError`
subclass carrying the HTTP status and the service's message (never the token).
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Generator, Mapping
from typing import Any, TextIO

from helpers.basics.i18n import N_, _
from helpers.kit import http
from helpers.kit.tokens import AccessToken
from helpers.wire import runtime_client

DEFAULT_TIMEOUT_SECONDS = runtime_client.DEFAULT_TIMEOUT_SECONDS
# Where to look when the agent's own code fails, unless the caller knows better.
DEFAULT_AGENT_LOG = N_("the runtime's log")


def new_session_id() -> str:
    """A session id the Runtime accepts (36 characters; at least 33 are required)."""
    return str(uuid.uuid4())


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
    yield from runtime_client.stream_invoke(
        http.client(),
        url,
        {**(extra_payload or {}), "prompt": prompt},
        bearer_token=token.value if isinstance(token, AccessToken) else token,
        session_id=session_id,
        agent_log=_(agent_log),
        timeout=timeout,
    )


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
