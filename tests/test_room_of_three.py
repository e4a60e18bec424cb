"""A room of three: attendees on one JupyterHub, each with their own stack, kept apart.

A workshop host serves a room through JupyterHub, each attendee a Unix user. The module
makes three such users (``kitroom-<hex>``, homes in a temporary folder), starts a
JupyterHub on loopback with its proxy (``configurable-http-proxy``, cached under the
working state by :mod:`helpers.tooling.http_proxy`), and has the hub spawn each user's
single-user server (``LocalProcessSpawner``, so as that user). The server's command is a
wrapper that first starts the user's own stack, ``agentcore-local up`` as the user, with
the kit's state in the user's home; its ports are the user's own block
(:func:`helpers.emulator.core.ports.default_port_base`), so no port base is handed out.

Then, through each user's server API (behind the hub's proxy, with the hub's service
token), all three at once run in a kernel what notebook 01's checkpoints check, after
the kit's own catch-up (``start(through_step=1)``): the authorizer is in
``agentcore.json``, and a valid token gets a streamed answer.

Last, each attendee probes the next one's stack as their own Unix user (``setpriv``):
they read none of its files nor its daemon's environment, their client secret gets no
token from its issuer, their token is refused at its Runtime and their AWS keys at its
Memory. Homes are as ``useradd`` makes them (often readable by others): what keeps the
probes out is the stack's own doing.

It needs root, ``useradd``/``userdel``/``setpriv``, JupyterHub (the ``dev`` extra), npm
or a cached proxy, and the kit's venv reachable by other users; else it is skipped,
saying which. Where the venv's interpreter is not (pyenv's, under /root), a venv of the
system's Python of the same version, reading the kit's ``site-packages``, stands in.
Everything is taken down at the end: servers, stacks (each by its owner), hub, proxy,
users and their homes.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import signal
import ssl
import subprocess
import sys
import sysconfig
import tempfile
import textwrap
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
import websocket

from helpers.emulator import stack
from helpers.emulator.core.credentials import StackCredentials
from helpers.emulator.core.ports import os_chosen_port
from helpers.emulator.core.state import LOOPBACK, StackLayout, StackState
from helpers.kit import steps
from helpers.kit.backends.local import LocalBackend
from helpers.kit.paths import PREREQUISITES_FILE, REPO_ROOT
from helpers.kit.settings import WorkshopSettings, load_settings
from helpers.kit.tokens import client_secret
from helpers.tooling import http_proxy, npm_cache
from tests.support import poll_until

ATTENDEES = 3
SERVICE = "room-test"
# The kit's virtual environment: what the attendees' servers, kernels and stacks run.
KIT_VENV = Path(sys.prefix)
KIT_SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"])
SYSTEM_PYTHON = Path("/usr/bin/python3")
# What the kernels run: notebook 01's first cell with step 1 caught up, then the work its
# two checkpoint cells check. The token stays in the kernel; nothing prints it.
NOTEBOOK_01 = textwrap.dedent(
    """
    from helpers import _, check_runtime_authorizer, start
    from helpers.kit.paths import workshop_home

    ws = start(through_step=1)
    print("project:", ws.project)
    print("working state:", workshop_home())
    ws.checkpoint(
        _("agentcore.json has the runtime authorizer"),
        check_runtime_authorizer(ws.project, ws.settings),
        step=1,
    )
    token = ws.token()
    answer = ws.ask("What's the return policy for electronics?", token, ws.sessions["SESSION_C"])
    ws.checkpoint(_("a valid token gets a streamed answer"), "30 days" in answer, step=1)
    """
)
CHECKPOINTS = (
    "✅ checkpoint passed: agentcore.json has the runtime authorizer",
    "✅ checkpoint passed: a valid token gets a streamed answer",
)


# --- what the test needs ------------------------------------------------------------------


def _lets_others_through(path: Path) -> bool:
    """Whether every folder above ``path`` (symlinks resolved) is world-executable."""
    return all(parent.stat().st_mode & 0o001 for parent in path.resolve().parents)


def _lets_others_in(folder: Path) -> Path:
    """``folder`` if others may reach what is made in it, else /tmp."""
    return folder if _lets_others_through(folder / "x") else Path("/tmp")


def _open_to_others(path: Path) -> bool:
    """Whether others may read and run (or list) ``path`` and reach it."""
    resolved = path.resolve()
    return _lets_others_through(resolved) and resolved.stat().st_mode & 0o005 == 0o005


def _python_version(python: Path) -> str:
    done = subprocess.run(
        [str(python), "-c", "import sys; print(*sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _kit_python_for_others() -> str | None:
    """How other users run the kit's Python: ``"venv"``, ``"bridge"``, or None (they cannot).

    A venv's interpreter is a link to the one it was made from, which may live in root's
    home (pyenv under /root): then a venv made from the system's Python of the same
    version, reading the kit's ``site-packages``, stands in for it.
    """
    if _open_to_others(KIT_VENV / "bin" / "python"):
        return "venv"
    if (
        SYSTEM_PYTHON.exists()
        and _open_to_others(SYSTEM_PYTHON)
        and _python_version(SYSTEM_PYTHON) == _python_version(Path(sys.executable))
    ):
        return "bridge"
    return None


def _missing() -> str | None:
    """Why the room cannot be set up on this machine, or None when it can."""
    if os.geteuid() != 0:
        return "a room of Unix users needs root (to create them and switch to them): CI has it"
    tools = [tool for tool in ("useradd", "userdel", "setpriv") if shutil.which(tool) is None]
    if tools:
        return f"needs {', '.join(tools)} (apt-get install passwd util-linux)"
    if importlib.util.find_spec("jupyterhub") is None:
        return (
            "needs JupyterHub in the kit's venv: `.venv/bin/uv pip install --python "
            ".venv/bin/python -c constraints.txt -e '.[lab,dev]'` (or `make test`)"
        )
    if not http_proxy.installed() and not http_proxy.npm_available():
        return f"needs configurable-http-proxy: {http_proxy.INSTALL_HINT}"
    if not _open_to_others(KIT_SITE_PACKAGES):
        return f"other users cannot reach the kit's venv {KIT_VENV} (a folder above it is closed)"
    if not _open_to_others(REPO_ROOT / "helpers"):
        return f"other users cannot read the kit in {REPO_ROOT} (a folder above it is closed)"
    if _kit_python_for_others() is None:
        return (
            f"other users cannot run the venv's Python ({(KIT_VENV / 'bin' / 'python').resolve()}) "
            f"and no system Python of that version ({SYSTEM_PYTHON}) can stand in for it"
        )
    return None


WHY_NOT = _missing()
pytestmark = pytest.mark.skipif(WHY_NOT is not None, reason=WHY_NOT or "")


# --- the attendees --------------------------------------------------------------------------


@dataclass(frozen=True)
class Attendee:
    """One Unix user of the room, and where their kit keeps its state."""

    name: str
    uid: int
    gid: int
    home: Path

    @property
    def stack_home(self) -> Path:
        return self.home / ".workshop"

    @property
    def project(self) -> Path:
        return self.home / "my-project"

    def as_me(self) -> list[str]:
        """The command prefix that runs a program as this user, with no other group."""
        return ["setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups"]

    def environment(self, python: Path) -> dict[str, str]:
        return {
            "PATH": f"{python.parent}:/usr/bin:/bin",
            "HOME": str(self.home),
            "USER": self.name,
            "LANG": "C.UTF-8",
        }


def _user_tool(*argv: str) -> None:
    """Run ``useradd`` or ``userdel``, again while another process holds /etc/passwd's lock."""
    for attempt in range(20):
        done = subprocess.run(argv, capture_output=True, text=True, check=False)
        if done.returncode == 0 or "lock" not in done.stderr or attempt == 19:
            break
        time.sleep(0.5)
    # userdel says so when there is no mail spool to remove, and succeeds.
    assert done.returncode == 0, f"{' '.join(argv)}: {done.stderr}"


