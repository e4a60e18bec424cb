"""How often Cognito lets anyone try: the sign-in lockout, and the hourly limit on codes.

Both count per user, or per name typed when no such user exists, so that the answers
never tell who exists (see :func:`helpers.emulator.identity.usernames.attempt_key`).
Both keep an entry only while it can still matter (15 quiet minutes for the lockout, an
hour for codes) and at most ``capacity`` entries, the least recently tried forgotten
first: a script trying made-up names cannot grow them without bound (and pushing a
user's count out that way takes ``capacity`` requests for five more guesses).
"""

from __future__ import annotations

import threading
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from moto.cognitoidp.exceptions import NotAuthorizedError
from moto.core.exceptions import JsonRESTError

V = TypeVar("V")

LOCKOUT_AFTER_FAILURES = 5
LOCKOUT_MAX_SECONDS = 15 * 60
LOCKOUT_RESET_QUIET_SECONDS = 15 * 60
CODE_ATTEMPTS_PER_HOUR = 5
DEFAULT_CAPACITY = 10_000


class LimitExceededException(JsonRESTError):
    """Cognito's ``LimitExceededException`` (moto has no class for it)."""

    def __init__(self) -> None:
        super().__init__(
            "LimitExceededException", "Attempt limit exceeded, please try after some time."
        )


class RecentEntries(Generic[V]):
    """Values by key, least recently touched first; stale or surplus entries are forgotten."""

    def __init__(self, keep_seconds: float, capacity: int) -> None:
        self._keep = keep_seconds
        self._capacity = capacity
        self._entries: OrderedDict[Hashable, tuple[float, V]] = OrderedDict()

    def get(self, key: Hashable, now: float) -> V | None:
        self._forget_stale(now)
        entry = self._entries.get(key)
        return None if entry is None else entry[1]

    def put(self, key: Hashable, value: V, now: float) -> None:
        self._entries[key] = (now, value)
        self._entries.move_to_end(key)
        self._forget_stale(now)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def pop(self, key: Hashable) -> None:
        self._entries.pop(key, None)

    def _forget_stale(self, now: float) -> None:
        while self._entries:
            touched, _ = next(iter(self._entries.values()))
            if now - touched < self._keep:
                return
            self._entries.popitem(last=False)


@dataclass(frozen=True)
class _Failures:
    count: int
    locked_until: float


class PasswordLockout:
    """Cognito's lockout after failed password sign-ins, as documented:

    "After five failed unauthenticated or IAM-authorized sign-in attempts with a password,
    Amazon Cognito locks out your user for one second. The lockout duration then doubles
    after each additional one failed attempt, up to a maximum of approximately 15 minutes.
    Attempts made during a lockout period generate a Password attempts exceeded
    exception, and don't affect the duration of subsequent lockout periods. [...] To reset
    the lockout to its n=0 initial state, your user must either sign in successfully after
    a lockout period expires, or not initiate any sign-in attempts for 15 consecutive
    minutes at any time after a lockout."
    https://docs.aws.amazon.com/cognito/latest/developerguide/authentication.html#authentication-flow-lockout-behavior

    Every attempt is refused while locked, the right password too. Fifteen quiet minutes
    forget failures that never reached a lockout as well.
    """

    def __init__(self, clock: Callable[[], float], capacity: int = DEFAULT_CAPACITY) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: RecentEntries[_Failures] = RecentEntries(
            LOCKOUT_RESET_QUIET_SECONDS, capacity
        )

    def attempt(self, key: Hashable, verify: Callable[[], bool]) -> bool:
        """Whether ``verify()`` finds the password right; refused outright while locked.

        A wrong one is counted, the fifth and every later one locking ``key`` for
        2^(n-5) seconds; a right one starts the count over. Checked and counted under one
        lock, so that attempts sent all at once cannot slip past the count.
        """
        now = self._clock()
        with self._lock:
            failures = self._failures.get(key, now)
            if failures is not None and now < failures.locked_until:
                self._failures.put(key, failures, now)  # an attempt: the quiet time restarts
                raise NotAuthorizedError("Password attempts exceeded")
            if verify():
                self._failures.pop(key)
                return True
            count = (failures.count if failures else 0) + 1
            locked_until = now
            if count >= LOCKOUT_AFTER_FAILURES:
                exponent = count - LOCKOUT_AFTER_FAILURES
                locked_until += min(2.0**exponent, LOCKOUT_MAX_SECONDS)
            self._failures.put(key, _Failures(count, locked_until), now)
            return False


class HourlyAttempts:
    """At most ``limit`` attempts per key in any hour, then ``LimitExceededException``.

    "In a given hour, we allow between 5 and 20 attempts for a user to request or enter a
    password reset code as part of forgot-password and confirm-forgot-password actions."
    https://docs.aws.amazon.com/cognito/latest/developerguide/how-to-recover-a-user-account.html
    The local stack allows the lower bound, for sign-up codes too.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        limit: int = CODE_ATTEMPTS_PER_HOUR,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        self._clock = clock
        self._limit = limit
        self._lock = threading.Lock()
        self._attempts: RecentEntries[deque[float]] = RecentEntries(3600, capacity)

    def check(self, key: Hashable) -> None:
        """Raise when ``key`` has used up its hour, without counting this as an attempt."""
        now = self._clock()
        with self._lock:
            if len(self._recent(key, now)) >= self._limit:
                raise LimitExceededException()

    def spend(self, key: Hashable) -> None:
        """Count one attempt; raise when ``key`` had none left."""
        now = self._clock()
        with self._lock:
            recent = self._recent(key, now)
            if len(recent) >= self._limit:
                raise LimitExceededException()
            recent.append(now)
            self._attempts.put(key, recent, now)

    def _recent(self, key: Hashable, now: float) -> deque[float]:
        recent = self._attempts.get(key, now) or deque()
        while recent and now - recent[0] >= 3600:
            recent.popleft()
        return recent
