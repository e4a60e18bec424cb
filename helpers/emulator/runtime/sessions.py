"""The agent processes of one deployed runtime: one per runtime session, as on AgentCore.

AgentCore gives each runtime session a microVM of its own, so sessions cannot see each
other's process state, and it ends a session that stays idle (15 minutes by default).
A :class:`SessionPool` does the same with processes forked from the agent template:

- a session's first call gets the pool's spare, already started, and a new spare is
  started behind it, so neither a new session nor the first call after a deploy waits
  for the learner's code to import;
- a session idle longer than ``idle_timeout`` (on the stack's clock) is ended by
  :meth:`reap`, and past ``max_sessions`` the least recently used one is ended;
- a session whose process died answers :class:`AgentCrashed` once, so the learner sees
  the crash, and gets a new process on its next call.

The conversation itself is not lost with a process: the agent keeps it in its session
store (files locally, AgentCore Memory on AWS), as a new microVM would find it.
Every method runs on the daemon's event loop; process starts and stops go to threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from helpers.emulator.runtime.agent_process import AgentProcess, AgentStartError

log = logging.getLogger("agentcore_local.sessions")

# AgentCore's default idleRuntimeSessionTimeout.
DEFAULT_IDLE_TIMEOUT_SECONDS = 900.0
DEFAULT_MAX_SESSIONS = 32


class AgentCrashed(Exception):
    """The process of a session died; ``process`` names its log."""

    def __init__(self, process: AgentProcess) -> None:
        super().__init__(f"agent process {process.pid} exited with code {process.exit_code}")
        self.process = process


@dataclass
class _Session:
    process: AgentProcess
    last_used: float


async def retire(process: AgentProcess) -> None:
    """Close the front door's connections to an agent process, then stop it.

    In that order: idle keep-alive connections would hold the agent's shutdown open.
    """
    await process.close()
    await asyncio.to_thread(process.stop)


class SessionPool:
    """The sessions of one deployed runtime version (see the module docstring)."""

    def __init__(
        self,
        start_process: Callable[[], AgentProcess],
        *,
        clock: Callable[[], float],
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT_SECONDS,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
    ) -> None:
        self._start_process = start_process
        self._clock = clock
        self._idle_timeout = idle_timeout
        self._max_sessions = max_sessions
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._starting: dict[str, asyncio.Task[AgentProcess]] = {}
        self._spare: AgentProcess | None = None
        self._refilling: asyncio.Task[None] | None = None
        self._closed = False

    def session_pids(self) -> dict[str, int]:
        """Each live session's process id."""
        return {
            session_id: session.process.pid
            for session_id, session in self._sessions.items()
            if session.process.alive and session.process.pid is not None
        }

    def pids(self) -> tuple[int, ...]:
        """Every live process of the pool, spare included."""
        spare = (self._spare.pid,) if self._spare and self._spare.alive and self._spare.pid else ()
        return (*spare, *self.session_pids().values())

    def ready_process(self) -> AgentProcess:
        """Start a process and wait until it answers (blocking: call it from a thread).

        Raises :class:`AgentStartError` with the end of its log when the code fails.
        """
        process = self._start_process()
        try:
            process.wait_ready()
        except AgentStartError:
            process.stop()
            raise
        return process

    def keep_as_spare(self, process: AgentProcess) -> None:
        """Take ``process``, started by :meth:`ready_process`, as the next session's."""
        self._spare = process

    async def process_for(self, session_id: str) -> AgentProcess:
        """The process of ``session_id``, started for it (from the spare) on its first call."""
        session = self._sessions.get(session_id)
        if session is not None:
            if not session.process.alive:
                del self._sessions[session_id]
                await session.process.close()
                raise AgentCrashed(session.process)
            session.last_used = self._clock()
            self._sessions.move_to_end(session_id)
            return session.process
        starting = self._starting.get(session_id)
        if starting is None:
            starting = asyncio.create_task(self._start_session(session_id))
            self._starting[session_id] = starting
        # Shielded: a caller that goes away does not cancel the start others wait for.
        return await asyncio.shield(starting)

    async def forget(self, session_id: str, process: AgentProcess) -> None:
        """``process`` stopped answering: the session's next call gets a new one."""
        session = self._sessions.get(session_id)
        if session is not None and session.process is process:
            del self._sessions[session_id]
            await retire(process)

    def touch(self, session_id: str) -> None:
        """The session was just used (a long answer ended)."""
        session = self._sessions.get(session_id)
        if session is not None:
            session.last_used = self._clock()

    async def reap(self) -> None:
        """End the sessions idle for longer than the idle timeout."""
        now = self._clock()
        idle = [
            session_id
            for session_id, session in self._sessions.items()
            if now - session.last_used > self._idle_timeout
        ]
        for session_id in idle:
            log.info("session %s idle for over %.0f s: ended", session_id, self._idle_timeout)
            await retire(self._sessions.pop(session_id).process)

    async def close(self) -> None:
        """End every process of the pool (a new version replaced it, or the stack stops)."""
        self._closed = True
        if self._refilling is not None:
            await asyncio.gather(self._refilling, return_exceptions=True)
        spare, self._spare = self._spare, None
        processes = [*(s.process for s in self._sessions.values()), *filter(None, [spare])]
        self._sessions.clear()
        # Side by side: each waits for its process's graceful shutdown.
        await asyncio.gather(*(retire(process) for process in processes))

    async def _start_session(self, session_id: str) -> AgentProcess:
        try:
            process = self._take_spare()
            if process is None:
                process = await asyncio.to_thread(self.ready_process)
            self._sessions[session_id] = _Session(process, self._clock())
            while len(self._sessions) > self._max_sessions:
                evicted_id, evicted = self._sessions.popitem(last=False)
                log.info("session %s evicted: over %d sessions", evicted_id, self._max_sessions)
                await retire(evicted.process)
            self._refill()
            return process
        finally:
            self._starting.pop(session_id, None)

    def _take_spare(self) -> AgentProcess | None:
        spare, self._spare = self._spare, None
        return spare if spare is not None and spare.alive else None

    def _refill(self) -> None:
        if self._spare is None and (self._refilling is None or self._refilling.done()):
            self._refilling = asyncio.create_task(self._make_spare())

    async def _make_spare(self) -> None:
        try:
            process = await asyncio.to_thread(self.ready_process)
        except AgentStartError as error:
            log.error("could not start a spare agent process: %s", error)
            return
        if self._closed:
            await retire(process)
        else:
            self._spare = process
