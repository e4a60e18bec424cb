"""A pytest plugin: the real ``agentcore`` CLI runs the contract corpus while the suite runs.

Each run of the real CLI costs two to three seconds of CPU (it loads an 8 MB bundle
before it reads a single file), and the CLI cannot run more than one command per process.
Its answers are recorded (``tests/fixtures/agentcore-cli/``), each stamped with the CLI's
version and the case's fingerprint, and the kit is compared with every recording on every
run; a live run proves something only where the pin or a case changed. So the tests
marked ``real_cli`` that compare a recording with a live run are kept only for

- the cases and usage questions whose recording is stale (missing, made from other
  inputs, or by another CLI version: :func:`tests.cli_corpus.stale_recordings`); they
  fail, saying why and how to record them again;
- a small rotating sample (:func:`tests.cli_corpus.live_sample`, every command each
  time), whose seed is the day unless ``--real-cli-seed N`` (or ``REAL_CLI_SEED=N``) is
  given, and is printed at the end of the session so a failure can be repeated;
- a comparison named on the command line by its node id;

and the others are deselected, unless ``--real-cli-all`` is given. Other ``real_cli``
tests (the stand-in's ``invoke`` against the live CLI, which has no recording) always run.
The runs start in the background as soon as the tests are collected
(:class:`tests.cli_corpus.RealRuns`, at the lowest CPU priority until a result is
awaited), and the comparisons are moved to the end of the session. On a fresh checkout
the CLI is installed the same way first, where npm is on the machine (half a minute to a
minute of npm that the other tests hide); without npm those tests are skipped, saying
how to install it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers.tooling import agentcore_cli
from tests.cli_corpus import SEED_ENV, Case, RealRuns, live_sample, stale_recordings, todays_seed

MARK = "real_cli"
_RUNS = pytest.StashKey[RealRuns]()
# What the session runs live, said at its end.
_SAID = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", f"{MARK}: compares a recording with a run of the real agentcore CLI"
    )


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--real-cli-all",
        action="store_true",
        help="compare every contract case with a run of the real agentcore CLI, "
        "not only the stale recordings and the rotating sample",
    )
    parser.addoption(
        "--real-cli-seed",
        type=int,
        default=None,
        help=f"the seed of the real agentcore CLI's rotating sample (default: ${SEED_ENV}, "
        "else the day's number); the session's summary prints the one it used",
    )


def seed(config: pytest.Config) -> int:
    """The sample's seed: the option, else the environment's, else the day's."""
    given = config.getoption("real_cli_seed")
    if given is not None:
        return int(given)
    from_env = os.environ.get(SEED_ENV, "").strip()
    return int(from_env) if from_env else todays_seed()


@pytest.hookimpl(trylast=True)  # after -k and -m: what they left is what may run live
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    recorded = [item for item in items if _run_of(item) is not None]
    if recorded and config.getoption("real_cli_all"):
        config.stash[_SAID] = f"live on all {len(recorded)} recorded runs (--real-cli-all)"
    elif recorded:
        chosen = seed(config)
        sample = live_sample(chosen)
        stale = stale_recordings()
        named = _named_on_the_command_line(config)
        live = {*sample, *stale}
        recorded_only = [
            item for item in recorded if _run_of(item) not in live and item.nodeid not in named
        ]
        if recorded_only:
            config.hook.pytest_deselected(items=recorded_only)
            items[:] = [item for item in items if item not in recorded_only]
        config.stash[_SAID] = (
            f"live on the sample of seed {chosen} ({', '.join(sample)}) and on "
            f"{len(stale)} stale recordings; {len(recorded_only)} comparisons left to their "
            f"recordings. The same sample again: --real-cli-seed {chosen} (or "
            f"{SEED_ENV}={chosen}); every case: --real-cli-all."
        )
    # A stable sort: the real CLI's comparisons go last, in their own order.
    items.sort(key=lambda item: item.get_closest_marker(MARK) is not None)


def _run_of(item: pytest.Item) -> str | None:
    """The recorded run a comparison is about: a corpus case by name, a usage question by
    its arguments joined; None for any other test (other ``real_cli`` tests included)."""
    if not item.get_closest_marker(MARK) or not isinstance(item, pytest.Function):
        return None
    params = item.callspec.params if hasattr(item, "callspec") else {}
    case, argv = params.get("case"), params.get("argv")
    if isinstance(case, Case):
        return case.name
    return " ".join(argv) if isinstance(argv, tuple) else None


def _named_on_the_command_line(config: pytest.Config) -> set[str]:
    """The node ids given as arguments (``path::test[id]``), as pytest spells them."""
    named = set()
    for arg in config.args:
        path, _, rest = arg.partition("::")
        if rest:
            relative = os.path.relpath(Path(config.invocation_params.dir, path), config.rootpath)
            named.add(f"{Path(relative).as_posix()}::{rest}")
    return named


def pytest_collection_finish(session: pytest.Session) -> None:
    # Only what the selected tests compare runs (their ``case`` or ``argv`` parameter).
    wanted = [
        item.callspec.params
        for item in session.items
        if item.get_closest_marker(MARK) and isinstance(item, pytest.Function)
    ]
    # A test that runs the CLI itself asks for the `real_cli` fixture: the CLI is installed for it.
    runs_it = any("real_cli" in getattr(item, "fixturenames", ()) for item in session.items)
    if (wanted or runs_it) and (agentcore_cli.installed() or agentcore_cli.npm_available()):
        session.config.stash[_RUNS] = RealRuns(
            lambda prefix: agentcore_cli.install(say=_unsaid, prefix=prefix),
            cases=[case for params in wanted if isinstance(case := params.get("case"), Case)],
            usage=[argv for params in wanted if isinstance(argv := params.get("argv"), tuple)],
        )


def _unsaid(message: str) -> None:
    """An install in the background keeps quiet; a failure reaches the tests as an error."""


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    said = terminalreporter.config.stash.get(_SAID, None)
    if said is not None:
        skipped = "" if _RUNS in terminalreporter.config.stash else " (not installed: skipped)"
        terminalreporter.write_line(f"real agentcore CLI {agentcore_cli.VERSION}{skipped}: {said}")


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