def _add_user(base: Path) -> Attendee:
    """A new Unix user ``kitroom-<hex>`` with its own group and a home under ``base``."""
    name = f"kitroom-{secrets.token_hex(3)}"
    home = base / name
    _user_tool(
        "useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/sh", "-U", name
    )
    entry = pwd.getpwnam(name)
    return Attendee(name, entry.pw_uid, entry.pw_gid, home)


def _processes_of(uid: int) -> list[int]:
    """The ids of the running processes owned by ``uid`` (from /proc; zombies not counted)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
                if entry.stat().st_uid == uid and state != "Z":
                    found.append(int(entry.name))
            except (FileNotFoundError, ProcessLookupError, IndexError):
                continue
    return found


def _remove_user(attendee: Attendee) -> None:
    """End what the user still runs (the test started all of it), then remove the user."""
    poll_until(lambda: not _processes_of(attendee.uid), within=10, every=0.2)
    for pid in _processes_of(attendee.uid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    poll_until(lambda: not _processes_of(attendee.uid), within=10, every=0.1)
    left = _processes_of(attendee.uid)
    # --force: removed even when a zombie of theirs waits for its parent to reap it.
    _user_tool("userdel", "--remove", "--force", attendee.name)
    assert not left, f"{attendee.name} still ran {left}"


def _bridge_python(base: Path) -> Path:
    """A venv of the system's Python that reads the kit's ``site-packages`` (see
    :func:`_kit_python_for_others`); its ``python`` runs the kit for anyone."""
    folder = base / "python"
    subprocess.run(
        [str(SYSTEM_PYTHON), "-m", "venv", "--without-pip", str(folder)],
        check=True,
        capture_output=True,
    )
    purelib = subprocess.run(
        [
            str(folder / "bin" / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # addsitedir, not a plain path: the kit's own editable install is a .pth file there.
    line = f"import site; site.addsitedir({str(KIT_SITE_PACKAGES)!r})\n"
    (Path(purelib) / "kit-venv.pth").write_text(line)
    # Readable by the attendees whatever this process's umask (links are left alone: they
    # point at the system's Python).
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | (0o555 if path.is_dir() else 0o444))
    return folder / "bin" / "python"


# --- the hub ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hub:
    """A running JupyterHub: its public URL (the proxy's), its service token, its process."""

    url: str
    token: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"token {self.token}"}

    def api(self, method: str, path: str, **options: Any) -> httpx.Response:
        return httpx.request(
            method, f"{self.url}/hub/api{path}", headers=self.headers, timeout=30, **options
        )

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _command(python: Path, script: str, module: str) -> str:
    """The venv's ``script`` where others may run the venv's Python, else ``python -m``."""
    if python == KIT_VENV / "bin" / "python":
        return f'"{KIT_VENV / "bin" / script}"'
    return f'"{python}" -m {module}'


