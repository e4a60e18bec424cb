"""Check a project the way ``agentcore validate`` does, then apply the workshop's own checks.

Local mode has no CLI, so this is the learner's ``agentcore validate`` (and the check
``agentcore-local deploy`` and the notebooks' checkers run). It is never more lenient
than the real CLI 0.30.0: the CLI's rules (:mod:`helpers.model.schemas`) are
applied to ``agentcore.json``, ``aws-targets.json`` and the deployed state in the CLI's
order, and each problem is reported at the CLI's path in the CLI's words, with the kit's
fix on the next line (:mod:`helpers.model.issues`).

The CLI's words stay English, as the CLI prints them; the fixes and the workshop's own
checks are the learner's language (:func:`helpers.basics.i18n._`).

It is stricter only where the workshop needs a guard rail the CLI lacks, each such issue
marked ``kit_only``: the workshop's own checks (:mod:`helpers.model.guard_rails`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.basics.i18n import _
from helpers.model.config import CONFIG_PATH, ConfigJSONError, parse_json
from helpers.model.guard_rails import GuardRails
from helpers.model.issues import ValidationIssue, fix_for
from helpers.model.schema import Issue, Schema, format_path
from helpers.model.schemas.aws_targets import AWS_TARGETS
from helpers.model.schemas.deployed import deployed_state
from helpers.model.schemas.project import PROJECT

AWS_TARGETS_PATH = Path("agentcore/aws-targets.json")
DEPLOYED_STATE_PATH = Path("agentcore/.cli/deployed-state.json")
NO_PROJECT = 'No agentcore project found. Run "agentcore create" first.'


@dataclass(frozen=True)
class ValidationResult:
    """The verdict on a project's files."""

    issues: list[ValidationIssue]

    @property
    def ok(self) -> bool:
        return not self.issues

    def format(self) -> str:
        """``Valid``, or each file's problems as the CLI lists them, each with its fix."""
        if self.ok:
            return "Valid"
        lines = []
        for file in dict.fromkeys(issue.file for issue in self.issues):
            lines += [f"{file}:"] if file else []
            for issue in self.issues:
                if issue.file == file:
                    lines += [f"  - {issue.line}", "    " + _("fix: {fix}", fix=issue.fix)]
        return "\n".join(lines)


def validate_project(
    project_dir: Path, value_sources: Mapping[str, str] | None = None
) -> ValidationResult:
    """Validate the project in ``project_dir`` (the folder holding ``agentcore/``).

    ``value_sources`` maps the names of values a learner pastes in (``client_id``) to
    where they are found (``SSM parameter /app/…/client_id``), for the fix hints.
    """
    path = Path(project_dir) / CONFIG_PATH
    if not path.is_file():
        fix = _(
            "Point at the project folder that holds agentcore/ and app/ (looked for {path}).",
            path=path,
        )
        return ValidationResult([ValidationIssue("", NO_PROJECT, fix, file="")])
    try:
        config = parse_json(path.read_text(encoding="utf-8"), CONFIG_PATH.name)
    except ConfigJSONError as err:
        return ValidationResult([ValidationIssue("", err.detail, err.hint)])
    return ValidationResult(validate_config(config, project_dir, value_sources))


def validate_config(
    config: Any, project_dir: Path | None = None, value_sources: Mapping[str, str] | None = None
) -> list[ValidationIssue]:
    """Every problem of a parsed ``agentcore.json``, the CLI's first, then the workshop's.

    With ``project_dir``, the project's other files are checked too (as the CLI does, only
    once ``agentcore.json`` passes its rules), and so are the tool schema files.
    """
    found = _issues(PROJECT, config, CONFIG_PATH)
    guard = GuardRails(project_dir, value_sources or {})
    guard.project(config)
    guard.placeholders(config, ())
    cli = [issue for issue in found if not issue.kit_only]
    if project_dir is not None and not cli:
        cli += _project_files(Path(project_dir))
    return cli + [issue for issue in found if issue.kit_only] + guard.issues


def _project_files(project_dir: Path) -> list[ValidationIssue]:
    """``aws-targets.json``, then the deployed state if a deploy wrote one, as the CLI checks."""
    targets_file = project_dir / AWS_TARGETS_PATH
    if not targets_file.is_file():
        return [
            ValidationIssue(
                "",
                "Required file not found: aws-targets.json",
                _(
                    "Create agentcore/aws-targets.json holding [] as `agentcore create` writes "
                    "it (the first `agentcore deploy` fills in the account and region)."
                ),
                file=AWS_TARGETS_PATH.as_posix(),
            )
        ]
    targets, issues = _read(project_dir, AWS_TARGETS_PATH, "aws-targets.json", AWS_TARGETS)
    if issues or not (project_dir / DEPLOYED_STATE_PATH).is_file():
        return issues
    state = deployed_state([target["name"] for target in targets])
    # The CLI labels this file by an older name in its JSON error.
    _state, issues = _read(project_dir, DEPLOYED_STATE_PATH, ".cli/state.json", state)
    return issues


def _read(
    project_dir: Path, file: Path, label: str, schema: Schema
) -> tuple[Any, list[ValidationIssue]]:
    """A project file parsed and checked; its value as the CLI keeps it, and its problems."""
    try:
        data = parse_json((project_dir / file).read_text(encoding="utf-8"), label)
    except ConfigJSONError as err:
        return None, [ValidationIssue("", err.detail, err.hint, file=file.as_posix())]
    parsed = schema.parse(data)
    return parsed.value, _issues_of(parsed.issues, file)


def _issues(schema: Schema, value: Any, file: Path) -> list[ValidationIssue]:
    return _issues_of(schema.parse(value).issues, file)


def _issues_of(issues: list[Issue], file: Path) -> list[ValidationIssue]:
    return [
        ValidationIssue(
            format_path(issue.shown_path),
            issue.message,
            issue.fix or fix_for(issue),
            file=file.as_posix(),
            kit_only=issue.kit_only,
        )
        for issue in issues
    ]
