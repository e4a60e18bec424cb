"""Bring a real model: the stack's Bedrock forwards Converse to an OpenAI-compatible server.

The server here is a small chat-completions server written for the test (starlette on a
loopback thread), streaming its answers as server-sent events in several chunks. It
decides from what it is sent, as a model would: a tool call when the prompt asks for a
return policy and tools are offered, an answer from the tool's result on the next call,
an HTTP 500 or an answer broken off when asked, and text otherwise. Every request it
gets is kept, so the tests read what the stack sent it.

The mapping is tested on its own (no server), then the model against the server, then
through moto's bedrock-runtime handler with boto3 and a strands ``Agent`` doing a tool
round trip, and last ``agentcore-local up --model-endpoint`` on a stack of the test's own.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from helpers.emulator import stack
from helpers.emulator.aws.api import AwsApiServer
from helpers.emulator.bedrock.converse import ConverseResponse, folded
from helpers.emulator.bedrock.errors import Invalid, ModelError, ModelStreamError, ModelTimeout
from helpers.emulator.bedrock.openai_compat import (
    OpenAICompatibleModel,
    Turn,
    chat_request,
    sse_chunks,
)
from helpers.emulator.cli import main as cli_main
from helpers.emulator.core import model_choice as choice
from helpers.emulator.core.model_choice import ModelChoice, ModelChoiceError
from helpers.emulator.core.state import StackLayout
from tests.support import port_base_beside_the_suite, serve_on_a_thread

MODEL_ID = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"
MODEL_NAME = "tiny-test-model"
SYSTEM_PROMPT = "You are a helpful customer support assistant."
RETURN_POLICY_SCHEMA = {
    "type": "object",
    "properties": {"product_category": {"type": "string"}},
    "required": ["product_category"],
}
RETURN_POLICY = {
    "toolSpec": {
        "name": "get_return_policy",
        "description": "Get the return policy of a product category.",
        "inputSchema": {"json": RETURN_POLICY_SCHEMA},
    }
}
HELLO_CHUNKS = ["Hello", " from", " a real", " model."]


def user(*texts: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"text": text} for text in texts]}


def _text(events: list[dict[str, Any]]) -> str:
    return "".join(
        e["contentBlockDelta"]["delta"].get("text", "") for e in events if "contentBlockDelta" in e
    )


# --- the test's OpenAI-compatible server -------------------------------------------------------


def _sse(*chunks: dict[str, Any] | str) -> list[str]:
    return [f"data: {c if isinstance(c, str) else json.dumps(c)}\n\n" for c in chunks]


def _delta(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return {"id": "chatcmpl-1", "object": "chat.completion.chunk", "choices": [choice]}


USAGE = {"choices": [], "usage": {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49}}


def _answer(body: dict[str, Any], release: threading.Event) -> Response:
    """What the test's model says to ``body``, a chat-completions request.

    Asked to ``hold``, it sends its first chunk, then waits for ``release`` (at most 5 s).
    """
    last = body["messages"][-1]
    prompt = str(last.get("content") or "")
    if last["role"] == "tool":
        words = f"Here is what I found: {last['content']}".split(" ")
        pieces = [word + " " for word in words[:-1]] + words[-1:]
        chunks = [_delta({"content": piece}) for piece in pieces]
        return _stream(*chunks, _delta({}, "stop"), USAGE, "[DONE]")
    if "fail" in prompt:
        return JSONResponse({"error": {"message": "the GPU caught fire"}}, status_code=500)
    if "missing model" in prompt:
        message = f'model "{body["model"]}" not found, try pulling it first'
        return JSONResponse({"error": {"message": message}}, status_code=404)
    if "break" in prompt:
        broken = {"error": {"message": "out of memory"}}
        return _stream(_delta({"role": "assistant", "content": "Let me"}), broken)
    if "return policy" in prompt and body.get("tools"):
        call = {"index": 0, "id": "call_abc123", "type": "function"}
        return _stream(
            _delta({"tool_calls": [{**call, "function": {"name": "get_return_policy"}}]}),
            _delta({"tool_calls": [{"index": 0, "function": {"arguments": '{"product_'}}]}),
            _delta(
                {"tool_calls": [{"index": 0, "function": {"arguments": 'category": "audio"}'}}]}
            ),
            _delta({}, "tool_calls"),
            USAGE,
            "[DONE]",
        )
    first, *rest = HELLO_CHUNKS
    chunks = [_delta({"role": "assistant", "content": first})]
    chunks += [_delta({"content": piece}) for piece in rest]
    held = release if "hold" in prompt else None
    return _stream(*chunks, _delta({}, "stop"), USAGE, "[DONE]", hold=held)


def _stream(
    *chunks: dict[str, Any] | str, hold: threading.Event | None = None
) -> StreamingResponse:
    async def events() -> AsyncIterator[str]:
        for number, event in enumerate(_sse(*chunks)):
            yield event
            await asyncio.sleep(0.005)  # one chunk at a time, as a model writes
            if hold is not None and number == 0:
                await asyncio.to_thread(hold.wait, 5)

    return StreamingResponse(events(), media_type="text/event-stream")


class ChatServer:
    """The requests the test's server got, and its base URL (``…/v1``)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.base_url = ""
        self.release = threading.Event()

    def app(self) -> Starlette:
        async def completions(request: Request) -> Response:
            body = await request.json()
            self.requests.append(body)
            if "slow" in str(body["messages"][-1].get("content")):
                await asyncio.sleep(2)
            return _answer(body, self.release)

        async def models(request: Request) -> Response:
            return JSONResponse({"object": "list", "data": [{"id": MODEL_NAME}]})

        return Starlette(
            routes=[
                Route("/v1/chat/completions", completions, methods=["POST"]),
                Route("/v1/models", models),
            ]
        )


