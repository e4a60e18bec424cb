"""How an AgentCore Runtime is invoked over HTTP: its URL, its headers, its streamed answer.

The same contract holds on AWS and on the local stack; only the base URL differs::

    POST <base>/runtimes/<url-encoded ARN>/invocations?qualifier=DEFAULT
    Authorization: Bearer <token>                  (a CUSTOM_JWT runtime)
    X-Amzn-Bedrock-AgentCore-Runtime-Session-Id: <33 to 256 characters>
    {"prompt": "..."}

A streaming agent answers ``text/event-stream``: one ``data: <json>`` line per chunk
it yields, strings JSON-quoted.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from urllib.parse import quote

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


def sse_chunks(blocks: Iterable[bytes]) -> Iterator[str]:
    """The decoded ``data:`` payloads of an event stream, each as soon as its line is whole."""
    pending = b""
    for block in blocks:
        pending += block
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line.startswith(b"data:"):
                yield decode_chunk(line[len(b"data:") :].strip().decode())
