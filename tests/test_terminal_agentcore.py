"""Which `agentcore` the terminal gets from `agentcore-local env`, without Node.

Only npm's ``@aws/agentcore`` is taken for the real CLI (another tool's ``agentcore``,
such as the Python starter toolkit's, is not), and the shell function routes ``deploy``
(and its alias ``dp``) to the local deploy, every other command to the real CLI, or
everything to the stand-in where there is none. The end-to-end run of the real CLI in
such a shell is ``tests/test_workshop_flow.py``.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from helpers.emulator.cli import main as cli_main
from helpers.emulator.real_cli import INSTEAD_OF_CDK, RealCli, find_real_cli, shell_function

ECHO = '#!/bin/sh\necho "{name}" "$@"\n'


def _package(root: Path, name: str, version: str) -> Path:
    """An npm package ``name`` whose ``agentcore`` command echoes its arguments."""
    package = root / "node_modules" / name
    (package / "dist").mkdir(parents=True)
    (package / "package.json").write_text(json.dumps({"name": name, "version": version}))
    script = package / "dist" / "cli.mjs"
    script.write_text(ECHO.format(name="real"))
    script.chmod(0o755)
    bin_dir = root / "node_modules" / ".bin"
    bin_dir.mkdir()
    (bin_dir / "agentcore").symlink_to(Path("..") / name / "dist" / "cli.mjs")
    return bin_dir


def test_the_npm_package_is_the_real_cli(tmp_path: Path) -> None:
    bin_dir = _package(tmp_path, "@aws/agentcore", "0.30.0")
    assert find_real_cli(str(bin_dir)) == RealCli(bin_dir / "agentcore", "0.30.0")


def test_another_tools_agentcore_is_not(tmp_path: Path) -> None:
    other = _package(tmp_path / "other", "bedrock-agentcore-starter-toolkit", "1.0.0")
    python_script = tmp_path / "venv-bin"
    python_script.mkdir()
    (python_script / "agentcore").write_text("#!/usr/bin/env python3\n")
    (python_script / "agentcore").chmod(0o755)
    assert find_real_cli(str(other)) is None
    assert find_real_cli(str(python_script)) is None
    assert find_real_cli(str(tmp_path / "nothing")) is None


def _shell(function: str, command: str, path: Path) -> str:
    done = subprocess.run(
        ["bash", "-c", f"{function}\n{command}"],
        env={"PATH": f"{path}:/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def stand_in(tmp_path: Path) -> Path:
    """A folder with an `agentcore-local` that echoes its arguments."""
    folder = tmp_path / "stand-in"
    folder.mkdir()
    (folder / "agentcore-local").write_text(ECHO.format(name="agentcore-local"))
    (folder / "agentcore-local").chmod(0o755)
    return folder


def test_deploy_is_local_and_the_rest_is_the_real_cli(tmp_path: Path, stand_in: Path) -> None:
    real = find_real_cli(str(_package(tmp_path, "@aws/agentcore", "0.30.0")))
    function = shell_function(real)
    assert _shell(function, "agentcore deploy -y -v", stand_in) == (
        f"agentcore-local deploy {INSTEAD_OF_CDK} -y -v"
    )
    assert _shell(function, "agentcore dp", stand_in) == f"agentcore-local deploy {INSTEAD_OF_CDK}"
    assert _shell(function, "agentcore validate", stand_in) == "real validate"
    assert _shell(function, "agentcore invoke 'a b' --stream", stand_in) == (
        "real invoke a b --stream"
    )
    assert _shell(function, "agentcore", stand_in) == "real"


def test_without_the_real_cli_everything_is_the_stand_in(stand_in: Path) -> None:
    function = shell_function(None)
    assert _shell(function, "agentcore deploy -y -v", stand_in) == "agentcore-local deploy -y -v"
    assert _shell(function, "agentcore validate", stand_in) == "agentcore-local validate"


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--dry-run"], "deploy --dry-run: the local deploy has no preview"),
        (["-y", "--diff"], "deploy --diff: the local deploy has no preview"),
        (["--json"], "deploy --json: the local deploy reports in text only"),
        (["--target", "prod"], "the local stack has one deployment target, default"),
    ],
)
def test_the_real_deploys_other_flags_are_refused_for_what_they_are(
    flags: list[str], said: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Not "unknown option": the real CLI has them; the local deploy does not do them."""
    assert cli_main(["deploy", *flags]) == 1
    assert said in capsys.readouterr().err