@pytest.fixture(scope="module")
def chat_server() -> Iterator[ChatServer]:
    server = ChatServer()
    with serve_on_a_thread(server.app()) as served:
        server.base_url = f"{served.url}/v1"
        yield server


@pytest.fixture
def chat(chat_server: ChatServer) -> ChatServer:
    chat_server.requests.clear()
    return chat_server


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def down_url() -> str:
    """A loopback URL where nothing listens."""
    return f"http://127.0.0.1:{_free_port()}/v1"


# --- the mapping, request side -----------------------------------------------------------------


def test_a_converse_request_maps_to_chat_completions() -> None:
    tool_use = {"toolUseId": "tooluse_1", "name": "get_return_policy", "input": {"a": 1}}
    request = {
        "modelId": MODEL_ID,
        "system": [{"text": SYSTEM_PROMPT}, {"cachePoint": {"type": "default"}}],
        "messages": [
            user("<user_context>The user's name is Alice.</user_context>", "Returns for audio?"),
            {"role": "assistant", "content": [{"text": "Let me look."}, {"toolUse": tool_use}]},
            {
                "role": "user",
                "content": [
                    {
                        "toolResult": {
                            "toolUseId": "tooluse_1",
                            "content": [{"text": "30 days"}, {"json": {"refund": "full"}}],
                            "status": "success",
                        }
                    }
                ],
            },
        ],
        "toolConfig": {"tools": [RETURN_POLICY], "toolChoice": {"auto": {}}},
        "inferenceConfig": {
            "maxTokens": 512,
            "temperature": 0.2,
            "topP": 0.9,
            "stopSequences": ["##"],
        },
    }
    body = chat_request(request, MODEL_NAME)
    assert body["model"] == MODEL_NAME
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}
    assert body["messages"] == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {
            "role": "user",
            "content": "<user_context>The user's name is Alice.</user_context>\nReturns for audio?",
        },
        {
            "role": "assistant",
            "content": "Let me look.",
            "tool_calls": [
                {
                    "id": "tooluse_1",
                    "type": "function",
                    "function": {"name": "get_return_policy", "arguments": '{"a": 1}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "tooluse_1", "content": '30 days\n{"refund": "full"}'},
    ]
    assert body["tools"] == [
        {
            "type": "function",
            "function": {
                "name": "get_return_policy",
                "description": "Get the return policy of a product category.",
                "parameters": RETURN_POLICY_SCHEMA,
            },
        }
    ]
    assert body["tool_choice"] == "auto"
    assert (body["max_tokens"], body["temperature"], body["top_p"], body["stop"]) == (
        512,
        0.2,
        0.9,
        ["##"],
    )


@pytest.mark.parametrize(
    ("tool_choice", "expected"),
    [
        ({"auto": {}}, "auto"),
        ({"any": {}}, "required"),
        (
            {"tool": {"name": "get_return_policy"}},
            {"type": "function", "function": {"name": "get_return_policy"}},
        ),
    ],
)
def test_tool_choice_maps_to_auto_required_or_a_named_function(
    tool_choice: dict[str, Any], expected: Any
) -> None:
    request = {
        "messages": [user("hi")],
        "toolConfig": {"tools": [RETURN_POLICY], "toolChoice": tool_choice},
    }
    assert chat_request(request, MODEL_NAME)["tool_choice"] == expected


def test_without_tools_or_options_nothing_of_them_is_sent() -> None:
    body = chat_request({"messages": [user("hi")]}, MODEL_NAME)
    assert set(body) == {"model", "messages", "stream", "stream_options"}
    assert body["messages"] == [{"role": "user", "content": "hi"}]


def test_a_failed_tool_result_says_error_and_tool_results_come_before_the_turns_text() -> None:
    call = {"toolUseId": "t1", "name": "get_return_policy", "input": {}}
    result = {"toolUseId": "t1", "content": [{"text": "no such category"}], "status": "error"}
    body = chat_request(
        {
            "messages": [
                user("hi"),
                {"role": "assistant", "content": [{"toolUse": call}]},
                {"role": "user", "content": [{"text": "and quickly"}, {"toolResult": result}]},
            ]
        },
        MODEL_NAME,
    )
    assert body["messages"][1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "t1",
                "type": "function",
                "function": {"name": "get_return_policy", "arguments": "{}"},
            }
        ],
    }
    assert body["messages"][2:] == [
        {"role": "tool", "tool_call_id": "t1", "content": "Error: no such category"},
        {"role": "user", "content": "and quickly"},
    ]


def test_an_image_is_refused_as_a_validation_error_naming_the_block() -> None:
    image = {"image": {"format": "png", "source": {"bytes": b"..."}}}
    with pytest.raises(Invalid) as refused:
        chat_request(
            {"messages": [{"role": "user", "content": [image]}]}, MODEL_NAME, "http://x/v1"
        )
    assert refused.value.code == "ValidationException"
    assert "'image'" in refused.value.message and "--scripted-model" in refused.value.message


# --- the mapping, answer side ------------------------------------------------------------------


def _turn(*chunks: dict[str, Any]) -> list[dict[str, Any]]:
    turn = Turn()
    events = [event for chunk in chunks for event in turn.read(chunk)]
    return events + list(turn.end(started=0.0))


def test_text_deltas_are_one_text_block_and_usage_is_the_servers() -> None:
    events = _turn(_delta({"content": "Hel"}), _delta({"content": "lo"}), _delta({}, "stop"), USAGE)
    assert events[:3] == [
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "Hel"}}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": "lo"}}},
        {"contentBlockStop": {"contentBlockIndex": 0}},
    ]
    assert events[3] == {"messageStop": {"stopReason": "end_turn"}}
    assert events[4]["metadata"]["usage"] == {
        "inputTokens": 42,
        "outputTokens": 7,
        "totalTokens": 49,
    }
    assert events[4]["metadata"]["metrics"]["latencyMs"] >= 0


