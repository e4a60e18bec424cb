"""The workshop's shell commands, verbatim, in a login shell like a JupyterLab terminal's.

A terminal that JupyterLab starts is a login shell in the server's root folder: its PATH
is the system's (``/etc/profile`` resets it), so neither ``agentcore-local`` nor ``aws``
is on it until the one documented line runs. This test takes every ``bash`` block of the
notebooks' text, in order, and runs them as one terminal session would: in a folder laid
out like ``make lab``'s root (``.venv``, ``notebooks/``, ``my-project/``), with curl's
CA variables preset the way many machines preset them, and none of the stack's variables
inherited. The blocks hold the workshop text's own commands, as it writes them
(``tests/test_workshop_text.py``), and must do what the text says (with the
``agentcore`` of the repository's ``.venv``: the stand-in, or the real CLI where ``make
lab`` linked it): read SSM, get a token with curl (never printed), validate, deploy,
invoke (and be refused without the token), replace the gateway, check a warranty once
the agent forwards the token, send the traffic of notebook 04, sign in as a user with
the aws CLI (the password never on a command line), and clean up.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

from helpers.emulator import stack
from helpers.emulator.core.state import StackState
from helpers.emulator.real_cli import find_real_cli
from helpers.kit import steps
from helpers.kit.checks.config import check_gateway_replaced
from helpers.kit.settings import WorkshopSettings
from helpers.model.config import read_config
from tests.leaks import JWT_SHAPED, stack_secrets
from tests.support import REPO_ROOT

pytestmark = pytest.mark.stack

SETUP_LINE = 'source .venv/bin/activate && eval "$(agentcore-local env)"'
SYSTEM_CA = "/etc/ssl/certs/ca-certificates.crt"
_BASH_BLOCK = re.compile(r"```bash\n(.*?)```", re.DOTALL)
_INHERITED = ("AWS_", "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "VIRTUAL_ENV")


def bash_blocks(notebook: str) -> list[str]:
    """The ``bash`` blocks of a notebook's markdown cells, in order."""
    document = nbformat.read(REPO_ROOT / "notebooks" / f"{notebook}.ipynb", as_version=4)
    return [
        block
        for cell in document.cells
        if cell.cell_type == "markdown"
        for block in _BASH_BLOCK.findall(cell.source)
    ]


def terminal_environment() -> dict[str, str]:
    """What a new JupyterLab terminal starts with: none of the stack's variables, curl's preset."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_INHERITED)}
    env.pop("WORKSHOP_BACKEND", None)
    env.update(CURL_CA_BUNDLE=SYSTEM_CA, SSL_CERT_DIR="/etc/ssl/certs", SHELL="/bin/bash")
    return env


def run_in_terminal(
    root: Path, script: str, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "--login", "-s"],
        input=script,
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def lab_root(tmp_path: Path, settings: WorkshopSettings) -> Path:
    """A folder laid out like ``make lab``'s root, its project at step 1 (the hand edit)."""
    root = tmp_path / "root"
    root.mkdir()
    (root / ".venv").symlink_to(REPO_ROOT / ".venv")
    (root / "notebooks").symlink_to(REPO_ROOT / "notebooks")
    steps.fresh_project(root / "my-project")
    steps.apply_runtime_authorizer(root / "my-project", settings)
    return root


def test_the_setup_line_is_the_first_shell_line_of_the_workshop() -> None:
    assert bash_blocks("00_setup")[0].strip() == SETUP_LINE
    assert bash_blocks("01_secure_runtime")[0].startswith(SETUP_LINE)


def test_the_setup_line_puts_the_workshops_commands_on_a_login_shells_path(
    lab_root: Path, local_stack: StackState
) -> None:
    before = run_in_terminal(
        lab_root, "command -v agentcore-local agentcore; echo done", terminal_environment()
    )
    assert before.stdout.strip() == "done", before.stdout  # /etc/profile reset PATH
    after = run_in_terminal(
        lab_root,
        f"{SETUP_LINE}\ncommand -v aws agentcore-local\ntype -t agentcore\n",
        terminal_environment(),
    )
    found = after.stdout.split()
    venv_bin = (lab_root / ".venv" / "bin").resolve()
    assert [Path(path).resolve() for path in found[:2]] == [
        venv_bin / "aws",
        venv_bin / "agentcore-local",
    ], after.stdout
    assert found[2] == "function", after.stdout


def refused_by_design(block: str) -> bool:
    """The text's invoke without ``--bearer-token`` on a secured runtime: it must fail."""
    return block.lstrip().startswith("agentcore invoke") and "--bearer-token" not in block