def _wrapper(base: Path, python: Path) -> Path:
    """The single-user server's command: the user's stack up, then the server itself."""
    script = base / "start-attendee"
    script.write_text(
        textwrap.dedent(
            f"""\
            #!/bin/sh
            # Run by the hub's LocalProcessSpawner as the attendee, in their home.
            set -e
            {_command(python, "agentcore-local", "helpers.emulator.cli")} \\
                up --prerequisites "{PREREQUISITES_FILE}"
            exec {_command(python, "jupyterhub-singleuser", "jupyterhub.singleuser")} "$@"
            """
        )
    )
    script.chmod(0o755)
    return script


def _hub_config(
    folder: Path, attendees: list[Attendee], python: Path, token: str
) -> tuple[Path, int]:
    """The hub's configuration file in ``folder``, and the proxy's public port.

    Hub, proxy and servers listen on loopback only. The hub spawns each attendee's server
    as that user with :func:`_wrapper`'s command, the kit's state and project in their
    home; the test holds the token of a service whose role may read the users, start and
    stop their servers and use them, and nothing more.
    """
    public, api, hub = os_chosen_port(), os_chosen_port(), os_chosen_port()
    homes = {attendee.name: str(attendee.home) for attendee in attendees}
    config = folder / "jupyterhub_config.py"
    config.write_text(
        textwrap.dedent(
            f"""\
            c = get_config()  # noqa: F821
            HOMES = {homes!r}


            def home(spawner, folder):
                return HOMES[spawner.user.name] + "/" + folder


            c.JupyterHub.ip = {LOOPBACK!r}
            c.JupyterHub.port = {public}
            c.JupyterHub.hub_ip = {LOOPBACK!r}
            c.JupyterHub.hub_port = {hub}
            c.ConfigurableHTTPProxy.api_url = "http://{LOOPBACK}:{api}"
            c.ConfigurableHTTPProxy.command = [{str(http_proxy.executable())!r}]
            c.ConfigurableHTTPProxy.auth_token = {secrets.token_hex(16)!r}
            c.JupyterHub.db_url = "sqlite:///{folder}/jupyterhub.sqlite"
            c.JupyterHub.cookie_secret_file = "{folder}/jupyterhub_cookie_secret"
            # Nobody signs in: the test works with its service's token alone.
            c.JupyterHub.authenticator_class = "jupyterhub.auth.NullAuthenticator"
            c.Authenticator.allowed_users = set(HOMES)
            c.Spawner.ip = {LOOPBACK!r}
            c.Spawner.cmd = [{str(_wrapper(folder.parent, python))!r}]
            c.Spawner.env_keep = []
            c.Spawner.environment = {{
                "PATH": "{python.parent}:/usr/bin:/bin",
                "LANG": "C.UTF-8",
                "WORKSHOP_BACKEND": "local",
                # The venv's Jupyter configuration (JupyterLab on) and data (the kernel),
                # for a server run by the stand-in Python too.
                "JUPYTER_CONFIG_PATH": "{KIT_VENV / "etc" / "jupyter"}",
                "JUPYTER_PATH": "{KIT_VENV / "share" / "jupyter"}",
                "AGENTCORE_WORKSHOP_HOME": lambda spawner: home(spawner, ".workshop"),
                "AGENTCORE_LOCAL_HOME": lambda spawner: home(spawner, ".workshop"),
                "AGENTCORE_WORKSHOP_PROJECT": lambda spawner: home(spawner, "my-project"),
            }}
            c.Spawner.start_timeout = 120
            c.Spawner.http_timeout = 120
            c.JupyterHub.services = [{{"name": {SERVICE!r}, "api_token": {token!r}}}]
            c.JupyterHub.load_roles = [
                {{
                    "name": {SERVICE!r},
                    "services": [{SERVICE!r}],
                    "scopes": ["read:users", "read:servers", "servers", "access:servers"],
                }}
            ]
            """
        )
    )
    return config, public


