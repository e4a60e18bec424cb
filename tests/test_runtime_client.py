"""The Runtime's one client (helpers.wire.runtime_client): its event stream, its errors.

No stack here: an ``httpx.MockTransport`` answers as the Runtime and the SDK do, so
each case shows what the notebooks and ``agentcore-local invoke`` make of one answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import httpx
import pytest

from helpers.wire.invocation import SESSION_HEADER, sse_chunks
from helpers.wire.invoke_errors import (
    AgentFailed,
    InvokeClientError,
    InvokeError,
    InvokeForbidden,
    InvokeServerError,
    InvokeUnauthorized,
)
from helpers.wire.runtime_client import error_for, raise_if_failed, stream_invoke

URL = "https://127.0.0.1:1/runtimes/arn/invocations?qualifier=DEFAULT"
EVENT_STREAM = {"content-type": "text/event-stream"}
LOG = ".workshop/stack/logs/runtime-CustomerSupport.log"


def _events(*reads: bytes) -> httpx.Response:
    """An event stream that arrives in these network reads."""
    return httpx.Response(200, headers=EVENT_STREAM, content=iter(reads))


def _client(answer: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(answer))


def _invoke(answer: Callable[[httpx.Request], httpx.Response], **options: str) -> list[str]:
    with _client(answer) as client:
        return list(
            stream_invoke(
                client,
                URL,
                {"prompt": "hi"},
                bearer_token=options.get("bearer_token"),
                session_id=options.get("session_id"),
                agent_log=LOG,
            )
        )


# --- the event stream ------------------------------------------------------------------------


def test_an_event_of_several_data_lines_arrives_joined_by_newlines() -> None:
    response = _events(
        b'data: {"answer":\ndata: 1}\n\n',
        b"data: first line\ndata: second line\n\n",
    )
    assert list(sse_chunks(response)) == ['{"answer": 1}', "first line\nsecond line"]


def test_an_event_split_across_network_reads_arrives_whole() -> None:
    response = _events(b'data: "Hel', b'lo"\n', b'\ndata: " wor', b"ld \xc3", b'\xa9"\r\n\r\n')
    assert list(sse_chunks(response)) == ["Hello", " world é"]


def test_each_event_is_yielded_before_the_next_read() -> None:
    read = []

    def reads() -> Iterator[bytes]:
        for block in (b'data: "one"\n\n', b'data: "two"\n\n'):
            read.append(block)
            yield block

    chunks = sse_chunks(httpx.Response(200, headers=EVENT_STREAM, content=reads()))
    assert next(chunks) == "one" and len(read) == 1
    assert list(chunks) == ["two"]


def test_json_strings_are_unquoted_and_other_json_kept_and_empty_events_skipped() -> None:
    response = _events(b'data: "a \\"quoted\\" word"\n\nid: 7\n\ndata: [1, 2]\n\ndata: {oops\n\n')
    assert list(sse_chunks(response)) == ['a "quoted" word', "[1, 2]", "{oops"]


# --- the call ----------------------------------------------------------------------------------


def test_the_call_carries_the_prompt_the_token_and_the_session() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _events(b'data: "Hello"\n\n', b'data: "!"\n\n')

    session = "s" * 36
    assert _invoke(answer, bearer_token="t0ken", session_id=session) == ["Hello", "!"]
    (request,) = seen
    assert json.loads(request.content) == {"prompt": "hi"}
    assert request.headers["Authorization"] == "Bearer t0ken"
    assert request.headers[SESSION_HEADER] == session
    assert request.headers["Accept"].startswith("text/event-stream")
    _invoke(answer)
    assert "Authorization" not in seen[1].headers and SESSION_HEADER not in seen[1].headers


def test_an_answer_that_is_not_streamed_is_one_chunk() -> None:
    assert _invoke(lambda _: httpx.Response(200, json="The whole answer")) == ["The whole answer"]


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (401, InvokeUnauthorized),
        (403, InvokeForbidden),
        (404, InvokeClientError),
        (502, InvokeServerError),
    ],
)
def test_a_refusal_is_raised_with_its_status_type_and_message(
    status: int, kind: type[InvokeError]
) -> None:
    def answer(_: httpx.Request) -> httpx.Response:
        headers = {"x-amzn-ErrorType": "SomeException:http://internal.amazon.com/"}
        return httpx.Response(status, headers=headers, json={"message": "no entry"})

    with pytest.raises(kind) as refused:
        _invoke(answer)
    assert type(refused.value) is kind
    assert str(refused.value) == f"HTTP {status} SomeException: no entry"
    assert (refused.value.status, refused.value.message) == (status, "no entry")


def test_a_refusal_without_a_type_or_json_names_the_status_and_the_text() -> None:
    with pytest.raises(InvokeClientError) as refused:
        _invoke(lambda _: httpx.Response(400, text="  bad session id \n"))
    assert str(refused.value) == "HTTP 400 Bad Request: bad session id"


# --- the agent's own failures ----------------------------------------------------------------


def test_the_sdks_streamed_error_event_becomes_an_error_naming_the_log() -> None:
    event = json.dumps(
        {
            "error": "get_or_create_agent() missing 1 required positional argument",
            "error_type": "TypeError",
            "message": "An error occurred during streaming",
        }
    )
    with pytest.raises(AgentFailed) as failed:
        raise_if_failed(event, LOG)
    assert "raised TypeError: get_or_create_agent() missing" in str(failed.value)
    assert LOG in str(failed.value)
    assert raise_if_failed('{"answer": 1}', "log") == '{"answer": 1}'


def test_an_error_event_after_the_first_chunks_ends_the_answer_with_agent_failed() -> None:
    error = {"error": "boom", "error_type": "ValueError", "message": "streaming failed"}
    events = (b'data: "Let me"\n\n', f"data: {json.dumps(error)}\n\n".encode())
    chunks: list[str] = []
    with _client(lambda _: _events(*events)) as client, pytest.raises(AgentFailed) as failed:
        for chunk in stream_invoke(
            client, URL, {"prompt": "hi"}, bearer_token=None, session_id=None, agent_log=LOG
        ):
            chunks.append(chunk)
    assert chunks == ["Let me"]
    assert (failed.value.status, failed.value.error_type, failed.value.error) == (
        500,
        "ValueError",
        "boom",
    )


def test_the_sdks_500_body_becomes_an_error_naming_the_log() -> None:
    response = httpx.Response(500, content=b'{"error": "unsupported operand"}')
    error = error_for(response, "the CloudWatch log group /aws/x")
    assert isinstance(error, AgentFailed)
    assert "unsupported operand" in str(error) and "/aws/x" in str(error)
    with pytest.raises(AgentFailed):
        _invoke(lambda _: httpx.Response(500, json={"error": "unsupported operand"}))
