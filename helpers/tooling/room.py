"""Who is stuck: each attendee's progress on a shared host, on one page for the instructor.

``python -m helpers.tooling.room '/home/*/agentcore-workshop'`` lists every attendee
folder (the folder ``make lab`` serves for one attendee: it holds ``my-project/`` and
``.workshop/``), the stuck first: whose checkpoint run last failed. For each, from the
kit's own checks:

- the steps done, as the notebooks count them (:func:`helpers.kit.steps.steps_done` on
  the project, with the settings the attendee's checkpoints used);
- the checkpoint run last, and when (the record each ``ws.checkpoint`` keeps,
  :mod:`helpers.kit.progress`);
- the last failing checkpoint, with the first lines of the explanation the learner saw.

``--html room.html`` writes the same as one self-contained page; ``--json`` prints it
as data.

The step checks of steps 3 and 4 run the attendee's code (:mod:`helpers.kit.behaviour`),
so they run with the attendee's rights only: run as root, the view checks each folder
in a process of its code's owner (the owner of ``my-project/``), with this kit's Python
if that user may run it, else with the kit copy in the folder; run as that user, in
this process. Run as anyone else, it shows the
record and leaves the steps unchecked. A folder it may not read is listed as such.
"""

from __future__ import annotations

import argparse
import glob
import html
import json
import os
import pwd
import secrets
import subprocess
import sys
import unicodedata
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from helpers.basics.i18n import LANGUAGE_ENV, _, language
from helpers.basics.redaction import redact_credentials
from helpers.kit import progress
from helpers.kit.paths import PROJECT_FOLDER, REPO_ROOT, STATE_FOLDER
from helpers.kit.progress import Outcome, Progress
from helpers.kit.steps import LAST_STEP, steps_done

State = Literal["read", "not readable", "not an attendee folder"]
# How long one attendee's checks may take (two runs of their code, a minute at most each).
CHECK_SECONDS = 300
# Attendees checked at once, each in a process of its owner.
PARALLEL = 8
EXPLANATION_LINES = 2
_CHECKPOINT_WIDTH = 60
_LINE_WIDTH = 140


@dataclass(frozen=True)
class Attendee:
    """One attendee folder as the view found it.

    ``steps`` is None when the steps were not checked; ``problem`` then says why (no
    checkpoint has run yet, so their settings are unknown, needs no word).
    """

    folder: str
    name: str
    state: State = "read"
    steps: int | None = None
    progress: Progress | None = None
    problem: str | None = None

    @property
    def stuck(self) -> bool:
        return self.progress is not None and self.progress.stuck

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "name": self.name,
            "state": self.state,
            "steps": self.steps,
            "progress": self.progress.to_json() if self.progress else None,
            "problem": self.problem,
        }

    @classmethod
    def from_json(cls, document: Any) -> Attendee:
        """An attendee from its JSON (what a check as the owner printed); ValueError if not."""
        if not isinstance(document, dict):
            raise ValueError("an attendee is a JSON object")
        state = document.get("state")
        steps = document.get("steps")
        problem = document.get("problem")
        if state not in ("read", "not readable", "not an attendee folder"):
            raise ValueError("state")
        if steps is not None and (
            not isinstance(steps, int) or isinstance(steps, bool) or not 0 <= steps <= LAST_STEP
        ):
            raise ValueError("steps")
        if problem is not None and not isinstance(problem, str):
            raise ValueError("problem")
        record = document.get("progress")
        return cls(
            folder=str(document.get("folder")),
            name=str(document.get("name")),
            state=state,
            steps=steps,
            progress=Progress.from_json(record) if record is not None else None,
            problem=problem,
        )


# ---- finding the folders -------------------------------------------------------------


def find_folders(patterns: Iterable[str]) -> list[Path]:
    """The folders ``patterns`` name (folders, or globs such as ``/home/*/agentcore-workshop``).

    A glob cannot look into a home its user may not enter, so for a pattern whose last
    part is a plain name the folder is looked for in every match of the rest: one that
    cannot be read is listed, to be shown as not readable.
    """
    found: dict[str, Path] = {}
    for pattern in patterns:
        pattern = os.path.expanduser(pattern)
        head, tail = os.path.split(pattern.rstrip(os.sep) or os.sep)
        if not _has_magic(pattern):
            paths = [Path(pattern)]
        elif _has_magic(tail) or not head:
            paths = [Path(match) for match in sorted(glob.glob(pattern))]
        else:
            paths = [
                Path(parent, tail)
                for parent in sorted(glob.glob(head))
                if os.path.isdir(parent) and _there(Path(parent, tail))
            ]
        for path in paths:
            found.setdefault(os.path.abspath(path), path)
    return list(found.values())