def run_blocks(
    root: Path, notebooks: tuple[str, ...], edits: dict[str, str] | None = None
) -> tuple[str, str]:
    """Every bash block of ``notebooks`` in one terminal; each must exit 0, but the refused
    invoke. ``edits`` maps a notebook to a line run before its blocks: its hand edits."""
    blocks = [
        (name, block)
        for name in notebooks
        for block in [*([edits[name]] if edits and name in edits else []), *bash_blocks(name)]
    ]
    script = "".join(
        f"{block}\necho '=== {name} block {number} exit' $?\n"
        for number, (name, block) in enumerate(blocks)
    )
    terminal = run_in_terminal(root, script, terminal_environment())
    printed = terminal.stdout + terminal.stderr
    exits = re.findall(r"=== (\S+) block (\d+) exit (\d+)", terminal.stdout)
    assert terminal.returncode == 0, printed
    expected = ["1" if refused_by_design(block) else "0" for _, block in blocks]
    assert [code for *_, code in exits] == expected, printed
    return terminal.stdout, printed


def test_every_shell_block_of_the_workshop_runs_as_written(
    lab_root: Path, local_stack: StackState, settings: WorkshopSettings, workshop_home: Path
) -> None:
    project = lab_root / "my-project"
    # Notebook 03's two code edits (the browser test types them), made from the terminal.
    step_3 = "python -c 'from pathlib import Path; from helpers.kit import steps; " + (
        "steps.apply_token_forwarding(Path.cwd())'"
    )
    stdout, printed = run_blocks(
        lab_root,
        (
            "00_setup",
            "01_secure_runtime",
            "02_secure_gateway",
            "03_mcp_client_auth",
            "04_observability_traffic",
        ),
        edits={"03_mcp_client_auth": step_3},
    )
    assert "this shell now talks to the local stack" in printed
    assert "/app/customersupport/agentcore/client_id" in stdout  # the SSM table
    assert f"Discovery URL: {settings.cognito_discovery_url}" in stdout
    assert "Token obtained successfully" in stdout
    assert "30 days" in stdout  # agentcore invoke --bearer-token "$TOKEN" --stream: curl's token
    if find_real_cli(str(REPO_ROOT / ".venv" / "bin")) is None:
        # The stand-in's answer; the real CLI (`make lab` links it into .venv/bin) refuses
        # before sending, silently with --stream (tests/test_workshop_flow.py runs it).
        assert "HTTP 401" in printed  # the same invoke without the token
    replaced = check_gateway_replaced(project, settings)
    assert replaced.ok, replaced
    assert "my-gateway-secure" in local_stack_gateways(project)
    assert "2027-03-01" in stdout  # $SESSION_E: the warranty of PROD-001, through the Gateway
    assert "Store credit or exchange" in stdout and "$54.99" in stdout  # $SESSION_D
    assert "2028-01-15" in stdout  # the warranty of PROD-002
    # aws cognito-idp initiate-auth with alice's password from Secrets Manager (never shown)
    user_token_length = re.search(r"alice's access token: (\d+) characters", stdout)
    assert user_token_length and int(user_token_length[1]) > 500, printed
    assert not (project / "sign-in.json").exists()  # the file with the password is gone

    # A new terminal for the clean-up (notebook 05): it needs no variable of the first.
    _, cleanup = run_blocks(lab_root, ("00_setup", "05_cleanup"))
    assert read_config(project).get("runtimes") == []
    secrets = [
        *stack_secrets(workshop_home).values(),
        stack.credentials(workshop_home).aws_secret_access_key,
    ]
    for text in (printed, cleanup):  # nothing secret on the screen
        assert not JWT_SHAPED.search(text)
        assert not [secret for secret in secrets if secret in text]


def local_stack_gateways(project: Path) -> list[str]:
    """The gateways ``agentcore-local status`` lists as deployed."""
    status = subprocess.run(
        [str(REPO_ROOT / ".venv" / "bin" / "agentcore-local"), "status", "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=project,
    )
    return list(json.loads(status.stdout)["gateways"])


def test_env_refuses_a_shell_meant_for_aws(local_stack: StackState, tmp_path: Path) -> None:
    env = {**terminal_environment(), "WORKSHOP_BACKEND": "aws"}
    terminal = run_in_terminal(
        tmp_path,
        f'source {REPO_ROOT}/.venv/bin/activate && eval "$(agentcore-local env)"\n'
        # `agentcore` stays what PATH has (the real CLI where `make lab` linked it).
        '[ "$(type -t agentcore)" = function ] && echo shadowed || echo untouched\n'
        'echo "endpoint=${AWS_ENDPOINT_URL:-none}"\n',
        env,
    )
    assert "WORKSHOP_BACKEND=aws" in terminal.stderr
    assert "untouched" in terminal.stdout and "endpoint=none" in terminal.stdout
