"""``make test``: the whole suite on both cores, as two groups of pytest runs side by side.

The notebooks run in order on one stack, as a learner takes them, together with the
tests that start notebooks or tools of their own; then, in the same group, each other
edition's notebooks (``notebooks/zh-CN/``) in order, in a pytest run of their own. Every
other test module runs in the second group. Each pytest run has its own working-state
folder and stack, and each group its own port block (the root ``conftest.py`` makes
them), so neither group waits on the other. Each group's output is printed when it
ends, and the exit status is the worst of all runs.

Every run shuffles the order of its test modules and of the tests in each
(pytest-randomly; the seed is printed, ``--randomly-seed=N`` repeats it), while the
notebooks keep theirs (the root ``conftest.py``). Why not pytest-xdist's groups: the
notebooks group is two pytest sessions one after the other, English then each other
edition, each with a fresh stack and working state on the same port block, because an
edition's notebooks start from an account notebook 05 cleaned up; xdist runs one
session and its groups would need that sequence and a port block per worker rebuilt
here. Two processes side by side is what two cores give either way.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from helpers.basics.i18n import CATALOG_LOCALES
from helpers.kit.paths import REPO_ROOT

# Test files that belong with the notebooks: about as long as the rest together.
BESIDE_THE_NOTEBOOKS = (
    "tests/test_notebook_alone.py",
    "tests/test_browser.py",
    "tests/test_shell_route.py",
    "tests/test_room_of_three.py",
)
OTHER_EDITIONS = tuple(f"notebooks/{language}" for language in CATALOG_LOCALES)
# Each group is a list of pytest runs, one after the other.
GROUPS: dict[str, list[list[str]]] = {
    "notebooks": [
        [
            "notebooks",
            *(f"--ignore={edition}" for edition in OTHER_EDITIONS),
            *BESIDE_THE_NOTEBOOKS,
        ],
        *([edition] for edition in OTHER_EDITIONS),
    ],
    "tests": [["tests", *(f"--ignore={path}" for path in BESIDE_THE_NOTEBOOKS)]],
}
# Each run ends with its slowest tests: what to look at when the suite takes longer.
SLOWEST = ("--durations=8",)
# Each group's stacks prefer their own port block; TEST_PORT_BASE moves both, so two
# checkouts can run their suites at once.
FIRST_PORT_BASE = int(os.environ.get("TEST_PORT_BASE", "18440"))
PORT_BASES = {"notebooks": str(FIRST_PORT_BASE), "tests": str(FIRST_PORT_BASE + 100)}


def _run_group(name: str, extra: list[str], log: Path) -> int:
    """The group's pytest runs in order, all into ``log``; the worst exit status."""
    worst = 0
    with log.open("w") as output:
        for arguments in GROUPS[name]:
            worst = max(
                worst,
                subprocess.call(
                    [sys.executable, "-m", "pytest", *arguments, *SLOWEST, *extra],
                    cwd=REPO_ROOT,
                    env={**os.environ, "TEST_PORT_BASE": PORT_BASES[name]},
                    stdout=output,
                    stderr=subprocess.STDOUT,
                ),
            )
    return worst


def main(extra: list[str]) -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="suite-") as scratch, ThreadPoolExecutor() as pool:
        logs = {name: Path(scratch) / f"{name}.log" for name in GROUPS}
        runs = {name: pool.submit(_run_group, name, extra, logs[name]) for name in GROUPS}
        print(f"running {' and '.join(GROUPS)} side by side...", flush=True)
        worst = 0
        for name, run in runs.items():
            status = run.result()
            elapsed = time.monotonic() - started
            print(f"===== {name}: exit {status} after {elapsed:.0f} s =====", flush=True)
            print(logs[name].read_text(), flush=True)
            worst = max(worst, status)
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
