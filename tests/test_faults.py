"""What the workshop does when a part fails: the issuer, the Gateway, or the whole stack.

The issuer and the Gateway are taken down with the stack's fault switches (they answer
503, as an unavailable service does) on the shared stack, and always switched back on.
The ``kill -9`` test needs a stack of its own. The agent process crashing is covered in
``test_workshop_flow.py``.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import boto3
import pytest

from helpers.emulator import stack
from helpers.emulator.client import ControlClient
from helpers.emulator.core.ports import port_is_listening
from helpers.emulator.core.state import StackLayout
from helpers.kit import steps
from helpers.kit.backends.local import LocalBackend
from helpers.kit.calling.invoke import invoke, new_session_id
from helpers.kit.errors import TokenError
from helpers.kit.settings import load_settings
from helpers.kit.tokens import get_token
from tests.support import (
    RETURN_PROMPT,
    WARRANTY_END,
    WARRANTY_PROMPT,
    FinishedWorkshop,
    agent_pid,
    poll_until,
    start_stack,
)

pytestmark = pytest.mark.stack

GONE_WITHIN_SECONDS = 10.0


@contextmanager
def part_down(control: ControlClient, part: str) -> Iterator[None]:
    """``part`` answers 503 inside the block; it is up again afterwards, whatever happened."""
    control.set_fault(part, down=True)
    try:
        yield
    finally:
        control.set_fault(part, down=False)


def _lambda_calls(control: ControlClient) -> dict[str, int]:
    return control.stats()["lambda_invocations"]


def _ask(workshop: FinishedWorkshop, prompt: str) -> str:
    token = get_token(workshop.settings)
    return invoke(workshop.runtime_url, prompt, token=token, session_id=new_session_id())


def test_issuer_down_cached_keys_keep_validating_and_new_tokens_fail_clearly(
    finished_workshop: FinishedWorkshop, control: ControlClient
) -> None:
    # Both authorizers hold the keys after this call.
    assert WARRANTY_END in _ask(finished_workshop, WARRANTY_PROMPT)
    with part_down(control, "issuer"):
        # Runtime, then Gateway (the forwarded token) verify with the keys they cached.
        assert WARRANTY_END in _ask(finished_workshop, WARRANTY_PROMPT)
        with pytest.raises(TokenError) as refused:
            get_token(finished_workshop.settings, force_refresh=True)
    assert refused.value.status == 503
    assert "unavailable" in str(refused.value).lower()


def test_cached_keys_survive_a_redeploy_while_the_issuer_is_down(
    finished_workshop: FinishedWorkshop, control: ControlClient
) -> None:
    token = get_token(finished_workshop.settings)
    assert WARRANTY_END in _ask(finished_workshop, WARRANTY_PROMPT)  # the keys are cached
    main = finished_workshop.folder / "app" / steps.RUNTIME / "main.py"
    working = main.read_text()
    try:
        with part_down(control, "issuer"):
            main.write_text(working + "\n# a new version of the agent\n")
            finished_workshop.backend.deploy(finished_workshop.folder).raise_for_failure()
            answer = invoke(
                finished_workshop.runtime_url,
                WARRANTY_PROMPT,
                token=token,
                session_id=new_session_id(),
            )
            assert WARRANTY_END in answer  # new authorizer objects, the same cached keys
    finally:
        main.write_text(working)
        finished_workshop.backend.deploy(finished_workshop.folder).raise_for_failure()


def test_gateway_down_the_agent_answers_without_the_warranty_tool(
    finished_workshop: FinishedWorkshop, control: ControlClient
) -> None:
    lambda_calls = _lambda_calls(control)
    with part_down(control, "gateway"):
        answer = _ask(finished_workshop, WARRANTY_PROMPT)
    assert "warranty check tool is unavailable" in answer
    assert WARRANTY_END not in answer
    assert _lambda_calls(control) == lambda_calls


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, which holds no port and does no work, does not count)."""
    with suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reaps the daemon, which is this process's child
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


def _group_members(pgid: int) -> list[int]:
    """The live processes of process group ``pgid``."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with suppress(OSError, ValueError):
            if int(stat.read_text().rpartition(")")[2].split()[2]) == pgid:
                members.append(int(stat.parent.name))
    return [pid for pid in members if _alive(pid)]


def _wait_until_gone(pid: int) -> None:
    assert poll_until(lambda: not _alive(pid), within=GONE_WITHIN_SECONDS), (
        f"process {pid} is still running"
    )


def test_stack_killed_with_sigkill_comes_back_reseeded_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    first = start_stack(home, monkeypatch)
    backend = LocalBackend(home)
    try:
        settings = load_settings(boto3.client("ssm"))
        folder = tmp_path / "project"
        steps.fresh_project(folder)
        steps.prepare(folder, settings, backend, through_step=1)
        first_agent = agent_pid(backend.deployments())
        first_sockets = Path(StackLayout(home).sockets_record.read_text())
        assert first_sockets.is_dir()

        os.kill(first.pid, signal.SIGKILL)
        _wait_until_gone(first.pid)
        _wait_until_gone(first_agent)  # the agent dies with the daemon that started it
        assert stack.read_state(home) is None

        second = stack.up(home).state
        assert second is not None and second.pid != first.pid
        assert second.ports == first.ports  # nothing stale held them
        assert _group_members(first.pid) == []
        assert not first_sockets.exists()  # nor is its agents' socket folder left in /tmp
        second_sockets = Path(StackLayout(home).sockets_record.read_text())
        # The same pool, client and SSM parameters again; tokens from it verify.
        assert load_settings(boto3.client("ssm")) == settings
        token = get_token(settings, force_refresh=True)
        answer = invoke(
            backend.invoke_url(folder, steps.RUNTIME),
            RETURN_PROMPT,
            token=token,
            session_id=new_session_id(),
        )
        assert "30 days" in answer
        restored_agent = agent_pid(backend.deployments())
    finally:
        stack.down(home)
    assert not _alive(restored_agent)
    assert not second_sockets.exists()
    assert not any(port_is_listening(port) for port in first.ports.values())
