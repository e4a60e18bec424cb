"""Isolation under load: many sessions streaming at once never see each other's conversation.

Ten sessions each introduce a different name, then fifty streaming invocations run
at once, five per session, each asking the agent to recall the name. Every answer
must arrive whole, through several streamed chunks, and name its own session's guest
only: short-term memory is per session. (All of them call with the machine token, so
they are one memory actor, and its long-term facts hold the last name said; another
caller's memory holds none of them.) This checks correctness; speed is for ``make
bench`` (no timing is asserted).
"""

from __future__ import annotations

import pytest

from helpers.kit.calling.invoke import invoke, new_session_id
from helpers.kit.calling.load import (
    MAX_CALLS,
    MAX_CONCURRENCY,
    MAX_TIME_BUDGET_SECONDS,
    Call,
    LoadReport,
    run_load,
)
from helpers.kit.tokens import AccessToken, get_token
from tests.support import FinishedWorkshop, new_user

pytestmark = pytest.mark.stack

SESSIONS = 10
RECALLS_PER_SESSION = 5
TIME_BUDGET_SECONDS = 120.0
RECALL_PROMPT = "Do you remember my name?"
LOOPBACK_URL = "https://127.0.0.1:9/runtimes/x/invocations"


def _run(url: str, calls: list[Call], token: AccessToken) -> LoadReport:
    report = run_load(
        url, calls, token=token, concurrency=len(calls), time_budget_seconds=TIME_BUDGET_SECONDS
    )
    assert report.errors == []
    return report


def test_concurrent_sessions_keep_their_own_memory(finished_workshop: FinishedWorkshop) -> None:
    runtime_url = finished_workshop.runtime_url
    token = get_token(finished_workshop.settings)
    guests = {new_session_id(): f"Guest{number:02d}" for number in range(SESSIONS)}
    introductions = [Call(session, f"My name is {name}.") for session, name in guests.items()]
    # The runtime was just deployed: these first requests arrive together at authorizers
    # that hold no keys yet, and must all wait for one key fetch, then pass.
    for result in _run(runtime_url, introductions, token).results:
        assert result.answer.startswith(f"Nice to meet you, {guests[result.call.session_id]}!")

    recalls = [Call(session, RECALL_PROMPT) for session in guests] * RECALLS_PER_SESSION
    report = _run(runtime_url, recalls, token)
    for result in report.results:
        own = guests[result.call.session_id]
        assert result.answer == f"Yes, your name is {own}.", result.answer
        assert result.chunks > 1, "the answer should stream in several chunks"

    stranger = new_user(finished_workshop.settings)
    answer = invoke(runtime_url, RECALL_PROMPT, token=stranger.access, session_id=new_session_id())
    assert answer.startswith("I don't know your name yet")


@pytest.mark.parametrize(
    ("url", "calls", "concurrency", "budget", "refusal"),
    [
        ("https://bedrock-agentcore.us-east-1.amazonaws.com/x", 1, 1, 1.0, "loopback"),
        (LOOPBACK_URL, 0, 1, 1.0, "calls"),
        (LOOPBACK_URL, MAX_CALLS + 1, 1, 1.0, "calls"),
        (LOOPBACK_URL, 1, MAX_CONCURRENCY + 1, 1.0, "concurrency"),
        (LOOPBACK_URL, 1, 1, MAX_TIME_BUDGET_SECONDS + 1, "time budget"),
    ],
)
def test_load_runner_stays_within_its_bounds(
    url: str, calls: int, concurrency: int, budget: float, refusal: str
) -> None:
    """Refused before any request: a real endpoint, or more calls, threads or time than allowed."""
    batch = [Call(new_session_id(), RECALL_PROMPT)] * calls
    token = AccessToken(value="unused", expires_at=0)
    with pytest.raises(ValueError, match=refusal):
        run_load(url, batch, token=token, concurrency=concurrency, time_budget_seconds=budget)
