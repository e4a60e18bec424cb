"""AgentCore Memory on the local stack, through boto3 as on AWS: both planes, and who may call.

The control plane makes memories; the data plane keeps events (short-term memory) and
serves the long-term records the stack extracts from them, with AWS's request and
response shapes (botocore parses every answer). What the strands session manager relies
on is held here: events newest first, metadata filters, paging, namespaces matched
exactly or as a path prefix, and records kept per actor.
"""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from helpers.emulator.core.state import StackState

pytestmark = pytest.mark.stack

STRATEGIES = [
    {"semanticMemoryStrategy": {"name": "facts", "namespaces": ["/users/{actorId}/facts"]}},
    {
        "summaryMemoryStrategy": {
            "name": "summaries",
            "namespaces": ["/summaries/{actorId}/{sessionId}"],
        }
    },
]


@pytest.fixture(scope="module")
def control(local_stack: StackState) -> Any:
    return boto3.client("bedrock-agentcore-control")


@pytest.fixture(scope="module")
def data(local_stack: StackState) -> Any:
    return boto3.client("bedrock-agentcore")


@pytest.fixture
def memory(control: Any) -> Iterator[dict[str, Any]]:
    made = control.create_memory(
        name=f"TestMemory_{uuid.uuid4().hex[:8]}",
        eventExpiryDuration=30,
        memoryStrategies=STRATEGIES,
    )["memory"]
    yield made
    control.delete_memory(memoryId=made["id"])


def _say(data: Any, memory: dict[str, Any], actor: str, session: str, *turns: str) -> None:
    """Each turn one event, user and assistant alternating, a millisecond apart."""
    start = datetime.now(UTC)
    for number, text in enumerate(turns):
        data.create_event(
            memoryId=memory["id"],
            actorId=actor,
            sessionId=session,
            eventTimestamp=start + timedelta(milliseconds=number),
            payload=[
                {
                    "conversational": {
                        "content": {"text": text},
                        "role": "USER" if number % 2 == 0 else "ASSISTANT",
                    }
                }
            ],
        )


def _code(call: Any) -> str:
    with pytest.raises(ClientError) as refusal:
        call()
    return str(refusal.value.response["Error"]["Code"])


def test_a_memory_is_made_read_listed_changed_and_deleted(control: Any) -> None:
    name = f"Lifecycle_{uuid.uuid4().hex[:8]}"
    made = control.create_memory(name=name, eventExpiryDuration=7, memoryStrategies=STRATEGIES)
    memory = made["memory"]
    assert memory["status"] == "CREATING"  # as AWS answers; ready at once locally
    assert memory["id"].startswith(f"{name}-") and len(memory["id"]) == len(name) + 11
    assert memory["arn"].endswith(f":memory/{memory['id']}")
    read = control.get_memory(memoryId=memory["id"])["memory"]
    assert read["status"] == "ACTIVE" and read["eventExpiryDuration"] == 7
    assert {s["type"]: s["namespaces"] for s in read["strategies"]} == {
        "SEMANTIC": ["/users/{actorId}/facts"],
        "SUMMARIZATION": ["/summaries/{actorId}/{sessionId}"],
    }
    assert memory["id"] in [m["id"] for m in control.list_memories()["memories"]]
    semantic = next(s for s in read["strategies"] if s["type"] == "SEMANTIC")
    changed = control.update_memory(
        memoryId=memory["id"],
        eventExpiryDuration=14,
        memoryStrategies={"deleteMemoryStrategies": [{"memoryStrategyId": semantic["strategyId"]}]},
    )["memory"]
    assert changed["eventExpiryDuration"] == 14
    assert [s["type"] for s in changed["strategies"]] == ["SUMMARIZATION"]
    assert control.delete_memory(memoryId=memory["id"])["status"] == "DELETING"
    assert _code(lambda: control.get_memory(memoryId=memory["id"])) == "ResourceNotFoundException"


