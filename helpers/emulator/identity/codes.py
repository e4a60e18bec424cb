"""The confirmation codes Cognito sends: one pending code per user and purpose.

A code is six random digits, valid for a while (a day for sign-up, an hour for a
password reset), used once, and guessed at most :data:`limits.CODE_ATTEMPTS_PER_HOUR`
times an hour (requests for a new password reset code count too). A user who does not
exist gets a pending code no one can match, so that a wrong code gets the same answer
for both.

Cognito mails or texts the code; the local stack has neither, so the caller writes it
to the stack's log, which only the stack's owner can read.
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass

from moto.cognitoidp.exceptions import CodeMismatchException, ExpiredCodeException

from helpers.emulator.identity.limits import DEFAULT_CAPACITY, HourlyAttempts, RecentEntries

SIGN_UP = "sign-up"
PASSWORD_RESET = "password-reset"
# https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html
# ("the confirmation code ... is valid for 24 hours") and
# https://docs.aws.amazon.com/cognito/latest/developerguide/how-to-recover-a-user-account.html
# ("The recovery code is valid for one hour").
LIFETIME_SECONDS = {SIGN_UP: 24 * 3600, PASSWORD_RESET: 3600}


@dataclass(frozen=True)
class _Pending:
    code: str | None  # None: simulated for a user who does not exist
    expires_at: float


class VerificationCodes:
    """Pending codes by (pool, user or name, purpose); bounded like the limits are."""

    def __init__(self, clock: Callable[[], float], capacity: int = DEFAULT_CAPACITY) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: RecentEntries[_Pending] = RecentEntries(
            max(LIFETIME_SECONDS.values()), capacity
        )
        self._attempts = HourlyAttempts(clock, capacity=capacity)

    def issue(self, pool_id: str, who: str, purpose: str, deliverable: bool) -> str | None:
        """A new code replacing any pending one; None (simulated) when not ``deliverable``."""
        key = (pool_id, who, purpose)
        if purpose == PASSWORD_RESET:  # "to request or enter a password reset code"
            self._attempts.spend(key)
        code = f"{secrets.randbelow(10**6):06d}" if deliverable else None
        now = self._clock()
        with self._lock:
            self._pending.put(key, _Pending(code, now + LIFETIME_SECONDS[purpose]), now)
        return code

    def redeem(self, pool_id: str, who: str, purpose: str, code: str) -> None:
        """Use up the pending code if ``code`` is it; otherwise raise Cognito's refusal."""
        key = (pool_id, who, purpose)
        self._attempts.check(key)
        now = self._clock()
        with self._lock:
            pending = self._pending.get(key, now)
            if pending is None or now >= pending.expires_at:
                raise ExpiredCodeException("Invalid code provided, please request a code again.")
            if pending.code is not None and secrets.compare_digest(
                pending.code.encode(), code.encode()
            ):
                self._pending.pop(key)
                return
        self._attempts.spend(key)
        raise CodeMismatchException("Invalid verification code provided, please try again.")
