"""The local stand-ins for AgentCore Memory's model-driven parts, and where memory is kept.

No stack: the extractor and the relevance score are pure functions, and the store is a
file. Each gives the same answer every time, which is what the notebooks' checkpoints
and the tests of the agent build on.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers.emulator.memory import extraction, relevance, store
from helpers.emulator.memory.extraction import Turn
from helpers.emulator.memory.service import Invalid, MemoryService, ResourceNotFound
from helpers.emulator.memory.store import MemoryStore

STRATEGIES = [
    {"semanticMemoryStrategy": {"name": "facts", "namespaces": ["/users/{actorId}/facts"]}},
    {"summaryMemoryStrategy": {"name": "sums", "namespaces": ["/summaries/{actorId}/{sessionId}"]}},
]


def _session_message(text: str, *blocks: str) -> str:
    """What the strands session manager writes as a turn's text: a JSON SessionMessage."""
    content = [{"text": block} for block in blocks] + [{"text": text}]
    return json.dumps({"message": {"role": "user", "content": content}, "message_id": 0})


def test_turns_are_read_from_session_messages_without_injected_context() -> None:
    payload: list[dict[str, Any]] = [
        {
            "conversational": {
                "role": "USER",
                "content": {
                    "text": _session_message(
                        "Do you remember my name?",
                        "<user_context>The user's name is Eve.</user_context>",
                    )
                },
            }
        },
        {"conversational": {"role": "ASSISTANT", "content": {"text": "Plain text works too"}}},
        {"blob": json.dumps({"agent": "state"})},
    ]
    assert extraction.turns(payload) == [
        Turn("USER", "Do you remember my name?"),
        Turn("ASSISTANT", "Plain text works too"),
    ]


def test_facts_are_the_users_own_statements_newest_first_per_topic() -> None:
    conversation = [
        Turn("USER", "hi, my name is alice and I bought PROD-7"),
        Turn("ASSISTANT", "My name is Support Bot"),  # not the user's word
        Turn("USER", "my email is alice@example.com"),
        Turn("USER", "Sorry, call me Ally. I own PROD-2."),
    ]
    assert [(f.topic, f.text) for f in extraction.facts(conversation)] == [
        ("purchase PROD-7", "The user owns PROD-7."),
        ("email", "The user's email address is alice@example.com."),
        ("name", "The user's name is Ally."),
        ("purchase PROD-2", "The user owns PROD-2."),
    ]
    assert extraction.facts([Turn("USER", "What is your return policy?")]) == []


def test_a_summary_quotes_what_the_user_said_in_order() -> None:
    said = [Turn("USER", f"question {n}") for n in range(10)] + [Turn("ASSISTANT", "answer")]
    summary = extraction.summary(said)
    assert summary is not None
    assert summary.startswith("In this session the user said (after 2 earlier messages):")
    assert summary.index('"question 2"') < summary.index('"question 9"')
    assert "answer" not in summary
    assert extraction.summary([Turn("ASSISTANT", "hello")]) is None


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("Do you remember my name?", "The user's name is Alice.", 1 / 6**0.5),
        ("What is my email?", "The user's email address is a@b.c.", 0.5),
        ("return policy", "The user's name is Alice.", 0.0),
        ("the of and", "anything at all", 0.0),
        ("Alice name", "name alice", 1.0),
    ],
)
def test_relevance_is_the_cosine_of_content_words(query: str, text: str, expected: float) -> None:
    assert relevance.score(query, text) == pytest.approx(expected)


def test_memories_events_and_records_outlive_the_process_that_wrote_them(tmp_path: Path) -> None:
    path = tmp_path / "memory.sqlite"
    first = MemoryService(MemoryStore(path))
    memory = first.create_memory("123456789012", "us-east-1", "Kept", 30, STRATEGIES)
    first.create_event(
        memory.memory_id,
        "alice",
        "s1",
        1_800_000_000.0,
        [{"conversational": {"role": "USER", "content": {"text": "My name is Alice"}}}],
    )
    again = MemoryService(MemoryStore(path))  # a stack restart: a new process, same file
    assert again.memory(memory.arn) == memory  # by ARN as well as by id
    facts = again.records(memory.memory_id, namespace="/users/alice/facts", namespace_path=None)
    assert [r.text for r in facts.items] == ["The user's name is Alice."]
    events = again.events(memory.memory_id, "alice", "s1")
    # AWS's event ids: the time in milliseconds, 19 digits, then '#' and hex.
    [event] = events.items
    assert event.event_id.startswith("0000001800000000000#")


