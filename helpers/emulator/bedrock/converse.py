"""``Converse`` and ``ConverseStream`` in moto's bedrock-runtime protocol handler.

moto routes ``POST /model/{modelId}/converse`` and ``…/converse-stream`` (signed for
``bedrock``) here and checks the signature; moto's serializers write the answers by the
botocore model: ``Converse`` as JSON, ``ConverseStream`` as ``application/vnd.amazon.
eventstream`` frames (``:event-type`` ``messageStart``, ``contentBlockDelta`` …). The
frames are sent as they are made, not joined into one body, so a client sees the
answer stream. Other bedrock-runtime operations are moto's.
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

EVENT_STREAM = "application/vnd.amazon.eventstream"
# A model: the Converse request's parameters in, the events of one assistant turn out.
Model = Callable[[dict[str, Any]], Iterable[dict[str, Any]]]


def frames(events: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """``ConverseStream``'s events as AWS event-stream frames, one by one."""
    operation = get_service_model("bedrock-runtime").operation_model("ConverseStream")
    serializer = EventStreamJSONSerializer(operation)
    encoder = EventStreamEncoder()
    for message in EventStream({"stream": events}, operation.output_shape, serializer):
        yield encoder.encode_event(message)


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
            block["toolUse"]["input"] = json.loads(block["toolUse"]["input"] or "{}")
    return {"output": {"message": {"role": "assistant", "content": content}}, **answer}


class ConverseResponse(BedrockRuntimeResponse):
    """moto's bedrock-runtime handler with the Converse operations answered by ``model``."""

    def __init__(self, model: Model) -> None:
        super().__init__()
        self._model = model

    def converse(self) -> ActionResult:
        return ActionResult(folded(self._model(self.params)))

    def converse_stream(self) -> tuple[int, dict[str, str], Iterator[bytes]]:
        return 200, {"Content-Type": EVENT_STREAM}, frames(self._model(self.params))
