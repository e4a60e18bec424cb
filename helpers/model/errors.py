"""The root of every error a learner or a user of the emulator is meant to read."""

from __future__ import annotations


class ActionableError(Exception):
    """An error whose message says what is wrong and how to fix it, for a person to read.

    Code that reports errors to people (the CLI, the notebook widgets) catches this type
    and shows the message; any other exception is a bug and keeps its traceback.
    """
