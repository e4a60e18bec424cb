"""A small schema checker that finds and words problems the way the ``agentcore`` CLI does.

The real CLI (npm ``@aws/agentcore`` 0.30.0) validates its files with zod 4 and prints
each problem as ``path: message``. To report the *same* problems in the same words, the
schemas in :mod:`helpers.model.schemas` are written with the few building blocks
below, which follow zod's rules:

- a value of the wrong type, an enum value outside its options, an unknown key in a
  strict object and a bad record key are *fatal*: once one occurs inside a value, the
  checks and cross-field rules attached to that value and to every value around it are
  skipped (zod calls them non-continuable issues);
- every other check (lengths, patterns, URLs, cross-field rules) runs in the order it is
  declared, as long as nothing fatal came before it, and all their problems are listed;
- an object reports its fields in the schema's key order, then its unknown keys, then
  its own rules; an array reports its items, then its own checks.

Parsing also returns the value as the CLI writes it back: keys in schema order, defaults
filled in, unknown keys of non-strict objects dropped, integral numbers as integers.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from helpers.basics.i18n import _

Path = tuple[str | int, ...]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()
"""An absent key (JavaScript's ``undefined``)."""


@dataclass(frozen=True)
class Issue:
    """One problem, located by ``path`` and worded as the CLI words it.

    ``code`` and ``detail`` say what kind of problem it is (for writing a fix); ``fix`` is
    set when the rule itself knows the fix, in the learner's language (a rule's fix is
    marked with ``N_`` where it is written and translated when the problem is found).
    ``kit_only`` marks the workshop's own checks, which the real CLI does not make.
    ``printed_path`` is where the CLI *says* the problem is, when that differs from where
    it is (see :class:`OneOf`).
    """

    path: Path
    message: str
    code: str = "custom"
    fatal: bool = False
    detail: Mapping[str, Any] = field(default_factory=dict)
    fix: str | None = None
    kit_only: bool = False
    printed_path: Path | None = None

    def under(self, key: str | int) -> Issue:
        return replace(self, path=(key, *self.path))

    @property
    def shown_path(self) -> Path:
        return self.path if self.printed_path is None else self.printed_path


def format_path(path: Path) -> str:
    """A path as the CLI prints it: ``runtimes[0].name``, ``[0].region``, or ``root``."""
    if not path:
        return "root"
    return "".join(
        f"[{key}]" if isinstance(key, int) else (str(key) if i == 0 else f".{key}")
        for i, key in enumerate(path)
    )


@dataclass
class Parsed:
    """The value as the CLI would keep it, and every problem found on the way."""

    value: Any
    issues: list[Issue]

    @property
    def aborted(self) -> bool:
        return any(issue.fatal for issue in self.issues)


Check = Callable[[Any], list[Issue]]
"""A check on a value of the right type: returns its problems (never fatal ones)."""


class Schema:
    """A node of a schema: checks a value's type and shape, then runs its ``checks``."""

    kind = "value"

    def __init__(self, *checks: Check) -> None:
        self.checks = checks

    def parse(self, value: Any) -> Parsed:
        parsed = self._parse(value)
        for check in self.checks:
            if parsed.aborted:
                break
            parsed.issues += check(parsed.value)
        return parsed

    def _parse(self, value: Any) -> Parsed:
        raise NotImplementedError

    def wrong_type(self) -> Parsed:
        return Parsed(
            MISSING,
            [Issue((), f'expected "{self.kind}"', "type", True, {"kind": self.kind})],
        )


class Text(Schema):
    kind = "string"

    def _parse(self, value: Any) -> Parsed:
        return Parsed(value, []) if isinstance(value, str) else self.wrong_type()


class Number(Schema):
    """A JSON number; ``integer`` adds zod's ``.int()``, which is fatal when it fails."""

    kind = "number"

    def __init__(self, *checks: Check, integer: bool = False) -> None:
        super().__init__(*checks)
        self.integer = integer

    def _parse(self, value: Any) -> Parsed:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return self.wrong_type()
        if float(value).is_integer():
            return Parsed(int(value), [])
        if self.integer:
            return Parsed(value, [Issue((), 'expected "int"', "type", True, {"kind": "int"})])
        return Parsed(value, [])


class Boolean(Schema):
    kind = "boolean"

    def _parse(self, value: Any) -> Parsed:
        return Parsed(value, []) if isinstance(value, bool) else self.wrong_type()


class Anything(Schema):
    def _parse(self, value: Any) -> Parsed:
        return Parsed(value, [])


class Choice(Schema):
    """One of fixed strings (zod's ``enum``)."""

    def __init__(self, *options: str) -> None:
        super().__init__()
        self.options = options

    @property
    def expected(self) -> str:
        return " | ".join(f'"{option}"' for option in self.options)

    def _parse(self, value: Any) -> Parsed:
        if isinstance(value, str) and value in self.options:
            return Parsed(value, [])
        return Parsed(
            MISSING,
            [Issue((), f"expected {self.expected}", "enum", True, {"options": self.options})],
        )


class OneOf(Schema):
    """A union of choices, reported as the CLI reports a failed union.

    The CLI prints the first branch's problem with the path *inside* the union, which is
    empty, so the problem reads ``root: expected ...`` wherever the value is.
    """

    def __init__(self, *branches: Choice) -> None:
        super().__init__()
        self.branches = branches

    def _parse(self, value: Any) -> Parsed:
        for branch in self.branches:
            parsed = branch.parse(value)
            if not parsed.issues:
                return parsed
        first = self.branches[0]
        options = tuple(option for branch in self.branches for option in branch.options)
        issue = Issue(
            (), f"expected {first.expected}", "enum", True, {"options": options}, printed_path=()
        )
        return Parsed(MISSING, [issue])


class ListOf(Schema):
    kind = "array"

    def __init__(self, item: Schema, *checks: Check) -> None:
        super().__init__(*checks)
        self.item = item

    def _parse(self, value: Any) -> Parsed:
        if not isinstance(value, list):
            return self.wrong_type()
        items, issues = [], []
        for index, entry in enumerate(value):
            parsed = self.item.parse(entry)
            items.append(parsed.value)
            issues += [issue.under(index) for issue in parsed.issues]
        return Parsed(items, issues)


class MapOf(Schema):
    """A JSON object used as a map (zod's ``record``): a bad key is one fatal problem."""

    kind = "record"

    def __init__(self, key: Schema, value: Schema, *checks: Check) -> None:
        super().__init__(*checks)
        self.key = key
        self.value = value

    def _parse(self, value: Any) -> Parsed:
        if not isinstance(value, dict):
            return self.wrong_type()
        result, issues = {}, []
        for key, entry in value.items():
            problems = tuple(issue.message for issue in self.key.parse(key).issues)
            if problems:
                issues.append(
                    Issue(
                        (key,), "Invalid key in record", "record_key", True, {"problems": problems}
                    )
                )
                continue
            parsed = self.value.parse(entry)
            result[key] = parsed.value
            issues += [issue.under(key) for issue in parsed.issues]
        return Parsed(result, issues)


@dataclass(frozen=True)
class Field:
    """A key of an object: its schema, and whether it may be absent (or its default)."""

    schema: Schema
    optional: bool = False
    default: Any = MISSING


def optional(schema: Schema) -> Field:
    return Field(schema, optional=True)


def defaults_to(schema: Schema, default: Any) -> Field:
    return Field(schema, optional=True, default=default)


class Fields(Schema):
    """A JSON object with known keys; ``strict`` objects refuse the others."""

    kind = "object"

    def __init__(self, fields: Mapping[str, Schema | Field], *checks: Check, strict: bool):
        super().__init__(*checks)
        self.fields = {
            key: spec if isinstance(spec, Field) else Field(spec) for key, spec in fields.items()
        }
        self.strict = strict

    def _parse(self, value: Any) -> Parsed:
        if not isinstance(value, dict):
            return self.wrong_type()
        result: dict[str, Any] = {}
        issues: list[Issue] = []
        for key, spec in self.fields.items():
            if key not in value and spec.default is not MISSING:
                result[key] = copy.deepcopy(spec.default)
                continue
            if key not in value and spec.optional:
                continue
            parsed = spec.schema.parse(value.get(key, MISSING))
            if parsed.value is not MISSING:
                result[key] = parsed.value
            issues += [issue.under(key) for issue in parsed.issues]
        unknown = [key for key in value if key not in self.fields]
        if unknown and self.strict:
            listed = ", ".join(f'"{key}"' for key in unknown)
            issues.append(
                Issue(
                    (),
                    f"unknown keys (remove): {listed}",
                    "unknown_keys",
                    True,
                    {"keys": tuple(unknown), "known": tuple(self.fields)},
                )
            )
        return Parsed(result, issues)


class Deferred(Schema):
    """A schema given later, for one that contains itself (a JSON Schema's properties)."""

    def __init__(self) -> None:
        super().__init__()
        self.target: Schema | None = None

    def _parse(self, value: Any) -> Parsed:
        assert self.target is not None, "Deferred schema used before its target was set"
        return self.target.parse(value)


class NotChecked(Schema):
    """Content the kit does not model: refused by the workshop's own check, with why.

    ``what`` (a plural noun) and ``fix`` are marked with ``N_`` where they are written and
    shown in the learner's language.
    """

    def __init__(self, what: str, fix: str) -> None:
        super().__init__()
        self.what = what
        self.fix = fix

    def _parse(self, value: Any) -> Parsed:
        message = _("{what} are not supported by the workshop kit", what=_(self.what))
        issue = Issue((), message, fix=_(self.fix))
        return Parsed(value, [replace(issue, kit_only=True)])


# Checks. Each returns a function that gives the problems of one (well-typed) value.


def js_length(text: str) -> int:
    """A string's length as JavaScript counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def _measure(value: Any) -> int | float:
    return js_length(value) if isinstance(value, str) else len(value)


_UNITS = {"string": "characters", "array": "items"}


def at_least(minimum: int, message: str | None = None, *, kind: str = "string") -> Check:
    """zod's ``.min(n)`` on a string (characters), an array (items) or a number."""

    def check(value: Any) -> list[Issue]:
        size = value if kind == "number" else _measure(value)
        if size >= minimum:
            return []
        unit = f"to be >={minimum}" if kind == "number" else f"to have >={minimum} {_UNITS[kind]}"
        text = message or f"Too small: expected {kind} {unit}"
        return [Issue((), text, "too_small", detail={"minimum": minimum, "kind": kind})]

    return check


def at_most(maximum: int, message: str | None = None, *, kind: str = "string") -> Check:
    """zod's ``.max(n)`` on a string (characters), an array (items) or a number."""

    def check(value: Any) -> list[Issue]:
        size = value if kind == "number" else _measure(value)
        if size <= maximum:
            return []
        unit = f"to be <={maximum}" if kind == "number" else f"to have <={maximum} {_UNITS[kind]}"
        text = message or f"Too big: expected {kind} {unit}"
        return [Issue((), text, "too_big", detail={"maximum": maximum, "kind": kind})]

    return check


def matches(pattern: str | re.Pattern[str], message: str, fix: str | None = None) -> Check:
    """zod's ``.regex()``; the pattern must match the whole string."""
    regex = re.compile(pattern) if isinstance(pattern, str) else pattern

    def check(value: str) -> list[Issue]:
        if regex.fullmatch(value):
            return []
        return [Issue((), message, "format", fix=_(fix) if fix else None)]

    return check


def holds(
    test: Callable[[Any], bool], message: str, *, path: Path = (), fix: str | None = None
) -> Check:
    """zod's ``.refine()``: one rule, one message."""

    def check(value: Any) -> list[Issue]:
        return [] if test(value) else [Issue(path, message, fix=_(fix) if fix else None)]

    return check


def is_url(message: str) -> Check:
    """zod's ``.url()``: the string must parse as a URL (WHATWG rules, roughly)."""
    return holds(is_valid_url, message)


def unique(name_of: Callable[[Any], Any], message: Callable[[Any], str]) -> Check:
    """The CLI's ``uniqueBy``: each repeated name is reported at its array index."""

    def check(items: list[Any]) -> list[Issue]:
        seen: set[Any] = set()
        issues = []
        for index, item in enumerate(items):
            name = name_of(item)
            if name in seen:
                issues.append(Issue((index,), message(name), "duplicate", detail={"name": name}))
            seen.add(name)
        return issues

    return check


def rules(*found: Callable[[Any], Iterable[Issue]]) -> Check:
    """zod's ``.superRefine()``: any number of problems, each at its own path."""

    def check(value: Any) -> list[Issue]:
        return [issue for rule in found for issue in rule(value)]

    return check


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_SPECIAL_SCHEMES = ("http", "https", "ws", "wss", "ftp")
_FORBIDDEN_HOST = set(" \t\n\r#/<>?@[\\]^|%")


def is_valid_url(text: str) -> bool:
    """Whether ``new URL(text)`` would succeed in Node, for the URLs a config holds.

    A scheme is required; web schemes (``https`` and the like) need a host without spaces
    or forbidden characters; other schemes take any rest. Leading and trailing
    whitespace is ignored, as zod trims before parsing.
    """
    scheme, colon, rest = text.strip().partition(":")
    if not colon or not _SCHEME.fullmatch(scheme):
        return False
    if scheme.lower() not in _SPECIAL_SCHEMES:
        return not any(char.isspace() and char != " " for char in rest)
    authority = rest.lstrip("/\\")
    host = re.split(r"[/\\?#]", authority, maxsplit=1)[0].rpartition("@")[2]
    host, _colon, port = host.partition(":") if not host.startswith("[") else (host, "", "")
    if not host or any(char in _FORBIDDEN_HOST or ord(char) < 0x20 for char in host):
        return False
    return not port or (port.isdigit() and int(port) <= 65535)


def is_tag_text(text: str) -> bool:
    """AWS tag characters: Unicode letters and digits, whitespace, and ``_ . : / = + - @``."""
    return all(
        unicodedata.category(char)[0] in "LN" or char.isspace() or char in "_.:/=+-@"
        for char in text
    )
