"""The real ``agentcore`` CLI's refusal of an option it does not have, for our parsers.

CLI 0.30.0 (commander.js) takes no shortened or misspelt flag: ``--allowed-client`` is
refused with ``error: unknown option '--allowed-client'`` and, when one is close, a
``(Did you mean --allowed-clients?)`` line, before it looks at anything else. argparse
would accept a prefix, or report the same mistake as a missing argument; so both
command lines the kit reads (a notebook's ``ws.run`` and the terminal's
``agentcore-local``) ask :func:`unknown_option` first. The words are the CLI's, so they
are not translated.
"""

from __future__ import annotations

import argparse
import difflib
from collections.abc import Sequence

# Every command of the real CLI has these.
_ALWAYS = frozenset({"-h", "--help"})


def unknown_option(arguments: Sequence[str], parser: argparse.ArgumentParser) -> str | None:
    """The CLI's error for the first flag the typed command does not have, else None."""
    command = parser
    for word in arguments:
        if word == "--":
            break
        subcommands = _subcommands(command)
        if word in subcommands:
            command = subcommands[word]
            continue
        if not word.startswith("-") or word == "-":
            continue
        flag = word.split("=", 1)[0]
        known = _options(command)
        if flag in known:
            continue
        refusal = f"error: unknown option '{flag}'"
        close = difflib.get_close_matches(flag, sorted(known - _ALWAYS), n=1)
        return refusal + (f"\n(Did you mean {close[0]}?)" if close else "")
    return None


def _options(parser: argparse.ArgumentParser) -> frozenset[str]:
    return _ALWAYS | {flag for action in parser._actions for flag in action.option_strings}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    return {
        name: sub
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for name, sub in action.choices.items()
    }
