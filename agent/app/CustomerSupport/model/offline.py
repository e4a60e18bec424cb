"""A scripted stand-in for Claude, so the agent can answer with no model service at all.

The local stack has no Bedrock. This model keeps the rest of the agent honest: it picks
its tool calls from the tool specs it is given, so a Gateway tool that did not load (say
the Gateway answered HTTP 401) changes the answer exactly as it would with Claude, and it
recalls facts only from what the session manager gave it: the conversation it restored
(short-term memory) and the long-term memory records it retrieved, which it puts at the
start of the user's turn as ``<user_context>…</user_context>``. It answers the
workshop's prompts as a model with these tools would: return policies and products
(by id or by name) through the store's tools, warranties through the Gateway's tool,
and the user's name from memory; anything else gets a short list of what it can do.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncGenerator, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from pydantic import BaseModel
from strands.models import Model
from strands.models.model import BaseModelConfig
from strands.types.content import Message, Messages
from strands.types.event_loop import StopReason
from strands.types.streaming import (
    ContentBlockDelta,
    ContentBlockStart,
    MetadataEvent,
    StreamEvent,
)
from strands.types.tools import ToolResult, ToolSpec

T = TypeVar("T", bound=BaseModel)

RETURN_POLICY_TOOL = "get_return_policy"
PRODUCT_INFO_TOOL = "get_product_info"
# The Gateway names its tools <TargetName>___<tool_name>; the target name is the learner's.
WARRANTY_TOOL_SUFFIX = "___check_warranty_status"

DEFAULT_CATEGORY = "electronics"
CATEGORY_KEYWORDS = {
    "accessories": ("accessor", "stand", "hub", "keyboard", "cable"),
    "audio": ("audio", "headphone", "earbud", "speaker"),
    "electronics": ("electronic", "watch", "laptop", "phone"),
}
WORDS_PER_CHUNK = 4

HELP_TEXT = (
    "I'm the CustomerSupport assistant. I can help you with:\n"
    "- return policies (electronics, accessories, audio)\n"
    "- product details, for example: tell me about the USB-C Hub\n"
    "- warranty status, for example: check the warranty for PROD-001\n"
    "What would you like to know?"
)

_PRODUCT_ID = re.compile(r"\bPROD-\d+\b", re.IGNORECASE)
_NAME = re.compile(r"\bmy name is\s+([A-Za-z][\w'-]*)", re.IGNORECASE)
# How a long-term memory record states it ("The user's name is Alice.").
_REMEMBERED_NAME = re.compile(r"\buser's name is\s+([A-Za-z][\w'-]*)", re.IGNORECASE)
# A content block the session manager added: retrieved records, not the user's words.
_CONTEXT_BLOCK = re.compile(r"<(\w+)>(.*)</\1>", re.DOTALL)
# "Tell me about the USB-C Hub", "What is the Smart Watch?", "info on the laptop stand":
# a model passes the product as named to get_product_info, which knows the catalog.
_ABOUT = re.compile(
    r"\b(?:tell me about|what(?:'s| is| are)|info(?:rmation)? (?:on|about)|details (?:of|on|for)"
    r"|describe|how much is|price of)\s+(?:the\s+|a\s+|an\s+|your\s+)?(?P<product>[^?.!]+)",
    re.IGNORECASE,
)
_WORD = re.compile(r"\S+\s*")


class OfflineModelConfig(BaseModelConfig, total=False):
    """Settings of the offline model; ``model_id`` only names it in traces."""

    model_id: str


@dataclass(frozen=True)
class _ToolCall:
    name: str
    input: dict[str, str]


class OfflineSupportModel(Model):
    """Deterministic strands ``Model`` that routes the workshop's support questions."""

    def __init__(self, model_id: str = "offline-support-model") -> None:
        """Create the model; ``model_id`` is reported by ``get_config``."""
        self.config: OfflineModelConfig = {"model_id": model_id}

    def update_config(self, **model_config: Any) -> None:
        """Merge ``model_config`` into the configuration."""
        self.config.update(cast(OfflineModelConfig, model_config))

    def get_config(self) -> OfflineModelConfig:
        """The current configuration."""
        return self.config

    def structured_output(
        self,
        output_model: type[T],
        prompt: Messages,
        system_prompt: str | None = None,
        **kwargs: Any,
    ) -> AsyncGenerator[dict[str, T | Any], None]:
        """Not supported: scripted answers are text, never an instance of ``output_model``."""
        raise NotImplementedError(
            "The offline model answers in text only; set AGENT_MODEL_PROVIDER=bedrock "
            f"to get structured output ({output_model.__name__})."
        )

    async def stream(
        self,
        messages: Messages,
        tool_specs: list[ToolSpec] | None = None,
        system_prompt: str | None = None,
        **kwargs: Any,
    ) -> AsyncGenerator[StreamEvent, None]:
        """Stream one assistant turn: either a single tool call or a text answer."""
        tools = {spec["name"]: spec for spec in tool_specs or []}
        last = messages[-1] if messages else {"role": "user", "content": []}
        results = [block["toolResult"] for block in last["content"] if "toolResult" in block]
        if results:
            reply: str | _ToolCall = _answer_from(results)
        else:
            prompt, remembered = _prompt_and_memory(last)
            reply = _decide(prompt, messages[:-1], tools, remembered)

        yield {"messageStart": {"role": "assistant"}}
        if isinstance(reply, _ToolCall):
            for event in _tool_use_events(reply, tool_use_id=f"tooluse_offline_{len(messages)}"):
                yield event
            stop_reason: StopReason = "tool_use"
            output = json.dumps(reply.input)
        else:
            for event in _text_events(reply):
                yield event
            stop_reason = "end_turn"
            output = reply
        yield {"messageStop": {"stopReason": stop_reason}}
        yield {"metadata": _usage(messages, output)}


