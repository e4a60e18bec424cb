"""One workshop, two languages: every edition of a notebook has the English one's code.

``notebooks/`` is the English edition and ``notebooks/<language>/`` each other one. An
edition translates the text (markdown cells) and nothing else: the code cells are the
same, cell for cell and id for id, and the sections, checkpoints and the commands shown
in the text are the same too. So a change to one edition's code without the other's
fails here. And each translated cell records the English text it was translated from
(:mod:`helpers.tooling.editions`), so a change to the English text fails here until the
translation follows it. What the code prints is translated by the message catalogs (``_("…")``,
tests/test_translations.py), not in the notebook.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nbformat
import pytest

from helpers.basics.i18n import CATALOG_LOCALES
from helpers.tooling import editions
from tests.support import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"
ENGLISH = sorted(NOTEBOOKS.glob("*.ipynb"))
EDITIONS = [(language, path) for language in CATALOG_LOCALES for path in ENGLISH]
# What marks a checkpoint in each edition's text.
CHECKPOINT = {"en": "**Checkpoint:**", "zh-CN": "**检查点：**"}
# How a checkpoint's code cell checks (it prints "✅ checkpoint passed" in the learner's language).
CHECKPOINT_CALL = "ws.checkpoint("
_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_HEADING = re.compile(r"^(#{1,6}) ", re.MULTILINE)
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_SHELL_COMMENT = re.compile(r"(^|\s)#[^\n]*")
_ECHO = re.compile(r'echo "([^"]*)"')
_EXPANSION = re.compile(r"\$\{?#?\w+\}?")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# The learner's project is a copy of these folders of agent/, made at run time.
PROJECT = "my-project"


def _read(path: Path) -> Any:
    return nbformat.read(path, as_version=4)


def _ids(language: str, english: Path) -> str:
    return f"{language}/{english.name}"


def _markdown(notebook: Any) -> str:
    return "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")


def _outside_code(text: str) -> str:
    return _FENCE.sub("", text)


def _commands(text: str) -> list[tuple[str, str]]:
    """The fenced blocks of the text, with what may be translated in a shell block left out.

    A shell block's comments and the words around an ``echo``'s variables are text;
    the commands, their flags and the variables are the same in every edition.
    """
    blocks = []
    for language, body in _FENCE.findall(text):
        if language == "bash":
            body = _SHELL_COMMENT.sub(r"\1", body)
            body = _ECHO.sub(lambda echo: "echo " + " ".join(_EXPANSION.findall(echo[1])), body)
            body = "\n".join(line.rstrip() for line in body.splitlines())
        blocks.append((language, body))
    return blocks


@pytest.mark.parametrize(("language", "english"), EDITIONS, ids=[_ids(*e) for e in EDITIONS])
def test_the_edition_has_the_same_cells_and_the_same_code(language: str, english: Path) -> None:
    edition = NOTEBOOKS / language / english.name
    assert edition.is_file(), f"{edition.relative_to(REPO_ROOT)} is missing"
    ours, theirs = _read(english), _read(edition)
    assert [(c.id, c.cell_type) for c in theirs.cells] == [(c.id, c.cell_type) for c in ours.cells]
    for mine, translated in zip(ours.cells, theirs.cells, strict=True):
        if mine.cell_type == "code":
            assert translated.source == mine.source, f"code of {mine.id} differs"
        assert translated.metadata == mine.metadata, f"metadata of {mine.id} differs"
    assert theirs.metadata == ours.metadata


@pytest.mark.parametrize(("language", "english"), EDITIONS, ids=[_ids(*e) for e in EDITIONS])
def test_the_edition_has_the_same_sections_checkpoints_and_commands(
    language: str, english: Path
) -> None:
    ours, theirs = _read(english), _read(NOTEBOOKS / language / english.name)
    assert _headings(theirs) == _headings(ours)
    assert _checkpoints(ours, "en"), "a notebook without a checkpoint"
    assert _checkpoints(theirs, language) == _checkpoints(ours, "en")
    assert _commands(_markdown(theirs)) == _commands(_markdown(ours))


def _headings(notebook: Any) -> list[tuple[str, list[int]]]:
    """Each markdown cell's heading levels, by cell id."""
    return [
        (cell.id, [len(h) for h in _HEADING.findall(_outside_code(cell.source))])
        for cell in notebook.cells
        if cell.cell_type == "markdown"
    ]


