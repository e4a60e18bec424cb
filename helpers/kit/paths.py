"""Where the kit's files and the learner's working state live.

Everything a workshop run creates (the learner's editable copy of ``agent/``, the
local stack's state, keys, logs, sessions, traces) goes under one git-ignored
folder, ``.workshop/`` at the repository root, or ``$AGENTCORE_WORKSHOP_HOME`` when
set (tests point it at a temporary folder).
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


def workshop_home() -> Path:
    """The folder that holds all working state for this run of the workshop."""
    override = os.environ.get(HOME_ENV)
    return Path(override).expanduser().resolve() if override else REPO_ROOT / ".workshop"


def project_dir() -> Path:
    """The learner's editable copy of ``agent/`` (an ``agentcore`` CLI project)."""
    return workshop_home() / "project"