def _decide(
    prompt: str, history: Messages, tools: dict[str, ToolSpec], remembered: str = ""
) -> str | _ToolCall:
    """Pick the next step for a user prompt: a tool call or a direct answer.

    ``remembered`` is what long-term memory retrieved for this turn.
    """
    lowered = prompt.lower()
    product_id = _product_id(prompt)

    # Warranty questions name a product too, so they must win over product info.
    if "warranty" in lowered:
        if not product_id:
            return "Which product should I check? Give me its id, for example PROD-001."
        warranty_tool = next((n for n in tools if n.endswith(WARRANTY_TOOL_SUFFIX)), None)
        if warranty_tool is None:
            return (
                f"The warranty check tool is unavailable right now, so I can't check the "
                f"warranty for {product_id}. Please try again later."
            )
        return _call(tools[warranty_tool], product_id)

    if ("remember" in lowered and "name" in lowered) or (
        "my name" in lowered and not _NAME.search(prompt)
    ):
        return _recall_name(history, remembered)
    if name := _NAME.search(prompt):
        return f"Nice to meet you, {name.group(1)}! I'll remember your name."

    if "return" in lowered or "refund" in lowered:
        return _local_tool(RETURN_POLICY_TOOL, _category(lowered), tools)
    if product_id:
        return _local_tool(PRODUCT_INFO_TOOL, product_id, tools)
    if about := _ABOUT.search(prompt):
        return _local_tool(PRODUCT_INFO_TOOL, about["product"].strip(), tools)
    if "product" in lowered:
        return "Which product do you mean? Give me its name or id, for example the USB-C Hub."
    return HELP_TEXT


def _local_tool(name: str, value: str, tools: dict[str, ToolSpec]) -> str | _ToolCall:
    if name in tools:
        return _call(tools[name], value)
    return f"The {name} tool is unavailable right now. Please try again later."


def _call(spec: ToolSpec, value: str) -> _ToolCall:
    """A call of ``spec`` with ``value`` as its one required argument, named as the spec does."""
    schema = spec["inputSchema"]["json"]
    argument = (schema.get("required") or list(schema.get("properties", {})))[0]
    return _ToolCall(spec["name"], {argument: value})