def test_events_come_back_newest_first_filtered_and_paged(
    data: Any, memory: dict[str, Any]
) -> None:
    _say(data, memory, "alice", "session-1", "one", "two", "three")
    data.create_event(
        memoryId=memory["id"],
        actorId="alice",
        sessionId="session-1",
        eventTimestamp=datetime.now(UTC) + timedelta(seconds=1),
        payload=[{"blob": json.dumps({"state": "agent"})}],
        metadata={"stateType": {"stringValue": "AGENT"}},
    )
    events = data.list_events(
        memoryId=memory["id"], actorId="alice", sessionId="session-1", includePayloads=True
    )["events"]
    texts = [
        e["payload"][0].get("conversational", {}).get("content", {}).get("text") for e in events
    ]
    assert texts == [None, "three", "two", "one"]
    agent_state = data.list_events(
        memoryId=memory["id"],
        actorId="alice",
        sessionId="session-1",
        filter={
            "eventMetadata": [
                {
                    "left": {"metadataKey": "stateType"},
                    "operator": "EQUALS_TO",
                    "right": {"metadataValue": {"stringValue": "AGENT"}},
                }
            ]
        },
    )["events"]
    assert (
        len(agent_state) == 1 and agent_state[0]["metadata"]["stateType"]["stringValue"] == "AGENT"
    )
    first = data.list_events(
        memoryId=memory["id"], actorId="alice", sessionId="session-1", maxResults=3
    )
    assert len(first["events"]) == 3 and first["nextToken"]
    rest = data.list_events(
        memoryId=memory["id"], actorId="alice", sessionId="session-1", nextToken=first["nextToken"]
    )
    assert len(rest["events"]) == 1 and "nextToken" not in rest
    event_id = events[1]["eventId"]
    got = data.get_event(
        memoryId=memory["id"], actorId="alice", sessionId="session-1", eventId=event_id
    )["event"]
    assert got["payload"][0]["conversational"]["content"]["text"] == "three"
    data.delete_event(
        memoryId=memory["id"], actorId="alice", sessionId="session-1", eventId=event_id
    )
    assert (
        _code(
            lambda: data.get_event(
                memoryId=memory["id"], actorId="alice", sessionId="session-1", eventId=event_id
            )
        )
        == "ResourceNotFoundException"
    )


def test_facts_and_summaries_are_extracted_per_actor_and_found_by_namespace(
    data: Any, memory: dict[str, Any]
) -> None:
    _say(data, memory, "alice", "s1", "Hi, my name is Alice and I bought PROD-002", "Hello Alice")
    _say(data, memory, "alice", "s2", "Actually, call me Ally", "Sure")
    _say(data, memory, "alice2", "s1", "My name is Mallory")

    def texts(**where: str) -> list[str]:
        found = data.list_memory_records(memoryId=memory["id"], **where)["memoryRecordSummaries"]
        return sorted(record["content"]["text"] for record in found)

    # One fact per topic: the newer name replaced the older one (consolidation).
    assert texts(namespace="/users/alice/facts") == [
        "The user owns PROD-002.",
        "The user's name is Ally.",
    ]
    assert texts(namespace="/users/alice2/facts") == ["The user's name is Mallory."]
    # A path prefix finds the summaries of every session of this actor, and no other's.
    summaries = texts(namespacePath="/summaries/alice")
    assert len(summaries) == 2 and all("Mallory" not in text for text in summaries)
    assert texts(namespace="/summaries/alice") == []  # exact: no record is right there
    assert len(texts(namespacePath="/")) == 6


def test_retrieval_ranks_by_relevance_and_keeps_to_the_namespace(
    data: Any, memory: dict[str, Any]
) -> None:
    _say(data, memory, "bob", "s1", "My name is Bob", "Hi Bob", "My email is bob@example.com")
    found = data.retrieve_memory_records(
        memoryId=memory["id"],
        namespace="/users/bob/facts",
        searchCriteria={"searchQuery": "Do you remember my name?", "topK": 5},
    )["memoryRecordSummaries"]
    assert found[0]["content"]["text"] == "The user's name is Bob."
    assert found[0]["score"] > found[-1]["score"] >= 0
    assert {r["namespaces"][0] for r in found} == {"/users/bob/facts"}
    assert all(r["memoryRecordId"].startswith("mem-") for r in found)
    one = data.retrieve_memory_records(
        memoryId=memory["id"],
        namespacePath="/users/bob",
        searchCriteria={"searchQuery": "email", "topK": 1},
    )["memoryRecordSummaries"]
    assert [r["content"]["text"] for r in one] == ["The user's email address is bob@example.com."]
    record = data.get_memory_record(memoryId=memory["id"], memoryRecordId=one[0]["memoryRecordId"])
    assert record["memoryRecord"]["content"]["text"].endswith("bob@example.com.")
    data.delete_memory_record(memoryId=memory["id"], memoryRecordId=one[0]["memoryRecordId"])
    assert (
        _code(
            lambda: data.get_memory_record(
                memoryId=memory["id"], memoryRecordId=one[0]["memoryRecordId"]
            )
        )
        == "ResourceNotFoundException"
    )


def test_actors_and_sessions_are_listed(data: Any, memory: dict[str, Any]) -> None:
    _say(data, memory, "carol", "first", "hello")
    _say(data, memory, "carol", "second", "hello again")
    _say(data, memory, "dave", "only", "hi")
    actors = data.list_actors(memoryId=memory["id"])["actorSummaries"]
    assert [a["actorId"] for a in actors] == ["carol", "dave"]
    sessions = data.list_sessions(memoryId=memory["id"], actorId="carol")["sessionSummaries"]
    assert [s["sessionId"] for s in sessions] == ["first", "second"]


