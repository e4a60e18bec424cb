"""A model for the stack's Bedrock that forwards each turn to an OpenAI-compatible server.

It stays one long module because it is one translation, documented by the table below:
the request's mapping, the answer's and the HTTP exchange meet in every error, each
naming the endpoint and the fix, and the model below is their one user.

Ollama, vLLM and llama.cpp's server all answer ``POST {base}/chat/completions`` as
OpenAI does. :class:`OpenAICompatibleModel` is a :data:`~.converse.Model`: it maps the
Converse request to a chat-completions request with ``stream: true``, reads the server's
server-sent events as they arrive, and yields ``ConverseStream``'s events as it goes, so
the agent's stream flows while the server writes. It runs in the moto handler's werkzeug
thread, hence plain synchronous httpx.

Converse → chat completions:

=====================================  ================================================
``system[].text``                      one ``system`` message, the texts joined
user ``text`` blocks                   one ``user`` message, the texts joined by lines
assistant ``text`` and ``toolUse``     one ``assistant`` message: ``content`` and
                                       ``tool_calls`` (``id`` = ``toolUseId``, the
                                       input as JSON ``arguments``)
user ``toolResult``                    one ``tool`` message each (``tool_call_id``), its
                                       text and JSON flattened to a string, ``Error: ``
                                       before it when its status is ``error``; before
                                       the turn's text, as OpenAI wants them right after
                                       the calls
``toolConfig.tools[].toolSpec``        ``tools[]`` of ``type: function`` (``parameters``
                                       = ``inputSchema.json``)
``toolChoice`` auto / any / tool       ``tool_choice`` ``auto`` / ``required`` / named
``inferenceConfig``                    ``max_tokens``, ``temperature``, ``top_p``, ``stop``
``cachePoint``, ``reasoningContent``   left out (no such thing there; the model's own
                                       thinking is not sent back)
images, documents, video               refused with a ``ValidationException``
=====================================  ================================================

The answer: text deltas become ``contentBlockDelta`` events of a text block; each tool
call becomes its own block (``contentBlockStart`` with its id and name, its arguments'
fragments as ``toolUse.input`` deltas, ``contentBlockStop``), numbered in the order
they open; ``finish_reason`` becomes ``stopReason`` (a turn that called a tool stops
with ``tool_use`` even when the server says ``stop``, as some do, or the agent would not
run it); ``usage`` becomes the metadata's usage (zero when the server reports none),
and ``latencyMs`` is the whole turn's time. A reasoning model's thinking
(``reasoning_content``) is not passed on. A server that ignores ``stream`` and answers
one JSON completion is read the same way.

Failures are Bedrock's modeled errors (:mod:`.errors`), each naming the endpoint and
the fix: a server that cannot be reached or answers an HTTP error fails the call with
``ModelErrorException``, one that sends nothing for :data:`READ_TIMEOUT_SECONDS` with
``ModelTimeoutException``; an answer that breaks off ends the stream with a
``modelStreamErrorException`` frame. Nothing waits forever.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx

from helpers.basics.i18n import _
from helpers.emulator.bedrock.errors import Invalid, ModelError, ModelStreamError, ModelTimeout

Event = dict[str, Any]
Chunk = dict[str, Any]

CONNECT_TIMEOUT_SECONDS = 5.0
# The longest silence allowed from the server (before its first byte, or between two):
# under the read timeout of strands' Bedrock client (120 s), so the agent gets this
# error rather than a timeout of its own, which botocore would retry.
READ_TIMEOUT_SECONDS = 90.0
TIMEOUT = httpx.Timeout(
    connect=CONNECT_TIMEOUT_SECONDS, read=READ_TIMEOUT_SECONDS, write=30.0, pool=30.0
)
STOP_REASONS = {
    "stop": "end_turn",
    "tool_calls": "tool_use",
    "function_call": "tool_use",
    "length": "max_tokens",
    "content_filter": "content_filtered",
}
INFERENCE_OPTIONS = {
    "maxTokens": "max_tokens",
    "temperature": "temperature",
    "topP": "top_p",
    "stopSequences": "stop",
}
TOOL_CHOICES = {"auto": "auto", "any": "required"}
# Blocks with nothing to send to a chat-completions model.
SKIPPED_BLOCKS = frozenset({"cachePoint", "reasoningContent"})
# Bedrock's toolUseId: [a-zA-Z0-9_-]{1,64}.
_NOT_IN_TOOL_USE_ID = re.compile(r"[^a-zA-Z0-9_-]")
_DETAIL_LIMIT = 300
_SCRIPTED_MODEL = "agentcore-local up --scripted-model"
_CHOOSE_MODEL = "agentcore-local up --model-endpoint URL --model-name NAME"


# --- the request ------------------------------------------------------------------------------


def chat_request(request: dict[str, Any], model_name: str, endpoint: str = "") -> dict[str, Any]:
    """The chat-completions body for a Converse ``request``, asking for ``model_name``."""
    body: dict[str, Any] = {
        "model": model_name,
        "messages": chat_messages(request, endpoint),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    body |= chat_tools(request.get("toolConfig") or {})
    inference = request.get("inferenceConfig") or {}
    for theirs, ours in INFERENCE_OPTIONS.items():
        if theirs in inference:
            body[ours] = inference[theirs]
    return body


def chat_messages(request: dict[str, Any], endpoint: str = "") -> list[dict[str, Any]]:
    """Converse's ``system`` and ``messages`` as chat-completions messages."""
    messages: list[dict[str, Any]] = []
    system = [_text_of(block) for block in request.get("system") or []]
    if system := [text for text in system if text is not None]:
        messages.append({"role": "system", "content": "\n\n".join(system)})
    for message in request.get("messages") or []:
        content = message.get("content") or []
        if message.get("role") == "assistant":
            messages.append(_assistant_message(content, endpoint))
        else:
            messages.extend(_user_messages(content, endpoint))
    return messages


