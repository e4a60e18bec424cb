"""The root of every error a learner or a user of the emulator is meant to read."""

from __future__ import annotations


class ActionableError(Exception):
    """An error whose message says what is wrong and how to fix it, for a person to read.

    Code that reports errors to people (the CLI, the notebook widgets) catches this type
    and shows the message; any other exception is a bug and keeps its traceback.
    """

    def _render_traceback_(self) -> list[str]:
        """What IPython shows when a cell raises this: the message, not the kit's frames.

        The frames are the kit's, and the cause is the learner's (a file, a step, a
        value); the message names it and the fix, so a notebook shows that alone, in
        red as any error. Outside IPython the full traceback is kept.
        """
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]
