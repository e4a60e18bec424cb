"""The two backends the notebooks run on, behind one interface.

``WORKSHOP_BACKEND`` chooses: ``local`` (the default: the local stack, no AWS account,
no network) or ``aws`` (the real ``agentcore`` CLI and boto3). Everything that
differs between the two lives behind :class:`~helpers.kit.backends.base.Backend`, so
the notebooks have one code path. ``local`` is the kit's only way into the emulator.
"""

from __future__ import annotations

import os
from typing import Literal

from helpers.basics.i18n import _
from helpers.kit.backends.base import Backend
from helpers.kit.errors import WorkshopUsageError

BackendName = Literal["local", "aws"]
BACKEND_NAMES: tuple[BackendName, ...] = ("local", "aws")
BACKEND_ENV = "WORKSHOP_BACKEND"


def selected_backend() -> BackendName:
    """The backend named by ``WORKSHOP_BACKEND`` (default ``local``)."""
    chosen = os.environ.get(BACKEND_ENV, "local").strip().lower()
    if chosen not in BACKEND_NAMES:
        raise WorkshopUsageError(
            _(
                "{setting} is not a backend; set it to 'local' or 'aws'.",
                setting=f"{BACKEND_ENV}={chosen!r}",
            )
        )
    return chosen


def get_backend() -> Backend:
    """The selected backend, ready to construct (nothing is started yet)."""
    if selected_backend() == "aws":
        from helpers.kit.backends.aws import AwsBackend

        return AwsBackend()
    from helpers.kit.backends.local import LocalBackend

    return LocalBackend()
