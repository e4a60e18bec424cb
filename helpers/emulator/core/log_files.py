"""The stack's log files, bounded: past :data:`MAX_LOG_BYTES` a log rolls over to one ``.1``.

A loop of refused requests writes a line each, and a learner's agent may print without
end: neither may fill the disk. Each log keeps its newest part and the one before
(``stack.log`` and ``stack.log.1``); readers that remember an offset find the file
shorter than their mark after a rollover and read it whole
(:func:`helpers.model.agent_log.lines_since`).
"""

from __future__ import annotations

import logging.handlers
import os
import threading
from pathlib import Path
from typing import ClassVar, TextIO

MAX_LOG_BYTES = 5 * 1024 * 1024


def rolled_over(path: Path) -> Path:
    """Where ``path``'s older part lives after a rollover."""
    return path.with_name(path.name + ".1")


class StackLogHandler(logging.handlers.RotatingFileHandler):
    """The daemon's log, which is also its stdout and stderr.

    The daemon starts with both pointing at ``stack.log`` (so a traceback from a thread
    or a stray ``print`` lands there too); after a rollover they follow the new file, so
    nothing keeps writing to the renamed one.
    """

    def __init__(self, path: Path, max_bytes: int = MAX_LOG_BYTES) -> None:
        super().__init__(path, maxBytes=max_bytes, backupCount=1, encoding="utf-8")

    def doRollover(self) -> None:
        super().doRollover()
        if self.stream is not None:
            for descriptor in (1, 2):
                os.dup2(self.stream.fileno(), descriptor)


class BoundedLog:
    """An append-only text log that rolls over past ``max_bytes``. Thread-safe.

    Every agent process of a runtime writes to the runtime's one log, each through a
    thread of the daemon: :meth:`at` hands them all the same instance.
    """

    _instances: ClassVar[dict[Path, BoundedLog]] = {}
    _instances_lock = threading.Lock()

    def __init__(self, path: Path, max_bytes: int = MAX_LOG_BYTES) -> None:
        self.path = path
        self._max_bytes = max_bytes
        self._lock = threading.Lock()
        self._file: TextIO | None = None

    @classmethod
    def at(cls, path: Path) -> BoundedLog:
        """The one :class:`BoundedLog` of ``path`` in this process."""
        with cls._instances_lock:
            log = cls._instances.get(path)
            if log is None:
                log = cls._instances[path] = cls(path)
            return log

    def write(self, text: str) -> None:
        """Append ``text`` and flush it, rolling the file over first when it is full."""
        with self._lock:
            if self._file is not None and os.fstat(self._file.fileno()).st_nlink == 0:
                self._file.close()  # the log was removed: start a new one where it was
                self._file = None
            if self._file is None:
                self._file = self.path.open("a", encoding="utf-8")
            if self._file.tell() >= self._max_bytes:
                self._file.close()
                os.replace(self.path, rolled_over(self.path))
                self._file = self.path.open("a", encoding="utf-8")
            self._file.write(text)
            self._file.flush()
