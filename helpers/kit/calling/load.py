"""Many streaming invocations at once, each one reported: the load runner.

:func:`run_load` sends a batch of prompts to one runtime concurrently and returns, for
every call, whether it succeeded, the whole answer, how many streamed chunks it came
in, and its latencies. The isolation test checks the answers; ``make bench`` can
report :attr:`LoadReport.throughput` and :meth:`LoadReport.latency_ms` from the same
run. It is bounded on purpose: at most :data:`MAX_CALLS` calls and
:data:`MAX_CONCURRENCY` at a time, a time budget (at most
:data:`MAX_TIME_BUDGET_SECONDS`) after which no call starts and no answer is read on,
and only loopback URLs are accepted, so a typo can never load a real endpoint.
"""

from __future__ import annotations

import functools
import math
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from helpers.kit.calling.invoke import stream_invoke
from helpers.kit.tokens import AccessToken
from helpers.wire.invoke_errors import InvokeError

MAX_CALLS = 1000
MAX_CONCURRENCY = 64
MAX_TIME_BUDGET_SECONDS = 600.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Call:
    """One prompt to send in one runtime session."""

    session_id: str
    prompt: str


@dataclass(frozen=True)
class CallResult:
    """How one call went, as the caller saw it. ``error`` never holds a token."""

    call: Call
    ok: bool
    answer: str
    chunks: int
    first_chunk_ms: float | None
    total_ms: float
    error: str | None = None


@dataclass(frozen=True)
class LoadReport:
    """Every call's result, in the order the calls were given, and the run's wall time."""

    results: tuple[CallResult, ...]
    wall_seconds: float

    @property
    def errors(self) -> list[CallResult]:
        return [result for result in self.results if not result.ok]

    @property
    def throughput(self) -> float:
        """Successful calls per second of wall time."""
        succeeded = len(self.results) - len(self.errors)
        return succeeded / self.wall_seconds if self.wall_seconds > 0 else 0.0

    def latency_ms(self, quantile: float) -> float:
        """The ``quantile`` (0.5 for the median, 0.95 for p95) of successful calls' total time."""
        samples = sorted(result.total_ms for result in self.results if result.ok)
        if not samples:
            return math.nan
        return samples[min(len(samples) - 1, math.ceil(quantile * len(samples)) - 1)]


def _check_bounds(url: str, calls: Sequence[Call], concurrency: int, budget: float) -> None:
    if urlsplit(url).hostname not in LOOPBACK_HOSTS:
        raise ValueError(f"run_load only loads loopback endpoints, not {urlsplit(url).hostname}")
    if not 1 <= len(calls) <= MAX_CALLS:
        raise ValueError(f"run_load sends 1 to {MAX_CALLS} calls, not {len(calls)}")
    if not 1 <= concurrency <= MAX_CONCURRENCY:
        raise ValueError(f"concurrency must be 1 to {MAX_CONCURRENCY}, not {concurrency}")
    if not 0 < budget <= MAX_TIME_BUDGET_SECONDS:
        raise ValueError(
            f"the time budget must be over 0 s and at most {MAX_TIME_BUDGET_SECONDS:g} s, "
            f"not {budget}"
        )


def _one_call(url: str, call: Call, token: AccessToken, deadline: float) -> CallResult:
    started = time.monotonic()
    chunks: list[str] = []
    first_chunk_ms: float | None = None

    def result(error: str | None) -> CallResult:
        total_ms = (time.monotonic() - started) * 1000
        return CallResult(
            call, error is None, "".join(chunks), len(chunks), first_chunk_ms, total_ms, error
        )

    if started >= deadline:
        return result("not started: the time budget was spent")
    # The remaining budget bounds each socket read, and the loop checks it between chunks.
    answer = stream_invoke(
        url, call.prompt, token=token, session_id=call.session_id, timeout=deadline - started
    )
    try:
        for chunk in answer:
            if first_chunk_ms is None:
                first_chunk_ms = (time.monotonic() - started) * 1000
            chunks.append(chunk)
            if time.monotonic() > deadline:
                return result("the time budget ran out mid-answer")
    # httpx's errors (refused connection, timeout) are no OSErrors; a socket's may be.
    except (InvokeError, httpx.HTTPError, OSError) as error:
        return result(f"{type(error).__name__}: {error}")
    finally:
        answer.close()  # ends the HTTP response at once when the loop stopped early
    return result(None)


def run_load(
    url: str,
    calls: Sequence[Call],
    *,
    token: AccessToken,
    concurrency: int,
    time_budget_seconds: float,
) -> LoadReport:
    """Send ``calls`` to the runtime at ``url``, ``concurrency`` at a time, within the budget.

    Calls in one session are not ordered among themselves: send what must come first in
    an earlier run.
    """
    _check_bounds(url, calls, concurrency, time_budget_seconds)
    started = time.monotonic()
    deadline = started + time_budget_seconds
    # At most ``concurrency`` calls at once, on the process's callers (see _callers).
    admitted = threading.BoundedSemaphore(concurrency)

    def admitted_call(call: Call) -> CallResult:
        with admitted:
            return _one_call(url, call, token, deadline)

    results = tuple(_callers().map(admitted_call, calls))
    return LoadReport(results, time.monotonic() - started)


@functools.cache
def _callers() -> ThreadPoolExecutor:
    """The threads that make the calls, kept for the process's life, as a client
    application keeps its connection pool: the kit's keep-alive client (helpers.kit.http)
    serves their next calls, in this run or the next, without a new TLS handshake on
    either side."""
    return ThreadPoolExecutor(max_workers=MAX_CONCURRENCY, thread_name_prefix="load")