def chat_tools(tool_config: dict[str, Any]) -> dict[str, Any]:
    """``tools`` and ``tool_choice`` for Converse's ``toolConfig`` (nothing without tools)."""
    tools = []
    for tool in tool_config.get("tools") or []:
        spec = tool.get("toolSpec")
        if not spec:
            continue  # a cachePoint between the tools
        function: dict[str, Any] = {"name": spec["name"]}
        if spec.get("description"):
            function["description"] = spec["description"]
        function["parameters"] = (spec.get("inputSchema") or {}).get("json") or {
            "type": "object",
            "properties": {},
        }
        tools.append({"type": "function", "function": function})
    if not tools:
        return {}
    chosen: dict[str, Any] = {"tools": tools}
    choice = tool_config.get("toolChoice") or {}
    for kind, value in TOOL_CHOICES.items():
        if kind in choice:
            chosen["tool_choice"] = value
    if "tool" in choice:
        chosen["tool_choice"] = {"type": "function", "function": {"name": choice["tool"]["name"]}}
    return chosen


def tool_result_text(result: dict[str, Any], endpoint: str = "") -> str:
    """A ``toolResult``'s content as the one string a ``tool`` message carries."""
    parts = []
    for item in result.get("content") or []:
        if "text" in item:
            parts.append(str(item["text"]))
        elif "json" in item:
            parts.append(json.dumps(item["json"], ensure_ascii=False))
        else:
            raise _unsupported(item, endpoint)
    text = "\n".join(parts)
    return f"Error: {text}" if result.get("status") == "error" else text


def _text_of(block: dict[str, Any]) -> str | None:
    if "text" in block:
        return str(block["text"])
    if "guardContent" in block:  # no guardrail here: guarded text is text
        return str(((block["guardContent"] or {}).get("text") or {}).get("text", ""))
    return None


def _user_messages(content: list[dict[str, Any]], endpoint: str) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    texts: list[str] = []
    for block in content:
        if "toolResult" in block:
            result = block["toolResult"]
            results.append(
                {
                    "role": "tool",
                    "tool_call_id": result["toolUseId"],
                    "content": tool_result_text(result, endpoint),
                }
            )
        elif (text := _text_of(block)) is not None:
            texts.append(text)
        elif not SKIPPED_BLOCKS & block.keys():
            raise _unsupported(block, endpoint)
    if texts:
        results.append({"role": "user", "content": "\n".join(texts)})
    return results


