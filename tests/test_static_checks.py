"""Lint, format and types are part of the suite, so a change cannot land without them.

mypy checks the kit and the tests with the settings in ``pyproject.toml``, and the
learner's agent as the Runtime runs it: from its own code location, at the start of
the module and with each code step's solution copied over.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import REPO_ROOT

AGENT_CODE = REPO_ROOT / "agent" / "app" / "CustomerSupport"
SOLUTIONS = REPO_ROOT / "agent" / "solutions"
# Each step's solution files, copied over the start state in order (step 4 keeps step 3's).
STEP_SOLUTIONS = {
    "start": (),
    "step 3": ("03_mcp_client_auth",),
    "step 4": ("03_mcp_client_auth", "04_memory_actor"),
}


def _run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_the_code_is_ruff_clean() -> None:
    for command in (("check", "."), ("format", "--check", ".")):
        result = _run("ruff", *command, cwd=REPO_ROOT)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_kit_and_its_tests_type_check() -> None:
    result = _run("mypy", cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("step", list(STEP_SOLUTIONS))
def test_the_learners_agent_type_checks(step: str, tmp_path: Path) -> None:
    code = tmp_path / "CustomerSupport"
    shutil.copytree(AGENT_CODE, code, ignore=shutil.ignore_patterns("__pycache__"))
    for solution in STEP_SOLUTIONS[step]:
        source = SOLUTIONS / solution / "app" / "CustomerSupport"
        shutil.copytree(source, code, dirs_exist_ok=True)
    result = _run(
        "mypy",
        "--python-version=3.11",
        "--disallow-untyped-defs",
        f"--cache-dir={REPO_ROOT / '.mypy_cache'}",
        ".",
        cwd=code,
    )
    assert result.returncode == 0, result.stdout + result.stderr
