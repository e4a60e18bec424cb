"""``make test``: the whole suite on both cores, as two pytest runs side by side.

The notebooks run in order on one stack, as a learner takes them, together with the
tests that start notebooks or tools of their own; every other test module runs in the
second group. Each run has its own working-state folder, stack and port block (the
root ``conftest.py`` makes them), so neither waits on the other. Each group's output is
printed when it ends, and the exit status is the worse of the two.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers.kit.paths import REPO_ROOT

# Test files that belong with the notebooks: about as long as the rest together.
BESIDE_THE_NOTEBOOKS = (
    "tests/test_notebook_alone.py",
    "tests/test_static_checks.py",
    "tests/test_browser.py",
    "tests/test_shell_route.py",
)
GROUPS: dict[str, list[str]] = {
    "notebooks": ["notebooks", *BESIDE_THE_NOTEBOOKS],
    "tests": ["tests", *(f"--ignore={path}" for path in BESIDE_THE_NOTEBOOKS)],
}
# Each group's stacks prefer their own port block; TEST_PORT_BASE moves both, so two
# checkouts can run their suites at once.
FIRST_PORT_BASE = int(os.environ.get("TEST_PORT_BASE", "18440"))
PORT_BASES = {"notebooks": str(FIRST_PORT_BASE), "tests": str(FIRST_PORT_BASE + 100)}


def main(extra: list[str]) -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="suite-") as scratch:
        runs = {}
        for name, arguments in GROUPS.items():
            output = (Path(scratch) / f"{name}.log").open("w")
            runs[name] = (
                subprocess.Popen(
                    [sys.executable, "-m", "pytest", *arguments, *extra],
                    cwd=REPO_ROOT,
                    env={**os.environ, "TEST_PORT_BASE": PORT_BASES[name]},
                    stdout=output,
                    stderr=subprocess.STDOUT,
                ),
                output,
            )
        print(f"running {' and '.join(GROUPS)} side by side...", flush=True)
        worst = 0
        for name, (process, output) in runs.items():
            status = process.wait()
            output.close()
            elapsed = time.monotonic() - started
            print(f"===== {name}: exit {status} after {elapsed:.0f} s =====", flush=True)
            print(Path(output.name).read_text(), flush=True)
            worst = max(worst, status)
    return worst


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