def _assistant_message(content: list[dict[str, Any]], endpoint: str) -> dict[str, Any]:
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for block in content:
        if "toolUse" in block:
            use = block["toolUse"]
            arguments = json.dumps(use.get("input") or {}, ensure_ascii=False)
            calls.append(
                {
                    "id": use["toolUseId"],
                    "type": "function",
                    "function": {"name": use["name"], "arguments": arguments},
                }
            )
        elif (text := _text_of(block)) is not None:
            texts.append(text)
        elif not SKIPPED_BLOCKS & block.keys():
            raise _unsupported(block, endpoint)
    # As OpenAI writes it: no content (null) beside tool calls.
    message: dict[str, Any] = {
        "role": "assistant",
        "content": "\n".join(texts) if texts or not calls else None,
    }
    if calls:
        message["tool_calls"] = calls
    return message


def _unsupported(block: dict[str, Any], endpoint: str) -> Invalid:
    return Invalid(
        _(
            "the model at {endpoint} is reached through its OpenAI-compatible API, which the "
            "local stack gives text, tool calls and tool results only; this request carries "
            "a {block} block. Leave it out, or use the scripted model: {command}",
            endpoint=endpoint,
            block=repr(next(iter(block), "?")),
            command=_SCRIPTED_MODEL,
        )
    )


# --- the answer -------------------------------------------------------------------------------


def sse_chunks(lines: Iterable[str], endpoint: str = "") -> Iterator[Chunk]:
    """The JSON chunks of a chat-completions event stream, up to ``data: [DONE]``.

    Each ``data:`` line is one chunk (OpenAI-compatible servers send one JSON object a
    line); an ``error`` (llama.cpp's ``error:`` line, or a chunk holding ``error``)
    breaks the answer off.
    """
    for line in lines:
        field, _colon, value = line.partition(":")
        if field not in ("data", "error"):
            continue  # blank lines, comments, event names, ids
        payload = value.removeprefix(" ").strip()
        if payload == "[DONE]":
            return
        try:
            chunk = json.loads(payload)
        except ValueError:
            chunk = None
        if not isinstance(chunk, dict):
            raise _broke_off(endpoint, _("a line that is not JSON: {line}", line=_short(line)))
        if field == "error" or chunk.get("error") or chunk.get("object") == "error":
            raise _broke_off(endpoint, _error_detail(chunk))
        yield chunk


@dataclass
class _ToolCall:
    id: str = ""
    name: str = ""
    pending: str = ""  # arguments not sent yet (until the name is known)
    block: int | None = None
    closed: bool = False