def _recall_name(history: Messages, remembered: str) -> str:
    """Answer from this conversation first, then from long-term memory."""
    for message in reversed(history):
        if message["role"] == "user" and (name := _NAME.search(_prompt_and_memory(message)[0])):
            return f"Yes, your name is {name.group(1)}."
    if name := _REMEMBERED_NAME.search(remembered) or _NAME.search(remembered):
        return f"Yes, your name is {name.group(1)}. I remember it from an earlier conversation."
    return "I don't know your name yet. Tell me with: my name is ..."


def _answer_from(results: list[ToolResult]) -> str:
    """Write the final answer from the tool results of the previous turn."""
    parts = []
    for result in results:
        body = _readable(_result_text(result))
        parts.append(body if result.get("status") != "error" else f"That lookup failed: {body}")
    return "Here is what I found:\n\n" + "\n\n".join(parts)


def _result_text(result: ToolResult) -> str:
    # MCP tools may add the same payload again as structured JSON; prefer the text.
    texts = [item["text"] for item in result["content"] if "text" in item]
    if texts:
        return "\n".join(texts)
    return "\n".join(json.dumps(item["json"]) for item in result["content"] if "json" in item)


def _readable(text: str) -> str:
    """Lay out a JSON object (what the Lambda returns) as one line per field."""
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if not isinstance(data, dict):
        return text
    return "\n".join(
        f"- {key.replace('_', ' ').capitalize()}: {value}" for key, value in data.items()
    )


def _product_id(text: str) -> str | None:
    match = _PRODUCT_ID.search(text)
    return match.group(0).upper() if match else None


def _category(lowered: str) -> str:
    for category, keywords in CATEGORY_KEYWORDS.items():
        if any(keyword in lowered for keyword in keywords):
            return category
    return DEFAULT_CATEGORY


def _text_of(message: Message) -> str:
    return " ".join(block["text"] for block in message["content"] if "text" in block)


def _prompt_and_memory(message: Message) -> tuple[str, str]:
    """The user's own words in ``message``, and the memory context added to them."""
    said: list[str] = []
    remembered: list[str] = []
    for block in message["content"]:
        if "text" in block:
            context = _CONTEXT_BLOCK.fullmatch(block["text"].strip())
            (remembered if context else said).append(context[2] if context else block["text"])
    return " ".join(said), "\n".join(remembered)


def _text_events(text: str) -> Iterator[StreamEvent]:
    # Several small deltas, as a real model sends them, so callers can see the streaming.
    words = _WORD.findall(text)
    for start in range(0, len(words), WORDS_PER_CHUNK):
        chunk = "".join(words[start : start + WORDS_PER_CHUNK])
        yield {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": chunk}}}
    yield {"contentBlockStop": {"contentBlockIndex": 0}}


def _tool_use_events(call: _ToolCall, tool_use_id: str) -> Iterator[StreamEvent]:
    start: ContentBlockStart = {"toolUse": {"toolUseId": tool_use_id, "name": call.name}}
    yield {"contentBlockStart": {"contentBlockIndex": 0, "start": start}}
    delta: ContentBlockDelta = {"toolUse": {"input": json.dumps(call.input)}}
    yield {"contentBlockDelta": {"contentBlockIndex": 0, "delta": delta}}
    yield {"contentBlockStop": {"contentBlockIndex": 0}}


def _usage(messages: Messages, output: str) -> MetadataEvent:
    # A rough count (4 characters a token) so usage metrics and traces are not all zeros.
    input_tokens = sum(len(_text_of(message)) for message in messages) // 4
    output_tokens = len(output) // 4
    return {
        "usage": {
            "inputTokens": input_tokens,
            "outputTokens": output_tokens,
            "totalTokens": input_tokens + output_tokens,
        },
        "metrics": {"latencyMs": 0},
    }
