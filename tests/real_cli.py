"""A pytest plugin: the real ``agentcore`` CLI runs the contract corpus while the suite runs.

Each run of the real CLI costs two to three seconds of CPU (it loads an 8 MB bundle
before it reads a single file), minutes for the whole corpus on two cores, and the CLI
cannot run more than one command per process. So the runs start in the background as
soon as the tests are collected (:class:`tests.cli_corpus.RealRuns`, at the lowest CPU
priority until a result is awaited), and the tests marked ``real_cli``, which compare a
run with its recording, are moved to the end of the session. On a fresh checkout the
CLI is installed the same way first, where npm is on the machine (half a minute to a
minute of npm that the other tests hide); without npm those tests are skipped, saying
how to install it.
"""

from __future__ import annotations

import pytest

from helpers.tooling import agentcore_cli
from tests.cli_corpus import Case, RealRuns

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
    # Only what the selected tests compare runs (their ``case`` or ``argv`` parameter).
    wanted = [
        item.callspec.params
        for item in session.items
        if item.get_closest_marker(MARK) and isinstance(item, pytest.Function)
    ]
    if wanted and (agentcore_cli.installed() or agentcore_cli.npm_available()):
        session.config.stash[_RUNS] = RealRuns(
            lambda prefix: agentcore_cli.install(say=_unsaid, prefix=prefix),
            cases=[case for params in wanted if isinstance(case := params.get("case"), Case)],
            usage=[argv for params in wanted if isinstance(argv := params.get("argv"), tuple)],
        )


def _unsaid(message: str) -> None:
    """An install in the background keeps quiet; a failure reaches the tests as an error."""


def pytest_unconfigure(config: pytest.Config) -> None:
    runs = config.stash.get(_RUNS, None)
    if runs is not None:
        runs.stop()


@pytest.fixture(scope="session")
def real_cli(request: pytest.FixtureRequest) -> RealRuns:
    """The real CLI's runs; a test asking for them is skipped where the CLI is not installed."""
    runs = request.config.stash.get(_RUNS, None)
    if runs is None:
        pytest.skip(
            "the real agentcore CLI is not installed and npm is not on PATH. "
            + agentcore_cli.INSTALL_HINT
        )
    return runs