def _checkpoints(notebook: Any, language: str) -> list[str]:
    """The ids of the cells that announce a checkpoint (in the edition's words) or assert one."""
    return [
        cell.id
        for cell in notebook.cells
        if (cell.cell_type == "markdown" and CHECKPOINT[language] in cell.source)
        or (cell.cell_type == "code" and CHECKPOINT_CALL in cell.source)
    ]


@pytest.mark.parametrize(("language", "english"), EDITIONS, ids=[_ids(*e) for e in EDITIONS])
def test_the_edition_is_written_in_its_language(language: str, english: Path) -> None:
    edition = _read(NOTEBOOKS / language / english.name)
    untranslated = [
        cell.id
        for cell in edition.cells
        if cell.cell_type == "markdown" and not _CJK.search(_outside_code(cell.source))
    ]
    assert not untranslated, f"markdown cells still in English: {untranslated}"


@pytest.mark.parametrize(("language", "english"), EDITIONS, ids=[_ids(*e) for e in EDITIONS])
def test_the_edition_translates_the_english_text_as_it_is_now(language: str, english: Path) -> None:
    changed = editions.stale(editions.read_record(editions.record_file(language)), english)
    cells = " ".join(cell.cell_id for cell in changed)
    assert not changed, (
        "\n".join(cell.diff() or f"{cell.cell_id}: not recorded" for cell in changed)
        + f"\nThe English text above changed since notebooks/{language}/{english.name} was "
        "translated: update those cells of the translation, then run\n"
        f"python -m helpers.tooling.editions stamp {language} {english.name} {cells}"
    )


def test_a_changed_english_cell_is_stale_until_its_translation_is_stamped(tmp_path: Path) -> None:
    english = tmp_path / "01_secure_runtime.ipynb"
    english.write_text((NOTEBOOKS / english.name).read_text())
    record = tmp_path / "translated_from.json"
    editions.stamp(record, english, [])
    assert editions.stale(editions.read_record(record), english) == []
    notebook = nbformat.read(english, as_version=4)
    cell = next(cell for cell in notebook.cells if cell.cell_type == "markdown")
    cell.source += "\nOne more sentence."
    nbformat.write(notebook, english)
    [changed] = editions.stale(editions.read_record(record), english)
    assert changed.cell_id == cell.id and "+One more sentence." in changed.diff()
    editions.stamp(record, english, [cell.id])
    assert editions.stale(editions.read_record(record), english) == []


ALL_NOTEBOOKS = sorted(NOTEBOOKS.rglob("*.ipynb"))


@pytest.mark.parametrize(
    "notebook", ALL_NOTEBOOKS, ids=[str(p.relative_to(NOTEBOOKS)) for p in ALL_NOTEBOOKS]
)
def test_every_relative_link_leads_somewhere_from_the_notebooks_folder(notebook: Path) -> None:
    """Links to the learner's project and to other notebooks, resolved from the edition's folder.

    ``my-project/`` is made at run time from ``agent/agentcore`` and ``agent/app``, so a
    link into it must name a file the copy will have.
    """
    broken = []
    for target in _LINK.findall(_markdown(_read(notebook))):
        if "://" in target or target.startswith("#"):
            continue
        resolved = (notebook.parent / target.split("#")[0]).resolve()
        relative = resolved.relative_to(REPO_ROOT).parts
        if relative[0] == PROJECT:
            resolved = REPO_ROOT.joinpath("agent", *relative[1:])
        if not resolved.exists():
            broken.append(target)
    assert not broken, f"links that lead nowhere: {broken}"


def test_the_command_check_sees_a_changed_flag_but_not_a_translated_comment() -> None:
    english = '```bash\nagentcore deploy -y -v  # deploy\necho "client id: $CLIENT_ID"\n```\n'
    chinese = '```bash\nagentcore deploy -y -v  # 部署\necho "客户端 ID：$CLIENT_ID"\n```\n'
    changed = '```bash\nagentcore deploy -y  # 部署\necho "客户端 ID：$CLIENT_ID"\n```\n'
    assert _commands(chinese) == _commands(english)
    assert _commands(changed) != _commands(english)
