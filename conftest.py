"""Shared set-up for the whole suite: one working-state folder and one local stack.

- ``pytest_configure`` gives the session its own working-state folder and port
  block, in the environment, before anything starts: the stack, the CLI under test
  and the notebook kernels nbval starts all inherit it, so a learner's own
  ``.workshop/`` and running stack are never touched.
- ``local_stack`` starts the stack once and stops it at the end, so the suite needs
  nothing running beforehand and leaves nothing behind (the notebooks find it
  running; ``05_cleanup`` stops it early, which is fine).
- every notebook cell's outputs, and every log the stack wrote so far, are scanned
  for tokens and client secrets after the cell runs: a leak fails that very cell. So
  does a traceback a cell printed to stderr (an error swallowed in a background
  thread would otherwise let a checkpoint pass).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers.local import stack
from helpers.mode import local_environment
from tests.leaks import client_secrets, find_leaks, scan_files

# Away from the lab's default block, so tests and a running workshop can coexist.
TEST_PORT_BASE = "18440"
_SESSION_ENV = ("AGENTCORE_WORKSHOP_HOME", "AGENTCORE_LOCAL_PORT_BASE")
_saved_env: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    _saved_env.update({name: os.environ.get(name) for name in _SESSION_ENV})
    os.environ["AGENTCORE_WORKSHOP_HOME"] = tempfile.mkdtemp(prefix="workshop-tests-")
    os.environ["AGENTCORE_LOCAL_PORT_BASE"] = os.environ.get("TEST_PORT_BASE", TEST_PORT_BASE)


def pytest_unconfigure(config: pytest.Config) -> None:
    home = Path(os.environ["AGENTCORE_WORKSHOP_HOME"])
    stack.down(home)  # in case a notebook started the stack and failed before 05
    shutil.rmtree(home, ignore_errors=True)
    for name, value in _saved_env.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def workshop_home() -> Path:
    return Path(os.environ["AGENTCORE_WORKSHOP_HOME"])


@pytest.fixture(scope="session")
def local_stack(workshop_home: Path) -> Iterator[stack.StackStatus]:
    """A running local stack, with this process's AWS and TLS settings pointed at it."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("AWS_PROFILE", raising=False)
        status = stack.up(workshop_home)
        for name, value in local_environment(status).items():
            patch.setenv(name, value)
        try:
            yield status
        finally:
            stack.down(workshop_home)


def _is_notebook_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield
    if _is_notebook_cell(item):
        home = Path(os.environ["AGENTCORE_WORKSHOP_HOME"])
        state = stack.read_state(home)
        secrets = client_secrets(state["aws_endpoint_url"], state["region"]) if state else {}
        cell_outputs = getattr(item, "test_outputs", None) or []
        leaks = [f"cell output: {what}" for what in find_leaks(json.dumps(cell_outputs), secrets)]
        leaks += scan_files((home / "stack" / "logs").glob("*.log"), secrets)
        assert not leaks, f"secret material leaked: {leaks}"
        tracebacks = [
            output.get("text", "")
            for output in cell_outputs
            if output.get("name") == "stderr" and "Traceback (most recent call last)" in str(output)
        ]
        assert not tracebacks, f"the cell printed a traceback:\n{tracebacks[0]}"
    return result
