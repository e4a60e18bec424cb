"""What the agent's long-term memory holds about a caller, read as the agent reads it.

The agent names each caller's memory by its token's subject (``agent/app/CustomerSupport/
memory/actor.py``): a signed-in user's id, or a machine's app client id. Its SEMANTIC
strategy keeps facts under ``/users/{actorId}/facts``. Here the same rule finds a
caller's facts with ``ListMemoryRecords``, on the local stack and on AWS alike. Long-term
records are extracted after a call (on AWS in the background, usually within a minute),
so :func:`wait_for_fact` looks until one holds what was said.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import boto3

from helpers.basics.i18n import _
from helpers.kit.errors import MemoryRecordsMissing
from helpers.kit.tokens import AccessToken

FACTS_NAMESPACE = "/users/{actorId}/facts"


def actor_of(token: AccessToken) -> str:
    """The memory actor the agent uses for a caller with ``token``: its ``sub`` claim."""
    return str(token.claims()["sub"])


def facts(memory_id: str, actor: str, client: Any | None = None) -> list[str]:
    """The facts long-term memory holds about ``actor``, newest first."""
    client = client or boto3.client("bedrock-agentcore")
    paginator = client.get_paginator("list_memory_records")
    pages = paginator.paginate(memoryId=memory_id, namespace=FACTS_NAMESPACE.format(actorId=actor))
    return [record["content"]["text"] for page in pages for record in page["memoryRecordSummaries"]]


def wait_for_fact(
    memory_id: str,
    actor: str,
    containing: str,
    *,
    timeout: float,
    poll_interval: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """``actor``'s facts, once one of them mentions ``containing``."""
    deadline = clock() + timeout
    while True:
        found = facts(memory_id, actor)
        if any(containing in fact for fact in found):
            return found
        if clock() >= deadline:
            raise MemoryRecordsMissing(
                _(
                    "After {timeout:g} s no long-term fact of actor {actor} mentions "
                    "{containing} (it holds {count} facts). Extraction runs after the call "
                    "that said it; on AWS it can take a few minutes: run this cell again.",
                    timeout=timeout,
                    actor=actor,
                    containing=repr(containing),
                    count=len(found),
                )
            )
        sleep(poll_interval)
