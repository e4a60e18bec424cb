"""What the agent's log says went wrong, each line with its fix when the kit knows it.

The local stack's runtime log holds plain lines (tracebacks, ``logging``'s) and the
AgentCore SDK's JSON records (``level``, ``message``; an error's ``errorType``,
``errorMessage`` and ``stackTrace``). :func:`from_the_log` reads both into sentences
for a learner: the learner's exceptions first, at the line of their own file they
ended in, then the warnings, each followed by its fix. Credentials never reach the log
(the stack redacts them as it writes), so a line can be quoted as it is. A notebook's
checkpoint and the terminal's ``agentcore-local invoke`` both use it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from helpers.basics.i18n import _
from helpers.model.names import OLD_GATEWAY_ENV, SECURE_GATEWAY_ENV

# At most this many of the agent's own lines are quoted: the first ones tell the cause.
MAX_LOG_LINES = 6
_LOGGED = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b")
# Warnings that explain no checkpoint: web search answers nothing the workshop asks.
BENIGN_WARNINGS = ("answering without web search",)
_EXCEPTION = re.compile(r"^(\w+\.)*\w*(Error|Exception|Exit)\b:?")
# A traceback frame in the deployed copy of the learner's code (the stack keeps it in
# runtimes/<runtime>/<version>/): its path inside the code location, and its line.
_LEARNER_FRAME = re.compile(r'File ".*?/runtimes/[^/]+/[0-9a-f]+/([^"]+)", line (\d+)')


# What the agent's client.py logs when no token reached it.
HEADER_NOT_FOUND = "No Authorization header reached the agent"
_UNSET_VARIABLE = re.compile(r"(AGENTCORE_GATEWAY_\w+_URL) is not set")


def lines_since(log: Path, mark: int) -> tuple[list[str], int]:
    """The lines written to ``log`` after byte ``mark``, and the mark for the next read.

    A mark of -1 starts watching (nothing is read); a log shorter than the mark was
    started afresh and is read whole; a missing log has no lines.
    """
    try:
        with log.open("rb") as file:
            end = file.seek(0, 2)
            if mark < 0:
                return [], end
            file.seek(mark if mark <= end else 0)
            return file.read().decode("utf-8", errors="replace").splitlines(), end
    except FileNotFoundError:
        return [], 0


def from_the_log(lines: Iterable[str]) -> list[str]:
    """What the agent's log says went wrong: the learner's exceptions first, at the line
    of their code they ended in, then warnings, each with its fix when the kit knows it.

    The log holds plain lines (tracebacks, ``logging``'s) and the AgentCore SDK's JSON
    records (``level``, ``message``; an error's ``errorType``, ``errorMessage`` and
    ``stackTrace``); both are read.
    """
    errors: list[str] = []
    warnings: list[str] = []
    frame: str | None = None
    for line in lines:
        record = _json_record(line)
        if record is not None:
            if "errorType" in record:
                trace = "".join(str(part) for part in record.get("stackTrace") or [])
                errors.append(
                    _raised(f"{record['errorType']}: {record.get('errorMessage', '')}", trace)
                )
            elif _LOGGED.fullmatch(str(record.get("level", ""))):
                warnings += _warning(f"{record['level']} {record.get('message', '')}")
            continue
        if _LEARNER_FRAME.search(line):
            frame = line
            continue
        text = line.strip()
        if _EXCEPTION.match(text):
            errors.append(_raised(text, frame or ""))
            frame = None
        elif _LOGGED.search(text):
            warnings += _warning(_after_level(text))
    return list(dict.fromkeys(errors + warnings))[:MAX_LOG_LINES]


def _after_level(line: str) -> str:
    """A log line from its level on (the time stamp and logger name add nothing here)."""
    found = _LOGGED.search(line)
    return line[found.start() :] if found else line


def _json_record(line: str) -> dict[str, Any] | None:
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


def _raised(error: str, trace: str) -> str:
    """An exception, at the last line of the learner's code its traceback passed through."""
    frames = _LEARNER_FRAME.findall(trace)
    if not frames:
        return _("The agent raised {error}.", error=error)
    file, line = frames[-1]
    return _(
        "Your code raised {error} at {frame}; fix it, then deploy again.",
        error=error,
        frame=_("{file} line {line}", file=file, line=line),
    )


def _warning(text: str) -> list[str]:
    """A warning as the agent logged it, then its fix; none for the ones that change
    nothing the workshop checks (web search is off on a machine without the internet)."""
    if any(benign in text for benign in BENIGN_WARNINGS):
        return []
    hint = log_hint(text)
    return [_("The agent logged: {line}", line=text), *([hint] if hint else [])]


def log_hint(line: str) -> str | None:
    """The fix for a warning the workshop's agent code logs, when the kit knows it."""
    if "refused the call (HTTP 401)" in line:
        return _(
            "The Gateway refused the agent's call (HTTP 401): no valid token reached it. "
            "Step 3: the Gateway client presents the caller's token "
            "(streamablehttp_client(url, auth=caller_token), and the reachability check "
            "mcp_server_problem(url, caller_token) too); then deploy."
        )
    if HEADER_NOT_FOUND in line:
        return _(
            "No token reached the agent's code: the runtime forwards only the headers in its "
            'requestHeaderAllowlist, which must hold "Authorization" (step 1), and main.py '
            'reads it with (context.request_headers or {}).get("Authorization"). Then deploy.'
        )
    unset = _UNSET_VARIABLE.search(line)
    if unset and unset.group(1) == OLD_GATEWAY_ENV:
        return _(
            "{old} belonged to the gateway removed in step 2; the agent must read {new} "
            "(mcp_client/client.py), then deploy.",
            old=OLD_GATEWAY_ENV,
            new=SECURE_GATEWAY_ENV,
        )
    return None
