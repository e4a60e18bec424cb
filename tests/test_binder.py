"""Binder: repo2docker builds the kit from the repository, and each container starts its stack.

A BinderHub builds the attendees' image with repo2docker from the repository's top-level
``environment.yml``, ``postBuild`` and ``start`` (why there and not in a ``binder/``
folder: see ``environment.yml``), and every attendee's container runs ``start`` before
its Jupyter server. Neither needs Docker here:

- ``repo2docker --no-build`` prints the Dockerfile it would build, from a copy of what a
  commit of the work tree holds (not ``.venv/``, ``.workshop/`` or ``my-project/``): the
  conda buildpack's, installing ``environment.yml`` once the repository is copied in
  (its pip section names local paths), then running ``postBuild``, and with ``start`` as
  what each container runs first;
- ``start`` runs as in a container, in a home that is a copy of the repository: the
  attendee's stack comes up there, owner-only, on the port block it is given, before the
  command runs; JupyterLab started through it opens notebook 00 of the edition
  ``WORKSHOP_LANG`` names, with that edition's settings. Each test stops what it started.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from helpers.emulator import stack
from tests.support import REPO_ROOT, port_base_beside_the_suite, wait_until_jupyter_serves

INSTALL_HINT = (
    "repo2docker is not installed: .venv/bin/python -m pip install -c constraints.txt "
    "jupyter-repo2docker (the dev extra has it; `make test` installs it)"
)
# The Dockerfile's lines these tests look for, as repo2docker 2026.4 writes them.
COPY_REPOSITORY = "COPY --chown=1000:1000 src/ ${REPO_DIR}/"
INSTALL_ENVIRONMENT = 'env update -p ${NB_PYTHON_PREFIX} --file "environment.yml"'
RUN_POST_BUILD = "RUN ./postBuild"
START_FIRST = 'ENV R2D_ENTRYPOINT="${REPO_DIR}/start"'
ENTRYPOINT = 'ENTRYPOINT ["/usr/local/bin/repo2docker-entrypoint"]'
STACK_START = 'agentcore-local up --prerequisites "$repo/agent/prerequisites.json"'


def _committable_files() -> list[str]:
    """What a commit of the work tree would hold: tracked files and new ones git does not
    ignore (so the test sees this change before it is committed), never ignored state."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO_ROOT,
            capture_output=True,
            check=True,
        ).stdout.decode()
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"needs a git checkout of the repository and git ({error})")
    return [name for name in listed.split("\0") if name and (REPO_ROOT / name).is_file()]


def copy_of_the_repository(target: Path) -> Path:
    """The repository's committable files under ``target``, modes kept (start's x bit)."""
    for name in _committable_files():
        destination = target / name
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO_ROOT / name, destination)
    return target


@dataclass(frozen=True)
class BuildPlan:
    log: str  # what repo2docker says about its choices
    dockerfile: str
    repository: Path


