"""What the learner's checkpoints found, kept where the learner works, for the instructor.

Each ``ws.checkpoint`` records its outcome in ``progress.json`` in the kit's working
state (:func:`helpers.kit.paths.workshop_home`): which notebook and step, what it
checked, whether it passed, the explanation the learner saw when it failed, and when.
The instructor's room view (``python -m helpers.tooling.room``) reads it for every
attendee on a shared host.

The record is the learner's: created owner-only (0600), replaced atomically (a reader
never sees half of it), and bounded: the latest outcome of each checkpoint (at most
:data:`KEPT`) and the last failure, whose explanation is cut at
:data:`EXPLANATION_CHARS`. Nothing in it is a secret: the titles and explanations go
through :func:`~helpers.basics.redaction.redact_credentials` first, and the workshop's
settings (kept so that the room view runs the same checks) are ids and URLs, none a
secret (:class:`~helpers.kit.settings.WorkshopSettings`). Writing it costs a checkpoint
a few milliseconds; a record that cannot be written is left out, and the checkpoint
goes on as if there were none.

The format (``"format": 1``)::

    {"format": 1,
     "settings": {"cognito_discovery_url": "...", "client_id": "...", ...},
     "checkpoints": [<outcome>, ...],      # the latest of each checkpoint, oldest first
     "last_failure": <outcome> or null}

    <outcome> = {"notebook": "01_secure_runtime" or null, "step": 1 or null,
                 "through_step": 0, "what": "...", "passed": false,
                 "explanation": "❌ checkpoint failed: ..." or null,
                 "at": "2026-01-01T10:00:00Z"}
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from helpers.basics.redaction import redact_credentials, secrets_in
from helpers.kit.paths import workshop_home
from helpers.kit.settings import WorkshopSettings

RECORD_NAME = "progress.json"
FORMAT = 1
# The workshop has about twenty checkpoints; a title with a value in it (a duration)
# makes a new one at each run, so the oldest go first.
KEPT = 40
EXPLANATION_CHARS = 4000
# Set by Jupyter in a kernel's environment: the path of the notebook it was started for.
NOTEBOOK_ENV = "JPY_SESSION_NAME"
_NOTEBOOKS = "notebooks"


@dataclass(frozen=True)
class Outcome:
    """One run of a checkpoint. ``explanation`` is what the learner saw when it failed."""

    what: str
    passed: bool
    at: str  # UTC, ISO 8601 to the second: 2026-01-01T10:00:00Z
    notebook: str | None = None
    step: int | None = None
    through_step: int = 0
    explanation: str | None = None

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.notebook, self.what)

    @property
    def time(self) -> datetime:
        return datetime.fromisoformat(self.at)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, document: Any) -> Outcome:
        """An outcome from its JSON; ValueError when it is not one."""
        if not isinstance(document, Mapping):
            raise ValueError("an outcome is a JSON object")
        outcome = cls(
            what=_typed(document, "what", str),
            passed=_typed(document, "passed", bool),
            at=_typed(document, "at", str),
            notebook=_typed(document, "notebook", str, optional=True),
            step=_typed(document, "step", int, optional=True),
            through_step=_typed(document, "through_step", int, optional=True) or 0,
            explanation=_typed(document, "explanation", str, optional=True),
        )
        if outcome.time.tzinfo is None:  # a time it cannot read fails here, not in a sort
            raise ValueError("at is a UTC time")
        return outcome


@dataclass(frozen=True)
class Progress:
    """An attendee's record: the latest outcome of each checkpoint, oldest first, the
    last failure, and the settings their checks compare against."""

    checkpoints: tuple[Outcome, ...] = ()
    last_failure: Outcome | None = None
    settings: WorkshopSettings | None = None

    @property
    def last(self) -> Outcome | None:
        """The checkpoint run last."""
        return self.checkpoints[-1] if self.checkpoints else None

    @property
    def stuck(self) -> bool:
        """Whether the checkpoint run last failed."""
        return self.last is not None and not self.last.passed

    def passed_since(self, failure: Outcome) -> bool:
        """Whether the checkpoint that failed in ``failure`` has passed after it."""
        latest = next((o for o in self.checkpoints if o.key == failure.key), None)
        return latest is not None and latest.passed and latest.time >= failure.time

    def with_outcome(self, outcome: Outcome, settings: WorkshopSettings) -> Progress:
        kept = [o for o in self.checkpoints if o.key != outcome.key] + [outcome]
        return Progress(
            checkpoints=tuple(kept[-KEPT:]),
            last_failure=self.last_failure if outcome.passed else outcome,
            settings=settings,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "settings": asdict(self.settings) if self.settings else None,
            "checkpoints": [outcome.to_json() for outcome in self.checkpoints],
            "last_failure": self.last_failure.to_json() if self.last_failure else None,
        }

    @classmethod
    def from_json(cls, document: Any) -> Progress:
        """A record from its JSON; ValueError when it is not one (or of another format)."""
        if not isinstance(document, Mapping) or document.get("format") != FORMAT:
            raise ValueError(f"not a progress record of format {FORMAT}")
        checkpoints = document.get("checkpoints") or []
        if not isinstance(checkpoints, list):
            raise ValueError("checkpoints is a list")
        failure = document.get("last_failure")
        return cls(
            checkpoints=tuple(Outcome.from_json(o) for o in checkpoints[-KEPT:]),
            last_failure=Outcome.from_json(failure) if failure is not None else None,
            settings=_settings(document.get("settings")),
        )


def record_file(home: Path | None = None) -> Path:
    return (home or workshop_home()) / RECORD_NAME


def current_notebook() -> str | None:
    """The notebook this kernel runs (``01_secure_runtime``, ``zh-CN/01_secure_runtime``),
    or None outside Jupyter."""
    started_for = os.environ.get(NOTEBOOK_ENV)
    if not started_for:
        return None
    path = Path(started_for).with_suffix("")
    parts = path.parts
    if _NOTEBOOKS in parts[:-1]:
        last = len(parts) - 1 - parts[::-1].index(_NOTEBOOKS)
        return "/".join(parts[last + 1 :])
    return path.name


def outcome(
    what: str,
    *,
    passed: bool,
    step: int | None = None,
    through_step: int = 0,
    explanation: str | None = None,
    at: datetime | None = None,
) -> Outcome:
    """A checkpoint's outcome as it is kept: now, in this notebook, with no credential in it."""
    hidden = secrets_in(os.environ)  # the stack's own key, which a kernel has in its env
    if explanation is not None:
        explanation = redact_credentials(explanation, hidden)
        if len(explanation) > EXPLANATION_CHARS:
            explanation = explanation[: EXPLANATION_CHARS - 1] + "…"
    moment = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return Outcome(
        what=redact_credentials(what, hidden),
        passed=passed,
        at=moment.isoformat().replace("+00:00", "Z"),
        notebook=current_notebook(),
        step=step,
        through_step=through_step,
        explanation=explanation,
    )