def test_tool_calls_are_blocks_of_their_own_after_the_text() -> None:
    first = {"index": 0, "id": "call_1", "function": {"name": "a", "arguments": '{"x"'}}
    second = {"index": 1, "id": "call.2", "function": {"name": "b", "arguments": "{}"}}
    events = _turn(
        _delta({"content": "Checking."}),
        _delta({"tool_calls": [first]}),
        _delta({"tool_calls": [{"index": 0, "function": {"arguments": ": 1}"}}]}),
        _delta({"tool_calls": [second]}, "tool_calls"),
    )
    assert events[1:9] == [
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {
            "contentBlockStart": {
                "contentBlockIndex": 1,
                "start": {"toolUse": {"toolUseId": "call_1", "name": "a"}},
            }
        },
        {"contentBlockDelta": {"contentBlockIndex": 1, "delta": {"toolUse": {"input": '{"x"'}}}},
        {"contentBlockDelta": {"contentBlockIndex": 1, "delta": {"toolUse": {"input": ": 1}"}}}},
        {"contentBlockStop": {"contentBlockIndex": 1}},
        {
            "contentBlockStart": {
                "contentBlockIndex": 2,
                # Bedrock's toolUseId allows letters, digits, _ and - only.
                "start": {"toolUse": {"toolUseId": "call_2", "name": "b"}},
            }
        },
        {"contentBlockDelta": {"contentBlockIndex": 2, "delta": {"toolUse": {"input": "{}"}}}},
        {"contentBlockStop": {"contentBlockIndex": 2}},
    ]
    assert events[9] == {"messageStop": {"stopReason": "tool_use"}}
    content = folded(events)["output"]["message"]["content"]
    assert [block.get("toolUse", {}).get("input") for block in content] == [None, {"x": 1}, {}]


