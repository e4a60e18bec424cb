"""The local stack's Amazon Bedrock Runtime: Converse and ConverseStream, as boto3 reads them.

The scripted model decides from what the request carries (the prompt, the tools offered,
the memory context, the tool results); boto3 reads the answers with its own parsers,
the binary event stream included, signed with the stack's key and refused unsigned.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from helpers.emulator.bedrock import scripted
from helpers.emulator.bedrock.converse import folded
from helpers.emulator.core.state import StackState

MODEL_ID = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
RETURN_POLICY = {
    "toolSpec": {
        "name": "get_return_policy",
        "description": "Get return policy information for a specific product category.",
        "inputSchema": {
            "json": {
                "type": "object",
                "properties": {"product_category": {"type": "string"}},
                "required": ["product_category"],
            }
        },
    }
}
WARRANTY = {
    "toolSpec": {
        "name": "WarrantyCheck___check_warranty_status",
        "description": "Check the warranty of a product.",
        "inputSchema": {"json": {"type": "object", "properties": {"product_id": {}}}},
    }
}


def user(*texts: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"text": text} for text in texts]}


def _text(events: list[dict[str, Any]]) -> str:
    return "".join(
        e["contentBlockDelta"]["delta"].get("text", "") for e in events if "contentBlockDelta" in e
    )


# --- the scripted model ---------------------------------------------------------------------


def test_a_question_for_a_tool_becomes_a_tool_use_named_as_the_spec_names_its_argument() -> None:
    events = scripted.respond(
        {"messages": [user("Returns for accessories?")], "toolConfig": {"tools": [RETURN_POLICY]}}
    )
    [start] = [
        e["contentBlockStart"]["start"]["toolUse"] for e in events if "contentBlockStart" in e
    ]
    assert start["name"] == "get_return_policy" and start["toolUseId"].startswith("tooluse_")
    assert folded(events)["output"]["message"]["content"][0]["toolUse"]["input"] == {
        "product_category": "accessories"
    }
    assert events[-2] == {"messageStop": {"stopReason": "tool_use"}}
    assert events[-1]["metadata"]["usage"]["inputTokens"] > 0


def test_without_the_gateways_tool_the_warranty_is_unavailable() -> None:
    events = scripted.respond({"messages": [user("Check the warranty for PROD-002")]})
    assert "unavailable" in _text(events) and events[-2]["messageStop"]["stopReason"] == "end_turn"
    with_tool = scripted.respond(
        {"messages": [user("Check the warranty for PROD-002")], "toolConfig": {"tools": [WARRANTY]}}
    )
    assert folded(with_tool)["output"]["message"]["content"][0]["toolUse"]["input"] == {
        "product_id": "PROD-002"
    }


def test_the_answer_comes_from_the_tool_result_and_memory_from_the_user_context() -> None:
    result = {
        "role": "user",
        "content": [
            {"toolResult": {"toolUseId": "tooluse_x", "content": [{"text": '{"a_b": 1}'}]}}
        ],
    }
    assert "- A b: 1" in _text(scripted.respond({"messages": [user("hi"), result]}))
    remembered = user("<user_context>The user's name is Alice.</user_context>", "My name?")
    assert "Alice" in _text(scripted.respond({"messages": [remembered]}))
    assert "don't know" in _text(scripted.respond({"messages": [user("Do you remember my name?")]}))


# --- on the wire, through the stack ---------------------------------------------------------


@pytest.fixture
def bedrock(local_stack: StackState) -> Any:
    return boto3.client("bedrock-runtime")


def test_converse_stream_is_aws_event_stream_read_by_boto3(bedrock: Any) -> None:
    answer = bedrock.converse_stream(modelId=MODEL_ID, messages=[user("Hello!")])
    events = list(answer["stream"])
    names = [next(iter(event)) for event in events]
    assert names[0] == "messageStart" and names[-2:] == ["messageStop", "metadata"]
    assert names.count("contentBlockDelta") > 1  # streamed in pieces, as a model streams
    assert "return policies" in _text(events)


def test_converse_is_the_same_turn_as_one_json_answer(bedrock: Any) -> None:
    answer = bedrock.converse(
        modelId=MODEL_ID,
        messages=[user("What's the return policy for audio?")],
        toolConfig={"tools": [RETURN_POLICY]},
    )
    assert answer["stopReason"] == "tool_use"
    tool_use = answer["output"]["message"]["content"][0]["toolUse"]
    assert tool_use["input"] == {"product_category": "audio"}
    assert answer["usage"]["totalTokens"] > 0


def test_an_unsigned_or_wrongly_signed_call_is_refused(local_stack: StackState) -> None:
    url = f"{local_stack.aws_endpoint_url}/model/{MODEL_ID}/converse"
    unsigned = httpx.post(url, json={"messages": [user("Hello!")]})
    assert unsigned.status_code == 403
    assert "MissingAuthenticationToken" in unsigned.text
    forged = boto3.client(
        "bedrock-runtime",
        aws_access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key="not-the-stacks-secret",
    )
    with pytest.raises(ClientError) as refused:
        forged.converse(modelId=MODEL_ID, messages=[user("Hello!")])
    assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
