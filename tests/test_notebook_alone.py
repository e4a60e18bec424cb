"""A notebook opened first, on a machine where nothing ran before, still works.

nbval runs the notebooks in order on one stack; this runs notebook 03 on its own,
in a fresh working-state folder with its own stack, the way a learner who starts at
step 3 would. Its first cell must bring the stack and the project to step 2.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from helpers.emulator import stack
from tests.support import REPO_ROOT, port_base_beside_the_suite

pytestmark = pytest.mark.stack


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working-state folder nothing has used; the kernel inherits it."""
    monkeypatch.setenv("AGENTCORE_WORKSHOP_HOME", str(tmp_path))
    monkeypatch.setenv("AGENTCORE_LOCAL_HOME", str(tmp_path))
    monkeypatch.setenv("AGENTCORE_WORKSHOP_PROJECT", str(tmp_path / "project"))
    monkeypatch.setenv("AGENTCORE_LOCAL_PORT_BASE", port_base_beside_the_suite(200))
    try:
        yield tmp_path
    finally:
        stack.down(tmp_path)


def test_notebook_03_runs_alone_from_nothing(fresh_home: Path) -> None:
    notebook = nbformat.read(REPO_ROOT / "notebooks" / "03_mcp_client_auth.ipynb", as_version=4)
    client = NotebookClient(
        notebook, timeout=300, resources={"metadata": {"path": str(REPO_ROOT / "notebooks")}}
    )
    client.execute()  # raises CellExecutionError, with the failing cell, on any error
    printed = "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
    )
    assert "checkpoint passed: the warranty check works end to end" in printed
    assert (fresh_home / "project" / "agentcore" / "agentcore.json").exists()