def _has_magic(pattern: str) -> bool:
    return glob.escape(pattern) != pattern


def _there(path: Path) -> bool:
    """Whether ``path`` exists, or may: this user may not look."""
    try:
        path.stat()
    except PermissionError:
        return True
    except OSError:
        return False
    return True


# ---- looking at one attendee ---------------------------------------------------------


def look(folder: Path, *, run_code: bool = True) -> Attendee:
    """The attendee in ``folder``, read with this process's rights.

    ``run_code`` False leaves the steps unchecked: their checks run the attendee's code.
    """
    name = _owner_name(folder)
    try:
        entries = set(os.listdir(folder))
    except PermissionError:
        return Attendee(str(folder), name, "not readable")
    except OSError:  # missing, or a file
        return Attendee(str(folder), name, "not an attendee folder")
    if PROJECT_FOLDER not in entries and STATE_FOLDER not in entries:
        return Attendee(str(folder), name, "not an attendee folder")
    try:
        record = progress.read(folder / STATE_FOLDER)
    except PermissionError:
        return Attendee(str(folder), name, "not readable")
    except (OSError, ValueError):
        return Attendee(
            str(folder),
            name,
            problem=_("its progress record is damaged; the next checkpoint writes it afresh"),
        )
    if record is None or record.settings is None:
        return Attendee(str(folder), name, progress=record)
    if not run_code:
        return Attendee(
            str(folder),
            name,
            progress=record,
            problem=_(
                "steps not checked: their checks run the attendee's code, so they run as root "
                "or as the attendee only"
            ),
        )
    try:
        steps = steps_done(folder / PROJECT_FOLDER, record.settings)
    except Exception as error:  # one attendee's odd project must not end the room's view
        return Attendee(
            str(folder),
            name,
            progress=record,
            problem=_(
                "steps not checked: {error}", error=f"{type(error).__name__}: {error}".strip()
            ),
        )
    return Attendee(str(folder), name, steps=steps, progress=record)


def survey(folders: Sequence[Path]) -> list[Attendee]:
    """Every attendee of ``folders``, each checked with the right rights, the stuck first."""
    me = os.geteuid()
    plan: list[tuple[Path, int | None]] = [(folder, _code_owner(folder)) for folder in folders]
    as_owner = [(f, uid) for f, uid in plan if me == 0 and uid not in (None, 0)]
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        checked = dict(
            zip(
                [f for f, _uid in as_owner],
                pool.map(lambda job: _as_owner(*job), as_owner),
                strict=True,
            )
        )
    attendees = [
        checked[folder] if folder in checked else look(folder, run_code=uid in (None, me))
        for folder, uid in plan
    ]
    return ranked(attendees)


