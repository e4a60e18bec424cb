"""JupyterHub's proxy, ``configurable-http-proxy``, pinned, installed into a cache.

The multi-user test (``tests/test_room_of_three.py``) starts a JupyterHub, and the hub
starts this proxy in front of itself and of each attendee's server. It is npm
``configurable-http-proxy`` at :data:`VERSION`, installed with npm into
``.workshop/cache/configurable-http-proxy/<version>/`` (or
``$CONFIGURABLE_HTTP_PROXY_CACHE/<version>/``) the way :mod:`helpers.tooling.agentcore_cli`
caches the real ``agentcore`` CLI: nothing global, nothing in the repository, install
scripts not run. An install goes to a temporary folder and is renamed into place once
the proxy answers ``--version``, so an interrupted install leaves no half cache, and a
second ``install`` finds the cache and returns at once.
``python -m helpers.tooling.http_proxy install`` installs it by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

PACKAGE = "configurable-http-proxy"
# JupyterHub 6 works with the proxy's 4.x and 5.x; 5.x needs Node.js 20 or later.
VERSION = "5.3.0"
REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_ENV = "CONFIGURABLE_HTTP_PROXY_CACHE"
INSTALL_HINT = (
    "Install it with `python -m helpers.tooling.http_proxy install` (needs Node.js 20+ and "
    f"npm; it downloads {PACKAGE}@{VERSION} into .workshop/cache/, a few MB)."
)


class InstallError(RuntimeError):
    """The proxy could not be installed; the message says why and what to do."""


def cache_dir() -> Path:
    """Where this version of the proxy is (or will be) installed."""
    root = os.environ.get(CACHE_ENV)
    base = Path(root) if root else REPO_ROOT / ".workshop" / "cache" / PACKAGE
    return base / VERSION


def executable(cache: Path | None = None) -> Path:
    return (cache or cache_dir()) / "node_modules" / ".bin" / PACKAGE


def installed(cache: Path | None = None) -> bool:
    """Whether the cache holds a complete install (the marker is written last)."""
    cache = cache or cache_dir()
    return (cache / "installed").is_file() and executable(cache).is_file()


def npm_available() -> bool:
    return shutil.which("npm") is not None


def install(cache: Path | None = None, say: Callable[[str], None] = print) -> Path:
    """Install the pinned proxy into ``cache`` unless it is there already; return the binary.

    npm's own output is kept and shown only when it fails.
    """
    cache = cache or cache_dir()
    if installed(cache):
        return executable(cache)
    npm = shutil.which("npm")
    if npm is None:
        raise InstallError(f"npm is not on PATH. {INSTALL_HINT}")
    staging = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    manifest = {
        "name": "configurable-http-proxy-cache",
        "version": "1.0.0",
        "private": True,
        "dependencies": {PACKAGE: VERSION},
    }
    (staging / "package.json").write_text(json.dumps(manifest, indent=2))
    say(f"installing {PACKAGE}@{VERSION} into {cache} ...")
    try:
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
            cwd=staging,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise InstallError(
                f"`npm install {PACKAGE}@{VERSION}` failed (exit {done.returncode}):\n"
                f"{done.stdout}{done.stderr}\n{INSTALL_HINT}"
            )
        answer = version(executable(staging))
        if answer != VERSION:
            raise InstallError(f"the installed proxy says it is {answer!r}, not {VERSION}")
        (staging / "installed").write_text(f"{PACKAGE}@{VERSION}\n")
        shutil.rmtree(cache, ignore_errors=True)
        staging.rename(cache)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    say(f"installed {PACKAGE}@{VERSION}")
    return executable(cache)


def version(binary: Path) -> str:
    done = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.tooling.http_proxy")
    parser.add_argument("action", choices=["install", "path"])
    args = parser.parse_args(argv)
    try:
        binary = install() if args.action == "install" else executable()
    except InstallError as error:
        print(error, file=sys.stderr)
        return 1
    print(f"{PACKAGE}@{VERSION} for the multi-user test: {binary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