def record(outcome: Outcome, settings: WorkshopSettings, home: Path | None = None) -> bool:
    """Add ``outcome`` to the record in ``home`` (default: the kit's working state).

    Returns whether it was written: a folder that cannot be written to leaves the
    checkpoint without a record, never with an error. A damaged record starts afresh.
    Two kernels recording in the same millisecond may keep one outcome of the two.
    """
    folder = home or workshop_home()
    try:
        try:
            previous = read(folder) or Progress()
        except ValueError:
            previous = Progress()
        _write(record_file(folder), previous.with_outcome(outcome, settings))
    except OSError:
        return False
    return True


def read(home: Path) -> Progress | None:
    """The record in ``home``, or None when there is none. A record that is not one
    raises ValueError; a folder this user may not read, PermissionError."""
    try:
        text = record_file(home).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except UnicodeDecodeError as error:
        raise ValueError(str(error)) from None
    return Progress.from_json(json.loads(text))


def _write(path: Path, progress: Progress) -> None:
    """Replace ``path`` atomically with a file only its owner may read."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    data = json.dumps(progress.to_json(), ensure_ascii=False, indent=1).encode("utf-8")
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    # O_EXCL: a name planted in the folder (a link) is refused rather than followed.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        # No fsync: the next checkpoint writes the record again, and a checkpoint stays fast.
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _typed(document: Mapping[str, Any], name: str, kind: type, *, optional: bool = False) -> Any:
    value = document.get(name)
    if value is None and optional:
        return None
    # bool is an int in Python; a step of True is no step.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"{name} is not a {kind.__name__}")
    return value


def _settings(document: Any) -> WorkshopSettings | None:
    if document is None:
        return None
    names = {field.name for field in fields(WorkshopSettings)}
    if not isinstance(document, Mapping) or not all(
        isinstance(value, str | None) for value in document.values()
    ):
        raise ValueError("settings is an object of strings")
    try:
        return WorkshopSettings(**{k: v for k, v in document.items() if k in names})
    except TypeError as error:
        raise ValueError(f"settings: {error}") from None