def _as_owner(folder: Path, uid: int) -> Attendee:
    """Check ``folder`` in a process of ``uid``, its code's owner (this process runs as root)."""
    try:
        user = pwd.getpwuid(uid)
        name, gid, home = user.pw_name, user.pw_gid, user.pw_dir
    except KeyError:  # a uid without an account: its own number for a group, no home
        name, gid, home = str(uid), uid, "/"
    environment = {
        "PATH": os.environ.get("PATH", os.defpath),
        "HOME": home,
        "USER": name,
        "LOGNAME": name,
        "LANG": "C.UTF-8",
        LANGUAGE_ENV: language(),
    }
    # This kit's Python, if the attendee may run it; else the kit copy in their folder.
    kits = [(Path(sys.executable), REPO_ROOT), (folder / ".venv" / "bin" / "python", folder)]
    reasons = []
    for python, kit in kits:
        try:
            done = subprocess.run(
                [str(python), "-m", "helpers.tooling.room", "--json", str(folder)],
                user=uid,
                group=gid,
                extra_groups=[],
                env={**environment, "PYTHONPATH": str(kit)},
                cwd="/",
                capture_output=True,
                text=True,
                timeout=CHECK_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            reasons.append(_("the checks took over {seconds} s", seconds=CHECK_SECONDS))
            break  # the other Python would take as long
        except OSError as error:
            reasons.append(f"{python}: {error.strerror or error}")
            continue
        if done.returncode == 0:
            try:
                found = Attendee.from_json(json.loads(done.stdout)[0])
            except (ValueError, IndexError, KeyError, TypeError):
                reasons.append(f"{python}: " + _("the check printed no attendee"))
                continue
            # Where and whose are this process's to say, not the check's.
            return replace(found, folder=str(folder), name=name)
        said = done.stderr.strip().splitlines()
        reasons.append(
            f"{python}: " + (said[-1] if said else _("exit status {code}", code=done.returncode))
        )
    return Attendee(
        str(folder),
        name,
        problem=_("could not check as {user}: {reason}", user=name, reason="; ".join(reasons)),
    )


def _code_owner(folder: Path) -> int | None:
    """Whose code the checks would run: the owner of the project, else of the folder."""
    owner = _owner(folder / PROJECT_FOLDER)
    return _owner(folder) if owner is None else owner


def _owner(path: Path) -> int | None:
    """The uid of ``path``'s owner, or None when it cannot be seen."""
    try:
        return path.stat().st_uid
    except OSError:
        return None


def _owner_name(path: Path) -> str:
    """The user name of ``path``'s owner; of its folder's when ``path`` cannot be seen."""
    uid = _owner(path)
    if uid is None:
        uid = _owner(path.parent)
    if uid is None:
        return str(path)
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


# ---- the order and the words -----------------------------------------------------------


def ranked(attendees: Iterable[Attendee]) -> list[Attendee]:
    """The stuck first (fewest steps, then longest without a passed checkpoint); then those
    with no checkpoint yet; then the others, fewest steps first; the unreadable last."""

    def rank(attendee: Attendee) -> tuple[Any, ...]:
        record = attendee.progress
        steps = -1 if attendee.steps is None else attendee.steps
        if attendee.state != "read":
            return (3, 0, "", attendee.name, attendee.folder)
        if record is None or record.last is None:
            return (1, steps, "", attendee.name, attendee.folder)
        if record.stuck:
            return (0, steps, _moving_since(record), attendee.name, attendee.folder)
        return (2, steps, record.last.at, attendee.name, attendee.folder)

    return sorted(attendees, key=rank)


def _moving_since(record: Progress) -> str:
    """When the attendee last passed a checkpoint (their first outcome if none passed)."""
    passed = [o.at for o in record.checkpoints if o.passed]
    return max(passed) if passed else min(o.at for o in record.checkpoints)


def names(attendees: Sequence[Attendee]) -> dict[str, str]:
    """What to call each attendee (by folder): the folder's owner, and where two folders
    have one owner, the folder too."""
    owners: dict[str, list[Attendee]] = {}
    for attendee in attendees:
        owners.setdefault(attendee.name, []).append(attendee)
    called = {}
    for name, same in owners.items():
        if len(same) == 1:
            called[same[0].folder] = name
            continue
        common = os.path.commonpath([os.path.abspath(a.folder) for a in same])
        for attendee in same:
            where = os.path.relpath(os.path.abspath(attendee.folder), common)
            called[attendee.folder] = f"{name} ({attendee.folder if where == '.' else where})"
    return called


def steps_shown(attendee: Attendee) -> str:
    if attendee.steps is None:
        return "?" if attendee.problem else "-"
    return f"{attendee.steps}/{LAST_STEP}"


def status(attendee: Attendee) -> str | None:
    """What stands for the checkpoint when there is none to show."""
    if attendee.state == "not readable":
        return _("not readable (run as root or the attendee)")
    if attendee.state == "not an attendee folder":
        return _(
            "not an attendee folder (no {project}/ or {state}/ in it)",
            project=PROJECT_FOLDER,
            state=STATE_FOLDER,
        )
    if attendee.progress is None or attendee.progress.last is None:
        return _("no checkpoint run yet")
    return None


def checkpoint_shown(outcome: Outcome) -> str:
    """``✗ 01_secure_runtime · a valid token gets a streamed answer``."""
    mark = "✓" if outcome.passed else "✗"
    return f"{mark} {_where(outcome)}{_one_line(outcome.what)}"


def _where(outcome: Outcome) -> str:
    if outcome.notebook:
        return f"{_printable(outcome.notebook)} · "
    if outcome.step is not None:
        return _("step {number}", number=outcome.step) + " · "
    return ""


def when(moment: datetime, now: datetime) -> str:
    """``14:02 (3 min ago)`` in this machine's time zone; the date too when not today."""
    local, today = moment.astimezone(), now.astimezone()
    shown = local.strftime("%H:%M" if local.date() == today.date() else "%Y-%m-%d %H:%M")
    minutes = max(0, int((now - moment).total_seconds() // 60))
    if minutes < 1:
        ago = _("just now")
    elif minutes < 60:
        ago = _("{minutes} min ago", minutes=minutes)
    elif minutes < 48 * 60:
        ago = _("{hours} h ago", hours=minutes // 60)
    else:
        ago = _("{days} days ago", days=minutes // (24 * 60))
    return f"{shown} ({ago})"


def explanation_lines(outcome: Outcome, count: int = EXPLANATION_LINES) -> list[str]:
    """The first lines of what the learner saw, after the title (which names the checkpoint)."""
    text = redact_credentials(outcome.explanation or "")
    lines = [_printable(line).strip() for line in text.splitlines()[1:]]
    lines = [line for line in lines if line]
    return [_shorten(line, _LINE_WIDTH) for line in lines[:count]]


def _one_line(text: str) -> str:
    return " ".join(_printable(redact_credentials(text)).split())


def _printable(text: str) -> str:
    """``text`` without control characters: what an attendee wrote never drives the
    instructor's terminal (an escape sequence is shown as text, not obeyed)."""
    return "".join(c if c.isprintable() else " " for c in text)


def _shorten(text: str, width: int) -> str:
    if _width(text) <= width:
        return text
    kept = ""
    for character in text:
        if _width(kept + character) > width - 1:
            break
        kept += character
    return kept + "…"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def _summary(attendees: Sequence[Attendee], now: datetime) -> str:
    return _(
        "{count} attendee folder(s), {stuck} stuck (whose last checkpoint failed); {time}",
        count=len(attendees),
        stuck=sum(a.stuck for a in attendees),
        time=now.astimezone().strftime("%Y-%m-%d %H:%M"),
    )


# ---- the table and the page ----------------------------------------------------------


def table(attendees: Sequence[Attendee], now: datetime | None = None) -> str:
    """The attendees as a text table, in their order; under a row, why its steps are not
    shown and the last failure with the first lines of its explanation."""
    now = now or datetime.now(UTC)
    called = names(attendees)
    rows: list[tuple[list[str], list[str]]] = []
    for attendee in attendees:
        record = attendee.progress
        last = record.last if record else None
        shown_status = status(attendee)
        cells = [
            _printable(called[attendee.folder]),
            steps_shown(attendee),
            _shorten(shown_status or (checkpoint_shown(last) if last else ""), _CHECKPOINT_WIDTH),
            when(last.time, now) if last and not shown_status else "",
        ]
        rows.append((cells, _details(attendee, now)))
    header = [_("ATTENDEE"), _("STEPS"), _("LAST CHECKPOINT"), _("WHEN")]
    widths = [
        max(_width(header[column]), *(_width(cells[column]) for cells, _d in rows))
        for column in range(len(header) - 1)
    ]
    lines = [_summary(attendees, now), ""]
    for cells, details in [(header, []), *rows]:
        padded = [_pad(cell, width) for cell, width in zip(cells, widths, strict=False)]
        lines.append("  ".join([*padded, cells[-1]]).rstrip())
        lines += [f"    {detail}" for detail in details]
    return "\n".join(lines)


def _details(attendee: Attendee, now: datetime) -> list[str]:
    lines = [_printable(attendee.problem)] if attendee.problem else []
    failure = attendee.progress.last_failure if attendee.progress else None
    if attendee.progress is None or failure is None:
        return lines
    label = _(
        "last failure, {when}: {checkpoint}",
        when=when(failure.time, now),
        checkpoint=_shorten(_where(failure) + _one_line(failure.what), _LINE_WIDTH),
    )
    if attendee.progress.passed_since(failure):
        return [*lines, label + " " + _("(passed since)")]
    return [*lines, label, *(f"  {line}" for line in explanation_lines(failure))]


_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .4em .6em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
tr.stuck td { background: #fdecea; }
tr.away td { color: #777; }
pre { margin: .3em 0 0; white-space: pre-wrap; font-size: 12px; }
.problem { color: #a15c00; }
.passed { color: #2e7d32; }
.failed { color: #c62828; }
"""


def html_page(attendees: Sequence[Attendee], now: datetime | None = None) -> str:
    """The attendees as one self-contained HTML page (no script, nothing fetched); every
    value escaped."""
    now = now or datetime.now(UTC)
    called = names(attendees)
    headers = (_("attendee"), _("steps"), _("last checkpoint"), _("when"), _("last failure"))
    rows = []
    for attendee in attendees:
        record = attendee.progress
        last = record.last if record else None
        shown_status = status(attendee)
        kind = "stuck" if attendee.stuck else "away" if attendee.state != "read" else ""
        checkpoint = (
            _e(shown_status)
            if shown_status
            else f'<span class="{"passed" if last.passed else "failed"}">'
            f"{_e(checkpoint_shown(last))}</span>"
            if last
            else ""
        )
        if attendee.problem:
            checkpoint += f'<div class="problem">{_e(attendee.problem)}</div>'
        cells = [
            _e(called[attendee.folder]),
            _e(steps_shown(attendee)),
            checkpoint,
            _e(when(last.time, now)) if last and not shown_status else "",
            _failure_cell(record, now),
        ]
        row_class = f' class="{kind}"' if kind else ""
        rows.append(f"<tr{row_class}>" + "".join(f"<td>{cell}</td>" for cell in cells) + "</tr>")
    title = _("Who is stuck")
    return "\n".join(
        [
            "<!DOCTYPE html>",
            f'<html lang="{_e(language())}">',
            '<head><meta charset="utf-8">',
            f"<title>{_e(title)}</title>",
            f"<style>{_STYLE}</style></head>",
            "<body>",
            f"<h1>{_e(title)}</h1>",
            f"<p>{_e(_summary(attendees, now))}</p>",
            "<table>",
            "<thead><tr>" + "".join(f"<th>{_e(h)}</th>" for h in headers) + "</tr></thead>",
            "<tbody>",
            *rows,
            "</tbody></table>",
            "</body></html>",
            "",
        ]
    )


def _failure_cell(record: Progress | None, now: datetime) -> str:
    failure = record.last_failure if record else None
    if record is None or failure is None:
        return ""
    label = _e(
        _(
            "{when}: {checkpoint}",
            when=when(failure.time, now),
            checkpoint=_where(failure) + _one_line(failure.what),
        )
    )
    if record.passed_since(failure):
        return label + " " + _e(_("(passed since)"))
    first = "\n".join(explanation_lines(failure))
    whole = redact_credentials(failure.explanation or "")
    summary = _e(_("what the learner saw"))
    return (
        f"<div>{label}</div><pre>{_e(first)}</pre>"
        f"<details><summary>{summary}</summary><pre>{_e(whole)}</pre></details>"
    )


def _e(text: str) -> str:
    return html.escape(text, quote=True)


# ---- the command -----------------------------------------------------------------------


def _write_page(path: Path, text: str) -> None:
    """Replace ``path`` with ``text``: a link planted there is replaced, never written
    through (the view may run as root, in a folder others can write to)."""
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.tooling.room",
        description=_(
            "Each attendee's progress from the kit's own checks, the stuck first. Run it as "
            "root on a shared host: each folder is then checked as its owner."
        ),
    )
    parser.add_argument(
        "folders",
        nargs="+",
        metavar="FOLDER",
        help=_(
            "an attendee's folder (the one `make lab` serves: my-project/ and .workshop/), "
            "or a glob such as '/home/*/agentcore-workshop'"
        ),
    )
    output = parser.add_mutually_exclusive_group()
    output.add_argument(
        "--html", type=Path, metavar="FILE", help=_("also write the view as one HTML page")
    )
    output.add_argument("--json", action="store_true", help=_("print the view as JSON"))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    folders = find_folders(args.folders)
    if args.json:
        print(json.dumps([a.to_json() for a in survey(folders)], ensure_ascii=False))
        return 0
    if not folders:
        print(_("No folder matches {patterns}.", patterns=" ".join(args.folders)))
        return 1
    attendees = survey(folders)
    now = datetime.now(UTC)
    print(table(attendees, now))
    if args.html:
        _write_page(args.html, html_page(attendees, now))
        print(_("written to {file}", file=args.html))
    return 0


if __name__ == "__main__":
    sys.exit(main())
