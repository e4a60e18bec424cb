"""Why a checkpoint failed, told from the project's and the stack's own evidence.

A checkpoint that fails must not leave the learner with a bare ``AssertionError`` and a
log in a hidden folder. :func:`explain` gathers what the kit can see, in the order a
person would look: a step that has gone backwards, a change not deployed yet, what the
agent logged since the last checkpoint (its warnings and errors; credentials are
redacted before anything reaches the log), and the session's trace. Each finding says
what to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _
from helpers.kit.backends.base import Backend
from helpers.kit.checks.common import CheckResult
from helpers.kit.settings import WorkshopSettings
from helpers.kit.steps import step_checks, steps_done
from helpers.wire.interactions import build_interactions

# The notebook that teaches each step, for a finding that sends the learner back to it.
STEP_NOTEBOOKS = {
    1: "01_secure_runtime",
    2: "02_secure_gateway",
    3: "03_mcp_client_auth",
    4: "04_observability_traffic",
}


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
    state = _("the start state") if proven == 0 else _("the state after step {n}", n=proven)
    return [
        _(
            "Your project has done steps 1 to {done} already, and this is meant for {state}. "
            "Carry on from notebook {next}, or start over with ws.start_over() (your "
            "project is kept in a backup folder).",
            done=done,
            state=state,
            next=STEP_NOTEBOOKS.get(done + 1, "05_cleanup"),
        )
    ]


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
