"""What the config checks, the code checks and notebook 06's checks share.

The result every checker returns; the project's ``agentcore.json`` read for a checker,
a missing or broken file said as a finding; a resource's CUSTOM_JWT authorizer; and
whether a validator issue repeats a finding. :mod:`helpers.kit.further` checks its
edits of ``agentcore.json`` with these too.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.basics.i18n import _
from helpers.kit.paths import shown
from helpers.model.config import CONFIG_PATH, ConfigJSONError, read_config


@dataclass
class CheckResult:
    """``missing`` lists what is still to do, one actionable sentence each."""

    what: str
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.missing

    def __str__(self) -> str:
        if self.ok:
            return _("✅ {what}: done.", what=self.what)
        todo = "\n".join(f"  - {item}" for item in self.missing)
        return _("❌ {what}: still to do", what=self.what) + "\n" + todo

    def _repr_markdown_(self) -> str:
        # Escaped: Markdown would take a placeholder such as <COGNITO_CLIENT_ID value> for
        # an HTML tag and show nothing where the learner must look.
        what = "**" + html.escape(self.what, quote=False) + "**"
        if self.ok:
            return _("✅ {what}: done.", what=what)
        todo = "\n".join(f"- {html.escape(m, quote=False)}" for m in self.missing)
        return _("❌ {what}: still to do", what=what) + "\n\n" + todo


def config_of(project: Path, result: CheckResult) -> dict[str, Any] | None:
    try:
        return read_config(project)
    except ConfigJSONError as error:
        result.missing.append(str(error))
    except FileNotFoundError:
        result.missing.append(project_missing(project))
    return None


def project_missing(project: Path) -> str:
    """What to do when the project's agentcore.json is gone."""
    return _(
        "{path} is missing (the project folder deleted or moved?): run the notebook's "
        "first cell again, which makes a fresh copy of the project, or restore it from "
        "a backup folder beside it.",
        path=shown(project / CONFIG_PATH),
    )


def jwt_authorizer(resource: dict[str, Any]) -> dict[str, Any] | None:
    configuration = resource.get("authorizerConfiguration")
    jwt = configuration.get("customJwtAuthorizer") if isinstance(configuration, dict) else None
    return jwt if isinstance(jwt, dict) else None


def related(path: str, flagged: str) -> bool:
    """Whether a validator issue at ``path`` is about what ``flagged`` already reports:
    the same field, a member of it (``.name`` or ``[0]``), or the field it belongs to."""
    return path == flagged or _inside(path, flagged) or _inside(flagged, path)


def _inside(path: str, parent: str) -> bool:
    return path.startswith((parent + ".", parent + "["))