class Turn:
    """One assistant turn's ``ConverseStream`` events, made from chat-completion chunks.

    Bedrock's readers (strands among them) take one content block at a time: a block is
    stopped before the next one starts, text and tool calls alike.
    """

    def __init__(self, endpoint: str = "") -> None:
        self.endpoint = endpoint
        self.calls: dict[int, _ToolCall] = {}
        self.finish_reason: str | None = None
        self.usage: dict[str, Any] = {}
        self._blocks = 0
        self._open: tuple[str, int, int] | None = None  # (kind, tool call key, block)

    def read(self, chunk: Chunk) -> Iterator[Event]:
        """The events for one streamed chunk (or a whole non-streamed completion)."""
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or choice.get("message") or {}
            if delta.get("content"):
                yield from self._text(str(delta["content"]))
            for position, call in enumerate(delta.get("tool_calls") or []):
                yield from self._tool_call(call, position)
            if choice.get("finish_reason"):
                self.finish_reason = str(choice["finish_reason"])

    def end(self, started: float) -> Iterator[Event]:
        """The turn's last events: the open block's stop, ``messageStop`` and ``metadata``."""
        if any(not call.name for call in self.calls.values()):
            raise _broke_off(self.endpoint, _("a tool call without a name"))
        yield from self._close()
        reason = STOP_REASONS.get(self.finish_reason or "stop", "end_turn")
        if reason == "end_turn" and any(call.block is not None for call in self.calls.values()):
            reason = "tool_use"
        yield {"messageStop": {"stopReason": reason}}
        read = int(self.usage.get("prompt_tokens") or 0)
        written = int(self.usage.get("completion_tokens") or 0)
        yield {
            "metadata": {
                "usage": {
                    "inputTokens": read,
                    "outputTokens": written,
                    "totalTokens": int(self.usage.get("total_tokens") or read + written),
                },
                "metrics": {"latencyMs": round((time.perf_counter() - started) * 1000)},
            }
        }

    def _text(self, text: str) -> Iterator[Event]:
        if self._open is None or self._open[0] != "text":
            yield from self._close()
            self._open = ("text", -1, self._new_block())
        yield {"contentBlockDelta": {"contentBlockIndex": self._open[2], "delta": {"text": text}}}

    def _tool_call(self, delta: dict[str, Any], position: int) -> Iterator[Event]:
        key = int(delta.get("index", position))
        given_id = str(delta.get("id") or "")
        known = self.calls.get(key)
        if "index" not in delta and known and known.id and given_id and given_id != known.id:
            key = max(self.calls) + 1  # no index, another id: the next call
        call = self.calls.setdefault(key, _ToolCall())
        if call.closed:
            raise _broke_off(self.endpoint, _("the tool calls' fragments came interleaved"))
        call.id = call.id or given_id
        function = delta.get("function") or {}
        call.name = call.name or str(function.get("name") or "")
        arguments = function.get("arguments") or ""
        call.pending += arguments if isinstance(arguments, str) else json.dumps(arguments)
        if call.block is None and call.name:
            yield from self._close()
            call.block = self._new_block()
            self._open = ("tool", key, call.block)
            start = {"toolUse": {"toolUseId": _tool_use_id(call.id), "name": call.name}}
            yield {"contentBlockStart": {"contentBlockIndex": call.block, "start": start}}
        if call.block is not None and call.pending:
            delta_event = {"toolUse": {"input": call.pending}}
            yield {"contentBlockDelta": {"contentBlockIndex": call.block, "delta": delta_event}}
            call.pending = ""

    def _new_block(self) -> int:
        self._blocks += 1
        return self._blocks - 1

    def _close(self) -> Iterator[Event]:
        if self._open is None:
            return
        kind, key, block = self._open
        self._open = None
        if kind == "tool":
            self.calls[key].closed = True
        yield {"contentBlockStop": {"contentBlockIndex": block}}


def _tool_use_id(given: str) -> str:
    """The server's call id where Bedrock's pattern allows it, else a new Bedrock-like one."""
    cleaned = _NOT_IN_TOOL_USE_ID.sub("_", given)[:64]
    return cleaned or "tooluse_" + secrets.token_hex(11)


# --- the model ----------------------------------------------------------------------------


