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

Finding the folders and looking at each attendee, with the attendee's rights, is
:mod:`helpers.tooling.room_survey`'s; this module says what it found.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import secrets
import sys
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from helpers.basics.i18n import _, language
from helpers.basics.redaction import redact_credentials
from helpers.kit.paths import PROJECT_FOLDER, STATE_FOLDER
from helpers.kit.progress import Outcome, Progress
from helpers.kit.steps import LAST_STEP
from helpers.tooling.room_survey import Attendee, find_folders, survey

EXPLANATION_LINES = 2
_CHECKPOINT_WIDTH = 60
_LINE_WIDTH = 140


# ---- the words -------------------------------------------------------------------------


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
