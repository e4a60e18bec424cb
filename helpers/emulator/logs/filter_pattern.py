"""CloudWatch Logs filter patterns for unstructured events: which events ``FilterLogEvents``
returns for a ``filterPattern``.

moto reads a pattern as one term (``"session.id" "abc"`` became the single term
``session.id" "abc``). The rules here are CloudWatch's for terms
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):
terms separated by spaces must all be in the event, case-sensitively; a term in double
quotes may hold spaces and punctuation; ``?term`` terms match when any of them is in the
event; ``-term`` excludes events holding it; an empty pattern matches every event. JSON
(``{ $.level = ... }``), space-delimited (``[ip, user, ...]``) and regular-expression
(``%...%``) patterns are refused with :class:`UnsupportedPattern`, naming what the local
stack matches, rather than matched wrongly.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_TERM = re.compile(r'(?P<sign>[?-]?)(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^\s"]+))')


class UnsupportedPattern(ValueError):
    """A pattern the local stack does not match; the message says which ones it does."""


def matcher(pattern: str | None) -> Callable[[str], bool]:
    """A test of an event's message against ``pattern``."""
    text = (pattern or "").strip()
    if not text:
        return lambda _message: True
    if text[0] in "{[%":
        raise UnsupportedPattern(
            'The local stack matches filter patterns of terms (words, "quoted phrases", '
            "?either, -not); not JSON, space-delimited or regular-expression patterns."
        )
    required: list[str] = []
    either: list[str] = []
    excluded: list[str] = []
    position = 0
    while position < len(text):
        if text[position].isspace():
            position += 1
            continue
        match = _TERM.match(text, position)
        if match is None:
            raise UnsupportedPattern(f"Invalid filter pattern: unbalanced quote at {position + 1}.")
        term = match["bare"] if match["bare"] is not None else _unescaped(match["quoted"])
        {"": required, "?": either, "-": excluded}[match["sign"]].append(term)
        position = match.end()

    def matches(message: str) -> bool:
        return (
            all(term in message for term in required)
            and (not either or any(term in message for term in either))
            and not any(term in message for term in excluded)
        )

    return matches


def _unescaped(quoted: str) -> str:
    return re.sub(r"\\(.)", r"\1", quoted)