def _wait_for(what: str, ready: Callable[[], bool], timeout: float, hub: Hub | None = None) -> None:
    """Poll ``ready`` until it is true; past ``timeout``, fail with the hub's log."""
    if not poll_until(ready, within=timeout, every=0.25):
        said = hub.log_tail() if hub else ""
        raise AssertionError(f"{what}: not ready in {timeout:.0f} s\n{said}")


def _start_hub(folder: Path, config: Path, port: int, token: str) -> Hub:
    """JupyterHub as root (it starts the proxy), answering on ``port``; its log in ``folder``."""
    url = f"http://{LOOPBACK}:{port}"
    log = folder / "jupyterhub.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(config)],
            cwd=folder,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={
                "PATH": f"{KIT_VENV / 'bin'}:/usr/bin:/bin",
                "LANG": "C.UTF-8",
                "HOME": str(folder),
            },
            start_new_session=True,
        )
    hub = Hub(url, token, process, log)

    def answering() -> bool:
        assert process.poll() is None, f"the hub exited:\n{hub.log_tail()}"
        try:
            return hub.api("GET", "/").status_code == 200
        except httpx.TransportError:
            return False

    _wait_for("JupyterHub", answering, 60, hub)
    return hub


def _stop_hub(hub: Hub) -> None:
    """Stop the hub; it stops the proxy it started. A proxy left over is ended by its pid."""
    proxy_pid_file = hub.log.parent / "jupyterhub-proxy.pid"
    proxy_pid = int(proxy_pid_file.read_text()) if proxy_pid_file.exists() else None
    hub.process.send_signal(signal.SIGTERM)
    try:
        hub.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        hub.process.kill()
        hub.process.wait(timeout=10)
    if proxy_pid is not None and Path(f"/proc/{proxy_pid}").exists():
        cmdline = Path(f"/proc/{proxy_pid}/cmdline").read_bytes()
        if b"configurable-http-proxy" in cmdline:
            os.kill(proxy_pid, signal.SIGTERM)