@pytest.fixture(scope="module")
def build_plan(tmp_path_factory: pytest.TempPathFactory) -> BuildPlan:
    """repo2docker's plan for the repository, as BinderHub asks for it (user 1000, jovyan),
    with a Docker host that does not exist: --no-build must not need one."""
    if importlib.util.find_spec("repo2docker") is None:
        pytest.skip(INSTALL_HINT)
    repository = copy_of_the_repository(tmp_path_factory.mktemp("binder") / "repository")
    command = [sys.executable, "-m", "repo2docker", "--no-build", "--debug"]
    result = subprocess.run(
        [*command, "--user-id", "1000", "--user-name", "jovyan", str(repository)],
        cwd=repository.parent,  # repo2docker reads a repo2docker_config.py from its cwd
        env={**os.environ, "DOCKER_HOST": "unix:///nonexistent/docker.sock"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return BuildPlan(result.stderr, result.stdout, repository)


def test_repo2docker_builds_environment_yml_with_the_conda_buildpack(build_plan: BuildPlan) -> None:
    # A binder/ folder would hide every top-level configuration file from repo2docker.
    assert not (build_plan.repository / "binder").exists()
    assert not (build_plan.repository / ".binder").exists()
    assert "Building conda environment for python=3.11" in build_plan.log
    dockerfile = build_plan.dockerfile
    # environment.yml's pip section names constraints.txt and `.`: installed only after
    # the repository is copied in, from its folder.
    assert COPY_REPOSITORY in dockerfile and INSTALL_ENVIRONMENT in dockerfile, dockerfile
    assert dockerfile.index(COPY_REPOSITORY) < dockerfile.index(INSTALL_ENVIRONMENT)


def test_repo2docker_runs_post_build_after_the_install(build_plan: BuildPlan) -> None:
    dockerfile = build_plan.dockerfile
    assert RUN_POST_BUILD in dockerfile, dockerfile
    assert dockerfile.index(INSTALL_ENVIRONMENT) < dockerfile.index(RUN_POST_BUILD)


def test_each_container_runs_start_and_it_starts_the_stack(build_plan: BuildPlan) -> None:
    dockerfile = build_plan.dockerfile
    assert START_FIRST in dockerfile and ENTRYPOINT in dockerfile, dockerfile
    start = build_plan.repository / "start"
    assert os.access(start, os.X_OK)
    script = start.read_text()
    assert STACK_START in script
    # repo2docker's rule for start: it ends by running the command it was given.
    assert script.rstrip().splitlines()[-1] == 'exec "$@"'


def _container_environment(home: Path, port_base: str, **extra: str) -> dict[str, str]:
    """The environment of an attendee's container: none of this session's stack settings,
    the kit's commands on PATH (in the container, the conda environment's)."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "AGENTCORE_", "WORKSHOP_", "JUPYTER"))
        and name not in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE")
    }
    path = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return {**env, "HOME": str(home), "PATH": path, "AGENTCORE_LOCAL_PORT_BASE": port_base, **extra}


def _assert_owner_only(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path} is not owner-only"


PROBE = """
import json, os
names = ("WORKSHOP_LANG", "WORKSHOP_BACKEND", "AGENTCORE_LOCAL_HOME", "AGENTCORE_WORKSHOP_HOME",
         "AGENTCORE_WORKSHOP_PROJECT", "JUPYTER_CONFIG_PATH")
print("PROBE " + json.dumps({name: os.environ.get(name) for name in names}))
"""


@pytest.mark.stack
def test_start_brings_up_the_attendees_stack_then_runs_the_command(tmp_path: Path) -> None:
    """On a shared host the kit is installed once (its .venv beside it) and each attendee
    works in a folder of their own (WORKSHOP_FOLDER): notebooks copied there on first start,
    the state, the project and the server's root there, the terminal's `.venv` the kit's."""
    kit = copy_of_the_repository(tmp_path / "opt" / "kit")
    (kit / ".venv" / "bin").mkdir(parents=True)
    folder = tmp_path / "home" / "alice" / "agentcore-workshop"
    state_home = folder / ".workshop"
    try:
        result = subprocess.run(
            [str(kit / "start"), sys.executable, "-c", PROBE],
            cwd=tmp_path,
            env=_container_environment(
                tmp_path / "home" / "alice",
                port_base_beside_the_suite(500),
                WORKSHOP_FOLDER=str(folder),
            ),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        probe = next(line for line in result.stdout.splitlines() if line.startswith("PROBE "))
        seen = json.loads(probe.removeprefix("PROBE "))
        # The command ran after the stack was up, with `make lab`'s environment.
        status = stack.status(state_home)
        assert status.healthy, status.to_json()
        assert seen["AGENTCORE_LOCAL_HOME"] == seen["AGENTCORE_WORKSHOP_HOME"] == str(state_home)
        assert seen["AGENTCORE_WORKSHOP_PROJECT"] == str(folder / "my-project")
        assert (seen["WORKSHOP_LANG"], seen["WORKSHOP_BACKEND"]) == ("en", "local")
        assert seen["JUPYTER_CONFIG_PATH"] == str(state_home / "jupyter")
        _assert_owner_only(state_home)
        assert (folder / "notebooks" / "00_setup.ipynb").is_file()
        assert (folder / ".venv").readlink() == kit / ".venv"
        config = json.loads((state_home / "jupyter" / "jupyter_server_config.json").read_text())
        assert config["ServerApp"]["default_url"] == "/lab/tree/notebooks/00_setup.ipynb"
        assert config["ServerApp"]["root_dir"] == str(folder)
        settings = kit / "helpers" / "tooling" / "jupyterlab" / "en"
        assert config["LabServerApp"]["app_settings_dir"] == str(settings)
    finally:
        stack.down(state_home)
    assert stack.read_state(state_home) is None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the process group start ran in; SIGKILL what is left after 30 s."""
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


@pytest.fixture
def chinese_container(tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """JupyterLab started through start with WORKSHOP_LANG=zh-CN: its URL, token and home."""
    home = copy_of_the_repository(tmp_path / "home")
    port, token = _free_port(), secrets.token_hex(16)
    server = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1"]
    server += [f"--port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}"]
    if os.getuid() == 0:
        server.append("--allow-root")  # the container's user is not root; this machine's may be
    env = _container_environment(home, port_base_beside_the_suite(510), WORKSHOP_LANG="zh-CN")
    log_path = tmp_path / "start.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(home / "start"), *server],
            cwd=home,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_jupyter_serves(process, url, token, log_path, "JupyterLab")
        yield url, token, home
    finally:
        _stop_group(process)
        stack.down(home / ".workshop")


@pytest.mark.stack
def test_start_opens_notebook_00_of_the_chosen_edition_with_its_settings(
    chinese_container: tuple[str, str, Path],
) -> None:
    url, token, home = chinese_container
    auth = {"Authorization": f"token {token}"}
    assert stack.status(home / ".workshop").healthy
    landing = requests.get(f"{url}/", headers=auth, allow_redirects=False, timeout=10)
    assert landing.status_code == 302
    location = landing.headers["Location"].partition("?")[0]
    assert location.endswith("/lab/tree/notebooks/zh-CN/00_setup.ipynb"), location

    # The edition's settings (helpers/tooling/jupyterlab/zh-CN/), as `make lab` gives them.
    def setting(plugin: str, name: str) -> object:
        settings = f"{url}/lab/api/settings/@jupyterlab/{plugin}"
        answer = requests.get(settings, headers=auth, timeout=10)
        return answer.json()["schema"]["properties"][name]["default"]

    assert setting("translation-extension:plugin", "locale") == "zh_CN"
    assert setting("docmanager-extension:plugin", "defaultViewers") == {"json": "Editor"}
    # The server's root is the repository (the attendee's home), where notebook 00 is.
    notebook = requests.get(
        f"{url}/api/contents/notebooks/zh-CN/00_setup.ipynb?content=0", headers=auth, timeout=10
    )
    assert notebook.status_code == 200
    # The terminal's setup line works as written: the kit is in the image's environment.
    shell = subprocess.run(
        ["bash", "-c", "source .venv/bin/activate && echo activated"],
        cwd=home,
        capture_output=True,
        text=True,
        check=False,
    )
    assert shell.stdout.strip() == "activated", shell.stderr
