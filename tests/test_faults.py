"""What the workshop does when a part fails: the issuer, the Gateway, or the whole stack.

The issuer and the Gateway are taken down with the stack's fault switches (they answer
503, as an unavailable service does) on the shared stack, and always switched back on.
The ``kill -9`` test needs a stack of its own. The agent process crashing is covered in
``test_workshop_flow.py``.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest

from helpers import project
from helpers.backends.local import LocalBackend
from helpers.invoke import invoke, new_session_id
from helpers.local import stack
from helpers.local.ports import port_is_listening
from helpers.mode import local_environment
from helpers.settings import WorkshopSettings, load_settings
from helpers.tokens import TokenError, get_token

pytestmark = pytest.mark.stack

WARRANTY_PROMPT = "Check the warranty for PROD-001"
WARRANTY_END = "2027-03-01"  # only the Lambda behind the Gateway knows it
RETURN_PROMPT = "What's the return policy for electronics?"
GONE_WITHIN_SECONDS = 10.0


@dataclass(frozen=True)
class Deployed:
    """The finished workshop on the shared stack: where to invoke it, and its settings."""

    runtime_url: str
    settings: WorkshopSettings


@pytest.fixture(scope="module")
def deployed(
    local_stack: stack.StackStatus, workshop_home: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    """The finished workshop, deployed from a copy of ``agent/`` and removed afterwards."""
    settings = load_settings(boto3.client("ssm"))
    folder = tmp_path_factory.mktemp("faults") / "project"
    project.fresh_project(folder)
    backend = LocalBackend(workshop_home)
    project.prepare(folder, settings, backend, through_step=3)
    yield Deployed(backend.invoke_url(folder, project.RUNTIME), settings)
    backend.remove_all(folder).raise_for_failure()
    backend.deploy(folder).raise_for_failure()


@contextmanager
def part_down(local_stack: stack.StackStatus, part: str) -> Iterator[None]:
    """``part`` answers 503 inside the block; it is up again afterwards, whatever happened."""
    faults = local_stack.state["urls"]["control"] + "/faults"
    httpx.post(faults, json={"part": part, "down": True}).raise_for_status()
    try:
        yield
    finally:
        httpx.post(faults, json={"part": part, "down": False}).raise_for_status()


def _lambda_calls(local_stack: stack.StackStatus) -> dict[str, Any]:
    return httpx.get(local_stack.state["urls"]["control"] + "/stats").json()["lambda_invocations"]


def _ask(deployed: Deployed, prompt: str) -> str:
    token = get_token(deployed.settings)
    return invoke(deployed.runtime_url, prompt, token=token, session_id=new_session_id())


def test_issuer_down_cached_keys_keep_validating_and_new_tokens_fail_clearly(
    deployed: Deployed, local_stack: stack.StackStatus
) -> None:
    assert WARRANTY_END in _ask(deployed, WARRANTY_PROMPT)  # both authorizers hold the keys now
    with part_down(local_stack, "issuer"):
        # Runtime, then Gateway (the forwarded token) verify with the keys they cached.
        assert WARRANTY_END in _ask(deployed, WARRANTY_PROMPT)
        with pytest.raises(TokenError) as refused:
            get_token(deployed.settings, force_refresh=True)
    assert refused.value.status == 503
    assert "unavailable" in str(refused.value).lower()


def test_gateway_down_the_agent_answers_without_the_warranty_tool(
    deployed: Deployed, local_stack: stack.StackStatus
) -> None:
    lambda_calls = _lambda_calls(local_stack)
    with part_down(local_stack, "gateway"):
        answer = _ask(deployed, WARRANTY_PROMPT)
    assert "warranty check tool is unavailable" in answer
    assert WARRANTY_END not in answer
    assert _lambda_calls(local_stack) == lambda_calls


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
    deadline = time.monotonic() + GONE_WITHIN_SECONDS
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid), f"process {pid} is still running"


def test_stack_killed_with_sigkill_comes_back_reseeded_and_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    first = stack.up(home)
    try:
        for name, value in local_environment(first).items():
            monkeypatch.setenv(name, value)
        settings = load_settings(boto3.client("ssm"))
        folder = tmp_path / "project"
        project.fresh_project(folder)
        backend = LocalBackend(home)
        project.prepare(folder, settings, backend, through_step=1)
        daemon_pid = first.state["pid"]
        agent_pid = stack.deployments(first.state)["runtimes"][project.RUNTIME]["pid"]

        os.kill(daemon_pid, signal.SIGKILL)
        _wait_until_gone(daemon_pid)
        _wait_until_gone(agent_pid)  # the agent dies with the daemon that started it
        assert stack.read_state(home) is None

        second = stack.up(home)
        assert second.healthy and second.pid != daemon_pid
        assert second.state["ports"] == first.state["ports"]  # nothing stale held them
        assert _group_members(daemon_pid) == []
        # Re-seeded: the same pool, client and SSM parameters; tokens from it verify.
        assert load_settings(boto3.client("ssm")) == settings
        token = get_token(settings, force_refresh=True)
        answer = invoke(
            backend.invoke_url(folder, project.RUNTIME),
            RETURN_PROMPT,
            token=token,
            session_id=new_session_id(),
        )
        assert "30 days" in answer
        restored_agent = stack.deployments(second.state)["runtimes"][project.RUNTIME]["pid"]
    finally:
        stack.down(home)
    assert not _alive(restored_agent)
    assert not any(port_is_listening(port) for port in first.state["ports"].values())
