"""How an AgentCore Runtime is invoked over HTTP: its URL, its headers, its streamed answer.

The same contract holds on AWS and on the local stack; only the base URL differs::

    POST <base>/runtimes/<url-encoded ARN>/invocations?qualifier=DEFAULT
    Authorization: Bearer <token>                  (a CUSTOM_JWT runtime)
    X-Amzn-Bedrock-AgentCore-Runtime-Session-Id: <33 to 256 characters>
    {"prompt": "..."}

A streaming agent answers ``text/event-stream``: one event per chunk it yields, its
``data:`` a JSON value (strings JSON-quoted). :func:`sse_chunks` reads the stream as the
SSE specification says (``httpx-sse``), so an event whose data spans several ``data:``
lines arrives whole, joined by newlines.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import quote

import httpx
from httpx_sse import EventSource

SESSION_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Session-Id"
REQUEST_ID_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Request-Id"
MIN_SESSION_ID_CHARS = 33
MAX_SESSION_ID_CHARS = 256
INVOCATIONS_PATH = "/runtimes/{arn}/invocations"


def aws_base_url(region: str) -> str:
    """The Runtime data plane of an AWS region."""
    return f"https://bedrock-agentcore.{region}.amazonaws.com"


def invoke_url(base_url: str, runtime_arn: str) -> str:
    """Where a bearer-token invocation of ``runtime_arn`` is POSTed."""
    path = INVOCATIONS_PATH.format(arn=quote(runtime_arn, safe=""))
    return f"{base_url}{path}?qualifier=DEFAULT"


def decode_chunk(data: str) -> str:
    """One ``data:`` payload as text: JSON strings unquoted, other JSON kept as JSON."""
    try:
        value = json.loads(data)
    except ValueError:
        return data
    return value if isinstance(value, str) else json.dumps(value)


def sse_chunks(response: httpx.Response) -> Iterator[str]:
    """The decoded data of each event of a ``text/event-stream`` response, as it arrives.

    An event is yielded once its blank line has arrived, however the network split it.
    An event with empty data (a lone ``id:`` or ``event:``, an empty ``data:``) is
    skipped: it holds no text of the answer.
    """
    for event in EventSource(response).iter_sse():
        if event.data:
            yield decode_chunk(event.data)
