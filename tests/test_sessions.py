"""One agent process per runtime session, as AgentCore gives each session its own microVM.

A stack of the test's own, allowed two sessions at a time: sessions get processes of
their own, forked from the agent template; an idle session ends when the stack's clock
passes AgentCore's idle timeout; past two, the least recently used one ends. A session
that lost its process carries on in a new one, its conversation kept.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest

from helpers.emulator import stack
from helpers.emulator.client import ControlClient
from helpers.emulator.runtime.agent_process import STOP_TIMEOUT_SECONDS
from helpers.emulator.runtime.sessions import DEFAULT_IDLE_TIMEOUT_SECONDS
from helpers.kit import steps
from helpers.kit.backends.local import LocalBackend
from helpers.kit.calling.invoke import invoke, new_session_id
from helpers.kit.settings import load_settings
from helpers.kit.tokens import AccessToken, get_token
from helpers.model.config import read_config, write_config
from tests.support import poll_until, start_stack

pytestmark = pytest.mark.stack

MAX_SESSIONS = 2


@dataclass(frozen=True)
class Sessions:
    control: ControlClient
    backend: LocalBackend
    folder: Path
    runtime_url: str
    token: AccessToken

    def ask(self, prompt: str, session_id: str) -> str:
        return invoke(self.runtime_url, prompt, token=self.token, session_id=session_id)

    def pids(self) -> dict[str, int]:
        return dict(self.control.deployments().runtimes[steps.RUNTIME].sessions)


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sessions]:
    home = tmp_path_factory.mktemp("sessions")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AGENTCORE_LOCAL_MAX_SESSIONS", str(MAX_SESSIONS))
        start_stack(home, patch)
        try:
            settings = load_settings(boto3.client("ssm"))
            folder = home / "project"
            steps.fresh_project(folder)
            backend = LocalBackend(home)
            steps.prepare(folder, settings, backend, through_step=1)
            yield Sessions(
                stack.control(home),
                backend,
                folder,
                backend.invoke_url(folder, steps.RUNTIME),
                get_token(settings, force_refresh=True),
            )
        finally:
            stack.down(home)


def _gone(pid: int) -> bool:
    return (
        not Path(f"/proc/{pid}").exists() or Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    )


def test_each_session_has_a_process_of_its_own(sessions: Sessions) -> None:
    alice, bob = new_session_id(), new_session_id()
    sessions.ask("My name is Alice.", alice)
    sessions.ask("My name is Bob.", bob)
    pids = sessions.pids()
    assert pids[alice] != pids[bob]
    assert sessions.ask("Do you remember my name?", alice) == "Yes, your name is Alice."
    assert sessions.pids()[alice] == pids[alice]  # the same process, call after call


def test_an_idle_session_ends_after_the_idle_timeout(sessions: Sessions) -> None:
    session = new_session_id()
    sessions.ask("My name is Idle.", session)
    pid = sessions.pids()[session]
    sessions.control.advance_clock(DEFAULT_IDLE_TIMEOUT_SECONDS + 1)
    assert session not in sessions.pids()
    assert _gone(pid)
    # A later call starts a new process; the conversation was kept in the session store.
    assert sessions.ask("Do you remember my name?", session) == "Yes, your name is Idle."


def test_past_the_limit_the_least_recently_used_session_ends(sessions: Sessions) -> None:
    first, second, third = (new_session_id() for _ in range(3))
    for number, session in enumerate((first, second, third)):
        sessions.ask(f"My name is Guest{number}.", session)
    pids = sessions.pids()
    assert first not in pids and {second, third} <= pids.keys()
    assert len(pids) == MAX_SESSIONS
    assert sessions.ask("Do you remember my name?", first) == "Yes, your name is Guest0."


def test_every_session_process_is_a_fork_of_the_template(sessions: Sessions) -> None:
    session = new_session_id()
    sessions.ask("Hello", session)
    pid = sessions.pids()[session]
    template = int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
    command = Path(f"/proc/{template}/cmdline").read_bytes()
    assert b"helpers.emulator.runtime.template" in command
    assert os.getpid() != template


def test_a_new_version_serves_at_once_and_the_old_ones_processes_end(
    sessions: Sessions,
) -> None:
    session = new_session_id()
    sessions.ask("My name is Versioned.", session)
    old = sessions.pids()[session]
    main = sessions.folder / "app" / steps.RUNTIME / "main.py"
    main.write_text(main.read_text() + "\n# a new version\n")
    sessions.backend.deploy(sessions.folder).raise_for_failure()
    # The deploy returns before the old version has shut down (as on AWS); its
    # processes end soon after, and the session carries on in the new version.
    assert sessions.ask("Do you remember my name?", session) == "Yes, your name is Versioned."
    assert sessions.pids()[session] != old
    assert poll_until(lambda: _gone(old), within=2 * STOP_TIMEOUT_SECONDS)


def test_a_memory_removed_from_the_project_is_gone_from_the_next_version(
    sessions: Sessions,
) -> None:
    # The memory is deleted after the runtime is updated, so a version handed the old id
    # would fail on its first call. The project gets its memory back afterwards: the other
    # tests here, in whatever order they run, expect a session to outlive its process.
    before = read_config(sessions.folder)
    write_config(sessions.folder, {**before, "memories": []})
    try:
        sessions.backend.deploy(sessions.folder).raise_for_failure()
        assert sessions.control.deployments().memories == {}
        session = new_session_id()
        sessions.ask("My name is Forgotten.", session)
        # No memory: the conversation lives in the session's process alone (the agent kept
        # there), and no later session learns of it, as one would through long-term memory.
        assert "Forgotten" in sessions.ask("Do you remember my name?", session)
        assert "Forgotten" not in sessions.ask("Do you remember my name?", new_session_id())
    finally:
        write_config(sessions.folder, before)
        sessions.backend.deploy(sessions.folder).raise_for_failure()