@pytest.mark.parametrize(
    ("finish_reason", "stop_reason"),
    [
        ("stop", "end_turn"),
        ("tool_calls", "tool_use"),
        ("length", "max_tokens"),
        ("content_filter", "content_filtered"),
        (None, "end_turn"),
    ],
)
def test_finish_reason_maps_to_stop_reason(finish_reason: str | None, stop_reason: str) -> None:
    events = _turn(_delta({"content": "x"}, finish_reason))
    assert {"messageStop": {"stopReason": stop_reason}} in events


def test_a_tool_call_that_finishes_with_stop_still_stops_for_the_tool() -> None:
    call = {"index": 0, "id": "c", "function": {"name": "a", "arguments": "{}"}}
    assert {"messageStop": {"stopReason": "tool_use"}} in _turn(
        _delta({"tool_calls": [call]}, "stop")
    )


def test_a_tool_call_without_an_id_gets_a_bedrock_like_one() -> None:
    call = {"function": {"name": "a", "arguments": {"k": "v"}}}  # no index, arguments as an object
    events = _turn(
        {"choices": [{"message": {"tool_calls": [call]}, "finish_reason": "tool_calls"}]}
    )
    start = events[0]["contentBlockStart"]["start"]["toolUse"]
    assert start["name"] == "a" and start["toolUseId"].startswith("tooluse_")
    assert folded(events)["output"]["message"]["content"][0]["toolUse"]["input"] == {"k": "v"}


def test_whole_tool_calls_without_an_index_are_told_apart_by_their_ids() -> None:
    first = {"id": "call_1", "function": {"name": "a", "arguments": "{}"}}
    second = {"id": "call_2", "function": {"name": "b", "arguments": "{}"}}
    events = _turn(_delta({"tool_calls": [first]}), _delta({"tool_calls": [second]}, "stop"))
    content = folded(events)["output"]["message"]["content"]
    assert [block["toolUse"]["toolUseId"] for block in content] == ["call_1", "call_2"]


def test_tool_arguments_that_are_not_json_read_as_empty_in_converse_as_in_strands() -> None:
    call = {"index": 0, "id": "c", "function": {"name": "a", "arguments": '{"cut off'}}
    events = _turn(_delta({"tool_calls": [call]}, "length"))
    assert {"messageStop": {"stopReason": "max_tokens"}} in events
    assert folded(events)["output"]["message"]["content"][0]["toolUse"]["input"] == {}


def test_the_event_stream_ends_at_done_and_an_error_line_breaks_it_off() -> None:
    lines = [": keep-alive", "", 'data: {"choices": []}', "", "data: [DONE]", 'data: {"late": 1}']
    assert list(sse_chunks(lines)) == [{"choices": []}]
    with pytest.raises(ModelStreamError) as broken:
        list(sse_chunks(['error: {"code": 500, "message": "context too long"}'], "http://x/v1"))
    assert "http://x/v1" in broken.value.message and "context too long" in broken.value.message
    with pytest.raises(ModelStreamError):
        list(sse_chunks(["data: {not json"]))


# --- the choice of model -----------------------------------------------------------------------


