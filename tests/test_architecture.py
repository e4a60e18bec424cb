"""The rooms of ``helpers`` and the one-way arrows between them (ARCHITECTURE.md).

- ``helpers.basics`` (the learner's language, the error root) is the leaf under every room.
- ``helpers.model`` (the ``agentcore.json`` model) and ``helpers.wire`` (the contracts on
  the wire: invoke, SSE, spans, refusal reasons) import only the basics, not each other.
- ``helpers.emulator`` (the local AgentCore) imports those three and nothing else, so it
  can run any AgentCore project, not only this workshop's. Its ``core`` (state, ports,
  servers, TLS, credentials) imports none of its parts.
- ``helpers.kit`` (the notebook kit) imports those three, and reaches the emulator only
  through its local backend, ``helpers.kit.backends.local``.
- ``helpers.tooling`` (``make bench`` and friends) may import any room; no room imports it.
- ``helpers`` itself only re-exports the kit's public surface for the notebooks, and
  ``_`` from ``helpers.basics.i18n`` (the learner's language, which every room shares).
- The learner's agent (``agent/``) imports nothing of ``helpers``: it is deployed alone.

Every import counts, including those inside functions.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import REPO_ROOT

HELPERS = REPO_ROOT / "helpers"
BRIDGE = "helpers.kit.backends.local"
# What the notebooks' surface (helpers/__init__.py) re-exports from.
SURFACE_SOURCES = ("helpers.kit", "helpers.basics.i18n")
LEAVES = ("helpers.basics", "helpers.model", "helpers.wire")
ALLOWED: dict[str, tuple[str, ...]] = {
    "helpers.basics": ("helpers.basics",),
    "helpers.model": ("helpers.basics", "helpers.model"),
    "helpers.wire": ("helpers.basics", "helpers.wire"),
    "helpers.emulator": (*LEAVES, "helpers.emulator"),
    "helpers.kit": (*LEAVES, "helpers.kit"),
    "helpers.tooling": ("helpers",),
}
# Rules inside a room: what a part of it may use of the room itself.
EMULATOR_CORE = "helpers.emulator.core"


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> Iterator[str]:
    """Every module ``path`` imports, absolute, relative ones resolved."""
    package = _module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            yield base
            # ``from helpers.kit import tokens`` imports the module helpers.kit.tokens.
            yield from (f"{base}.{alias.name}" for alias in node.names)


def _room(module: str) -> str | None:
    return next((room for room in ALLOWED if module == room or module.startswith(room + ".")), None)


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _helpers_modules() -> list[Path]:
    return sorted(HELPERS.rglob("*.py"))


@pytest.mark.parametrize("path", _helpers_modules(), ids=lambda p: _module_name(p))
def test_imports_point_one_way(path: Path) -> None:
    importer = _module_name(path)
    room = _room(importer)
    wrong = []
    for imported in _imports(path):
        if not _within(imported, "helpers") or imported == "helpers":
            continue
        if room is None:  # helpers/__init__.py: the notebooks' surface
            if not any(_within(imported, source) for source in SURFACE_SOURCES):
                wrong.append(imported)
            continue
        if _within(imported, "helpers.tooling") and room != "helpers.tooling":
            wrong.append(imported)
            continue
        if room == "helpers.kit" and _within(imported, "helpers.emulator"):
            if importer != BRIDGE:
                wrong.append(f"{imported} (only {BRIDGE} may reach the emulator)")
            continue
        if not any(_within(imported, allowed) for allowed in ALLOWED[room]):
            wrong.append(imported)
            continue
        if (
            _within(importer, EMULATOR_CORE)
            and _within(imported, "helpers.emulator")
            and not _within(imported, EMULATOR_CORE)
        ):
            wrong.append(f"{imported} (the emulator's core uses none of its parts)")
    assert not wrong, f"{importer} ({room or 'helpers'}) must not import: {sorted(set(wrong))}"


def test_every_module_lives_in_a_room() -> None:
    loose = [
        _module_name(path)
        for path in _helpers_modules()
        if _room(_module_name(path)) is None and _module_name(path) != "helpers"
    ]
    assert not loose


@pytest.mark.parametrize("package", sorted({p.parent for p in HELPERS.rglob("__init__.py")}))
def test_every_room_says_what_lives_there(package: Path) -> None:
    docstring = ast.get_docstring(ast.parse((package / "__init__.py").read_text()))
    assert docstring, f"{package.relative_to(REPO_ROOT)}/__init__.py has no docstring"


def test_the_learners_agent_imports_nothing_of_the_kit() -> None:
    agent_files = sorted((REPO_ROOT / "agent").rglob("*.py"))
    assert agent_files
    for path in agent_files:
        reached = [name for name in _imports(path) if _within(name, "helpers")]
        assert not reached, f"{path.relative_to(REPO_ROOT)} imports {reached}"


def test_the_notebook_surface_resolves_every_name_it_lists() -> None:
    import helpers

    assert sorted(helpers.__all__) == sorted(helpers._SURFACE)
    for name in helpers.__all__:
        assert getattr(helpers, name) is not None, name
