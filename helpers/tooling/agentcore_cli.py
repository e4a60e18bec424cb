"""The real ``agentcore`` CLI, pinned, installed into a cache under the working state.

The contract tests (``tests/test_cli_contract.py``) run this CLI next to the kit. It is
npm ``@aws/agentcore`` at :data:`VERSION` (the version the AWS backend demands, defined once
in :mod:`helpers.kit.backends.commands`), installed with npm into
``.workshop/cache/agentcore-cli/<version>/`` (or ``$AGENTCORE_CLI_CACHE/<version>/``):
nothing global, nothing in the repository. ``make agentcore-cli`` runs
``python -m helpers.tooling.agentcore_cli install``; the test suite does it too, in the
background while the other tests run, when npm is on the machine (``tests/real_cli.py``).
``make lab`` runs ``python -m helpers.tooling.agentcore_cli terminal .venv/bin``: where
npm is, it installs the CLI and links it into the virtual environment's ``bin``, so that
the lab's terminal runs the real CLI (:func:`link_for_terminal`).

Two of the CLI's dependencies do not install as published (one is pinned to a version
the registry does not serve, one is an optional inspector UI the config commands never
load), so the cache's ``package.json`` overrides them; the CLI's own
``npm-shrinkwrap.json`` pins everything else. :mod:`helpers.tooling.npm_cache` does the
install (nothing half-done is ever found in the cache).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

# The pin is the AWS backend's (it refuses another version); named here for the tools and tests.
from helpers.kit.backends.commands import PACKAGE as PACKAGE
from helpers.kit.backends.commands import VERSION as VERSION
from helpers.tooling.npm_cache import InstallError, PinnedPackage, command_line

REPO_ROOT = Path(__file__).resolve().parents[2]
OVERRIDES = {
    # The CLI's pin of this one is not served by the registry; the next patch is.
    "@aws-sdk/client-s3files": "3.1053.0",
    # A browser UI for `agentcore dev`; the config commands never load it.
    "@aws/agent-inspector": "file:./stub-inspector",
}
INSTALL_HINT = (
    "Install it with `make agentcore-cli` (needs Node.js and npm; it downloads "
    f"{PACKAGE}@{VERSION} into .workshop/cache/, about 490 MB)."
)
CLI = PinnedPackage(PACKAGE, VERSION, "agentcore", INSTALL_HINT, OVERRIDES)
# What the CLI needs to run quietly and print whole lines: no telemetry, no colour, and a
# wide terminal (it wraps at 80 columns when stdout is not a terminal).
QUIET_ENV = {"AGENTCORE_TELEMETRY_DISABLED": "1", "NO_COLOR": "1", "COLUMNS": "1000"}


def cache_dir() -> Path:
    """Where this version of the CLI is (or will be) installed."""
    root = os.environ.get("AGENTCORE_CLI_CACHE")
    base = Path(root) if root else REPO_ROOT / ".workshop" / "cache" / "agentcore-cli"
    return base / VERSION


def executable(cache: Path | None = None) -> Path:
    return CLI.executable(cache or cache_dir())


def installed(cache: Path | None = None) -> bool:
    """Whether the cache holds a complete install (the marker is written last)."""
    return CLI.installed(cache or cache_dir())


def npm_available() -> bool:
    return shutil.which("npm") is not None


def install(
    cache: Path | None = None,
    say: Callable[[str], None] = print,
    prefix: Sequence[str] = (),
) -> Path:
    """Install the pinned CLI into ``cache`` unless it is there already; return the binary.

    ``prefix`` goes before the npm command (``nice -n 19`` for an install in the
    background).
    """
    cache = cache or cache_dir()
    if CLI.installed(cache):
        return CLI.executable(cache)
    started = time.monotonic()
    binary = CLI.install(cache, version, prepare=_stub_inspector, prefix=prefix, say=say)
    say(f"installed {PACKAGE}@{VERSION} in {time.monotonic() - started:.0f} s")
    return binary


def _stub_inspector(staging: Path) -> None:
    """The package the inspector override points at: an empty module."""
    (staging / "stub-inspector").mkdir()
    stub = {"name": "@aws/agent-inspector", "version": "0.0.0", "main": "index.js"}
    (staging / "stub-inspector" / "package.json").write_text(json.dumps(stub))
    (staging / "stub-inspector" / "index.js").write_text("module.exports = {};\n")


def package_version(binary: Path) -> str:
    """The version of the installed package ``binary`` belongs to, from its ``package.json``.

    No process runs (``agentcore --version`` costs two seconds of CPU): each contract
    recording is stamped with it, and a recording whose stamp is not :data:`VERSION` is run
    live until it is recorded again (``tests/cli_corpus.py``).
    """
    manifest = binary.parent.parent / PACKAGE / "package.json"
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


def version(binary: Path) -> str:
    done = subprocess.run(
        [str(binary), "--version"],
        env={**os.environ, **QUIET_ENV},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def link_for_terminal(bin_dir: Path, say: Callable[[str], None] = print) -> Path | None:
    """Install the CLI where npm is and link it as ``bin_dir/agentcore``; None without npm.

    ``agentcore-local env`` then makes the terminal's ``agentcore`` this CLI
    (:func:`helpers.emulator.real_cli.shell_function`). Without npm the terminal keeps the
    stand-in, and the lab starts all the same.
    """
    link = bin_dir / "agentcore"
    if not installed() and not npm_available():
        say(
            "No npm on this machine: the terminal's `agentcore` will be the stand-in "
            "agentcore-local. For the real CLI, install Node.js and npm, then `make lab` again."
        )
        return None
    if not installed():
        say(
            f"The lab's terminal runs the real agentcore CLI: installing {PACKAGE}@{VERSION} "
            "once (about 490 MB, a minute or two) ..."
        )
    binary = install(say=say)
    if not (link.is_symlink() and link.resolve() == binary.resolve()):
        link.unlink(missing_ok=True)
        link.symlink_to(binary)
        say(f"The lab's terminal runs the real agentcore CLI {VERSION} ({link}).")
    return link


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments[:1] == ["terminal"] and len(arguments) == 2:
        try:
            link_for_terminal(Path(arguments[1]))
        except InstallError as error:
            print(f"{error}\nThe terminal's `agentcore` stays the stand-in agentcore-local.")
        return 0
    done = f"{PACKAGE}@{VERSION} for the contract tests: {{binary}}"
    return command_line(argv, "python -m helpers.tooling.agentcore_cli", install, executable, done)


if __name__ == "__main__":
    sys.exit(main())
