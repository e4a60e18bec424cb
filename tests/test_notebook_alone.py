"""A notebook opened first, on a machine where nothing ran before, still works, and again.

nbval runs the notebooks in order on one stack; this runs notebooks on their own, in a
fresh working-state folder with its own stack, the way a learner who starts there
would: notebook 03's first cell must bring the stack and the project to step 2.
Notebook 04 is run twice: its last section makes step 4, and its checkpoints must
still pass when the learner runs the whole notebook again on what the first run left
(step 4 done, memories kept).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.output_widget import OutputWidget

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


class _HeadlessOutputWidget(OutputWidget):
    """nbclient's stand-in for an ``ipywidgets.Output``, without its echo to the kernel.

    For each output it captures, nbclient's stand-in sends the widget's new state back
    to the kernel on the shell socket, from inside its IOPub handler, as a plain blocking
    send (jupyter_client's ``Session.send`` unwraps the asyncio socket). That send
    processes the socket's pending ZMQ commands, so it can swallow the edge-triggered
    wake-up of an ``execute_reply`` that has just arrived: the asyncio poll waiting for
    the reply then sleeps out the whole cell timeout (300 s), finds the reply on its
    last look, and the cell passes 300 s late (notebook 04's ``views.browser``). No one
    reads that state here; the outputs are still captured as before.
    """

    def _publish_msg(self, *args: object, **kwargs: object) -> None:
        pass


def _run(name: str) -> str:
    """Run notebook ``name`` in a new kernel; what its cells printed."""
    notebook = nbformat.read(REPO_ROOT / "notebooks" / name, as_version=4)
    client = NotebookClient(
        notebook, timeout=300, resources={"metadata": {"path": str(REPO_ROOT / "notebooks")}}
    )
    client.widget_registry = {"@jupyter-widgets/output": {"OutputModel": _HeadlessOutputWidget}}
    client.execute()  # raises CellExecutionError, with the failing cell, on any error
    return "".join(
        output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
    )


def test_notebook_03_runs_alone_from_nothing(fresh_home: Path) -> None:
    printed = _run("03_mcp_client_auth.ipynb")
    assert "checkpoint passed: the warranty check works end to end" in printed
    assert (fresh_home / "project" / "agentcore" / "agentcore.json").exists()


def test_notebook_04_runs_alone_and_again(fresh_home: Path) -> None:
    first = _run("04_observability_traffic.ipynb")
    assert "(step 4: " in first  # the "do it for me" cell made step 4, naming the backups
    again = _run("04_observability_traffic.ipynb")
    assert "(step 4" not in again  # step 4 passes its checks: nothing replaced
    for printed in (first, again):
        assert printed.count("✅ checkpoint passed") == 9, printed
        assert "a later session remembers the signed-in user's name" in printed
        assert "a signed-in user's warranty check goes through the Gateway" in printed
