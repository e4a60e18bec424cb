"""One pinned npm package, installed into a cache folder of the working state.

Nothing global and nothing in the repository: ``npm install`` runs in a temporary folder
beside the cache (install scripts not run), and the folder is renamed into place once
the package's binary answers with the pinned version, a marker written last. So an
interrupted install leaves no half cache, and a second install finds the cache and
returns at once. The real ``agentcore`` CLI (:mod:`helpers.tooling.agentcore_cli`) and
JupyterHub's proxy (:mod:`helpers.tooling.http_proxy`) are installed this way.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# No audit, no funding notes, no install scripts (the binaries run need none), errors only.
_QUIET_INSTALL = ("--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error")


class InstallError(RuntimeError):
    """The package could not be installed; the message says why and what to do."""


@dataclass(frozen=True)
class PinnedPackage:
    """An npm ``package`` at ``version`` whose ``binary`` the kit runs."""

    package: str
    version: str
    binary: str
    install_hint: str
    # npm ``overrides`` for dependencies that do not install as published.
    overrides: Mapping[str, str] = field(default_factory=dict)

    def executable(self, cache: Path) -> Path:
        return cache / "node_modules" / ".bin" / self.binary

    def installed(self, cache: Path) -> bool:
        """Whether ``cache`` holds a complete install (the marker is written last)."""
        return (cache / "installed").is_file() and self.executable(cache).is_file()

    def install(
        self,
        cache: Path,
        version_of: Callable[[Path], str],
        *,
        prepare: Callable[[Path], None] | None = None,
        prefix: Sequence[str] = (),
        say: Callable[[str], None] = print,
    ) -> Path:
        """Install into ``cache`` unless it is there already; return the binary.

        ``version_of`` asks an installed binary its version; ``prepare`` adds what the
        manifest's overrides point at to the temporary folder; ``prefix`` goes before the
        npm command (``nice -n 19``). npm's own output is shown only when it fails.
        """
        if self.installed(cache):
            return self.executable(cache)
        npm = shutil.which("npm")
        if npm is None:
            raise InstallError(f"npm is not on PATH. {self.install_hint}")
        staging = cache.with_name(f".{cache.name}.{os.getpid()}.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        if prepare is not None:
            prepare(staging)
        manifest: dict[str, Any] = {
            "name": f"{self.binary}-cache",
            "version": "1.0.0",
            "private": True,
            "dependencies": {self.package: self.version},
        }
        if self.overrides:
            manifest["overrides"] = dict(self.overrides)
        (staging / "package.json").write_text(json.dumps(manifest, indent=2))
        say(f"installing {self.package}@{self.version} into {cache} ...")
        try:
            done = subprocess.run(
                [*prefix, npm, "install", *_QUIET_INSTALL],
                cwd=staging,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode:
                raise InstallError(
                    f"`npm install {self.package}@{self.version}` failed (exit "
                    f"{done.returncode}):\n{done.stdout}{done.stderr}\n{self.install_hint}"
                )
            answer = version_of(self.executable(staging))
            if answer != self.version:
                raise InstallError(
                    f"the installed {self.package} says it is {answer!r}, not {self.version}"
                )
            (staging / "installed").write_text(f"{self.package}@{self.version}\n")
            shutil.rmtree(cache, ignore_errors=True)
            staging.rename(cache)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return self.executable(cache)


def command_line(
    argv: list[str] | None,
    prog: str,
    install: Callable[[], Path],
    executable: Callable[[], Path],
    done: str,
) -> int:
    """``prog install`` (or ``prog path``): install the package, or say where it is; ``done``
    is the line printed, with ``{binary}`` in it."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("action", choices=["install", "path"])
    args = parser.parse_args(argv)
    try:
        binary = install() if args.action == "install" else executable()
    except InstallError as error:
        print(error, file=sys.stderr)
        return 1
    print(done.format(binary=binary))
    return 0
