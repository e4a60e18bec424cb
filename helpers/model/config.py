"""The learner's ``agentcore/agentcore.json``: read it and write it exactly as the CLI does.

``read_config`` names the spot of a hand-editing slip (line, column, the character
offset the CLI calls "position") with a one-sentence fix; ``write_config`` formats
the file as CLI 0.30.0 does (indent 2, no final newline) and replaces it atomically.
The CLI's edits of the file live in :mod:`helpers.model.edits`.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _

CONFIG_PATH = Path("agentcore/agentcore.json")


class ConfigJSONError(ActionableError, ValueError):
    """``agentcore.json`` cannot be read as a config: broken JSON, or not a JSON object.

    ``detail`` says what and where as ``agentcore validate`` says it (Node's ``JSON.parse``
    message: the character offset it calls "position", then line and column); ``reason``
    is that message alone; ``hint`` is one sentence on the likely fix. The exception's
    text is ``detail`` and ``hint``.
    """

    def __init__(
        self,
        detail: str,
        hint: str,
        *,
        file: str,
        line: int,
        column: int,
        position: int,
        reason: str = "",
    ):
        super().__init__(f"{detail} {hint}")
        self.detail = detail
        self.reason = reason
        self.hint = hint
        self.file = file
        self.line = line
        self.column = column
        self.position = position


def parse_json(text: str, label: str) -> Any:
    """Parse a file of the project; a slip raises ConfigJSONError worded as the CLI words it.

    ``label`` names the file as the CLI does in ``Invalid JSON in <label>: ...``.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        reason, position = _as_javascript_reports(text, err)
        line = text.count("\n", 0, position) + 1
        column = position - text.rfind("\n", 0, position)
        # Node 22 adds the line and column to a message that gives a position.
        where = f" (line {line} column {column})" if reason.endswith(f"position {position}") else ""
        raise ConfigJSONError(
            f"Invalid JSON in {label}: {reason}{where}",
            _json_hint(text, err),
            file=label,
            line=line,
            column=column,
            position=position,
            reason=reason + where,
        ) from None


def parse_config(text: str, file: str = CONFIG_PATH.as_posix()) -> dict[str, Any]:
    """Parse the text of an ``agentcore.json``; raise ConfigJSONError naming the spot."""
    config = parse_json(text, CONFIG_PATH.name)
    if not isinstance(config, dict):
        start = len(text) - len(text.lstrip())
        raise ConfigJSONError(
            _("{file} must hold one JSON object ({{ ... }}) at the top level.", file=file),
            _("Wrap the settings in braces, as in the workshop's agent/agentcore/agentcore.json."),
            file=file,
            line=text.count("\n", 0, start) + 1,
            column=start - text.rfind("\n", 0, start),
            position=start,
        )
    return config


def read_config(project_dir: Path) -> dict[str, Any]:
    """Load ``agentcore/agentcore.json`` from a project folder."""
    path = Path(project_dir) / CONFIG_PATH
    if not path.is_file():
        raise FileNotFoundError(
            _(
                "No {config} in {project} (looked for {path}). "
                "Point at the project folder that holds agentcore/ and app/.",
                config=CONFIG_PATH.as_posix(),
                project=project_dir,
                path=path,
            )
        )
    return parse_config(path.read_text(encoding="utf-8"))


def write_config(project_dir: Path, config: dict[str, Any]) -> None:
    """Save the config formatted exactly as the CLI does (indent 2, no final newline).

    The file is replaced atomically so a crash or a concurrent reader never sees
    half a file; the learner's file mode is kept.
    """
    path = Path(project_dir) / CONFIG_PATH
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, config)