def _spawn_and_wait(hub: Hub, attendees: list[Attendee]) -> None:
    """Ask the hub for every attendee's server at once, and wait until all are ready."""
    for attendee in attendees:
        answer = hub.api("POST", f"/users/{attendee.name}/server")
        assert answer.status_code in (201, 202), f"{answer.text}\n{hub.log_tail()}"

    def all_ready() -> bool:
        assert hub.process.poll() is None, f"the hub exited:\n{hub.log_tail()}"
        for attendee in attendees:
            server = hub.api("GET", f"/users/{attendee.name}").json()["servers"].get("", {})
            if not server.get("ready"):
                assert server, f"{attendee.name}'s server failed:\n{hub.log_tail()}"
                return False
        return True

    _wait_for("the attendees' servers", all_ready, 180, hub)


def _stop_servers(hub: Hub, attendees: list[Attendee]) -> None:
    for attendee in attendees:
        hub.api("DELETE", f"/users/{attendee.name}/server")

    def all_stopped() -> bool:
        return all(
            not hub.api("GET", f"/users/{attendee.name}").json()["servers"]
            for attendee in attendees
        )

    with contextlib.suppress(AssertionError, httpx.HTTPError):
        _wait_for("the servers to stop", all_stopped, 30)  # else the hub stops them at exit


def _stack_down(attendee: Attendee, python: Path) -> None:
    """``agentcore-local --home … down`` as the attendee, as they would stop their stack."""
    home = str(attendee.stack_home)
    subprocess.run(
        [*attendee.as_me(), str(python), "-m", "helpers.emulator.cli", "--home", home, "down"],
        cwd=attendee.home,
        env=attendee.environment(python),
        capture_output=True,
        timeout=60,
        check=False,
    )


@dataclass(frozen=True)
class Room:
    """The hub with every attendee's server ready, and the Python the attendees run."""

    hub: Hub
    attendees: list[Attendee]
    python: Path


@pytest.fixture(scope="module")
def room() -> Iterator[Room]:
    try:
        http_proxy.install(say=lambda _: None)
    except npm_cache.InstallError as error:
        pytest.skip(str(error))
    # The attendees' homes are in it: a temporary folder others may reach.
    temporary = Path(tempfile.gettempdir())
    base = Path(tempfile.mkdtemp(prefix="kitroom-", dir=_lets_others_in(temporary)))
    base.chmod(0o755)
    attendees: list[Attendee] = []
    hub: Hub | None = None
    python = KIT_VENV / "bin" / "python"
    try:
        if _kit_python_for_others() == "bridge":
            python = _bridge_python(base)
        for _ in range(ATTENDEES):
            attendees.append(_add_user(base))
        hub_folder = base / "hub"
        hub_folder.mkdir(mode=0o700)
        token = secrets.token_hex(32)
        config, port = _hub_config(hub_folder, attendees, python, token)
        hub = _start_hub(hub_folder, config, port, token)
        _spawn_and_wait(hub, attendees)
        yield Room(hub, attendees, python)
    finally:
        failures = _tear_down(hub, attendees, python)
        shutil.rmtree(base, ignore_errors=True)
        assert not failures, f"the room was not taken down: {failures}"


