"""The stack's clock for its caches: the wall clock, which tests may move forward.

The authorizers' key cache times its refetches and its TTL with this clock, so a test
sees a JWKS refetch or an expired cache by moving the clock (``POST /clock``) instead
of sleeping. Token lifetimes (``exp``, ``iat``) stay on the real wall clock.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class StackClock:
    """``time.time()`` plus however far the clock has been moved forward."""

    def __init__(self, wall_clock: Callable[[], float] = time.time) -> None:
        self._wall_clock = wall_clock
        self._lock = threading.Lock()
        self._offset = 0.0

    def __call__(self) -> float:
        with self._lock:
            return self._wall_clock() + self._offset

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def advance(self, seconds: float) -> float:
        """Move the clock ``seconds`` forward (never back); return the total offset."""
        if seconds < 0:
            raise ValueError("the stack's clock only moves forward")
        with self._lock:
            self._offset += seconds
            return self._offset
