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

from helpers.model.errors import ActionableError
from helpers.model.i18n import _

CONFIG_PATH = Path("agentcore/agentcore.json")


class ConfigJSONError(ActionableError, ValueError):
    """``agentcore.json`` cannot be read as a config: broken JSON, or not a JSON object.

    ``detail`` says what and where (line, column, and the character offset the
    CLI calls "position"); ``hint`` is one sentence on the likely fix. The
    exception's text is both.
    """

    def __init__(self, detail: str, hint: str, *, file: str, line: int, column: int, position: int):
        super().__init__(f"{detail} {hint}")
        self.detail = detail
        self.hint = hint
        self.file = file
        self.line = line
        self.column = column
        self.position = position


def parse_config(text: str, file: str = CONFIG_PATH.as_posix()) -> dict[str, Any]:
    """Parse the text of an ``agentcore.json``; raise ConfigJSONError naming the spot."""
    try:
        config = json.loads(text)
    except json.JSONDecodeError as err:
        raise ConfigJSONError(
            _(
                "{file} is not valid JSON: {error} at line {line}, column {column} "
                "(character {position}).",
                file=file,
                error=err.msg,
                line=err.lineno,
                column=err.colno,
                position=err.pos,
            ),
            _json_hint(text, err),
            file=file,
            line=err.lineno,
            column=err.colno,
            position=err.pos,
        ) from None
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
    data = json.dumps(config, indent=2, ensure_ascii=False).encode("utf-8")
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # 0o666 lets the umask decide, as for any newly created file.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


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
