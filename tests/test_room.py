"""The instructor's view of a room: each attendee's progress from the kit's own checks.

Three attendee folders, as ``make lab`` serves them (``my-project/`` and ``.workshop/``),
are brought to different steps with the kit's catch-up helpers (steps 1 to 4 need no
stack: their edits are files, step 2's commands the model's), and their checkpoints
are recorded by ``ws.checkpoint`` itself. The view lists the stuck first, says what
they saw, escapes it on the page, and keeps the record owner-only and free of tokens.
A folder it may not read is listed, not fatal; and run as root, it runs each
attendee's code as that attendee, never as root.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import site
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

import pytest

from helpers.kit import progress, steps
from helpers.kit.backends.base import Backend
from helpers.kit.backends.local import LocalBackend
from helpers.kit.checks.common import CheckResult
from helpers.kit.diagnosis import CheckpointFailed
from helpers.kit.paths import HOME_ENV, PROJECT_FOLDER, REPO_ROOT, STATE_FOLDER
from helpers.kit.workshop import Workshop
from helpers.model.names import OLD_GATEWAY
from helpers.tooling import room, room_survey
from tests.support import OFFLINE_SETTINGS

SETTINGS = replace(OFFLINE_SETTINGS, web_client_id="webclient456workshop")


def _jwt_shaped() -> str:
    """A JWT-shaped string, made here so that no token-like text is ever committed."""

    def part(claims: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")

    return ".".join((part({"alg": "RS256"}), part({"sub": "alice"}), "c2lnbmF0dXJlLXBhcnQ"))


# JWT-shaped: what a learner's explanation must never carry into the record.
JWT = _jwt_shaped()
SCRIPT = "<script>alert('room')</script>"
ESCAPE = "\x1b]0;owned\x07"
STUCK_AT = "a valid token gets a streamed answer"


class _NoStack:
    """What ``ws.checkpoint`` asks of a backend, for a project that was never deployed."""

    name = "local"

    def agent_output(self, project: Path, runtime: str, since: int) -> tuple[list[str], int]:
        return [], 0

    def undeployed(self, project: Path) -> list[str]:
        return []

    def spans_for_session(self, session_id: str) -> list[object]:
        return []


def _attendee(folder: Path, step: int) -> Path:
    """An attendee folder whose project has done steps 1..``step``, as catch-up does them."""
    project = folder / PROJECT_FOLDER
    steps.fresh_project(project)
    if step >= 1:
        steps.apply_runtime_authorizer(project, SETTINGS)
    if step >= 2:
        backend = LocalBackend(folder / STATE_FOLDER)  # its edits are files: no stack
        assert backend.remove_gateway(project, OLD_GATEWAY).ok
        steps.apply_gateway_authorizer(project, SETTINGS)
        for result in steps.replace_gateway_commands(project, SETTINGS, backend):
            assert result.ok, result.output
    if step >= 3:
        steps.apply_token_forwarding(project)
    if step >= 4:
        steps.apply_web_client(project, SETTINGS)
        steps.apply_memory_actor(project)
    assert steps.steps_done(project, SETTINGS) == step
    return folder


def _checkpoint(
    monkeypatch: pytest.MonkeyPatch,
    folder: Path,
    notebook: str,
    what: str,
    *conditions: bool | CheckResult,
    through_step: int = 0,
    step: int | None = None,
) -> str:
    """Run ``ws.checkpoint`` in ``notebook`` of the attendee in ``folder``; what it said."""
    monkeypatch.setenv(HOME_ENV, str(folder / STATE_FOLDER))
    monkeypatch.setenv(progress.NOTEBOOK_ENV, str(folder / "notebooks" / f"{notebook}.ipynb"))
    ws = Workshop(
        cast(Backend, _NoStack()), SETTINGS, folder / PROJECT_FOLDER, through_step=through_step
    )
    try:
        ws.checkpoint(what, *conditions, step=step)
    except CheckpointFailed as failed:
        return str(failed)
    return "passed"


@pytest.fixture
def attendees(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """ann is stuck at step 1's second checkpoint, bea has finished (after a failure she
    fixed), carl has just started."""
    base = tmp_path / "home"
    ann = _attendee(base / "ann" / "agentcore-workshop", 1)
    bea = _attendee(base / "bea" / "agentcore-workshop", 4)
    carl = _attendee(base / "carl" / "agentcore-workshop", 0)
    say = _checkpoint
    assert say(monkeypatch, carl, "00_setup", "the start-state agent answers", True) == "passed"
    assert say(monkeypatch, ann, "00_setup", "the start-state agent answers", True) == "passed"
    authorizer = "agentcore.json has the runtime authorizer"
    assert say(monkeypatch, ann, "01_secure_runtime", authorizer, True, step=1) == "passed"
    # What the learner saw may hold anything: a token, markup, a terminal's escape sequence.
    wrong = CheckResult("The answer", [f"the agent answered {JWT} & {SCRIPT} instead{ESCAPE}"])
    seen = say(monkeypatch, ann, "01_secure_runtime", STUCK_AT, wrong, step=1)
    assert JWT in seen and SCRIPT in seen  # what the learner saw, in full
    last = "every call names who made it"
    failed = say(monkeypatch, bea, "04_observability_traffic", last, False, through_step=3, step=4)
    assert failed.startswith("❌")
    assert say(monkeypatch, bea, "04_observability_traffic", last, True, through_step=3, step=4)
    return base


def test_the_stuck_come_first_with_what_they_saw(
    attendees: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert room.main([str(attendees / "*" / "agentcore-workshop")]) == 0
    printed = capsys.readouterr().out
    order = [printed.index(f"({name}/agentcore-workshop)") for name in ("ann", "carl", "bea")]
    assert order == sorted(order), printed  # stuck, then fewest steps first
    assert "3 attendee folder(s), 1 stuck" in printed
    ann = printed[order[0] : order[1]]
    assert f"1/4    ✗ 01_secure_runtime · {STUCK_AT}" in ann
    assert "last failure, " in ann and f"(just now): 01_secure_runtime · {STUCK_AT}" in ann
    # The explanation's first lines, after its title (which names the checkpoint).
    assert "❌ The answer: still to do" in ann
    assert "- the agent answered (redacted JWT) & <script>" in ann and JWT not in printed
    assert "\x1b" not in printed and "instead ]0;owned" in ann  # shown, not obeyed
    assert "0/4    ✓ 00_setup · the start-state agent answers" in printed[order[1] : order[2]]
    bea = printed[order[2] :]
    assert "4/4    ✓ 04_observability_traffic · every call names who made it" in bea
    assert "(passed since)" in bea and "❌" not in bea  # the failure she fixed, in one line


def test_the_page_is_escaped_and_in_the_same_order(attendees: Path, tmp_path: Path) -> None:
    page, victim = tmp_path / "room.html", tmp_path / "victim"
    victim.write_text("kept")
    page.symlink_to(victim)  # planted where the page goes: replaced, not written through
    assert room.main([str(attendees / "*" / "agentcore-workshop"), "--html", str(page)]) == 0
    assert not page.is_symlink() and victim.read_text() == "kept"
    text = page.read_text()
    assert text.startswith("<!DOCTYPE html>") and "<script" not in text and JWT not in text
    assert "&lt;script&gt;alert(&#x27;room&#x27;)&lt;/script&gt;" in text
    assert "(redacted JWT) &amp; &lt;script&gt;" in text
    order = [text.index(f"{name}/agentcore-workshop") for name in ("ann", "carl", "bea")]
    assert order == sorted(order)
    assert text.count('<tr class="stuck">') == 1
    assert text.index('<tr class="stuck">') < order[0] < text.index("<tr>", order[0])
    assert "http" not in text.replace(SETTINGS.cognito_discovery_url, "")  # nothing fetched


def test_the_record_is_owner_only_bounded_and_holds_no_token(attendees: Path) -> None:
    home = attendees / "ann" / "agentcore-workshop" / STATE_FOLDER
    record = progress.record_file(home)
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert sorted(p.name for p in home.iterdir()) == [progress.RECORD_NAME]  # no temp file
    text = record.read_text()
    assert JWT not in text and "eyJ" not in text and "(redacted JWT)" in text
    document = json.loads(text)
    assert document["format"] == progress.FORMAT
    assert document["settings"]["client_id"] == SETTINGS.client_id
    last = document["checkpoints"][-1]
    assert last == document["last_failure"]
    assert (last["notebook"], last["what"], last["passed"], last["step"]) == (
        "01_secure_runtime",
        STUCK_AT,
        False,
        1,
    )
    assert last["explanation"].startswith(f"❌ checkpoint failed: {STUCK_AT}")
    # Bounded: the latest outcome of each checkpoint, at most KEPT, and the last failure.
    for number in range(progress.KEPT + 10):
        progress.record(progress.outcome(f"took {number} ms", passed=True), SETTINGS, home)
    kept = progress.read(home)
    assert kept is not None and len(kept.checkpoints) == progress.KEPT
    assert kept.last_failure is not None and kept.last_failure.what == STUCK_AT
    assert kept.checkpoints[-1].what == f"took {progress.KEPT + 9} ms"


def test_a_checkpoint_records_in_a_few_milliseconds(tmp_path: Path) -> None:
    outcome = progress.outcome("x", passed=False, explanation="y" * 5000)
    assert outcome.explanation is not None and len(outcome.explanation) == 4000
    started = time.perf_counter()
    for number in range(progress.KEPT):
        progress.record(replace(outcome, what=f"checkpoint {number}"), SETTINGS, tmp_path)
    assert (time.perf_counter() - started) / progress.KEPT < 0.02


def test_a_record_that_cannot_be_written_leaves_the_checkpoint_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _attendee(tmp_path / "dan", 0)
    (folder / STATE_FOLDER).write_text("a file where the folder should be")
    assert _checkpoint(monkeypatch, folder, "00_setup", "anything", True) == "passed"
    said = _checkpoint(monkeypatch, folder, "00_setup", "anything", False)
    assert said.startswith("❌ checkpoint failed: anything")


def test_the_notebook_is_named_by_its_edition() -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(progress.NOTEBOOK_ENV, "/srv/kit/notebooks/zh-CN/01_secure_runtime.ipynb")
        assert progress.current_notebook() == "zh-CN/01_secure_runtime"
        patch.setenv(progress.NOTEBOOK_ENV, "notebooks/00_setup.ipynb")
        assert progress.current_notebook() == "00_setup"
        patch.delenv(progress.NOTEBOOK_ENV)
        assert progress.current_notebook() is None


def test_a_folder_it_cannot_read_is_listed_not_fatal(
    attendees: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = _attendee(attendees / "dora" / "agentcore-workshop", 0)
    missing = attendees / "eve" / "agentcore-workshop"
    a_file = tmp_path / "notes.txt"
    a_file.write_text("not a folder")
    if os.geteuid() == 0:
        # chmod does not stop root: this process is told no, as a non-root one would be.
        listdir = os.listdir

        def refused(path: str | os.PathLike[str]) -> list[str]:
            if Path(path) == locked:
                raise PermissionError(13, "Permission denied", str(path))
            return listdir(path)

        monkeypatch.setattr(os, "listdir", refused)
    locked.chmod(0)
    try:
        found = room_survey.find_folders(
            [str(attendees / "*" / "agentcore-workshop"), str(missing)]
        )
        attendees_seen = room_survey.survey([*found, a_file])
        text = room.table(attendees_seen)
    finally:
        locked.chmod(0o755)
    by_folder = {Path(a.folder): a for a in attendees_seen}
    assert by_folder[locked].state == "not readable"
    assert by_folder[missing].state == by_folder[a_file].state == "not an attendee folder"
    assert "not readable (run as root or the attendee)" in text
    assert text.count("not an attendee folder (no my-project/ or .workshop/ in it)") == 2
    assert [a.name for a in attendees_seen[:3]] == [room_survey._owner_name(attendees)] * 3
    assert {Path(a.folder) for a in attendees_seen[3:]} == {locked, missing, a_file}


def test_someone_else_sees_the_record_but_does_not_run_the_attendees_code(
    attendees: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 4242)  # neither root nor the folders' owner
    seen = room_survey.survey(
        room_survey.find_folders([str(attendees / "*" / "agentcore-workshop")])
    )
    assert [Path(a.folder).parent.name for a in seen][:1] == ["ann"]  # the record says stuck
    assert all(a.steps is None and a.problem and "as the attendee" in a.problem for a in seen)
    assert seen[0].stuck and "?" in room.table(seen)


def test_the_json_is_what_a_check_as_the_owner_hands_back(
    attendees: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = attendees / "bea" / "agentcore-workshop"
    assert room.main(["--json", str(folder)]) == 0
    (handed,) = json.loads(capsys.readouterr().out)
    assert room_survey.Attendee.from_json(handed) == room_survey.look(folder)
    assert handed["steps"] == 4 and handed["progress"]["checkpoints"][-1]["passed"] is True


def test_the_stuck_longest_without_progress_come_first() -> None:
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)

    def at(minutes: int) -> str:
        return (now - timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")

    def someone(name: str, steps_done: int, *outcomes: progress.Outcome) -> room_survey.Attendee:
        failures = [o for o in outcomes if not o.passed]
        record = progress.Progress(outcomes, failures[-1] if failures else None, SETTINGS)
        return room_survey.Attendee(f"/home/{name}/w", name, steps=steps_done, progress=record)

    ok, ko = progress.Outcome("a", True, at(0)), progress.Outcome("b", False, at(1))
    fresh = someone("fresh", 2, replace(ok, at=at(3)), ko)  # passed 3 min ago
    long = someone("long", 2, replace(ok, at=at(40)), ko)  # passed 40 min ago
    behind = someone("behind", 1, replace(ok, at=at(2)), ko)
    moving = someone("moving", 0, ok)
    new = room_survey.Attendee("/home/new/w", "new")
    away = room_survey.Attendee("/home/away/w", "away", "not readable")
    ranked = room_survey.ranked([away, moving, new, fresh, long, behind])
    assert [a.name for a in ranked] == ["behind", "long", "fresh", "new", "moving", "away"]
    assert "(40 min ago)" in room.when(long.progress.checkpoints[0].time, now)  # type: ignore[union-attr]


@pytest.fixture
def nobodys_folder() -> Iterator[Path]:
    """A folder of the attendee ``nobody`` that ``nobody`` can reach (tmp_path cannot be)."""
    base = Path(tempfile.mkdtemp(prefix="room-"))
    base.chmod(0o755)
    try:
        yield base / "agentcore-workshop"
    finally:
        shutil.rmtree(base)


def _python_for(uid: int) -> str | None:
    """A Python of this version that ``uid`` may run and that reaches this kit and its
    packages, if the machine has one (a checkout in a folder only root may enter has none)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    where = os.pathsep.join([str(REPO_ROOT), *site.getsitepackages()])
    for candidate in dict.fromkeys(
        [sys.executable, f"/usr/bin/{version}", f"/usr/local/bin/{version}"]
    ):
        try:
            subprocess.run(
                [candidate, "-c", "import helpers.tooling.room"],
                user=uid,
                cwd="/",
                env={"PYTHONPATH": where},
                check=True,
                capture_output=True,
            )
        except (OSError, subprocess.CalledProcessError):
            continue
        return candidate
    return None


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can check as another user")
def test_root_runs_each_attendees_code_as_that_attendee(
    nobodys_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _attendee(nobodys_folder, 2)
    ran_as = nobodys_folder.parent / "ran-as"
    main = folder / PROJECT_FOLDER / "app" / "CustomerSupport" / "main.py"
    # Step 3's check runs main.py (it is not as shipped any more): it says who ran it.
    said = f"\nimport os\nopen({str(ran_as)!r}, 'w').write(str(os.getuid()))\n"
    main.write_text(main.read_text() + said)
    _checkpoint(monkeypatch, folder, "02_secure_gateway", "my-gateway is deleted", True)
    nobody = 65534
    python = _python_for(nobody)
    if python not in (None, sys.executable):
        # This kit's Python is out of nobody's reach (a home of root's): the view falls back
        # to the attendee's own kit copy, played by this kit with a Python nobody may run.
        kit = folder / ".venv" / "bin" / "python"
        kit.parent.mkdir(parents=True)
        where = os.pathsep.join([str(REPO_ROOT), *site.getsitepackages()])
        kit.write_text(f'#!/bin/sh\nPYTHONPATH="{where}" exec {python} "$@"\n')
        kit.chmod(0o755)
    for path in [nobodys_folder.parent, *nobodys_folder.parent.rglob("*")]:
        os.chown(path, nobody, nobody, follow_symlinks=False)
    (seen,) = room_survey.survey([folder])
    if python is None:  # no kit nobody may run: said so, and nothing of theirs ran
        assert seen.steps is None and seen.problem is not None
        assert seen.problem.startswith("could not check as nobody: ")
        assert not ran_as.exists()
        return
    assert (seen.state, seen.name, seen.steps, seen.problem) == ("read", "nobody", 2, None)
    assert seen.progress is not None and seen.progress.last is not None
    assert ran_as.read_text() == str(nobody)  # never root
