"""The learner's language: every sentence the kit, the CLI and the stack write for a person.

Messages are written in English in the code, wrapped in :func:`_`, and translated from
a gettext catalog (``helpers/locale/<locale>/LC_MESSAGES/workshop.po``, extracted with
``make messages``). The ``.po`` file is the only copy kept: it is compiled in memory
the first time a process needs it, so a fresh clone works after ``pip install -e .``
with nothing to build. English needs no catalog at all.

Which language, most specific first:

1. :func:`use_language`, for one piece of work: the stack's control API answers a
   deploy in the language its client asked for (``Accept-Language``);
2. the notebook's edition: a kernel runs in its notebook's folder, so one started in
   ``notebooks/zh-CN/`` speaks Chinese and one in ``notebooks/`` English, whatever
   the server was started with;
3. ``WORKSHOP_LANG`` (``en`` or ``zh-CN``): ``make lab WORKSHOP_LANG=zh-CN`` sets it for
   the lab, its terminals and the stack. The POSIX ``LANG`` is not read, so a machine's
   ``zh_CN.UTF-8`` locale changes nothing;
4. English.

Text quoted from the real ``agentcore`` CLI or from AWS (``Unauthorized``, the CLI's
validation messages) is not wrapped: it stays as those tools print it.
"""

from __future__ import annotations

import functools
import gettext
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

LANGUAGE_ENV = "WORKSHOP_LANG"
ENGLISH = "en"
# Each language the workshop has an edition in → the catalog's locale folder.
CATALOG_LOCALES = {"zh-CN": "zh_CN"}
LANGUAGES = (ENGLISH, *CATALOG_LOCALES)
DOMAIN = "workshop"
LOCALE_DIR = Path(__file__).resolve().parents[1] / "locale"
# The notebooks' folder: the English edition; each other edition is a folder in it.
EDITIONS_FOLDER = "notebooks"
_CHINESE = ("zh", "zh-cn", "zh-hans", "zh-hans-cn")

_chosen: ContextVar[str | None] = ContextVar("workshop_language", default=None)


def normalize(name: str | None) -> str | None:
    """The workshop language ``name`` stands for (``zh_CN.UTF-8`` → ``zh-CN``), or None.

    Accepts the spellings people type for the two languages; anything else is None,
    and the caller falls back to English, as gettext does for a language it lacks.
    """
    tag = (name or "").split(".")[0].split(",")[0].split(";")[0].strip().replace("_", "-").lower()
    if tag in _CHINESE:
        return "zh-CN"
    if tag == ENGLISH or tag.startswith(ENGLISH + "-"):
        return ENGLISH
    return None


def edition_of(folder: Path) -> str | None:
    """The language of the notebook edition ``folder`` holds, or None if it is no edition."""
    if folder.name == EDITIONS_FOLDER:
        return ENGLISH
    if folder.parent.name == EDITIONS_FOLDER and folder.name in CATALOG_LOCALES:
        return folder.name
    return None


def language() -> str:
    """The language to speak now (see the module's docstring for the order)."""
    chosen = _chosen.get()
    if chosen:
        return chosen
    try:
        edition = edition_of(Path.cwd())
    except FileNotFoundError:  # the working folder was deleted under us
        edition = None
    return edition or normalize(os.environ.get(LANGUAGE_ENV)) or ENGLISH


@contextmanager
def use_language(name: str | None) -> Iterator[None]:
    """Speak ``name`` inside the block (this thread or task only); unknown names change nothing."""
    reset = _chosen.set(normalize(name) or _chosen.get())
    try:
        yield
    finally:
        _chosen.reset(reset)


def catalog_file(language_name: str) -> Path:
    """The ``.po`` file that holds ``language_name``'s translations."""
    return LOCALE_DIR / CATALOG_LOCALES[language_name] / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _translations(language_name: str) -> gettext.NullTranslations:
    if language_name not in CATALOG_LOCALES:
        return gettext.NullTranslations()
    # Imported here: an English process never pays for Babel.
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with catalog_file(language_name).open("rb") as po:
        catalog = read_po(po)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries are left out, as msgfmt does
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str, /, **values: object) -> str:
    """``message`` in the current language, with ``{name}`` fields filled from ``values``.

    Without ``values`` the text is returned as it is, braces included.
    """
    translated = _translations(language()).gettext(message)
    return translated.format(**values) if values else translated


def N_(message: str) -> str:
    """Mark ``message`` for the catalog without translating it: :func:`_` does, when shown."""
    return message
