"""Why a checkpoint failed, told from the project's and the stack's own evidence.

A checkpoint that fails must not leave the learner with a bare ``AssertionError`` and a
log in a hidden folder. :func:`explain` gathers what the kit can see, in the order a
person would look: a step that has gone backwards, a change not deployed yet, what the
agent logged since the last checkpoint (its warnings and errors; credentials are
redacted before anything reaches the log), and the session's trace. Each finding says
what to do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from helpers.kit.backends.base import Backend
from helpers.kit.behaviour import log_hint
from helpers.kit.checks import CheckResult
from helpers.kit.settings import WorkshopSettings
from helpers.kit.steps import step_checks, steps_done
from helpers.model.errors import ActionableError
from helpers.model.i18n import _
from helpers.model.interactions import build_interactions

# The notebook that teaches each step, for a finding that sends the learner back to it.
STEP_NOTEBOOKS = {
    1: "01_secure_runtime",
    2: "02_secure_gateway",
    3: "03_mcp_client_auth",
    4: "04_observability_traffic",
}
# At most this many of the agent's own lines are quoted: the first ones tell the cause.
MAX_LOG_LINES = 6
_LOGGED = re.compile(r"\b(WARNING|ERROR|CRITICAL)\b")
# Warnings that explain no checkpoint: web search answers nothing the workshop asks.
BENIGN_WARNINGS = ("answering without web search",)
_EXCEPTION = re.compile(r"^(\w+\.)*\w*(Error|Exception|Exit)\b:?")
# A traceback frame in the deployed copy of the learner's code (the stack keeps it in
# runtimes/<runtime>/<version>/): its path inside the code location, and its line.
_LEARNER_FRAME = re.compile(r'File ".*?/runtimes/[^/]+/[0-9a-f]+/([^"]+)", line (\d+)')


class CheckpointFailed(ActionableError, AssertionError):
    """A checkpoint's condition did not hold; the message says what the kit found, and
    the fix. (An ``AssertionError`` too, so code that expects a failed assert still works.)"""


def explain_checkpoint(
    what: str,
    failed: Sequence[CheckResult],
    evidence: Sequence[str],
) -> CheckpointFailed:
    """The error a failed checkpoint raises: its name, the checks that failed, the evidence."""
    lines = [_("❌ checkpoint failed: {what}", what=what)]
    for check in failed:
        lines.append(str(check))
    if evidence:
        lines.append(_("What the kit found:"))
        lines += [f"  - {finding}" for finding in evidence]
    elif not failed:
        lines.append(
            _(
                "The kit found no cause in your project, the deploy or the agent's log. "
                "Run the cells above this one again, in order; if it still fails, ask "
                "your instructor."
            )
        )
    return CheckpointFailed("\n".join(lines))


def unfinished_steps(
    project: Path,
    settings: WorkshopSettings,
    *,
    up_to: int,
    through_step: int,
    shown: Sequence[CheckResult] = (),
) -> list[str]:
    """A finding for each of steps 1..``up_to`` whose checks fail, naming the step and
    the fix. Steps up to ``through_step`` were done when the notebook started: failing
    now, they have gone backwards (an editor tab saved over the file, a command undone).
    A check already in ``shown`` is not repeated."""
    findings = []
    for step in range(1, up_to + 1):
        problems = [
            problem
            for check in step_checks(project, settings, step)
            if not any(check.what == seen.what for seen in shown)
            for problem in check.missing
        ]
        if not problems:
            continue
        if step <= through_step:
            findings.append(
                _(
                    "Step {step} ({notebook}) has gone backwards: {problem} Fix that, or run "
                    "ws.do_it_for_me(step={step}), then deploy. An editor tab opened before "
                    "that step and saved since puts the old file back: in JupyterLab, use "
                    "File > Reload from Disk before you edit it again.",
                    step=step,
                    notebook=STEP_NOTEBOOKS[step],
                    problem=problems[0],
                )
            )
        else:
            findings.append(
                _(
                    "Step {step} is not done: {problem} Fix that, or run "
                    "ws.do_it_for_me(step={step}), then deploy.",
                    step=step,
                    problem=problems[0],
                )
            )
    return findings


def further_along(project: Path, settings: WorkshopSettings, proven: int) -> list[str]:
    """A finding when the project has done more steps than the checkpoint proves: one
    meant for an earlier state (notebook 00 run again after the workshop)."""
    done = steps_done(project, settings)
    if done <= proven:
        return []
    return [
        _(
            "Your project has done steps 1 to {done} already, and this checkpoint is "
            "meant for the state after step {step}. Carry on from notebook {next}, or "
            "start over with ws.start_over() (your project is kept in a backup folder).",
            done=done,
            step=proven,
            next=STEP_NOTEBOOKS.get(done + 1, "05_cleanup"),
        )
    ]


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


def from_the_trace(backend: Backend, session_id: str) -> list[str]:
    """What the session's traces show: a call the Runtime refused, and the tools run."""
    interactions = build_interactions(backend.spans_for_session(session_id))
    if not interactions:
        return []
    last = interactions[-1]
    if last.refused:
        return [
            _("The trace of session {session}: the Runtime refused the call.", session=session_id)
        ]
    tools = [tool.name for tool in last.tools]
    gateway = any(step.kind == "gateway" for step in last.steps)
    return [
        _(
            "The trace of session {session}: the agent ran {tools}; the Gateway was {called}.",
            session=session_id,
            tools=", ".join(tools) or _("no tool"),
            called=_("called") if gateway else _("not called"),
        )
    ]
