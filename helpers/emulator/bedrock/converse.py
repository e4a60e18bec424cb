"""``Converse`` and ``ConverseStream`` in moto's bedrock-runtime protocol handler.

moto routes ``POST /model/{modelId}/converse`` and ``…/converse-stream`` (signed for
``bedrock``) here and checks the signature; moto's serializers write the answers by the
botocore model: ``Converse`` as JSON, ``ConverseStream`` as ``application/vnd.amazon.
eventstream`` frames (``:event-type`` ``messageStart``, ``contentBlockDelta`` …). The
frames are sent as they are made, not joined into one body, so a client sees the
answer stream. Other bedrock-runtime operations are moto's.

A model fails with one of Bedrock's modeled errors (:mod:`.errors`). Before its first
event the call fails as AWS's does, with the error's HTTP status: ``converse_stream``
waits for that first event before it answers. After it, the stream ends with an
exception frame (``:message-type`` ``exception``), which boto3 raises while the agent
reads the stream, as it raises AWS's ``modelStreamErrorException``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from moto.bedrockruntime.responses import BedrockRuntimeResponse
from moto.core.eventstream import EventStream, EventStreamEncoder
from moto.core.responses import ActionResult
from moto.core.serialize import EventStreamJSONSerializer
from moto.core.utils import get_service_model

from helpers.emulator.bedrock.errors import BedrockRuntimeError, ModelError, ModelStreamError
from helpers.emulator.core.model_choice import ModelChoice

EVENT_STREAM = "application/vnd.amazon.eventstream"
# A model: the Converse request's parameters in, the events of one assistant turn out.
Model = Callable[[dict[str, Any]], Iterable[dict[str, Any]]]


# The stream's modeled exception when an error has none of its own there.
STREAM_ERROR = "modelStreamErrorException"


def model_for(choice: ModelChoice) -> Model:
    """The model that answers ``Converse`` for the stack's choice, for :class:`ConverseResponse`."""
    if choice.endpoint is None:
        from helpers.emulator.bedrock import scripted

        return scripted.respond
    from helpers.emulator.bedrock.openai_compat import OpenAICompatibleModel

    return OpenAICompatibleModel(choice.endpoint, choice.name)


def frames(events: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """``ConverseStream``'s events as AWS event-stream frames, one by one.

    A :class:`~.errors.BedrockRuntimeError` raised by ``events`` ends the stream with
    its exception frame.
    """
    operation = get_service_model("bedrock-runtime").operation_model("ConverseStream")
    serializer = EventStreamJSONSerializer(operation)
    encoder = EventStreamEncoder()
    try:
        for message in EventStream({"stream": events}, operation.output_shape, serializer):
            yield encoder.encode_event(message)
    except BedrockRuntimeError as error:
        yield exception_frame(error)


def exception_frame(error: BedrockRuntimeError) -> bytes:
    """``error`` as the stream's exception frame, as AWS ends a stream that failed.

    Its type is the stream's member of the error's shape (``throttlingException`` …),
    else ``modelStreamErrorException``; the payload holds the members that shape has.
    """
    operation = get_service_model("bedrock-runtime").operation_model("ConverseStream")
    stream = operation.output_shape.members[operation.output_shape.event_stream_name]
    kind = error.code[:1].lower() + error.code[1:]
    if kind not in stream.members or not stream.members[kind].metadata.get("exception"):
        kind = STREAM_ERROR
    payload = {
        member: value
        for member in stream.members[kind].members
        if (value := getattr(error, member, None)) is not None
    }
    payload["message"] = error.message
    headers = {
        ":message-type": "exception",
        ":exception-type": kind,
        ":content-type": "application/json",
    }
    return EventStreamEncoder().encode_message(headers, json.dumps(payload).encode())


def _resumed(first: dict[str, Any], rest: Iterator[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """``first`` then ``rest``; closing this closes ``rest`` (a model's open connection)."""
    try:
        yield first
        yield from rest
    finally:
        close = getattr(rest, "close", None)
        if close is not None:
            close()


def folded(events: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """One turn's stream events as ``Converse``'s answer: the message, stop reason, usage."""
    content: list[dict[str, Any]] = []
    answer: dict[str, Any] = {}
    for event in events:
        if start := event.get("contentBlockStart", {}).get("start", {}).get("toolUse"):
            content.append({"toolUse": {**start, "input": ""}})
        elif delta := event.get("contentBlockDelta", {}).get("delta"):
            if "text" in delta:
                if not content or "text" not in content[-1]:
                    content.append({"text": ""})
                content[-1]["text"] += delta["text"]
            elif "toolUse" in delta:
                content[-1]["toolUse"]["input"] += delta["toolUse"]["input"]
        elif stop := event.get("messageStop"):
            answer["stopReason"] = stop["stopReason"]
        elif metadata := event.get("metadata"):
            answer.update(metadata)
    for block in content:
        if "toolUse" in block:
            block["toolUse"]["input"] = _tool_input(block["toolUse"]["input"])
    return {"output": {"message": {"role": "assistant", "content": content}}, **answer}


def _tool_input(text: str) -> Any:
    """A tool call's input; arguments that are not JSON (a small real model's) read as ``{}``,
    as strands reads them from ``ConverseStream``."""
    try:
        return json.loads(text or "{}")
    except ValueError:
        return {}


class ConverseResponse(BedrockRuntimeResponse):
    """moto's bedrock-runtime handler with the Converse operations answered by ``model``."""

    def __init__(self, model: Model) -> None:
        super().__init__()
        self._model = model

    def converse(self) -> ActionResult:
        try:
            return ActionResult(folded(self._model(self.params)))
        except ModelStreamError as error:  # Converse has no stream to end: the call fails
            raise ModelError(error.message) from error

    def converse_stream(self) -> tuple[int, dict[str, str], Iterator[bytes]]:
        events = iter(self._model(self.params))
        # The model's first event, before the 200: a model that fails at once (its server
        # is down, say) fails the call with its error's status, as Bedrock does.
        try:
            first = next(events, None)
        except ModelStreamError as error:
            raise ModelError(error.message) from error
        if first is None:
            return 200, {"Content-Type": EVENT_STREAM}, iter(())
        return 200, {"Content-Type": EVENT_STREAM}, frames(_resumed(first, events))
