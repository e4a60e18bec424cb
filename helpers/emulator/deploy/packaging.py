"""What a deploy takes of a runtime's code location, and what changed since it took it.

The plan fingerprints a runtime by these files (:func:`code_hash`), the deployer copies
them into the stack (:func:`left_out_of`), and the notebook kit tells the learner which
of them changed since the last deploy (:func:`changed_since_deploy`): one rule for all
three, so what is compared is what is deployed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

# What `agentcore deploy` leaves out of a runtime's code (its packaging helpers, CLI
# 0.30.0): build artefacts, and .env files at any depth, which hold local secrets. The
# kit also leaves out bytecode and notebook checkpoints, which no agent reads.
_LEFT_OUT = frozenset(
    {".git", ".venv", "__pycache__", ".pytest_cache", ".DS_Store", "node_modules"}
    | {".ipynb_checkpoints"}
)


def _left_out(name: str) -> bool:
    return name in _LEFT_OUT or name == ".env" or name.startswith(".env.") or name.endswith(".pyc")


def left_out_of(_folder: str, names: list[str]) -> list[str]:
    """``shutil.copytree``'s ``ignore``: the entries of a folder the deploy leaves out."""
    return [name for name in names if _left_out(name)]


def _packaged(code_dir: Path) -> dict[str, Path]:
    """The files a deploy packages from ``code_dir``, by their path inside it."""
    files = {}
    for folder, folders, names in os.walk(code_dir):
        folders[:] = [name for name in folders if not _left_out(name)]
        for name in names:
            if not _left_out(name):
                path = Path(folder, name)
                files[path.relative_to(code_dir).as_posix()] = path
    return files


def code_hash(code_dir: Path) -> str:
    """A digest of the files the deploy packages (their paths and contents)."""
    digest = hashlib.sha256()
    for relative, path in sorted(_packaged(code_dir).items()):
        digest.update(relative.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def changed_since_deploy(code_dir: Path, deployed_dir: Path) -> list[str]:
    """The files of ``code_dir`` a deploy would package that differ from the deployed copy:
    changed, added or deleted since, by their path inside it."""
    now, then = _packaged(code_dir), _packaged(deployed_dir)
    return sorted(
        relative
        for relative in now.keys() | then.keys()
        if relative not in now
        or relative not in then
        or now[relative].read_bytes() != then[relative].read_bytes()
    )
