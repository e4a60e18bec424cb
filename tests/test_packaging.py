"""What the kit installs: every import declared, one set of pins, and the two commands.

- the local stack installs alone: every third-party module the emulator and the leaves
  under it import is a dependency, and the emulator's modules import with the notebook
  kit's extra absent; what the kit, the tooling and the notebooks import more is the
  ``kit`` extra; every one the tests import is a dependency or an extra; the learner's
  agent declares its own in its ``pyproject.toml``, as the Runtime installs it;
- ``constraints.txt`` pins every declared dependency, within its declared range;
- ``environment.yml`` installs what ``make lab`` does, so conda users (and Binder) get the
  same versions.
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import json
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support import REPO_ROOT

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
AGENT_CODE = REPO_ROOT / "agent" / "app" / "CustomerSupport"
# The agent's own top-level packages, imported as the Runtime runs it from its folder.
AGENT_PACKAGES = {path.name for path in AGENT_CODE.iterdir() if path.is_dir()} | {"main"}


def _requirements(names: Iterable[str]) -> dict[str, Requirement]:
    parsed = (Requirement(name) for name in names)
    return {canonicalize_name(requirement.name): requirement for requirement in parsed}


PROJECT_NAME = canonicalize_name(PYPROJECT["project"]["name"])
RUNTIME = _requirements(PYPROJECT["project"]["dependencies"])
# Each extra's own requirements; `lab` also names the project's `kit` extra, left out here.
EXTRAS = {
    extra: {
        name: requirement
        for name, requirement in _requirements(names).items()
        if name != PROJECT_NAME
    }
    for extra, names in PYPROJECT["project"]["optional-dependencies"].items()
}
# The rooms `pip install .` must serve alone: agentcore-local and the leaves it stands on.
STACK_ROOMS = ("basics", "model", "wire", "emulator")
CONSTRAINTS = {
    canonicalize_name(name): version
    for name, _, version in (
        line.partition("==")
        for line in (REPO_ROOT / "constraints.txt").read_text().splitlines()
        if line and not line.startswith("#")
    )
}


@functools.cache
def _providers() -> Mapping[str, list[str]]:
    return importlib.metadata.packages_distributions()


def _depth_provided(distribution: str, parts: list[str]) -> int:
    """How many leading parts of a dotted module name the distribution's files hold."""
    files = {
        Path(str(file)).with_suffix("").as_posix()
        for file in importlib.metadata.files(distribution) or ()
    }
    folders = {str(Path(file).parent.as_posix()) for file in files}
    for depth in range(len(parts), 0, -1):
        prefix = "/".join(parts[:depth])
        if prefix in files or prefix in folders:
            return depth
    return 0


def _distribution_of(module: str) -> str:
    """The distribution that installed ``module``.

    ``opentelemetry`` and ``google`` are namespaces several distributions share: there
    the one whose files hold the longest part of the module's name wins.
    """
    parts = module.split(".")
    candidates = _providers().get(parts[0], [parts[0]])
    best = max(candidates, key=lambda candidate: _depth_provided(candidate, parts))
    return canonicalize_name(best)


def _imported_distributions(paths: Iterable[Path], own: set[str]) -> dict[str, set[str]]:
    """Third-party distributions the files import, each with the files that import it."""
    found: dict[str, set[str]] = {}
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top in sys.stdlib_module_names or top in own or top == "__future__":
                    continue
                found.setdefault(_distribution_of(module), set()).add(str(path))
    return found


def _undeclared(imported: dict[str, set[str]], declared: set[str]) -> list[str]:
    return sorted(
        f"{name} (in {sorted(files)[0]})"
        for name, files in imported.items()
        if name not in declared
    )


def _room_files(*rooms: str) -> list[Path]:
    return [path for room in rooms for path in (REPO_ROOT / "helpers" / room).rglob("*.py")]


def test_every_import_of_the_local_stack_is_a_dependency() -> None:
    imported = _imported_distributions(_room_files(*STACK_ROOMS), {"helpers"})
    assert not _undeclared(imported, set(RUNTIME))


def test_every_import_of_the_notebook_kit_is_a_dependency_or_the_kit_extra() -> None:
    files = [*_room_files("kit", "tooling"), REPO_ROOT / "helpers" / "__init__.py"]
    imported = _imported_distributions(files, {"helpers"})
    assert not _undeclared(imported, set(RUNTIME) | set(EXTRAS["kit"]))