def _tear_down(hub: Hub | None, attendees: list[Attendee], python: Path) -> list[str]:
    """Servers stopped through the hub, each stack stopped by its owner, the hub and its
    proxy stopped, the users removed: every step runs whatever the one before did, and
    what failed is returned."""

    def stacks_down() -> None:
        with ThreadPoolExecutor(max_workers=ATTENDEES) as pool:
            list(pool.map(lambda attendee: _stack_down(attendee, python), attendees))

    steps: list[Callable[[], None]] = []
    if hub is not None:
        steps.append(functools.partial(_stop_servers, hub, attendees))
    steps.append(stacks_down)
    if hub is not None:
        steps.append(functools.partial(_stop_hub, hub))
    steps += [functools.partial(_remove_user, attendee) for attendee in attendees]
    failures = []
    for step in steps:
        try:
            step()
        except Exception as error:
            failures.append(f"{error!r}")
    return failures


# --- a kernel over the server API -------------------------------------------------------------


@dataclass(frozen=True)
class Executed:
    """What a cell printed, and its error's traceback if it raised."""

    status: str
    output: str
    error: str


def _execute_in_a_new_kernel(hub: Hub, user: str, code: str, timeout: float = 240) -> Executed:
    """Start a kernel in ``user``'s server, run ``code`` over the kernel's websocket, and
    shut the kernel down: all through the hub's proxy, as JupyterLab does."""
    api = f"{hub.url}/user/{user}/api"
    started = httpx.post(
        f"{api}/kernels", json={"name": "python3"}, headers=hub.headers, timeout=60
    )
    assert started.status_code == 201, (started.status_code, started.text)
    kernel_id = started.json()["id"]
    try:
        channels = f"ws{api.removeprefix('http')}/kernels/{kernel_id}/channels"
        connection = websocket.create_connection(
            channels, header=[f"Authorization: token {hub.token}"], timeout=timeout
        )
        try:
            return _run_cell(connection, code, timeout)
        finally:
            connection.close()
    finally:
        httpx.delete(f"{api}/kernels/{kernel_id}", headers=hub.headers, timeout=30)


