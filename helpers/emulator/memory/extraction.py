"""Long-term memory from conversations: a deterministic stand-in for AgentCore's extraction.

On AWS a model reads each session's events and writes memory records: SEMANTIC facts
about the user ("The user's name is Alice."), consolidated with the facts already known,
and a SUMMARIZATION record per session. The local stack has no model, so this module
does the same with rules, the same way every time, which is what tests and learners on
the local stack need:

- :func:`facts`: what a user states about themselves in the forms below, one fact per
  topic, so a newer statement replaces an older one (as consolidation does);
- :func:`summary`: what the user said in a session, in order, shortened.

It reads what the strands session manager writes: each turn's text is a JSON-encoded
``SessionMessage`` (plain text is read too). Context the session manager injected into
a turn (``<user_context>…</user_context>``, retrieved records) is not the user's word
and is left out, so a fact is never extracted from its own retrieval.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

USER = "USER"
_INJECTED_CONTEXT = re.compile(r"<(\w+)>.*?</\1>", re.DOTALL)
# A summary quotes the user's last few messages, so this many is all it needs of a session.
SUMMARY_TURNS = 8
_SUMMARY_TURN_CHARS = 120


@dataclass(frozen=True)
class Turn:
    """One conversational payload: who spoke and what they said."""

    role: str  # USER | ASSISTANT | TOOL | OTHER
    text: str


@dataclass(frozen=True)
class Fact:
    """A fact about the user; ``topic`` is what a newer fact on the same topic replaces."""

    topic: str
    text: str


@dataclass(frozen=True)
class _Rule:
    topic: str
    pattern: re.Pattern[str]
    sentence: str


_RULES = (
    _Rule(
        "name",
        re.compile(r"\b(?:my name is|call me)\s+([A-Za-z][\w'-]*)", re.IGNORECASE),
        "The user's name is {}.",
    ),
    _Rule(
        "email",
        re.compile(r"\bmy e-?mail(?: address)? is\s+([\w.+-]+@[\w-]+(?:\.[\w-]+)+)", re.IGNORECASE),
        "The user's email address is {}.",
    ),
    _Rule(
        "purchase {}",
        re.compile(r"\bI (?:bought|own|have|purchased)\s+(?:an?\s+|the\s+|my\s+)?(PROD-\d+)", re.I),
        "The user owns {}.",
    ),
)


def turns(payload: Iterable[dict[str, Any]]) -> list[Turn]:
    """The conversational turns of an event's payload (blobs are agent state, not talk)."""
    found = []
    for item in payload:
        conversational = item.get("conversational")
        if conversational:
            text = _spoken_text(str(conversational.get("content", {}).get("text", "")))
            if text:
                found.append(Turn(str(conversational.get("role", "")), text))
    return found


def facts(conversation: Iterable[Turn]) -> list[Fact]:
    """The facts the user stated in ``conversation``; on each topic the last one said."""
    latest: dict[str, Fact] = {}
    for turn in conversation:
        if turn.role != USER:
            continue
        for rule in _RULES:
            for match in rule.pattern.finditer(turn.text):
                value = _normalised(rule.topic, match.group(1))
                topic = rule.topic.format(value)
                latest.pop(topic, None)  # re-inserted: the newest statement counts
                latest[topic] = Fact(topic, rule.sentence.format(value))
    return list(latest.values())


def summary(conversation: Iterable[Turn], earlier: int = 0) -> str | None:
    """A summary of the session from what the user said; None when the user said nothing.

    ``earlier`` counts the user's messages before ``conversation``, for a caller that
    keeps only a session's last :data:`SUMMARY_TURNS` of them.
    """
    said = [
        textwrap.shorten(turn.text, _SUMMARY_TURN_CHARS, placeholder=" …")
        for turn in conversation
        if turn.role == USER
    ]
    if not said:
        return None
    shown = said[-SUMMARY_TURNS:]
    skipped = earlier + len(said) - len(shown)
    earlier_text = f" (after {skipped} earlier messages)" if skipped else ""
    quoted = "; ".join(f'"{text}"' for text in shown)
    return f"In this session the user said{earlier_text}: {quoted}."


def _spoken_text(text: str) -> str:
    """The words of a turn: the text blocks of a JSON ``SessionMessage``, or the text."""
    try:
        message = json.loads(text)
    except ValueError:
        message = None
    if isinstance(message, dict) and isinstance(message.get("message"), dict):
        blocks = message["message"].get("content", [])
        text = " ".join(str(b["text"]) for b in blocks if isinstance(b, dict) and "text" in b)
    return " ".join(_INJECTED_CONTEXT.sub(" ", text).split())


def _normalised(topic: str, value: str) -> str:
    if topic == "name":
        return value[:1].upper() + value[1:]
    if topic.startswith("purchase"):
        return value.upper()
    return value
