"""A scripted model for the customer-support agent: Claude's part, with no model service.

It reads a Converse request (messages, system, ``toolConfig``) and writes the events of
one assistant turn, as ``ConverseStream`` sends them. It picks its tool calls from the
tools it is given, so a Gateway tool that did not load (say the Gateway answered HTTP
401) changes the answer exactly as it would with Claude, and it recalls facts only from
what the request carries: the conversation the agent restored (short-term memory) and
the long-term memory records the agent retrieved, which AgentCore Memory's session
manager puts in the user's turn as ``<user_context>…</user_context>``. It answers a
customer-support agent's questions as a model with its tools would: return policies and
products (by id or by name) through the agent's own tools, warranties through a
``…___check_warranty_status`` Gateway tool, and the user's name from memory; anything
else gets a short list of what it can do.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

RETURN_POLICY_TOOL = "get_return_policy"
PRODUCT_INFO_TOOL = "get_product_info"
# A Gateway names its tools <TargetName>___<tool_name>; the target name is the learner's.
WARRANTY_TOOL_SUFFIX = "___check_warranty_status"

DEFAULT_CATEGORY = "electronics"
CATEGORY_KEYWORDS = {
    "accessories": ("accessor", "stand", "hub", "cable"),
    "audio": ("audio", "headphone", "earbud", "speaker"),
    "electronics": ("electronic", "watch", "keyboard", "laptop", "phone"),
}
WORDS_PER_CHUNK = 4
CHARACTERS_PER_TOKEN = 4

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

Event = dict[str, Any]
ToolSpec = dict[str, Any]
Message = dict[str, Any]


@dataclass(frozen=True)
class _ToolCall:
    name: str
    input: dict[str, str]


def respond(request: dict[str, Any]) -> list[Event]:
    """The ``ConverseStream`` events of the assistant's next turn for a Converse ``request``."""
    started = time.perf_counter()
    messages: list[Message] = request.get("messages") or []
    tools = {
        tool["toolSpec"]["name"]: tool["toolSpec"]
        for tool in (request.get("toolConfig") or {}).get("tools", [])
        if "toolSpec" in tool
    }
    last: Message = messages[-1] if messages else {"role": "user", "content": []}
    results = [block["toolResult"] for block in last["content"] if "toolResult" in block]
    if results:
        reply: str | _ToolCall = _answer_from(results)
    else:
        prompt, remembered = _prompt_and_memory(last)
        reply = _decide(prompt, messages[:-1], tools, remembered)

    events: list[Event] = [{"messageStart": {"role": "assistant"}}]
    if isinstance(reply, _ToolCall):
        events += _tool_use_events(reply, _tool_use_id(messages))
        stop_reason, output = "tool_use", json.dumps(reply.input)
    else:
        events += _text_events(reply)
        stop_reason, output = "end_turn", reply
    events.append({"messageStop": {"stopReason": stop_reason}})
    events.append(_metadata(request, output, started))
    return events


def _decide(
    prompt: str, history: list[Message], tools: dict[str, ToolSpec], remembered: str = ""
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


def _recall_name(history: list[Message], remembered: str) -> str:
    """Answer from this conversation first, then from long-term memory."""
    for message in reversed(history):
        if message["role"] == "user" and (name := _NAME.search(_prompt_and_memory(message)[0])):
            return f"Yes, your name is {name.group(1)}."
    if name := _REMEMBERED_NAME.search(remembered) or _NAME.search(remembered):
        return f"Yes, your name is {name.group(1)}. I remember it from an earlier conversation."
    return "I don't know your name yet. Tell me with: my name is ..."


def _answer_from(results: list[dict[str, Any]]) -> str:
    """Write the final answer from the tool results of the previous turn."""
    parts = []
    for result in results:
        body = _readable(_result_text(result))
        parts.append(body if result.get("status") != "error" else f"That lookup failed: {body}")
    return "Here is what I found:\n\n" + "\n\n".join(parts)


def _result_text(result: dict[str, Any]) -> str:
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


def _prompt_and_memory(message: Message) -> tuple[str, str]:
    """The user's own words in ``message``, and the memory context added to them."""
    said: list[str] = []
    remembered: list[str] = []
    for block in message["content"]:
        if "text" in block:
            context = _CONTEXT_BLOCK.fullmatch(block["text"].strip())
            (remembered if context else said).append(context[2] if context else block["text"])
    return " ".join(said), "\n".join(remembered)


def _tool_use_id(messages: list[Message]) -> str:
    """A Bedrock-shaped id (``tooluse_`` and 22 characters), the same for the same request."""
    digest = hashlib.sha256(json.dumps(messages, sort_keys=True, default=str).encode())
    return "tooluse_" + digest.hexdigest()[:22]


def _text_events(text: str) -> Iterator[Event]:
    # Several small deltas, as a real model sends them, so callers can see the streaming.
    words = _WORD.findall(text)
    for start in range(0, len(words), WORDS_PER_CHUNK):
        chunk = "".join(words[start : start + WORDS_PER_CHUNK])
        yield {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": chunk}}}
    yield {"contentBlockStop": {"contentBlockIndex": 0}}


def _tool_use_events(call: _ToolCall, tool_use_id: str) -> Iterator[Event]:
    start = {"toolUse": {"toolUseId": tool_use_id, "name": call.name}}
    yield {"contentBlockStart": {"contentBlockIndex": 0, "start": start}}
    delta = {"toolUse": {"input": json.dumps(call.input)}}
    yield {"contentBlockDelta": {"contentBlockIndex": 0, "delta": delta}}
    yield {"contentBlockStop": {"contentBlockIndex": 0}}


def _metadata(request: dict[str, Any], output: str, started: float) -> Event:
    # A rough count (4 characters a token) of all the request carries, as a model bills it.
    read = json.dumps([request.get("system"), request.get("messages"), request.get("toolConfig")])
    input_tokens = len(read) // CHARACTERS_PER_TOKEN
    output_tokens = max(1, len(output) // CHARACTERS_PER_TOKEN)
    latency_ms = round((time.perf_counter() - started) * 1000)
    return {
        "metadata": {
            "usage": {
                "inputTokens": input_tokens,
                "outputTokens": output_tokens,
                "totalTokens": input_tokens + output_tokens,
            },
            "metrics": {"latencyMs": latency_ms},
        }
    }