def test_what_the_store_serves_from_memory_is_what_its_file_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Reads come from what the store decoded; a restart reads the file. Both must agree
    # after writes, deletes, and sessions dropped from the store's memory and read again.
    monkeypatch.setattr(store, "SESSIONS_KEPT", 2)
    path = tmp_path / "memory.sqlite"
    service = MemoryService(MemoryStore(path))
    memory = service.create_memory("123456789012", "us-east-1", "Kept", 30, STRATEGIES)
    said = [{"conversational": {"role": "USER", "content": {"text": "My name is Alice"}}}]
    # Out of order on purpose: a session lists its events by time, whatever the write order.
    for session, moment in [("s1", 3.0), ("s1", 1.0), ("s2", 2.0), ("s3", 1.0), ("s1", 2.0)]:
        service.create_event(memory.memory_id, "alice", session, 1_800_000_000 + moment, said)
    first = service.events(memory.memory_id, "alice", "s1").items[-1]
    service.delete_event(memory.memory_id, "alice", "s1", first.event_id)
    [summary] = service.records(
        memory.memory_id, namespace="/summaries/alice/s2", namespace_path=None
    ).items
    service.delete_record(memory.memory_id, summary.record_id)

    def everything(service: MemoryService) -> tuple[dict[str, list[Any]], list[Any], list[Any]]:
        sessions = {
            name: service.events(memory.memory_id, "alice", name).items
            for name in ("s1", "s2", "s3")
        }
        records = service.records(memory.memory_id, namespace=None, namespace_path="/")
        return sessions, records.items, service.memories("123456789012", "us-east-1")

    served = everything(service)
    assert [e.timestamp for e in served[0]["s1"]] == [1_800_000_003.0, 1_800_000_002.0]
    assert summary not in served[1]
    assert served == everything(MemoryService(MemoryStore(path)))


def test_the_service_refuses_what_aws_refuses(tmp_path: Path) -> None:
    service = MemoryService(MemoryStore(tmp_path / "memory.sqlite"))
    with pytest.raises(Invalid):
        service.create_memory("1", "us-east-1", "bad-name", 30, [])
    with pytest.raises(Invalid):
        service.create_memory("1", "us-east-1", "Short", 2, [])
    with pytest.raises(Invalid):
        service.create_memory("1", "us-east-1", "Odd", 30, [{"unknownStrategy": {"name": "x"}}])
    with pytest.raises(ResourceNotFound):
        service.events("Missing-0123456789", "a", "s")
    memory = service.create_memory("1", "us-east-1", "Fine", 30, STRATEGIES)
    with pytest.raises(Invalid):
        service.events(memory.memory_id, "a", "s", max_results=101)
    with pytest.raises(Invalid):
        service.records(memory.memory_id, namespace="/a", namespace_path="/a")


def test_a_long_sessions_summary_counts_every_message_and_reads_the_store_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The service counts a session's user turns as events come (a turn's extraction
    reads its own event, not the session again), and a new service, as after a restart,
    or an event dated before the newest, reads them from the store."""
    kept = MemoryStore(tmp_path / "memory.sqlite3")
    service = MemoryService(kept, clock=lambda: 1.0)
    memory = service.create_memory("123456789012", "us-east-1", "Long", 30, STRATEGIES)
    reads: list[tuple[str, ...]] = []
    events_of = kept.events

    def counted(*key: str) -> Any:
        reads.append(key)
        return events_of(*key)

    monkeypatch.setattr(kept, "events", counted)

    def say(on: MemoryService, number: int, text: str, role: str = "USER") -> None:
        payload = [{"conversational": {"content": {"text": text}, "role": role}}]
        on.create_event(memory.memory_id, "alice", "s1", 1000.0 + number, payload)

    def summary(on: MemoryService) -> str:
        [record] = on.records(
            memory.memory_id, namespace="/summaries/alice/s1", namespace_path=None
        ).items
        return record.text

    for number in range(20):
        say(service, number, f"message {number}")
        say(service, number, f"answer {number}", role="ASSISTANT")
    assert len(reads) == 1
    assert summary(service).startswith("In this session the user said (after 12 earlier messages)")
    assert '"message 19"' in summary(service) and '"message 11"' not in summary(service)

    restarted = MemoryService(kept, clock=lambda: 1.0)
    say(restarted, 20, "My name is Alice")
    say(restarted, 5, "a message dated earlier")
    assert len(reads) == 3
    assert "(after 14 earlier messages)" in summary(restarted)
    assert [
        r.text
        for r in restarted.records(
            memory.memory_id, namespace="/users/alice/facts", namespace_path=None
        ).items
    ] == ["The user's name is Alice."]