def _run_cell(connection: websocket.WebSocket, code: str, timeout: float) -> Executed:
    """One ``execute_request`` on the kernel's channels; its streams, error and status."""
    msg_id = uuid.uuid4().hex
    request = {
        "header": {
            "msg_id": msg_id,
            "msg_type": "execute_request",
            "username": "room-test",
            "session": uuid.uuid4().hex,
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": {
            "code": code,
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        "channel": "shell",
        "buffers": [],
    }
    connection.send(json.dumps(request))
    output: list[str] = []
    error = ""
    status: str | None = None
    idle = False
    deadline = time.monotonic() + timeout
    while status is None or not idle:
        connection.settimeout(max(deadline - time.monotonic(), 0.1))
        frame = connection.recv()
        if not isinstance(frame, str):
            continue  # a binary frame: a message with buffers, none of ours
        message = json.loads(frame)
        if message.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = message["header"]["msg_type"], message["content"]
        if kind == "stream":
            output.append(content["text"])
        elif kind == "error":
            error = "\n".join(content["traceback"])
        elif kind == "execute_reply":
            status = content["status"]
        elif kind == "status" and content["execution_state"] == "idle":
            idle = True
    return Executed(status, "".join(output), error)


# --- what an attendee holds, read as root ----------------------------------------------------


@dataclass(frozen=True)
class Holdings:
    """One attendee's stack, and what its owner may use of it: client, token, AWS keys."""

    attendee: Attendee
    state: StackState
    credentials: StackCredentials
    settings: WorkshopSettings
    client_secret: str
    token: str
    invoke_url: str

    @property
    def layout(self) -> StackLayout:
        return StackLayout(self.attendee.stack_home)


def _holdings(attendee: Attendee) -> Holdings:
    layout = StackLayout(attendee.stack_home)
    state = StackState.read(layout)
    assert state is not None, f"{attendee.name}'s stack wrote no status file"
    credentials = stack.credentials(attendee.stack_home)
    session = boto3.session.Session(
        aws_access_key_id=credentials.aws_access_key_id,
        aws_secret_access_key=credentials.aws_secret_access_key,
        region_name=state.region,
    )
    settings = load_settings(session.client("ssm", endpoint_url=state.aws_endpoint_url))
    cognito = session.client("cognito-idp", endpoint_url=state.aws_endpoint_url)
    secret = client_secret(settings.pool_id, settings.client_id, cognito)
    answer = httpx.post(
        settings.cognito_token_url,
        data={"grant_type": "client_credentials", "scope": settings.cognito_auth_scope},
        auth=(settings.client_id, secret),
        verify=ssl.create_default_context(cafile=str(state.ca_bundle)),
        timeout=30,
    )
    assert answer.status_code == 200, answer.text  # the owner's own client gets a token
    invoke_url = LocalBackend(attendee.stack_home).invoke_url(attendee.project, steps.RUNTIME)
    return Holdings(
        attendee, state, credentials, settings, secret, answer.json()["access_token"], invoke_url
    )


# --- the tests --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def notebook_01(room: Room) -> dict[str, Executed]:
    """Notebook 01's checkpoint work, run in a kernel of each attendee's server, all at once."""
    with ThreadPoolExecutor(max_workers=len(room.attendees)) as pool:
        runs = {
            attendee.name: pool.submit(
                _execute_in_a_new_kernel, room.hub, attendee.name, NOTEBOOK_01
            )
            for attendee in room.attendees
        }
        return {name: run.result() for name, run in runs.items()}


def test_three_attendees_pass_notebook_01s_checkpoints_at_once(
    room: Room, notebook_01: dict[str, Executed]
) -> None:
    for attendee in room.attendees:
        run = notebook_01[attendee.name]
        assert run.status == "ok", f"{attendee.name}:\n{run.output}\n{run.error}"
        for checkpoint in CHECKPOINTS:
            assert checkpoint in run.output, f"{attendee.name}:\n{run.output}"
        # The kit's state and project are in the attendee's home, their stack is their own.
        assert f"project: {attendee.project}" in run.output
        assert f"working state: {attendee.stack_home}" in run.output
        state = StackState.read(StackLayout(attendee.stack_home))
        assert state is not None
        assert Path(f"/proc/{state.pid}").stat().st_uid == attendee.uid
    ports = [
        set(StackState.read(StackLayout(a.stack_home)).ports.values())  # type: ignore[union-attr]
        for a in room.attendees
    ]
    assert all(not (ports[i] & ports[j]) for i in range(len(ports)) for j in range(i))


_PROBE = r"""
import json, ssl, sys, urllib.error, urllib.request

import boto3
from botocore.exceptions import ClientError

targets = json.load(sys.stdin)
insecure = ssl.create_default_context()
insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
found = {}
for path in targets["files"] + targets["own files"]:
    try:
        open(path, "rb").read(1)
        found[path] = "read"
    except OSError as error:
        found[path] = type(error).__name__


def status(request):
    try:
        return urllib.request.urlopen(request, timeout=30, context=insecure).status
    except urllib.error.HTTPError as error:
        return error.code


token = urllib.request.Request(
    targets["token_url"],
    data=b"grant_type=client_credentials",
    headers={"Authorization": "Basic " + targets["basic"]},
)
found["token"] = status(token)
invoke = urllib.request.Request(
    targets["invoke_url"],
    data=b'{"prompt": "Hello"}',
    headers={"Authorization": "Bearer " + targets["bearer"], "Content-Type": "application/json"},
)
found["invoke"] = status(invoke)
session = boto3.session.Session(region_name=targets["region"], **targets["aws_keys"])
for name, endpoint in (("own memory", targets["own_aws"]), ("memory", targets["aws"])):
    try:
        session.client("bedrock-agentcore-control", endpoint_url=endpoint).list_memories()
        found[name] = 200
    except ClientError as error:
        found[name] = error.response["ResponseMetadata"]["HTTPStatusCode"]
print(json.dumps(found))
"""


def _probe(python: Path, prober: Holdings, target: Holdings) -> dict[str, Any]:
    """``prober``'s attendee, as their own Unix user, tries ``target``'s stack."""
    basic = base64.b64encode(
        f"{prober.settings.client_id}:{prober.client_secret}".encode()
    ).decode()
    targets = {
        "files": [str(path) for path in _private_files(target)],
        "own files": [str(prober.layout.credentials_file)],
        "token_url": target.settings.cognito_token_url,
        "basic": basic,
        "invoke_url": target.invoke_url,
        "bearer": prober.token,
        "region": target.state.region,
        "aws_keys": {
            "aws_access_key_id": prober.credentials.aws_access_key_id,
            "aws_secret_access_key": prober.credentials.aws_secret_access_key,
        },
        "aws": target.state.aws_endpoint_url,
        "own_aws": prober.state.aws_endpoint_url,
    }
    attendee = prober.attendee
    # The secrets go on stdin: another user reads every command line.
    done = subprocess.run(
        [*attendee.as_me(), str(python), "-c", _PROBE],
        input=json.dumps(targets),
        capture_output=True,
        text=True,
        cwd=attendee.home,
        env=attendee.environment(python),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _private_files(holdings: Holdings) -> list[Path]:
    layout = holdings.layout
    return [
        layout.credentials_file,
        layout.signing_keys_file,
        layout.log_file,
        layout.memory_file,
        layout.status_file,
        Path(f"/proc/{holdings.state.pid}/environ"),
    ]


def test_no_attendee_reaches_anothers_stack(room: Room, notebook_01: dict[str, Executed]) -> None:
    # The probes need what notebook 01 deploys: a Runtime, a memory, logs.
    assert all(run.status == "ok" for run in notebook_01.values()), "notebook 01 failed"
    holdings = [_holdings(attendee) for attendee in room.attendees]
    for each in holdings:
        assert all(path.exists() for path in _private_files(each)), "nothing there to protect"
    pairs = [(holdings[i], holdings[(i + 1) % len(holdings)]) for i in range(len(holdings))]
    with ThreadPoolExecutor(max_workers=len(pairs)) as pool:
        found = list(pool.map(lambda pair: _probe(room.python, *pair), pairs))
    for (prober, target), seen in zip(pairs, found, strict=True):
        who = f"{prober.attendee.name} -> {target.attendee.name}"
        for path in _private_files(target):
            assert seen[str(path)] == "PermissionError", (who, str(path), seen[str(path)])
        # The probe reads where its user may: its own stack's secrets.
        assert seen[str(prober.layout.credentials_file)] == "read", (who, seen)
        assert seen["token"] == 401, (who, seen)  # invalid_client at the other's issuer
        assert seen["invoke"] == 401, (who, seen)
        assert seen["own memory"] == 200, (who, seen)  # the keys work where they belong
        assert seen["memory"] == 403, (who, seen)
