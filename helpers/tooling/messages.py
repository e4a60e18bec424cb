"""The message catalogs: what ``make messages`` extracts, and how a notebook's code is read.

``babel.cfg`` (repository root) says where the messages are: every ``_("…")`` and
``N_("…")`` of ``helpers/`` and of the English notebooks' code cells (the other
editions' code is the same, cell for cell). ``make messages`` runs ``pybabel extract``
with it and ``pybabel update`` on each ``.po`` file, which keeps every translation,
adds new messages untranslated and marks changed ones fuzzy for the translator.
``tests/test_translations.py`` extracts the same way and fails while any message is
untranslated or fuzzy.
"""

from __future__ import annotations

import io
import json
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_python
from babel.messages.frontend import parse_mapping_cfg

from helpers.kit.paths import REPO_ROOT

MAPPING_FILE = REPO_ROOT / "babel.cfg"

# What an extraction method yields, passed on as Python's extractor gives it.
Extracted = tuple[Any, ...]


def extract_notebook(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: dict[str, Any],
) -> Iterator[Extracted]:
    """Babel's extraction method for ``.ipynb``: the messages of each code cell's Python.

    ``options`` (from ``babel.cfg``) are not used: a notebook is JSON, its code UTF-8.
    Line numbers count from the notebook's first code line, cell after cell, so a
    message's place in the catalog stays readable.
    """
    notebook = json.load(fileobj)
    first_line = 1
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        code = io.BytesIO(source.encode("utf-8"))
        for line, function, messages, comments in extract_python(
            code, keywords, comment_tags, {"encoding": "utf-8"}
        ):
            yield first_line + line - 1, function, messages, comments
        first_line += source.count("\n") + 1


def template() -> Catalog:
    """Every message of the sources as ``babel.cfg`` maps them: the catalog's template."""
    with MAPPING_FILE.open() as mapping:
        method_map, options_map = parse_mapping_cfg(mapping, str(MAPPING_FILE))
    catalog = Catalog()
    for file, line, message, comments, context in extract_from_dir(
        REPO_ROOT, method_map, options_map
    ):
        catalog.add(message, None, [(file, line)], auto_comments=comments, context=context)
    return catalog


def relative(path: Path) -> str:
    return path.relative_to(REPO_ROOT).as_posix()
