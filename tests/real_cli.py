"""A pytest plugin: the real ``agentcore`` CLI runs the contract corpus while the suite runs.

Each run of the real CLI costs two to three seconds of CPU (it loads an 8 MB bundle
before it reads a single file), minutes for the whole corpus on two cores, and the CLI
cannot run more than one command per process. So the runs start in the background as
soon as the tests are collected (:class:`tests.cli_corpus.RealRuns`, at the lowest CPU
priority until a result is awaited), and the tests marked ``real_cli``, which compare a
run with its recording, are moved to the end of the session.
"""

from __future__ import annotations

import pytest

from helpers.tooling import agentcore_cli
from tests.cli_corpus import RealRuns

MARK = "real_cli"
_RUNS = pytest.StashKey[RealRuns]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARK}: compares a recording with a run of the real agentcore CLI"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A stable sort: the real CLI's comparisons go last, in their own order.
    items.sort(key=lambda item: item.get_closest_marker(MARK) is not None)


def pytest_collection_finish(session: pytest.Session) -> None:
    wanted = any(item.get_closest_marker(MARK) for item in session.items)
    if wanted and agentcore_cli.installed():
        session.config.stash[_RUNS] = RealRuns(agentcore_cli.executable())


def pytest_unconfigure(config: pytest.Config) -> None:
    runs = config.stash.get(_RUNS, None)
    if runs is not None:
        runs.stop()


@pytest.fixture(scope="session")
def real_cli(request: pytest.FixtureRequest) -> RealRuns:
    """The real CLI's runs; a test asking for them is skipped where the CLI is not installed."""
    runs = request.config.stash.get(_RUNS, None)
    if runs is None:
        pytest.skip(f"the real agentcore CLI is not installed. {agentcore_cli.INSTALL_HINT}")
    return runs
