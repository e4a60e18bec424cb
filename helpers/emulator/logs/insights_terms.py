"""The terms of Logs Insights queries: tokens, values as Insights compares and writes
them, and ``filter`` expressions; :mod:`helpers.emulator.logs.insights` builds the
commands from them.

A value is what a field holds in a JSON event (a string, a number, a bool) or a
:class:`Timestamp`. Two strings compare as text, so a trace id of digits is never read
as a number; a number and a numeral compare as numbers. A condition on a field the
event does not have is false, negated or not (``not in``, ``not like``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

Row = dict[str, Any]

_NUMERAL = re.compile(r"-?\d+(?:\.\d+)?")


class Timestamp(int):
    """Unix milliseconds that GetQueryResults writes as a date (``@timestamp``, and what
    ``min``, ``max``, ``earliest`` and ``latest`` make of it)."""


class MalformedQuery(ValueError):
    """The query is not Logs Insights, or uses what the local stack does not compute."""


# --- Tokens --------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<regex>/(?:[^/\\]|\\.)+/)
  | (?P<number>-?\d+(?:\.\d+)?(?![\w.]))
  | (?P<quoted>`[^`]+`)
  | (?P<name>[@A-Za-z_][\w.@$-]*)
  | (?P<symbol>=~|!=|<=|>=|[=<>|,()\[\]*])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    position: int

    @property
    def word(self) -> str:
        return self.text.lower() if self.kind == "name" else ""


def tokenize(query: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    while position < len(query):
        match = _TOKEN.match(query, position)
        if match is None:
            raise MalformedQuery(
                f"unexpected symbol {query[position]!r} at position {position + 1}"
            )
        kind = match.lastgroup or ""
        if kind != "space":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    return tokens


class Reader:
    """The tokens of one command, read left to right."""

    def __init__(self, tokens: Sequence[Token]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise MalformedQuery("the query ends where more was expected")
        self.at += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token is not None and (token.word == text or token.text == text):
            self.at += 1
            return True
        return False

    def expect(self, text: str) -> None:
        if not self.accept(text):
            token = self.peek()
            found = repr(token.text) if token else "the end"
            where = f" at position {token.position + 1}" if token else ""
            raise MalformedQuery(f"expected {text!r}, found {found}{where}")

    def field_name(self) -> str:
        token = self.take()
        if token.kind == "quoted":
            return token.text[1:-1]
        if token.kind != "name":
            raise MalformedQuery(f"expected a field name at position {token.position + 1}")
        return token.text

    def done(self) -> bool:
        return self.at >= len(self.tokens)


# --- Values --------------------------------------------------------------------------------


def isnumber(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number(value: Any) -> int | float | None:
    """A JSON number, or a string that writes one; ids of digits stay exact (no float)."""
    if isnumber(value):
        known: int | float = value
        return known
    if isinstance(value, str) and _NUMERAL.fullmatch(value):
        return float(value) if "." in value else int(value)
    return None


def text(value: Any) -> str:
    """A value as GetQueryResults writes it."""
    if isinstance(value, Timestamp):
        moment = datetime.fromtimestamp(value / 1000, tz=UTC)
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    if isinstance(value, str):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value)


def compare(left: Any, right: Any) -> int | None:
    """-1, 0 or 1; None if either is missing. Two strings compare as text (a trace id of
    digits is not a number); a number and a numeral as numbers."""
    if left is None or right is None:
        return None
    if isnumber(left) or isnumber(right):
        a, b = number(left), number(right)
        if a is not None and b is not None:
            return (a > b) - (a < b)
    x, y = text(left), text(right)
    return (x > y) - (x < y)


def _literal(token: Token) -> Any:
    if token.kind == "string":
        return re.sub(r"\\(.)", r"\1", token.text[1:-1])
    if token.kind == "number":
        return number(token.text)
    raise MalformedQuery(f"expected a value at position {token.position + 1}")


# --- Filter expressions --------------------------------------------------------------------

Predicate = Callable[[Row], bool]
Operand = Callable[[Row], Any]

_COMPARISONS: Mapping[str, Callable[[int], bool]] = {
    "=": lambda c: c == 0,
    "!=": lambda c: c != 0,
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    ">": lambda c: c > 0,
    ">=": lambda c: c >= 0,
}


def filter_expression(reader: Reader) -> Predicate:
    parts = [_conjunction(reader)]
    while reader.accept("or"):
        parts.append(_conjunction(reader))
    return parts[0] if len(parts) == 1 else lambda row: any(part(row) for part in parts)


def _conjunction(reader: Reader) -> Predicate:
    parts = [_negation(reader)]
    while reader.accept("and"):
        parts.append(_negation(reader))
    return parts[0] if len(parts) == 1 else lambda row: all(part(row) for part in parts)


def _negation(reader: Reader) -> Predicate:
    if reader.accept("not"):
        inner = _negation(reader)
        return lambda row: not inner(row)
    return _condition(reader)


def _condition(reader: Reader) -> Predicate:
    if reader.accept("("):
        inner = filter_expression(reader)
        reader.expect(")")
        return inner
    token = reader.peek()
    if token is not None and token.word in ("ispresent", "isempty"):
        reader.take()
        reader.expect("(")
        name = reader.field_name()
        reader.expect(")")
        if token.word == "ispresent":
            return lambda row: row.get(name) is not None
        return lambda row: row.get(name) in (None, "")
    left = _operand(reader)
    negated = reader.accept("not")
    if reader.accept("in"):
        reader.expect("[")
        values = [_literal(reader.take())]
        while reader.accept(","):
            values.append(_literal(reader.take()))
        reader.expect("]")

        def within(row: Row) -> bool | None:
            value = left(row)
            return None if value is None else any(compare(value, v) == 0 for v in values)

        return _holding(within, negated)
    if negated or reader.accept("like") or reader.accept("=~"):
        if negated:
            reader.expect("like")
        matcher = _pattern(reader.take())

        def matches(row: Row) -> bool | None:
            value = left(row)
            return None if value is None else matcher(text(value))

        return _holding(matches, negated)
    operator = reader.take()
    if operator.text not in _COMPARISONS:
        raise MalformedQuery(f"unexpected {operator.text!r} at position {operator.position + 1}")
    holds = _COMPARISONS[operator.text]
    right = _operand(reader)

    def compared(row: Row) -> bool:
        outcome = compare(left(row), right(row))
        return outcome is not None and holds(outcome)

    return compared


def _holding(test: Callable[[Row], bool | None], negated: bool) -> Predicate:
    """``test``, or its negation; a row without the field (None) passes neither."""
    if negated:
        return lambda row: test(row) is False
    return lambda row: test(row) is True


def _operand(reader: Reader) -> Operand:
    token = reader.peek()
    if token is not None and token.kind in ("string", "number"):
        value = _literal(reader.take())
        return lambda _row: value
    name = reader.field_name()
    return lambda row: row.get(name)


def _pattern(token: Token) -> Callable[[str], bool]:
    if token.kind == "regex":
        expression = re.compile(token.text[1:-1])
        return lambda text: expression.search(text) is not None
    if token.kind == "string":
        part = _literal(token)
        return lambda text: part in text
    raise MalformedQuery(f"expected a string or /regex/ at position {token.position + 1}")
