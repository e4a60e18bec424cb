"""The two dependency lists (pip and conda) must not drift apart."""

from __future__ import annotations

import subprocess
import sys
import tomllib

import yaml

from helpers.kit.paths import REPO_ROOT


def test_environment_yml_lists_the_pyproject_dependencies() -> None:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    environment = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    pip_section = next(
        item["pip"] for item in environment["dependencies"] if isinstance(item, dict)
    )
    assert sorted(dep for dep in pip_section if dep != "-e .") == sorted(
        pyproject["project"]["dependencies"]
    )


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    assert (REPO_ROOT / ".ci" / "run").read_text().strip().endswith("exec make test")


def test_the_code_is_ruff_clean() -> None:
    """Lint and format are part of the suite, so a change cannot land unformatted."""
    ruff = [sys.executable, "-m", "ruff"]
    for command in (["check", "."], ["format", "--check", "."]):
        result = subprocess.run(
            [*ruff, *command], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr
