"""Where the kit's files and the learner's working state live.

Two places, for two readers:

- the learner's **project** (their editable copy of ``agent/``) is ``my-project/`` at
  the repository root, next to ``notebooks/``: ``make lab`` serves the repository
  root, so the project is visible in JupyterLab's file browser, the notebooks link to
  its files, and a terminal opened there starts one ``cd`` away from it. It is
  git-ignored. ``$AGENTCORE_WORKSHOP_PROJECT`` moves it (the tests use their own);
- everything else a run creates (the local stack's state, keys, logs, sessions,
  traces) goes under the hidden, git-ignored ``.workshop/``, or
  ``$AGENTCORE_WORKSHOP_HOME`` when set.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
AGENT_TEMPLATE_DIR = REPO_ROOT / "agent"
SOLUTIONS_DIR = AGENT_TEMPLATE_DIR / "solutions"
# What the workshop's prerequisite stack creates on AWS, for the local stack to create.
PREREQUISITES_FILE = AGENT_TEMPLATE_DIR / "prerequisites.json"
HOME_ENV = "AGENTCORE_WORKSHOP_HOME"
PROJECT_ENV = "AGENTCORE_WORKSHOP_PROJECT"
# The project's folder name under the server root, as the notebooks' links spell it.
PROJECT_FOLDER = "my-project"
# The kit's working state under the server root, when $AGENTCORE_WORKSHOP_HOME is not set.
STATE_FOLDER = ".workshop"


def workshop_home() -> Path:
    """The folder that holds the stack's and the kit's working state for this run."""
    override = os.environ.get(HOME_ENV)
    return Path(override).expanduser().resolve() if override else REPO_ROOT / STATE_FOLDER


def project_dir() -> Path:
    """The learner's editable copy of ``agent/`` (an ``agentcore`` CLI project)."""
    override = os.environ.get(PROJECT_ENV)
    return Path(override).expanduser().resolve() if override else REPO_ROOT / PROJECT_FOLDER


def shown(path: Path) -> str:
    """``path`` as the learner finds it: relative to the repository (or the project's parent)."""
    for base in (REPO_ROOT, project_dir().parent):
        if path.is_relative_to(base):
            return path.relative_to(base).as_posix()
    return str(path)
