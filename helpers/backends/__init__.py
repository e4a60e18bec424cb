"""The two backends behind one interface; :func:`get_backend` picks the selected one."""

from __future__ import annotations

from helpers.backends.base import Backend, CommandFailed, CommandResult
from helpers.mode import backend

__all__ = ["Backend", "CommandFailed", "CommandResult", "get_backend"]


def get_backend() -> Backend:
    """The backend chosen by ``WORKSHOP_BACKEND`` (local by default)."""
    if backend() == "aws":
        from helpers.backends.aws import AwsBackend

        return AwsBackend()
    from helpers.backends.local import LocalBackend

    return LocalBackend()