def test_every_import_of_the_notebooks_is_a_dependency_or_the_kit_extra(tmp_path: Path) -> None:
    code = tmp_path / "cells.py"
    code.write_text(
        "\n".join(
            "".join(cell["source"])
            for notebook in (REPO_ROOT / "notebooks").rglob("*.ipynb")
            for cell in json.loads(notebook.read_text())["cells"]
            if cell["cell_type"] == "code"
        )
    )
    imported = _imported_distributions([code], {"helpers"})
    assert "requests" in imported  # notebook 01 shows the bare HTTP call with it
    assert not _undeclared(imported, set(RUNTIME) | set(EXTRAS["kit"]))


def test_the_local_stack_imports_without_the_kit_extra() -> None:
    """Every module of the stack's rooms imports where the ``kit`` extra is not installed."""
    stack_install = _installed_with(RUNTIME.values())
    absent = sorted({_top_module(name) for name in EXTRAS["kit"] if name not in stack_install})
    assert "IPython" in absent and "ipywidgets" in absent
    script = (
        "import importlib, pkgutil, sys\n"
        f"for name in {absent!r}:\n"
        "    sys.modules[name] = None  # as if not installed: importing it fails\n"
        f"for room in {STACK_ROOMS!r}:\n"
        "    package = importlib.import_module('helpers.' + room)\n"
        "    for module in pkgutil.walk_packages(package.__path__, package.__name__ + '.'):\n"
        "        importlib.import_module(module.name)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]


def _installed_with(requirements: Iterable[Requirement]) -> set[str]:
    """Every distribution installing ``requirements`` brings, theirs included, extras honoured."""
    found: set[str] = set()
    pending = [(requirement, frozenset(requirement.extras)) for requirement in requirements]
    while pending:
        requirement, extras = pending.pop()
        name = canonicalize_name(requirement.name)
        if name in found:
            continue
        found.add(name)
        for line in importlib.metadata.requires(name) or ():
            needed = Requirement(line)
            wanted = needed.marker is None or any(
                needed.marker.evaluate({"extra": extra}) for extra in extras or {""}
            )
            if wanted:
                pending.append((needed, frozenset(needed.extras)))
    return found


def _top_module(distribution: str) -> str:
    """The top-level module a distribution installs (``ipython`` → ``IPython``)."""
    tops = [
        top
        for top, names in _providers().items()
        if distribution in {canonicalize_name(name) for name in names}
    ]
    assert tops, distribution
    # matplotlib also installs pylab and mpl_toolkits: its own name comes first.
    return min(tops, key=lambda top: (canonicalize_name(top) != distribution, len(top)))


def test_every_import_of_the_tests_is_a_dependency_or_an_extra() -> None:
    files = [*(REPO_ROOT / "tests").rglob("*.py"), REPO_ROOT / "conftest.py"]
    imported = _imported_distributions(files, {"helpers", "tests", "conftest"})
    assert not _undeclared(imported, set(RUNTIME) | set(EXTRAS["kit"]) | set(EXTRAS["dev"]))


def test_every_import_of_the_agent_is_in_its_own_pyproject() -> None:
    agent = tomllib.loads((AGENT_CODE / "pyproject.toml").read_text())
    declared = set(_requirements(agent["project"]["dependencies"]))
    imported = _imported_distributions(AGENT_CODE.rglob("*.py"), AGENT_PACKAGES)
    assert not _undeclared(imported, declared)


@pytest.mark.parametrize(
    "requirement",
    [*RUNTIME.values(), *(r for extra in EXTRAS.values() for r in extra.values())],
    ids=str,
)
def test_constraints_pin_every_declared_dependency_within_its_range(
    requirement: Requirement,
) -> None:
    pinned = CONSTRAINTS.get(canonicalize_name(requirement.name))
    assert pinned is not None, f"constraints.txt does not pin {requirement.name}"
    assert requirement.specifier.contains(pinned, prereleases=True), (requirement, pinned)


def test_environment_yml_installs_the_same_pins() -> None:
    environment = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    pip_section = next(
        item["pip"] for item in environment["dependencies"] if isinstance(item, dict)
    )
    assert pip_section == ["-c constraints.txt", "-e .[lab]"]


def test_ci_runs_the_readme_test_command() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert "make test" in readme and "make lab" in readme
    assert (REPO_ROOT / ".ci" / "run").read_text().strip().endswith("exec make test")
