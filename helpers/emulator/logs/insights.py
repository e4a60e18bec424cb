"""CloudWatch Logs Insights queries over the stack's log groups: the part of the language
the real ``agentcore`` CLI and the kit send, computed as Insights computes it.

moto parses ``fields``, ``sort`` and ``limit`` and ignores ``filter`` and ``stats``, so
``agentcore traces get <id>`` got every record and ``traces list`` nothing grouped. This
module runs a query's commands in order over the events of the queried groups
(Logs Insights query syntax, https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax.html):

- ``fields`` and ``display`` (a field, optionally ``as`` a new name; later commands see
  both names), ``filter`` (``and``/``or``/``not``, parentheses, ``= != < <= > >=``,
  ``in [...]``, ``not in``, ``like`` with a string or a ``/regex/``, ``=~``,
  ``ispresent(f)``, ``isempty(f)``), ``stats`` (``count``, ``count_distinct``, ``sum``,
  ``avg``, ``min``, ``max``, ``earliest``, ``latest``, each optionally ``as`` a name,
  ``by`` fields), ``sort`` (fields, ``asc`` or ``desc``) and ``limit``;
- a JSON event's fields are discovered as Insights does: nested keys joined with dots
  (``resource.attributes.service.name``), list items by index (``events.0.name``); every
  event has ``@timestamp``, ``@message``, ``@logStream``, ``@log``, ``@ptr`` and
  ``@ingestionTime``;
- results are rows of ``{"field", "value"}`` with every value a string and
  ``@timestamp`` written ``YYYY-MM-DD HH:MM:SS.mmm`` (UTC); a query without ``stats``
  returns each row's ``@ptr`` too, and without ``sort`` the newest events first; a
  ``stats`` group needs every ``by`` field present.

Other commands (``parse``, ``dedup``, ``unmask``, ``pattern``, ``diff``, SQL and PPL
queries) are refused with :class:`MalformedQuery`, naming the command, rather than
answered wrongly.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from helpers.emulator.logs.insights_terms import (
    MalformedQuery,
    Predicate,
    Reader,
    Row,
    Timestamp,
    Token,
    compare,
    filter_expression,
    number,
    text,
    tokenize,
)

# Logs Insights returns at most this many rows; 1,000 unless the query says `limit`.
MAX_ROWS = 10_000
DEFAULT_ROWS = 1_000
SERVED_COMMANDS = ("fields", "display", "filter", "stats", "sort", "limit")
_AGGREGATES = ("count", "count_distinct", "sum", "avg", "min", "max", "earliest", "latest")
# How deep a JSON event's fields are discovered; deeper values stay JSON text.
_MAX_DEPTH = 16


@dataclass(frozen=True)
class Event:
    """One log event of a queried group."""

    group: str
    stream: str
    timestamp: int  # Unix milliseconds
    ingestion_time: int
    message: str
    pointer: str


@dataclass(frozen=True)
class QueryResult:
    rows: list[list[dict[str, str]]]
    records_matched: int
    records_scanned: int
    bytes_scanned: int


# --- Fields --------------------------------------------------------------------------------


def fields_of(event: Event) -> Row:
    """Every field Insights discovers in ``event``."""
    row: Row = {
        "@timestamp": Timestamp(event.timestamp),
        "@message": event.message,
        "@logStream": event.stream,
        "@log": event.group,
        "@ptr": event.pointer,
        "@ingestionTime": Timestamp(event.ingestion_time),
    }
    text = event.message.lstrip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            return row
        if isinstance(document, dict):
            _flatten(document, "", row, 0)
    return row


def _flatten(value: Any, prefix: str, into: Row, depth: int) -> None:
    if isinstance(value, dict) and depth < _MAX_DEPTH:
        for key, item in value.items():
            _flatten(item, f"{prefix}{key}.", into, depth + 1)
    elif isinstance(value, list) and depth < _MAX_DEPTH:
        for index, item in enumerate(value):
            _flatten(item, f"{prefix}{index}.", into, depth + 1)
    else:
        into.setdefault(prefix[:-1], value)


# --- Commands ------------------------------------------------------------------------------


@dataclass
class _Pipeline:
    """What the commands do to the rows, in order; what is shown is the last say."""

    steps: list[Callable[[list[Row]], list[Row]]] = field(default_factory=list)
    shown: list[str] | None = None
    aggregated: bool = False
    sorted: bool = False
    limit: int | None = None


def _split_commands(tokens: list[Token]) -> Iterator[list[Token]]:
    command: list[Token] = []
    for token in tokens:
        if token.text == "|":
            yield command
            command = []
        else:
            command.append(token)
    yield command


def parse(query: str) -> _Pipeline:
    """The pipeline a query describes; :class:`MalformedQuery` if it cannot be computed."""
    pipeline = _Pipeline()
    for command in _split_commands(tokenize(query)):
        if not command:
            raise MalformedQuery("a command is missing between two '|'")
        verb = command[0].word
        reader = Reader(command[1:])
        if verb in ("fields", "display"):
            _fields(reader, pipeline)
        elif verb == "filter":
            pipeline.steps.append(_kept_by(filter_expression(reader)))
        elif verb == "stats":
            _stats(reader, pipeline)
        elif verb == "sort":
            _sort(reader, pipeline)
        elif verb == "limit":
            token = reader.take()
            if token.kind != "number" or not token.text.isdigit() or int(token.text) < 1:
                raise MalformedQuery(f"limit takes a whole number, not {token.text!r}")
            pipeline.limit = min(int(token.text), MAX_ROWS)
        else:
            raise MalformedQuery(
                f"the local stack's Logs Insights computes {', '.join(SERVED_COMMANDS)}; "
                f"not {command[0].text!r}"
            )
        if not reader.done():
            token = reader.take()
            raise MalformedQuery(f"unexpected {token.text!r} at position {token.position + 1}")
    return pipeline


def _kept_by(predicate: Predicate) -> Callable[[list[Row]], list[Row]]:
    return lambda rows: [row for row in rows if predicate(row)]


def _fields(reader: Reader, pipeline: _Pipeline) -> None:
    renames: list[tuple[str, str]] = []
    while True:
        source = reader.field_name()
        target = reader.field_name() if reader.accept("as") else source
        renames.append((source, target))
        if not reader.accept(","):
            break

    def named(rows: list[Row]) -> list[Row]:
        for row in rows:
            for source, target in renames:
                if source != target:
                    row[target] = row.get(source)
        return rows

    pipeline.steps.append(named)
    pipeline.shown = [target for _, target in renames]


@dataclass(frozen=True)
class _Aggregate:
    function: str
    argument: str  # "*" for count(*)
    name: str

    def of(self, rows: list[Row]) -> Any:
        if self.argument == "*":
            return len(rows)
        present = [row for row in rows if row.get(self.argument) is not None]
        values = [row[self.argument] for row in present]
        if self.function == "count":
            return len(values)
        if self.function == "count_distinct":
            return len({text(v) for v in values})
        if self.function in ("earliest", "latest"):
            if not present:
                return None
            pick = min if self.function == "earliest" else max
            return pick(present, key=lambda row: row["@timestamp"])[self.argument]
        numbers = [n for n in (number(v) for v in values) if n is not None]
        if not numbers:
            return None
        if self.function == "sum":
            return sum(numbers)
        if self.function == "avg":
            return sum(numbers) / len(numbers)
        extreme = min(numbers) if self.function == "min" else max(numbers)
        # min(@timestamp) is a time, as @timestamp is.
        return Timestamp(extreme) if all(isinstance(v, Timestamp) for v in values) else extreme


def _stats(reader: Reader, pipeline: _Pipeline) -> None:
    aggregates: list[_Aggregate] = []
    while True:
        token = reader.take()
        if token.word not in _AGGREGATES:
            raise MalformedQuery(
                f"the local stack's stats computes {', '.join(_AGGREGATES)}; not {token.text!r}"
            )
        reader.expect("(")
        argument = "*" if reader.accept("*") else reader.field_name()
        reader.expect(")")
        default = f"{token.word}({argument})"
        name = reader.field_name() if reader.accept("as") else default
        aggregates.append(_Aggregate(token.word, argument, name))
        if not reader.accept(","):
            break
    groups: list[str] = []
    if reader.accept("by"):
        groups.append(reader.field_name())
        while reader.accept(","):
            groups.append(reader.field_name())

    def aggregated(rows: list[Row]) -> list[Row]:
        buckets: dict[tuple[str, ...], list[Row]] = {}
        for row in rows:
            key = tuple(row.get(name) for name in groups)
            if any(part is None for part in key):
                continue
            buckets.setdefault(tuple(text(part) for part in key), []).append(row)
        if not groups and not buckets:
            buckets[()] = []
        out: list[Row] = []
        for key, members in buckets.items():
            result: Row = dict(zip(groups, key, strict=True))
            for aggregate in aggregates:
                result[aggregate.name] = aggregate.of(members)
            out.append(result)
        return out

    pipeline.steps.append(aggregated)
    pipeline.shown = [*groups, *(aggregate.name for aggregate in aggregates)]
    pipeline.aggregated = True


def _sort(reader: Reader, pipeline: _Pipeline) -> None:
    keys: list[tuple[str, bool]] = []
    while True:
        name = reader.field_name()
        if reader.accept("asc"):
            keys.append((name, False))
        else:
            reader.accept("desc")  # the default
            keys.append((name, True))
        if not reader.accept(","):
            break

    def ordered(rows: list[Row]) -> list[Row]:
        # Stable sorts, last key first; a row without the field goes last either way.
        for name, descending in reversed(keys):
            present = [row for row in rows if row.get(name) is not None]
            missing = [row for row in rows if row.get(name) is None]
            present = _sorted_by(present, name, descending)
            rows = present + missing
        return rows

    pipeline.steps.append(ordered)
    pipeline.sorted = True


def _sorted_by(rows: list[Row], name: str, descending: bool) -> list[Row]:
    def by_value(a: Row, b: Row) -> int:
        return compare(a[name], b[name]) or 0

    return sorted(rows, key=functools.cmp_to_key(by_value), reverse=descending)


# --- Running a query -----------------------------------------------------------------------


def run(query: str, events: Iterable[Event], start_ms: int, end_ms: int) -> QueryResult:
    """The rows of ``query`` over the ``events`` between ``start_ms`` and ``end_ms``."""
    pipeline = parse(query)
    scanned = [e for e in events if start_ms <= e.timestamp <= end_ms]
    rows = [fields_of(event) for event in scanned]
    if not pipeline.sorted:
        rows.sort(key=lambda row: row["@timestamp"], reverse=True)
    for step in pipeline.steps:
        rows = step(rows)
    matched = len(rows)
    rows = rows[: pipeline.limit or DEFAULT_ROWS]
    shown = pipeline.shown or ["@timestamp", "@message"]
    if not pipeline.aggregated and "@ptr" not in shown:
        shown = [*shown, "@ptr"]
    return QueryResult(
        rows=[
            [
                {"field": name, "value": text(row[name])}
                for name in shown
                if row.get(name) is not None
            ]
            for row in rows
        ],
        records_matched=matched,
        records_scanned=len(scanned),
        bytes_scanned=sum(len(event.message.encode()) for event in scanned),
    )