def test_the_endpoint_is_a_base_url_and_the_name_has_a_default() -> None:
    chosen = ModelChoice.forwarding(" http://127.0.0.1:11434/v1/chat/completions/ ")
    assert chosen == ModelChoice("http://127.0.0.1:11434/v1", choice.DEFAULT_MODEL_NAME)
    assert chosen.chat_url == "http://127.0.0.1:11434/v1/chat/completions"
    assert ModelChoice.from_json(chosen.to_json()) == chosen
    assert (
        ModelChoice.from_json(None).scripted
        and ModelChoice.from_json({"kind": "scripted"}).scripted
    )
    for wrong in ("127.0.0.1:11434", "ftp://host/v1", "http://user:secret@host/v1", ""):
        with pytest.raises(ModelChoiceError) as refused:
            ModelChoice.forwarding(wrong)
        assert "secret" not in str(refused.value) and "http://127.0.0.1:11434/v1" in str(
            refused.value
        )


def test_the_command_line_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(choice.ENDPOINT_ENV, raising=False)
    monkeypatch.delenv(choice.NAME_ENV, raising=False)
    assert choice.from_command_line(None, None, scripted=False) is None  # keep the stack's
    with pytest.raises(ModelChoiceError, match="--model-endpoint"):
        choice.from_command_line(None, "qwen2.5", scripted=False)
    monkeypatch.setenv(choice.ENDPOINT_ENV, "http://127.0.0.1:11434/v1")
    monkeypatch.setenv(choice.NAME_ENV, "qwen2.5")
    assert choice.from_command_line(None, None, scripted=False) == ModelChoice(
        "http://127.0.0.1:11434/v1", "qwen2.5"
    )
    assert choice.from_command_line("http://h:8000/v1", "m", scripted=False) == ModelChoice(
        "http://h:8000/v1", "m"
    )
    assert choice.from_command_line(None, None, scripted=True) == ModelChoice()


def test_the_probe_warns_when_the_endpoint_is_down_or_lacks_the_model(
    chat: ChatServer, down_url: str
) -> None:
    assert choice.probe(ModelChoice(chat.base_url, MODEL_NAME)) is None
    assert choice.probe(ModelChoice(chat.base_url, f"{MODEL_NAME}:latest")) is not None
    other = choice.probe(ModelChoice(chat.base_url, "llama3.1"))
    assert other is not None and MODEL_NAME in other and "--model-name" in other
    down = choice.probe(ModelChoice(down_url, MODEL_NAME))
    assert down is not None and down_url in down and "ollama serve" in down


# --- the model against the server --------------------------------------------------------------


def test_text_streams_in_the_servers_chunks(chat: ChatServer) -> None:
    model = OpenAICompatibleModel(chat.base_url, MODEL_NAME)
    events = list(model({"modelId": MODEL_ID, "messages": [user("Hello!")]}))
    assert events[0] == {"messageStart": {"role": "assistant"}}
    deltas = [e["contentBlockDelta"]["delta"]["text"] for e in events if "contentBlockDelta" in e]
    assert deltas == HELLO_CHUNKS
    assert events[-1]["metadata"]["usage"]["inputTokens"] == 42
    [sent] = chat.requests
    assert sent["model"] == MODEL_NAME and sent["stream"] is True


def test_an_http_error_fails_before_the_first_event_naming_the_endpoint(chat: ChatServer) -> None:
    model = OpenAICompatibleModel(chat.base_url, MODEL_NAME)
    with pytest.raises(ModelError) as failed:
        next(iter(model({"messages": [user("please fail")]})))
    assert failed.value.originalStatusCode == 500
    assert chat.base_url in failed.value.message and "the GPU caught fire" in failed.value.message
    with pytest.raises(ModelError) as missing:
        next(iter(model({"messages": [user("missing model")]})))
    assert "not found" in missing.value.message and "--model-name" in missing.value.message


def test_a_server_that_is_down_or_silent_fails_at_once(chat: ChatServer, down_url: str) -> None:
    with pytest.raises(ModelError) as down:
        next(iter(OpenAICompatibleModel(down_url, MODEL_NAME)({"messages": [user("Hi")]})))
    assert down_url in down.value.message and "ollama serve" in down.value.message
    assert "--scripted-model" in down.value.message
    impatient = OpenAICompatibleModel(chat.base_url, MODEL_NAME, timeout=httpx.Timeout(0.2))
    with pytest.raises(ModelTimeout) as silent:
        next(iter(impatient({"messages": [user("slow")]})))
    assert "0 s" in silent.value.message and chat.base_url in silent.value.message


# --- through moto's bedrock-runtime handler, read by boto3 and strands -------------------------

