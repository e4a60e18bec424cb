"""JupyterHub's proxy, ``configurable-http-proxy``, pinned, installed into a cache.

The multi-user test (``tests/test_room_of_three.py``) starts a JupyterHub, and the hub
starts this proxy in front of itself and of each attendee's server. It is npm
``configurable-http-proxy`` at :data:`VERSION`, installed with npm into
``.workshop/cache/configurable-http-proxy/<version>/`` (or
``$CONFIGURABLE_HTTP_PROXY_CACHE/<version>/``) as :mod:`helpers.tooling.npm_cache` installs
a pinned package, like the real ``agentcore`` CLI.
``python -m helpers.tooling.http_proxy install`` installs it by hand.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from helpers.tooling.npm_cache import PinnedPackage, command_line

PACKAGE = "configurable-http-proxy"
# JupyterHub 6 works with the proxy's 4.x and 5.x; 5.x needs Node.js 20 or later.
VERSION = "5.3.0"
REPO_ROOT = Path(__file__).resolve().parents[2]
CACHE_ENV = "CONFIGURABLE_HTTP_PROXY_CACHE"
INSTALL_HINT = (
    "Install it with `python -m helpers.tooling.http_proxy install` (needs Node.js 20+ and "
    f"npm; it downloads {PACKAGE}@{VERSION} into .workshop/cache/, a few MB)."
)


PROXY = PinnedPackage(PACKAGE, VERSION, PACKAGE, INSTALL_HINT)


def cache_dir() -> Path:
    """Where this version of the proxy is (or will be) installed."""
    root = os.environ.get(CACHE_ENV)
    base = Path(root) if root else REPO_ROOT / ".workshop" / "cache" / PACKAGE
    return base / VERSION


def executable(cache: Path | None = None) -> Path:
    return PROXY.executable(cache or cache_dir())


def installed(cache: Path | None = None) -> bool:
    """Whether the cache holds a complete install (the marker is written last)."""
    return PROXY.installed(cache or cache_dir())


def npm_available() -> bool:
    return shutil.which("npm") is not None


def install(cache: Path | None = None, say: Callable[[str], None] = print) -> Path:
    """Install the pinned proxy into ``cache`` unless it is there already; return the binary."""
    return PROXY.install(cache or cache_dir(), version, say=say)


def version(binary: Path) -> str:
    done = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    done = f"{PACKAGE}@{VERSION} for the multi-user test: {{binary}}"
    return command_line(argv, "python -m helpers.tooling.http_proxy", install, executable, done)


if __name__ == "__main__":
    sys.exit(main())
