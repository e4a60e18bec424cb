"""Shared set-up for the whole suite: one working-state folder, one local stack, fixtures.

- ``pytest_configure`` gives the session its own working-state folder, project
  folder and port block, in the environment, before anything starts: the stack, the CLI under test
  and the notebook kernels nbval starts all inherit it, so a learner's own
  ``.workshop/`` and running stack are never touched.
- ``local_stack`` starts the stack and ``pytest_unconfigure`` stops it, so the suite
  needs nothing running beforehand and leaves nothing behind (the notebooks find it
  running; ``05_cleanup`` stops it early, and the next module that needs it starts it).
- ``finished_workshop`` deploys the workshop's end state from a fresh copy of
  ``agent/``, once per test module, and removes it afterwards.
- every notebook cell's outputs, and every log the stack wrote so far, are scanned
  for tokens, client secrets and the users' passwords after the cell runs: a leak
  fails that very cell. So does a traceback a cell printed to stderr (an error
  swallowed in a background thread would otherwise let a checkpoint pass).

Plain helpers and the workshop's constants are in ``tests/support.py``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from helpers.emulator import stack
from helpers.emulator.client import ControlClient
from helpers.emulator.core.state import StackLayout, StackState
from helpers.kit import steps
from helpers.kit.backends.local import LocalBackend
from helpers.kit.settings import WorkshopSettings, load_settings
from tests.leaks import find_leaks, scan_files, stack_secrets
from tests.support import (
    DEFAULT_TEST_PORT_BASE,
    FinishedWorkshop,
    set_up_clients_afresh,
    start_stack,
)

# The real agentcore CLI runs the contract corpus in the background (tests/real_cli.py).
pytest_plugins = ["tests.real_cli"]

_SESSION_ENV = (
    "AGENTCORE_WORKSHOP_HOME",
    "AGENTCORE_LOCAL_HOME",
    "AGENTCORE_LOCAL_PORT_BASE",
    "AGENTCORE_WORKSHOP_PROJECT",
    "WORKSHOP_LANG",
    "AGENTCORE_LOCAL_MODEL_ENDPOINT",
    "AGENTCORE_LOCAL_MODEL_NAME",
)
_saved_env: dict[str, str | None] = {}


def pytest_configure(config: pytest.Config) -> None:
    _saved_env.update({name: os.environ.get(name) for name in _SESSION_ENV})
    home = tempfile.mkdtemp(prefix="workshop-tests-")
    # The kit's working state and the stack's are one folder, as under `make lab`.
    os.environ["AGENTCORE_WORKSHOP_HOME"] = os.environ["AGENTCORE_LOCAL_HOME"] = home
    # The learner's project too: never the repository's own my-project/.
    os.environ["AGENTCORE_WORKSHOP_PROJECT"] = os.path.join(home, "project")
    # Tests read English unless they choose a language; a notebook edition's kernel
    # speaks its folder's language (helpers.basics.i18n).
    os.environ.pop("WORKSHOP_LANG", None)
    # The scripted model is the tests' model, whatever real one this shell may point at.
    os.environ.pop("AGENTCORE_LOCAL_MODEL_ENDPOINT", None)
    os.environ.pop("AGENTCORE_LOCAL_MODEL_NAME", None)
    port_base = os.environ.get("TEST_PORT_BASE", DEFAULT_TEST_PORT_BASE)
    os.environ["AGENTCORE_LOCAL_PORT_BASE"] = port_base


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


@pytest.fixture(scope="module")
def local_stack(workshop_home: Path) -> Iterator[StackState]:
    """The running local stack, and this process's AWS and TLS settings pointed at it.

    Started by the first module that needs it and stopped when the session ends. Per
    module rather than per session because notebook 05 stops the stack: a module after
    it finds the stack started again.
    """
    with pytest.MonkeyPatch.context() as patch:
        yield start_stack(workshop_home, patch)


@pytest.fixture(scope="module")
def control(local_stack: StackState, workshop_home: Path) -> ControlClient:
    return stack.control(workshop_home)


@pytest.fixture(scope="module")
def backend(local_stack: StackState, workshop_home: Path) -> LocalBackend:
    return LocalBackend(workshop_home)


@pytest.fixture(scope="module")
def settings(local_stack: StackState) -> WorkshopSettings:
    return load_settings(boto3.client("ssm"))


@pytest.fixture(scope="module")
def finished_workshop(
    backend: LocalBackend, settings: WorkshopSettings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FinishedWorkshop]:
    """The finished workshop, deployed from a fresh copy of ``agent/``; removed afterwards."""
    folder = tmp_path_factory.mktemp("finished-workshop") / "project"
    steps.fresh_project(folder)
    steps.prepare(folder, settings, backend, through_step=steps.LAST_STEP)
    yield FinishedWorkshop(folder, backend, settings)
    backend.remove_all(folder).raise_for_failure()
    backend.deploy(folder).raise_for_failure()


# The stack this process's clients were last set up for (its key and endpoint).
_clients_set_up_for: tuple[str | None, ...] = ()


@pytest.fixture(autouse=True)
def _clients_follow_the_stack_in_use() -> Iterator[None]:
    """Point boto3's default session and the kit's tokens at the stack the env names now.

    Both keep what they first read. A test or a module with a stack of its own points this
    process at it and, when done, back at the session's stack: in whatever order the tests
    run, the next one must not sign with the other stack's key or send its tokens.
    """
    global _clients_set_up_for
    stack_in_use = tuple(
        os.environ.get(name) for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "SSL_CERT_FILE")
    )
    if stack_in_use != _clients_set_up_for:
        set_up_clients_afresh()
        _clients_set_up_for = stack_in_use
    session = boto3.DEFAULT_SESSION
    yield
    if boto3.DEFAULT_SESSION is not session:  # the test set them up for a stack of its own
        _clients_set_up_for = ()


def _is_notebook_cell(item: pytest.Item) -> bool:
    return type(item).__name__ == "IPyNbCell"


# Each item's place in the order pytest collected it (files by name, cells top to bottom).
_collected: dict[str, int] = {}


def pytest_itemcollected(item: pytest.Item) -> None:
    _collected.setdefault(item.nodeid, len(_collected))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The notebooks' cells last, in file and cell order, however the tests are shuffled.

    pytest-randomly runs the test modules, and the tests in each, in a new order every
    run, which finds a test that leans on another's leftovers; a notebook's cells build on
    each other as the learner's do, and notebook 01 on 00, so they keep their order.
    """
    cells = sorted(
        (item for item in items if _is_notebook_cell(item)),
        key=lambda item: _collected[item.nodeid],
    )
    items[:] = [item for item in items if not _is_notebook_cell(item)] + cells


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield
    if _is_notebook_cell(item):
        layout = StackLayout(Path(os.environ["AGENTCORE_WORKSHOP_HOME"]))
        running = stack.read_state(layout.home) is not None
        secrets = stack_secrets(layout.home) if running else {}
        cell_outputs = getattr(item, "test_outputs", None) or []
        leaks = [f"cell output: {what}" for what in find_leaks(json.dumps(cell_outputs), secrets)]
        leaks += scan_files(layout.log_dir.glob("*.log"), secrets)
        assert not leaks, f"secret material leaked: {leaks}"
        tracebacks = [
            output.get("text", "")
            for output in cell_outputs
            if output.get("name") == "stderr" and "Traceback (most recent call last)" in str(output)
        ]
        assert not tracebacks, f"the cell printed a traceback:\n{tracebacks[0]}"
    return result
