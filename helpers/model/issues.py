"""A problem of a project file as validation reports it, and the fix for one whose rule has none.

A :class:`ValidationIssue` is what ``agentcore validate`` prints (``path: message``) with
the kit's fix under it. The CLI's rules (:mod:`helpers.model.schemas`) carry a fix only
where a general one would mislead; :func:`fix_for` words the fix for every other problem
from what the rule found (a type, an enum, an unknown key, a size, a duplicate).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from helpers.basics.i18n import _
from helpers.model.config import CONFIG_PATH
from helpers.model.schema import Issue, format_path

_EXAMPLES = {
    "string": '"text"',
    "number": "1",
    "int": "1",
    "boolean": "true",
    "array": '["..."]',
    "object": "{ ... }",
    "record": '{"name": "value"}',
}


@dataclass(frozen=True)
class ValidationIssue:
    """One problem: the file, where in it (a JSON path), what is wrong, and what to change.

    ``path`` and ``message`` are what the CLI prints (``path: message``); ``path`` is empty
    for a problem with the whole file. ``kit_only`` marks the workshop's own checks.
    """

    path: str
    message: str
    fix: str
    file: str = CONFIG_PATH.as_posix()
    kit_only: bool = False

    @property
    def line(self) -> str:
        """The problem as the CLI lists it."""
        return f"{self.path}: {self.message}" if self.path else self.message


def fix_for(issue: Issue) -> str:
    """One sentence on what to change, for a problem whose rule carries no fix of its own."""
    where = format_path(issue.path)
    key = next((k for k in reversed(issue.path) if isinstance(k, str)), where)
    detail = issue.detail
    if issue.code == "type":
        kind = detail["kind"]
        if kind == "int":
            return _("Set {where} to a whole number, like 1.", where=where)
        # An entry of a list is named by its full path, a field by its key.
        name = where if issue.path and isinstance(issue.path[-1], int) else key
        if kind[0] in "aeiou":
            return _(
                "Change {name} to an {kind}, for example {example}.",
                name=name,
                kind=kind,
                example=_EXAMPLES[kind],
            )
        return _(
            "Change {name} to a {kind}, for example {example}.",
            name=name,
            kind=kind,
            example=_EXAMPLES[kind],
        )
    if issue.code == "enum":
        options = ", ".join(detail["options"])
        return _(
            "Set {where} to one of {options} (values are case-sensitive).",
            where=where,
            options=options,
        )
    if issue.code == "unknown_keys":
        return " ".join(_unknown_key_fix(key, detail["known"], where) for key in detail["keys"])
    if issue.code in ("too_small", "too_big"):
        return _size_fix(issue.code, key, detail)
    if issue.code == "duplicate":
        return _(
            'Rename or delete one of the entries named "{name}": names must be unique.',
            name=detail["name"],
        )
    if issue.code == "record_key":
        parent, reasons = format_path(issue.path[:-1]), "; ".join(detail["problems"])
        return _(
            "Rename the key {key} in {parent}: {reasons}.",
            key=json.dumps(issue.path[-1]),
            parent=parent,
            reasons=reasons,
        )
    return _("Change {where} so that it follows the rule above.", where=where)


def _unknown_key_fix(key: str, known: tuple[str, ...], where: str) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return _('Rename "{key}" to "{close}" (check the spelling).', key=key, close=close[0])
    return _('Remove "{key}" from {where}: the CLI knows no such key there.', key=key, where=where)


def _size_fix(code: str, key: str, detail: Mapping[str, Any]) -> str:
    kind = detail["kind"]
    if code == "too_small":
        bound = detail["minimum"]
        if kind == "number":
            return _("Set {key} to {bound} or more.", key=key, bound=bound)
        if kind == "array" and bound == 1:
            return _("List at least 1 entry in {key}.", key=key)
        if kind == "array":
            return _("List at least {bound} entries in {key}.", key=key, bound=bound)
        if bound == 1:
            return _("Give {key} at least 1 character.", key=key)
        return _("Give {key} at least {bound} characters.", key=key, bound=bound)
    bound = detail["maximum"]
    if kind == "number":
        return _("Set {key} to {bound} or less.", key=key, bound=bound)
    if kind == "array":
        return _("Keep at most {bound} entries in {key}.", key=key, bound=bound)
    return _("Shorten {key} to at most {bound} characters.", key=key, bound=bound)