def write_json(path: Path, value: Any, like: Path | None = None) -> None:
    """Write ``value`` as the CLI writes its files (``JSON.stringify(value, null, 2)``: indent
    2, no final newline), replacing ``path`` atomically.

    An existing file keeps its mode; a new one takes the mode of the file ``like`` when it
    exists, else what the umask leaves of 0o666, as for any newly created file.
    """
    data = json.dumps(value, indent=2, ensure_ascii=False).encode("utf-8")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        model = path if path.exists() else like
        if model is not None and model.exists():
            os.chmod(tmp, model.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


_CONTEXT = 10  # characters V8 quotes either side of an unexpected token


def _as_javascript_reports(text: str, err: json.JSONDecodeError) -> tuple[str, int]:
    """What Node's ``JSON.parse`` says about the slip Python found, and where.

    The CLI reads its files with ``JSON.parse``; its messages are reproduced for the usual
    slips (the character offset is the same), so the kit says what the CLI says.
    """
    position = err.pos
    if err.msg.startswith("Illegal trailing comma"):
        # Python 3.13 reports a trailing comma at the comma; V8 at the bracket after it.
        position = len(text) - len(text[position + 1 :].lstrip())
        if text[position] == "]":
            return f"Unexpected token ']', {_quoted_context(text, position)}", position
        return f"Expected double-quoted property name in JSON at position {position}", position
    at = f"in JSON at position {position}"
    if err.msg == "Expecting value" and not text[position:].strip():
        return "Unexpected end of JSON input", len(text)
    if err.msg.startswith("Expecting property name"):
        if text[:position].rstrip().endswith(","):
            return f"Expected double-quoted property name {at}", position
        return f"Expected property name or '}}' {at}", position
    if err.msg == "Expecting ':' delimiter":
        return f"Expected ':' after property name {at}", position
    if err.msg == "Expecting ',' delimiter":
        if _innermost_bracket(text, position) == "[":
            return f"Expected ',' or ']' after array element {at}", position
        return f"Expected ',' or '}}' after property value {at}", position
    if err.msg == "Extra data":
        return f"Unexpected non-whitespace character after JSON at position {position}", position
    if err.msg.startswith("Unterminated string"):
        return f"Unterminated string in JSON at position {len(text)}", len(text)
    if err.msg.startswith("Invalid control character"):
        return f"Bad control character in string literal {at}", position
    if err.msg.startswith("Invalid \\escape"):
        return f"Bad escaped character in JSON at position {position + 1}", position + 1
    return f"Unexpected token '{text[position]}', {_quoted_context(text, position)}", position


def _quoted_context(text: str, position: int) -> str:
    """The source around an unexpected token, quoted the way V8 quotes it."""
    if len(text) <= 2 * _CONTEXT + 1:
        return f'"{text}" is not valid JSON'
    start, end = max(position - _CONTEXT, 0), position + _CONTEXT
    lead = "..." if start > 0 else ""
    tail = "..." if end < len(text) else ""
    return f'{lead}"{text[start:end]}"{tail} is not valid JSON'


def _innermost_bracket(text: str, position: int) -> str:
    """The ``{`` or ``[`` still open at ``position``, strings skipped."""
    stack: list[str] = []
    in_string = escaped = False
    for char in text[:position]:
        if in_string:
            escaped = not escaped and char == "\\"
            in_string = escaped or char != '"'
        elif char == '"':
            in_string = True
        elif char in "{[":
            stack.append(char)
        elif char in "}]" and stack:
            stack.pop()
    return stack[-1] if stack else ""


def _json_hint(text: str, err: json.JSONDecodeError) -> str:
    """One targeted sentence for the usual hand-editing slips, else a generic one."""
    if not text.strip():
        return _(
            "The file is empty: put the project's settings back (start from agent/agentcore/)."
        )
    if not text[err.pos :].strip():
        return _("The file ends too early: a closing } or ] is missing at the end.")
    before = text[: err.pos].rstrip()
    here = text[err.pos : err.pos + 1]
    # Python 3.13+ reports a trailing comma at the comma, older versions just after it.
    comma = err.pos if here == "," else len(before) - 1
    if text[comma : comma + 1] == "," and text[comma + 1 :].lstrip()[:1] in ("}", "]"):
        return _(
            "Remove the comma at the end of line {line}: JSON allows no comma after the last item.",
            line=_line_of(text, comma),
        )
    if "',' delimiter" in err.msg:
        return _(
            "Check the end of line {line} for a missing comma.",
            line=_line_of(text, len(before) - 1),
        )
    if err.msg.startswith("Unterminated string"):
        return _(
            'Close the string that starts at line {line}, column {column} with a ".',
            line=err.lineno,
            column=err.colno,
        )
    if err.msg == "Extra data":
        return _(
            "Delete what follows the closing brace, from line {line}, column {column}: "
            "the file holds one JSON object.",
            line=err.lineno,
            column=err.colno,
        )
    if here == "'":
        return _("Use double quotes around keys and strings: JSON does not accept single quotes.")
    if err.msg.startswith("Expecting property name"):
        return _(
            'Put the key at line {line}, column {column} in double quotes, like "name".',
            line=err.lineno,
            column=err.colno,
        )
    return _(
        "Look at line {line} and the line before it for a missing or extra "
        "comma, quote or bracket.",
        line=err.lineno,
    )


def _line_of(text: str, index: int) -> int:
    return text.count("\n", 0, index) + 1
