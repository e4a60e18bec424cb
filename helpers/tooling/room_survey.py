"""The room view's attendees: each attendee folder found, and looked at with the right rights.

The step checks of steps 3 and 4 run the attendee's code (:mod:`helpers.kit.behaviour`),
so they run with the attendee's rights only: run as root, the view checks each folder
in a process of its code's owner (the owner of ``my-project/``), with this kit's Python
if that user may run it, else with the kit copy in the folder; run as that user, in
this process. Run as anyone else, it shows the
record and leaves the steps unchecked. A folder it may not read is listed as such.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import subprocess
import sys
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from helpers.basics.i18n import LANGUAGE_ENV, _, language
from helpers.kit import progress
from helpers.kit.paths import PROJECT_FOLDER, REPO_ROOT, STATE_FOLDER
from helpers.kit.progress import Progress
from helpers.kit.steps import LAST_STEP, steps_done

State = Literal["read", "not readable", "not an attendee folder"]
# How long one attendee's checks may take (two runs of their code, a minute at most each).
CHECK_SECONDS = 300
# Attendees checked at once, each in a process of its owner.
PARALLEL = 8


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


# ---- the order -------------------------------------------------------------------------


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
