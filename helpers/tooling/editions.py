"""Keep each edition's text in step with the English one, cell by cell.

An edition's code cells are the English ones (``tests/test_editions.py`` compares them),
but its markdown is a translation, and a translation cannot be compared with its source.
So each edition records the English text each of its markdown cells was translated
from, in ``helpers/locale/<locale>/translated_from.json`` (notebook → cell id → English
markdown). When an English cell changes, the recorded text no longer matches it: the
test names the cell and shows what changed in English, and the translator updates the
translated cell, then records the new source::

    python -m helpers.tooling.editions stale zh-CN            # every cell to update, with diffs
    python -m helpers.tooling.editions stamp zh-CN 01_secure_runtime.ipynb cell-26

``stamp`` with a notebook and no cell records every markdown cell of that notebook.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from helpers.basics.i18n import CATALOG_LOCALES, LOCALE_DIR
from helpers.kit.paths import REPO_ROOT

NOTEBOOKS = REPO_ROOT / "notebooks"
RECORD_NAME = "translated_from.json"


def record_file(language: str, locale_dir: Path = LOCALE_DIR) -> Path:
    """Where ``language`` records the English text its markdown cells were translated from."""
    return locale_dir / CATALOG_LOCALES[language] / RECORD_NAME


def english_markdown(notebook: Path) -> dict[str, str]:
    """The markdown cells of an English notebook (nbformat 4.5, cells with ids), by cell id."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return {
        cell["id"]: "".join(cell["source"]) for cell in cells if cell["cell_type"] == "markdown"
    }


def read_record(file: Path) -> dict[str, dict[str, str]]:
    """The recorded English sources: notebook name → cell id → markdown (empty if none)."""
    if not file.is_file():
        return {}
    record: dict[str, dict[str, str]] = json.loads(file.read_text(encoding="utf-8"))
    return record


@dataclass(frozen=True)
class Stale:
    """A translated cell whose English source changed since it was translated."""

    notebook: str
    cell_id: str
    translated_from: str | None  # None: the cell was never recorded
    english: str | None  # None: the English edition no longer has the cell

    def diff(self) -> str:
        """What changed in English since the translation, as a unified diff."""
        return "".join(
            difflib.unified_diff(
                (self.translated_from or "").splitlines(keepends=True),
                (self.english or "").splitlines(keepends=True),
                f"{self.notebook} {self.cell_id} (translated from)",
                f"{self.notebook} {self.cell_id} (English now)",
            )
        )


def stale(record: dict[str, dict[str, str]], notebook: Path) -> list[Stale]:
    """Each markdown cell of ``notebook`` whose English text is not the one recorded."""
    now = english_markdown(notebook)
    then = record.get(notebook.name, {})
    return [
        Stale(notebook.name, cell_id, then.get(cell_id), now.get(cell_id))
        for cell_id in dict.fromkeys([*now, *then])
        if then.get(cell_id) != now.get(cell_id)
    ]


def stamp(file: Path, notebook: Path, cell_ids: list[str]) -> list[str]:
    """Record the English text of ``cell_ids`` (every markdown cell if empty) as translated.

    Returns the ids recorded; an id that is no markdown cell of ``notebook`` is refused,
    and a recorded cell the English notebook no longer has is dropped.
    """
    now = english_markdown(notebook)
    unknown = [cell_id for cell_id in cell_ids if cell_id not in now]
    if unknown:
        raise SystemExit(
            f"{notebook.name} has no markdown cell {', '.join(unknown)} "
            f"(its markdown cells: {', '.join(now)})"
        )
    record = read_record(file)
    cells = {key: value for key, value in record.get(notebook.name, {}).items() if key in now}
    chosen = cell_ids or list(now)
    cells |= {cell_id: now[cell_id] for cell_id in chosen}
    record[notebook.name] = {cell_id: cells[cell_id] for cell_id in now if cell_id in cells}
    file.write_text(
        json.dumps(dict(sorted(record.items())), ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    return chosen


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.tooling.editions")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("stale", help="list the cells to update, with diffs")
    listing.add_argument("language", choices=list(CATALOG_LOCALES))
    marking = commands.add_parser("stamp", help="record cells as translated from English now")
    marking.add_argument("language", choices=list(CATALOG_LOCALES))
    marking.add_argument("notebook", help="e.g. 01_secure_runtime.ipynb")
    marking.add_argument("cells", nargs="*", help="cell ids; none means every markdown cell")
    args = parser.parse_args(argv)
    file = record_file(args.language)
    if args.command == "stamp":
        done = stamp(file, NOTEBOOKS / Path(args.notebook).name, args.cells)
        print(f"recorded {len(done)} cell(s) of {args.notebook} in {file.relative_to(REPO_ROOT)}")
        return 0
    changed = [
        cell
        for notebook in sorted(NOTEBOOKS.glob("*.ipynb"))
        for cell in stale(read_record(file), notebook)
    ]
    for cell in changed:
        print(cell.diff() or f"{cell.notebook} {cell.cell_id}: not recorded")
    print(f"{len(changed)} cell(s) of notebooks/{args.language}/ to update")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