DOWN_MODEL_ID = "down.model-v1:0"


@pytest.fixture(scope="module")
def bedrock_url(chat_server: ChatServer, down_url: str) -> Iterator[str]:
    """moto's bedrock-runtime with ConverseResponse forwarding to the test's server.

    Signed calls are required by the guard; the key is not checked (moto's IAM check
    would be switched on for this whole process: tests/test_bedrock.py checks it on a stack).
    """
    forwarding = OpenAICompatibleModel(chat_server.base_url, MODEL_NAME)
    down = OpenAICompatibleModel(down_url, MODEL_NAME)

    def model(request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        return (down if request.get("modelId") == DOWN_MODEL_ID else forwarding)(request)

    port = _free_port()
    server = AwsApiServer(port, {"bedrockruntime": lambda: ConverseResponse(model)})
    server.guard.signatures_required = True
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def session() -> boto3.Session:
    return boto3.Session(
        aws_access_key_id="test-key", aws_secret_access_key="test-secret", region_name="us-east-1"
    )


@pytest.fixture(scope="module")
def bedrock(bedrock_url: str, session: boto3.Session) -> Any:
    # One attempt: a retried error would hide how fast it came.
    config = Config(retries={"max_attempts": 1, "mode": "standard"})
    return session.client("bedrock-runtime", endpoint_url=bedrock_url, config=config)


def test_converse_stream_through_boto3_streams_the_servers_text(
    bedrock: Any, chat: ChatServer
) -> None:
    events = list(bedrock.converse_stream(modelId=MODEL_ID, messages=[user("Hello!")])["stream"])
    names = [next(iter(event)) for event in events]
    assert names[0] == "messageStart" and names[-2:] == ["messageStop", "metadata"]
    assert names.count("contentBlockDelta") == len(HELLO_CHUNKS)
    assert _text(events) == "".join(HELLO_CHUNKS)
    assert events[-1]["metadata"]["usage"]["totalTokens"] == 49
    answer = bedrock.converse(modelId=MODEL_ID, messages=[user("Hello!")])
    assert answer["output"]["message"]["content"] == [{"text": "".join(HELLO_CHUNKS)}]
    assert answer["stopReason"] == "end_turn"


def test_each_event_reaches_boto3_as_the_server_sends_it(bedrock: Any, chat: ChatServer) -> None:
    """The server holds its answer after the first chunk until the test has read that chunk."""
    chat.release.clear()
    started = time.monotonic()
    stream = bedrock.converse_stream(modelId=MODEL_ID, messages=[user("hold on")])["stream"]
    events = []
    for event in stream:
        events.append(event)
        if "contentBlockDelta" in event and not chat.release.is_set():
            assert time.monotonic() - started < 4, "the first chunk waited for the last"
            chat.release.set()
    assert chat.release.is_set() and _text(events) == "".join(HELLO_CHUNKS)


def test_errors_reach_boto3_as_bedrocks(bedrock: Any, chat: ChatServer) -> None:
    for call in (bedrock.converse, bedrock.converse_stream):
        with pytest.raises(ClientError) as failed:
            call(modelId=MODEL_ID, messages=[user("please fail")])
        error = failed.value.response["Error"]
        assert error["Code"] == "ModelErrorException"
        assert failed.value.response["ResponseMetadata"]["HTTPStatusCode"] == 424
        assert chat.base_url in error["Message"] and "the GPU caught fire" in error["Message"]
        with pytest.raises(ClientError) as down:
            call(modelId=DOWN_MODEL_ID, messages=[user("Hi")])
        assert down.value.response["Error"]["Code"] == "ModelErrorException"
        assert "cannot be reached" in down.value.response["Error"]["Message"]


def test_an_answer_broken_off_ends_the_stream_with_an_exception_frame(bedrock: Any) -> None:
    stream = bedrock.converse_stream(modelId=MODEL_ID, messages=[user("break, please")])["stream"]
    seen: list[dict[str, Any]] = []
    with pytest.raises(ClientError) as broken:
        seen.extend(stream)
    assert broken.value.response["Error"]["Code"] == "modelStreamErrorException"
    assert "out of memory" in broken.value.response["Error"]["Message"]
    assert _text(seen) == "Let me"  # what came before the break was streamed
    with pytest.raises(ClientError) as failed:  # Converse has no stream: the call fails
        bedrock.converse(modelId=MODEL_ID, messages=[user("break, please")])
    assert failed.value.response["Error"]["Code"] == "ModelErrorException"


def test_a_strands_agent_does_a_tool_round_trip_through_the_forwarded_model(
    bedrock_url: str, session: boto3.Session, chat: ChatServer
) -> None:
    from strands import Agent, tool
    from strands.models import BedrockModel

    @tool
    def get_return_policy(product_category: str) -> str:
        """Get the return policy of a product category.

        Args:
            product_category: the category, such as audio or electronics
        """
        return f"{product_category} items can be returned within 30 days."

    agent = Agent(
        model=BedrockModel(model_id=MODEL_ID, boto_session=session, endpoint_url=bedrock_url),
        tools=[get_return_policy],
        system_prompt=SYSTEM_PROMPT,
        callback_handler=None,
    )
    answer = str(agent("What is the return policy for audio?"))
    assert "audio items can be returned within 30 days." in answer

    first, second = chat.requests
    assert first["model"] == MODEL_NAME
    assert first["messages"] == [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": "What is the return policy for audio?"},
    ]
    [offered] = first["tools"]
    assert offered["type"] == "function"
    assert offered["function"]["name"] == "get_return_policy"
    assert offered["function"]["parameters"]["properties"]["product_category"]["type"] == "string"
    assert first["tool_choice"] == "auto"
    # The second call carries the call the model made and what the tool returned.
    assert second["messages"][2] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_abc123",
                "type": "function",
                "function": {
                    "name": "get_return_policy",
                    "arguments": '{"product_category": "audio"}',
                },
            }
        ],
    }
    assert second["messages"][3] == {
        "role": "tool",
        "tool_call_id": "call_abc123",
        "content": "audio items can be returned within 30 days.",
    }


