"""Why a checkpoint failed, told from the project's and the stack's own evidence.

A checkpoint that fails must not leave the learner with a bare ``AssertionError`` and a
log in a hidden folder. :func:`explain` gathers what the kit can see, in the order a
person would look: a step that has gone backwards, a change not deployed yet, what the
agent logged since the last checkpoint (its warnings and errors; credentials are
redacted before anything reaches the log), and the session's trace. Each finding says
what to do.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from helpers.kit.backends.base import Backend
from helpers.kit.checks import OLD_GATEWAY_ENV, SECURE_GATEWAY_ENV, CheckResult
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
_EXCEPTION = re.compile(r"^(\w+\.)*\w*(Error|Exception|Exit)\b:?")
# A traceback frame in the deployed copy of the learner's code (the stack keeps it in
# runtimes/<runtime>/<version>/): its path inside the code location, and its line.
_LEARNER_FRAME = re.compile(r'File ".*?/runtimes/[^/]+/[0-9a-f]+/([^"]+)", line (\d+)')
_UNSET_VARIABLE = re.compile(r"(AGENTCORE_GATEWAY_\w+_URL) is not set")


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


def further_along(project: Path, settings: WorkshopSettings, through_step: int) -> list[str]:
    """A finding when the project has done more steps than this notebook starts from:
    a checkpoint of an earlier state (notebook 00 run again after the workshop)."""
    done = steps_done(project, settings)
    if done <= through_step:
        return []
    return [
        _(
            "Your project has done steps 1 to {done} already, and this notebook starts "
            "after step {step}: its checkpoints are meant for an earlier state. Carry on "
            "from notebook {next}, or start over with ws.start_over() (your project is "
            "kept in a backup folder).",
            done=done,
            step=through_step,
            next=STEP_NOTEBOOKS.get(done + 1, "05_cleanup"),
        )
    ]


def from_the_log(lines: Iterable[str]) -> list[str]:
    """What the agent's log says went wrong: its warnings and errors, each with its fix
    when the kit knows it, and the learner's line a traceback ended in."""
    findings: list[str] = []
    frame: str | None = None
    for line in lines:
        where = _LEARNER_FRAME.search(line)
        if where:
            frame = _("{file} line {line}", file=where.group(1), line=where.group(2))
            continue
        text = line.strip()
        if _EXCEPTION.match(text):
            findings.append(
                _(
                    "Your code raised {error} at {frame}; fix it, then deploy again.",
                    error=text,
                    frame=frame,
                )
                if frame
                else _("The agent raised {error}.", error=text)
            )
            frame = None
        elif _LOGGED.search(text):
            findings.append(_("The agent logged: {line}", line=_after_level(text)))
            hint = _hint(text)
            if hint:
                findings.append(hint)
    unique = list(dict.fromkeys(findings))
    return unique[:MAX_LOG_LINES]


def _after_level(line: str) -> str:
    """A log line from its level on (the time stamp and logger name add nothing here)."""
    found = _LOGGED.search(line)
    return line[found.start() :] if found else line


def _hint(line: str) -> str | None:
    """The fix for a warning the workshop's agent code logs, when the kit knows it."""
    if "refused the call (HTTP 401)" in line:
        return _(
            "The Gateway refused the agent's call (HTTP 401): no valid token reached it. "
            "Step 3: the Gateway client presents the caller's token "
            "(streamablehttp_client(url, auth=caller_token), and the reachability check "
            "mcp_server_problem(url, caller_token) too); then deploy."
        )
    if "No Authorization header reached the agent" in line:
        return _(
            "Step 1: the runtime forwards only headers in its requestHeaderAllowlist; it "
            'must hold "Authorization". Then deploy.'
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