class OpenAICompatibleModel:
    """Answers Converse with the model ``name`` of the OpenAI-compatible API at ``endpoint``."""

    def __init__(self, endpoint: str, name: str, *, timeout: httpx.Timeout = TIMEOUT) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.name = name
        self.timeout = timeout
        # Shared by the handler's threads; it keeps connections to the server open.
        self._client = httpx.Client(timeout=timeout)

    @property
    def url(self) -> str:
        return f"{self.endpoint}/chat/completions"

    def __call__(self, request: dict[str, Any]) -> Iterator[Event]:
        started = time.perf_counter()
        body = chat_request(request, self.name, self.endpoint)
        began = False
        try:
            with self._client.stream("POST", self.url, json=body) as response:
                if response.status_code >= 400:
                    response.read()
                    raise self._refused(response)
                began = True
                yield {"messageStart": {"role": "assistant"}}
                turn = Turn(self.endpoint)
                if response.headers.get("content-type", "").startswith("application/json"):
                    # A server that does not stream answers one completion.
                    chunks: Iterable[Chunk] = [self._completion(response)]
                else:
                    chunks = sse_chunks(response.iter_lines(), self.endpoint)
                for chunk in chunks:
                    yield from turn.read(chunk)
                yield from turn.end(started)
        except httpx.ConnectTimeout as error:
            raise self._unreachable(error) from error
        except httpx.TimeoutException as error:
            if began:
                raise self._silent(stream=True) from error
            raise self._silent(stream=False) from error
        except httpx.HTTPError as error:
            if began:
                raise _broke_off(self.endpoint, type(error).__name__) from error
            raise self._unreachable(error) from error

    def _completion(self, response: httpx.Response) -> Chunk:
        response.read()
        try:
            completion = response.json()
        except ValueError:
            completion = None
        if not isinstance(completion, dict):
            line = _short(response.text)
            raise _broke_off(self.endpoint, _("a line that is not JSON: {line}", line=line))
        if completion.get("error"):
            raise _broke_off(self.endpoint, _error_detail(completion))
        return completion

    def _unreachable(self, error: Exception) -> ModelError:
        return ModelError(
            _(
                "the model endpoint {endpoint} cannot be reached ({error}). Start the model "
                "server (Ollama: `ollama serve`), or restart the stack with another one "
                "({choose}) or with its scripted model ({scripted}).",
                endpoint=self.endpoint,
                error=type(error).__name__,
                choose=_CHOOSE_MODEL,
                scripted=_SCRIPTED_MODEL,
            )
        )

    def _silent(self, *, stream: bool) -> ModelTimeout | ModelStreamError:
        message = _(
            "the model endpoint {endpoint} sent nothing for {seconds:.0f} s. A model that "
            "loads or thinks this long is too slow for the agent: choose a smaller one "
            "({choose}), or the scripted model ({scripted}).",
            endpoint=self.endpoint,
            seconds=self.timeout.read or READ_TIMEOUT_SECONDS,
            choose=_CHOOSE_MODEL,
            scripted=_SCRIPTED_MODEL,
        )
        return ModelStreamError(message) if stream else ModelTimeout(message)

    def _refused(self, response: httpx.Response) -> ModelError:
        try:
            detail = _error_detail(response.json())
        except ValueError:
            detail = _short(response.text) or response.reason_phrase
        status = response.status_code
        if status == 404:
            hint = _(
                "Check the model's name ({choose}; Ollama lists its own with `ollama list`) "
                "and that the URL is the API's base, such as http://127.0.0.1:11434/v1.",
                choose=_CHOOSE_MODEL,
            )
        elif status in (401, 403):
            hint = _(
                "The local stack sends no API key: use a server that needs none, such as "
                "Ollama, vLLM or llama.cpp's server on this machine."
            )
        elif status == 400 and "tool" in detail.lower():
            hint = _(
                "The agent offers tools, so the model must support tool calls: choose one "
                "that does ({choose}), such as llama3.1 or qwen2.5 on Ollama.",
                choose=_CHOOSE_MODEL,
            )
        else:
            hint = _("The model server's own log says more.")
        message = _(
            "the model endpoint {endpoint} answered HTTP {status} for the model {name}: {detail}",
            endpoint=self.endpoint,
            status=status,
            name=repr(self.name),
            detail=detail,
        )
        return ModelError(f"{message} {hint}", original_status_code=status)


def _broke_off(endpoint: str, detail: str) -> ModelStreamError:
    return ModelStreamError(
        _(
            "the model endpoint {endpoint} broke off its answer: {detail}",
            endpoint=endpoint,
            detail=detail,
        ),
        original_message=detail,
    )


def _error_detail(document: Any) -> str:
    """The message of an OpenAI-style error (``{"error": {"message": …}}`` and kin)."""
    error = document.get("error", document) if isinstance(document, dict) else document
    if isinstance(error, dict):
        error = error.get("message") or json.dumps(error)
    return _short(str(error))


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _DETAIL_LIMIT else text[: _DETAIL_LIMIT - 1] + "…"