# --- agentcore-local up --model-endpoint ---------------------------------------------------------


@pytest.mark.stack
def test_up_keeps_the_model_endpoint_status_shows_it_and_converse_goes_there(
    chat: ChatServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("AGENTCORE_LOCAL_PORT_BASE", port_base_beside_the_suite(50))
    monkeypatch.delenv(choice.ENDPOINT_ENV, raising=False)
    chosen = ModelChoice(chat.base_url, MODEL_NAME)
    up = ["--home", str(home), "up"]
    try:
        assert (
            cli_main([*up, "--model-endpoint", chat.base_url + "/", "--model-name", MODEL_NAME])
            == 0
        )
        said = capsys.readouterr().out
        assert f"Bedrock's Converse goes to {MODEL_NAME} at {chat.base_url}" in said
        assert ModelChoice.read(StackLayout(home).model_file) == chosen

        assert cli_main(["--home", str(home), "status", "--json"]) == 0
        report = json.loads(capsys.readouterr().out)
        assert report["model"] == {
            "kind": "openai-compatible",
            "endpoint": chat.base_url,
            "name": MODEL_NAME,
        }
        assert cli_main(["--home", str(home), "status"]) == 0
        assert f"Converse answered by {MODEL_NAME} at {chat.base_url}" in capsys.readouterr().out

        state = stack.read_state(home)
        assert state is not None
        keys = stack.credentials(home)
        bedrock = boto3.client(
            "bedrock-runtime",
            endpoint_url=state.aws_endpoint_url,
            region_name=state.region,
            aws_access_key_id=keys.aws_access_key_id,
            aws_secret_access_key=keys.aws_secret_access_key,
        )
        answer = bedrock.converse(modelId=MODEL_ID, messages=[user("Hello!")])
        assert answer["output"]["message"]["content"] == [{"text": "".join(HELLO_CHUNKS)}]
        # The stack's warm-up asked no model: the one request is this Converse.
        assert [request["model"] for request in chat.requests] == [MODEL_NAME]

        # Without the option, `up` keeps the stack and its model.
        assert cli_main(up) == 0
        assert "already running" in capsys.readouterr().out
        again = stack.read_state(home)
        assert again is not None and again.pid == state.pid and again.model == chosen
    finally:
        stack.down(home)
    # The next start reads the same choice.
    assert ModelChoice.read(StackLayout(home).model_file) == chosen