def test_extraction_can_be_skipped(data: Any, memory: dict[str, Any]) -> None:
    data.create_event(
        memoryId=memory["id"],
        actorId="erin",
        sessionId="s1",
        eventTimestamp=datetime.now(UTC),
        payload=[{"conversational": {"content": {"text": "My name is Erin"}, "role": "USER"}}],
        extractionMode="SKIP",
    )
    records = data.list_memory_records(memoryId=memory["id"], namespacePath="/users/erin")
    assert records["memoryRecordSummaries"] == []


def test_bad_requests_get_awss_errors(data: Any, memory: dict[str, Any]) -> None:
    event = {
        "eventTimestamp": datetime.now(UTC),
        "payload": [{"conversational": {"content": {"text": "hi"}, "role": "USER"}}],
    }
    assert (
        _code(
            lambda: data.create_event(
                memoryId="NoSuchMemory-0123456789", actorId="a", sessionId="s", **event
            )
        )
        == "ResourceNotFoundException"
    )
    assert (
        _code(
            lambda: data.create_event(memoryId=memory["id"], actorId="../a", sessionId="s", **event)
        )
        == "ValidationException"
    )
    assert (
        _code(
            lambda: data.retrieve_memory_records(
                memoryId=memory["id"], searchCriteria={"searchQuery": "name"}
            )
        )
        == "ValidationException"
    )


def test_awss_limits_on_an_event_are_kept_and_nothing_over_them_is_stored(
    data: Any, memory: dict[str, Any]
) -> None:
    """The botocore model's limits, which AWS checks on its side: 100,000 characters a
    text, 100 items an event, 15 metadata entries. botocore checks only minimums."""

    def turn(text: str) -> dict[str, Any]:
        return {"conversational": {"content": {"text": text}, "role": "USER"}}

    def create(**event: Any) -> Any:
        return data.create_event(
            memoryId=memory["id"],
            actorId="mallory",
            sessionId="s1",
            eventTimestamp=datetime.now(UTC),
            **event,
        )

    oversized: dict[str, dict[str, Any]] = {
        "payload.1.member.conversational.content.text": {"payload": [turn("x" * 100_001)]},
        "payload": {"payload": [turn("hi")] * 101},
        "metadata": {
            "payload": [turn("hi")],
            "metadata": {f"k{n}": {"stringValue": "v"} for n in range(16)},
        },
    }
    for member, event in oversized.items():
        with pytest.raises(ClientError) as refusal:
            create(**event)
        error = refusal.value.response["Error"]
        assert error["Code"] == "ValidationException"
        assert error["Message"].startswith("1 validation error detected: ")
        assert f"Value at '{member}' failed to satisfy constraint" in error["Message"]
        assert "x" * 100 not in error["Message"]  # the value is never quoted
    assert create(payload=[turn("x" * 100_000)] + [turn("hi")] * 99)["event"]["eventId"]
    stored = data.list_events(memoryId=memory["id"], actorId="mallory", sessionId="s1")
    assert len(stored["events"]) == 1


def test_a_memory_is_gone_with_its_events_and_records(control: Any, data: Any) -> None:
    name = f"Gone_{uuid.uuid4().hex[:8]}"
    memory = control.create_memory(name=name, eventExpiryDuration=3, memoryStrategies=STRATEGIES)[
        "memory"
    ]
    _say(data, memory, "frank", "s1", "My name is Frank")
    control.delete_memory(memoryId=memory["id"])
    assert (
        _code(lambda: data.list_memory_records(memoryId=memory["id"], namespacePath="/"))
        == "ResourceNotFoundException"
    )


def test_only_the_stacks_own_key_opens_memory_reads_and_deletes(
    local_stack: StackState, memory: dict[str, Any]
) -> None:
    """The GETs and DELETEs that carry no body are checked like every other call.

    (moto answers a bad signature in XML, which botocore cannot read for a REST-JSON
    service: the refusal shows as HTTP 403 with moto's words in it.)
    """
    forged = boto3.session.Session(
        aws_access_key_id=boto3.Session().get_credentials().access_key,
        aws_secret_access_key="not-the-secret",
        region_name=local_stack.region,
    )
    forged_control = forged.client("bedrock-agentcore-control")
    forged_data = forged.client("bedrock-agentcore")
    for call in (
        functools.partial(forged_control.get_memory, memoryId=memory["id"]),
        functools.partial(forged_control.delete_memory, memoryId=memory["id"]),
        functools.partial(
            forged_data.get_memory_record, memoryId=memory["id"], memoryRecordId="mem-" + "0" * 36
        ),
    ):
        with pytest.raises(ClientError) as refusal:
            call()
        assert refusal.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert "SignatureDoesNotMatch" in str(refusal.value)
    assert boto3.client("bedrock-agentcore-control").get_memory(memoryId=memory["id"])
