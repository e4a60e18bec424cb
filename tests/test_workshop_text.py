"""The workshop text's own words: its commands, catalog, prompts and code, in both editions.

The text is the lab this kit implements (``shared/reference/workshop-text/`` beside the
repository; its line breaks and indentation were flattened when it was captured, so
lines are compared stripped). Every shell command it gives must appear, as written, in a
``bash`` block of each edition's notebooks (``tests/test_shell_route.py`` runs those
blocks in a terminal), and every ``agentcore`` line must be accepted by ``ws.run`` with
the text's variables. The agent's catalog is the text's, and notebook 03 shows the
text's ``client.py`` and ``main.py`` as written.
"""

from __future__ import annotations

import ast
import importlib.util
import os
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest

from helpers.kit import command_line
from tests.support import REPO_ROOT

TEXT_FOLDER = REPO_ROOT.parent / "shared" / "reference" / "workshop-text"
EDITIONS = {"en": REPO_ROOT / "notebooks", "zh-CN": REPO_ROOT / "notebooks" / "zh-CN"}
# Where a shell command of the text starts: a comment it opens with, an assignment from a
# command substitution, an echo, or an agentcore command.
_COMMAND_START = re.compile(r"^(# Get a machine|[A-Z_]+=\$\(|echo |agentcore )")
_BASH_BLOCK = re.compile(r"```bash\n(.*?)```", re.DOTALL)
_PYTHON_BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
# Notebook 03 shows the text's main.py without its catalog (tool/catalog.py has it).
_ELIDED_CATALOG = ("# --- Customer Support Tools ---", "# Agent factory")


@pytest.fixture(scope="module")
def text() -> str:
    found = sorted(TEXT_FOLDER.glob("*.txt"))
    if not found:
        message = f"the workshop text is not in {TEXT_FOLDER}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found[0].read_text(encoding="utf-8")


def shell_commands(text: str) -> list[str]:
    """Each shell command of the text, its lines stripped, continuation lines included."""
    commands: list[list[str]] = []
    current: list[str] | None = None
    for line in (raw.strip() for raw in text.splitlines()):
        if current is not None:
            current.append(line)
            if not line.endswith("\\"):
                commands.append(current)
                current = None
        elif _COMMAND_START.match(line):
            if line.endswith("\\") or line.startswith("#"):
                current = [line]
            else:
                commands.append([line])
    return ["\n".join(command) for command in commands]


def _stripped(block: str) -> str:
    return "\n".join(line.strip() for line in block.splitlines() if line.strip())


def notebook_blocks(folder: Path, pattern: re.Pattern[str]) -> list[str]:
    """The fenced blocks of every notebook's markdown in ``folder``, lines stripped."""
    blocks = []
    for path in sorted(folder.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                blocks += [_stripped(block) for block in pattern.findall(cell.source)]
    return blocks


def test_the_text_has_the_commands_this_test_reads(text: str) -> None:
    commands = shell_commands(text)
    assert len(commands) == 29, commands
    assert sum(command.startswith("agentcore ") for command in commands) == 15


@pytest.mark.parametrize("edition", EDITIONS)
def test_every_shell_command_of_the_text_is_in_the_notebooks_as_written(
    text: str, edition: str
) -> None:
    shown = "\n\n".join(notebook_blocks(EDITIONS[edition], _BASH_BLOCK))
    missing = [command for command in shell_commands(text) if command not in shown]
    assert not missing, f"not in a bash block of the {edition} notebooks: {missing}"


def test_ws_run_reads_every_agentcore_line_of_the_text(text: str) -> None:
    variables: dict[str, command_line.Value] = {
        name: f"value-of-{name}" for name in command_line.WORKSHOP_VARIABLES
    }
    lines = [command for command in shell_commands(text) if command.startswith("agentcore ")]
    for line in lines:
        command_line.parse(line, variables)  # raises CommandLineError when it refuses one
    first_lines = [
        c.removeprefix(c.split("\n")[0] + "\n") if c.startswith("#") else c
        for c in shell_commands(text)
    ]
    assignments = {command_line.assigned_variable(line) for line in first_lines}
    assert {"SESSION_C", "SESSION_D", "SESSION_E", "TOKEN"} <= assignments


def test_ws_run_knows_the_texts_token_and_sessions_without_showing_the_token() -> None:
    fetched: list[str] = []

    def token() -> str:
        fetched.append("token")
        return "the-token"

    typed = command_line.parse(
        'agentcore invoke "Tell me about the USB-C Hub" \\\n'
        '--session-id $SESSION_D --bearer-token "$TOKEN" --stream',
        {"SESSION_D": "a" * 36, "TOKEN": token},
    )
    assert typed.options["bearer_token"] == "the-token" and typed.options["stream"]
    assert typed.options["session_id"] == "a" * 36 and fetched == ["token"]
    command_line.parse("agentcore validate", {"TOKEN": token})
    assert fetched == ["token"]  # a command without $TOKEN does not fetch one


def _literal_after(text: str, name: str) -> Any:
    """The dict literal the text assigns to ``name``, read from its flattened lines."""
    start = text.index(f"{name} = {{")
    lines = []
    for line in text[start + len(name) + 3 :].splitlines():
        lines.append(line)
        if line.strip() == "}":
            break
    return ast.literal_eval("\n".join(lines))


def _catalog() -> ModuleType:
    path = REPO_ROOT / "agent" / "app" / "CustomerSupport" / "tool" / "catalog.py"
    spec = importlib.util.spec_from_file_location("workshop_catalog", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_agents_catalog_is_the_texts(text: str) -> None:
    catalog = _catalog()
    assert _literal_after(text, "RETURN_POLICIES") == catalog.RETURN_POLICIES
    assert _literal_after(text, "PRODUCTS") == catalog.PRODUCTS


def test_the_four_traffic_prompts_are_the_texts(text: str) -> None:
    from helpers.kit.calling import traffic

    sent = re.findall(r'agentcore invoke "([^"]+)" \\\s*--session-id \$SESSION_D', text)
    assert list(traffic.WORKSHOP_PROMPTS) == sent


def _python_of(text: str, first: str, last: str) -> str:
    start = text.index(first)
    return _stripped(text[start : text.index(last, start) + len(last)])


@pytest.mark.parametrize("edition", EDITIONS)
def test_notebook_03_shows_the_texts_client_and_main_as_written(text: str, edition: str) -> None:
    shown = notebook_blocks(EDITIONS[edition], _PYTHON_BLOCK)
    client = _python_of(
        text, "import os\nimport logging", 'headers={"Authorization": auth_header}\n))'
    )
    main = _python_of(
        text, "from strands import Agent, tool", 'if __name__ == "__main__":\napp.run()'
    )
    catalog_start = main.index(_ELIDED_CATALOG[0])
    main_without_catalog = main[:catalog_start] + main[main.index(_ELIDED_CATALOG[1]) :]
    elided = [
        "\n".join(line for line in b.splitlines() if not line.startswith("# ...")) for b in shown
    ]
    assert client in shown, "notebook 03 does not show the text's client.py"
    assert main_without_catalog in elided, "notebook 03 does not show the text's main.py"
