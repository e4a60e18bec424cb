"""Start, check and stop the local stack from a notebook, a test or the shell.

The stack runs as one detached background process (``helpers.emulator.daemon``) so
it outlives the notebook kernel or the ``agentcore-local up`` command that
started it. ``up`` is idempotent and returns only when every part answers its
health check; ``down`` stops the process group and waits until no port listens.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import N_, _
from helpers.emulator import real_cli
from helpers.emulator.client import ControlClient
from helpers.emulator.core.credentials import StackCredentials
from helpers.emulator.core.model_choice import ModelChoice, probe
from helpers.emulator.core.ports import port_is_listening
from helpers.emulator.core.state import StackLayout, StackState
from helpers.emulator.core.tls import client_context
from helpers.emulator.deploy.report import Deployments
from helpers.emulator.prerequisites.format import Prerequisites

START_TIMEOUT_SECONDS = 30.0
STOP_TIMEOUT_SECONDS = 10.0
HOME_ENV = "AGENTCORE_LOCAL_HOME"
NOT_RUNNING = N_("the local stack is not running (start it with: agentcore-local up)")
_DAEMON_MODULE = "helpers.emulator.daemon"


class StackError(ActionableError):
    """The stack could not be started or stopped; the message says which part and why."""


@dataclass(frozen=True)
class PartHealth:
    name: str
    port: int
    url: str
    healthy: bool
    detail: str = ""


@dataclass(frozen=True)
class StackStatus:
    """What ``agentcore-local status`` reports. Holds no secret."""

    state: StackState | None
    parts: tuple[PartHealth, ...] = ()
    deployed: Deployments = field(default_factory=Deployments)

    @property
    def running(self) -> bool:
        return self.state is not None

    @property
    def healthy(self) -> bool:
        return self.running and bool(self.parts) and all(part.healthy for part in self.parts)

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"running": self.running, "healthy": self.healthy}
        if self.state is None:
            return document
        return document | {
            **self.state.to_json(),
            "aws_endpoint_url": self.state.aws_endpoint_url,
            "token_url": self.state.token_url,
            "parts": {
                part.name: {"port": part.port, "url": part.url, "healthy": part.healthy}
                | ({"detail": part.detail} if part.detail else {})
                for part in self.parts
            },
            "runtimes": {name: info.invoke_url for name, info in self.deployed.runtimes.items()},
            "gateways": {name: info.url for name, info in self.deployed.gateways.items()},
        }


def default_home() -> Path:
    """The stack's working-state folder: ``$AGENTCORE_LOCAL_HOME``, else ``~/.agentcore-local``."""
    chosen = os.environ.get(HOME_ENV)
    return Path(chosen).expanduser().resolve() if chosen else Path.home() / ".agentcore-local"


def _layout(home: Path | None) -> StackLayout:
    return StackLayout(home or default_home())


def _daemon_alive(pid: int) -> bool:
    """True when ``pid`` is running and is our daemon (a reused pid is not ours)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            return False
        return True
    return _DAEMON_MODULE.encode() in cmdline


_HEALTH_PATHS = {
    "aws_api": "/moto-api/",
    "issuer": "/health",
    "runtime": "/ping",
    "gateway": "/",  # any answer below 500 shows the MCP host is serving
    "control": "/health",
    "collector": "/health",
}


def read_state(home: Path | None = None) -> StackState | None:
    """The running stack's state (URLs, ports, outputs), or None when none runs."""
    state = StackState.read(_layout(home))
    return state if state is not None and _daemon_alive(state.pid) else None


def _check_parts(state: StackState) -> tuple[PartHealth, ...]:
    parts = []
    for name, path in _HEALTH_PATHS.items():
        url = state.url(name)
        try:
            response = httpx.get(url + path, timeout=2, verify=client_context(state.ca_bundle))
            healthy = response.status_code < 500
            detail = "" if healthy else f"HTTP {response.status_code}"
        except httpx.HTTPError as error:
            healthy, detail = False, type(error).__name__
        parts.append(PartHealth(name, state.ports[name], url, healthy, detail))
    return tuple(parts)


def credentials(home: Path | None = None) -> StackCredentials:
    """The stack's secrets (its owner alone can read them); see :mod:`.credentials`."""
    return StackCredentials.read(_layout(home).credentials_file)


def control(home: Path | None = None) -> ControlClient:
    """A client of the running stack's control API; raises when none runs."""
    state = read_state(home)
    if state is None:
        raise StackError(_(NOT_RUNNING))
    return ControlClient(state, credentials(home))


def client_environment(home: Path | None = None) -> dict[str, str]:
    """The variables that point the AWS CLI, boto3 and HTTP clients at the running stack."""
    state = read_state(home)
    if state is None:
        raise StackError(_(NOT_RUNNING))
    return state.client_environment(credentials(home))


def node_environment(home: Path | None = None) -> dict[str, str]:
    """The variables that let the real ``agentcore`` CLI answer from the running stack
    (:mod:`helpers.emulator.real_cli`), the shell's own ``NODE_OPTIONS`` kept."""
    state = read_state(home)
    if state is None:
        raise StackError(_(NOT_RUNNING))
    node_options = os.environ.get("NODE_OPTIONS", "")
    return real_cli.node_environment(state, _layout(home).cli_config_dir, node_options)


def status(home: Path | None = None) -> StackStatus:
    """The stack's state, each part's live health, and what is deployed."""
    state = read_state(home)
    if state is None:
        return StackStatus(state=None)
    parts = _check_parts(state)
    control_up = next(part.healthy for part in parts if part.name == "control")
    deployed = (
        ControlClient(state, credentials(home)).deployments() if control_up else Deployments()
    )
    return StackStatus(state=state, parts=parts, deployed=deployed)


def _log_tail(layout: StackLayout, lines: int = 15) -> str:
    try:
        return "\n".join(layout.log_file.read_text().splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _spawn_daemon(layout: StackLayout) -> subprocess.Popen[bytes]:
    descriptor = os.open(layout.log_file, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(descriptor, "ab") as log_file:
        return subprocess.Popen(
            [sys.executable, "-m", _DAEMON_MODULE, str(layout.home)],
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            # Its own session: the stack outlives the shell or kernel that started it,
            # and ``down`` can stop it together with every child it spawns.
            start_new_session=True,
            cwd=layout.home,
        )


def up(
    home: Path | None = None,
    *,
    prerequisites: Path | None = None,
    model: ModelChoice | None = None,
    progress: Callable[[str], None] = lambda _: None,
    timeout: float = START_TIMEOUT_SECONDS,
) -> StackStatus:
    """Start the stack unless it already runs healthy; return its status.

    ``prerequisites`` is a file of what to create at every start (user pools, Lambda
    functions, SSM parameters; see :mod:`helpers.emulator.prerequisites.format`). Without it,
    a stack started before keeps its own, and a new one starts as an empty account.
    ``model`` is which model answers Bedrock's ``Converse`` (see
    :mod:`helpers.emulator.core.model_choice`); it is kept the same way, and a running
    stack that serves another is restarted. A stack never given one serves the
    scripted model.
    """
    layout = _layout(home)
    if prerequisites is not None:
        _keep_prerequisites(layout, Prerequisites.load(prerequisites))
    if model is not None:
        _make_private(layout)
        model.write(layout.model_file)
    current = status(home)
    if current.healthy and current.state is not None:
        if model is None or model == current.state.model:
            progress(_("local stack already running (pid {pid})", pid=current.state.pid))
            _report_model(current.state.model, progress)
            return current
        progress(
            _(
                "local stack is running with {serving}; restarting it with {chosen}",
                serving=current.state.model.describe(),
                chosen=model.describe(),
            )
        )
        down(home, progress)
        current = status(home)
    if current.running:
        progress(_("local stack is running but unhealthy; restarting it"))
        down(home, progress)
    _sweep_dead_stack(layout)
    _make_private(layout)
    deadline = time.monotonic() + timeout
    process = _spawn_daemon(layout)
    progress(_("starting local stack (pid {pid}) ...", pid=process.pid))
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(
                _(
                    "the local stack stopped while starting (exit {status}):\n{log}\n"
                    "Full log: {file}",
                    status=process.returncode,
                    log=_log_tail(layout),
                    file=layout.log_file,
                )
            )
        if StackState.read(layout) is not None:
            current = status(home)
            if current.healthy:
                parts = ", ".join(p.name for p in current.parts)
                progress(_("local stack is up: {parts}", parts=parts))
                if current.state is not None:
                    _report_model(current.state.model, progress)
                return current
        time.sleep(0.05)
    failing = [p for p in status(home).parts if not p.healthy]
    _stop_process_group(process.pid)
    named = ", ".join(
        _("{part} on port {port} ({detail})", part=p.name, port=p.port, detail=p.detail)
        for p in failing
    )
    raise StackError(
        _(
            "the local stack did not become healthy within {seconds:.0f} s: {parts}.\n{log}\n"
            "Full log: {file}",
            seconds=timeout,
            parts=named or _("startup"),
            log=_log_tail(layout),
            file=layout.log_file,
        )
    )


def _report_model(model: ModelChoice, progress: Callable[[str], None]) -> None:
    """Say which model answers Converse when it is not the scripted one, and if it answers."""
    if model.scripted:
        return
    progress(_("Bedrock's Converse goes to {model}", model=model.describe()))
    if warning := probe(model):
        progress(warning)


def _make_private(layout: StackLayout) -> None:
    """The stack's folders are its owner's alone (the daemon then writes with umask 077)."""
    for folder in (layout.home, layout.state_dir, layout.log_dir):
        folder.mkdir(parents=True, exist_ok=True)
        folder.chmod(0o700)


def _keep_prerequisites(layout: StackLayout, prerequisites: Prerequisites) -> None:
    _make_private(layout)
    descriptor = os.open(layout.prerequisites_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(prerequisites.to_json(), handle, indent=2)


def _sweep_dead_stack(layout: StackLayout) -> None:
    """After a ``kill -9`` of the daemon: stop what is left of its process group."""
    state = StackState.read(layout)
    if state is None:
        return
    # Only when the leader is gone: a live pid here belongs to someone else now.
    leader_gone = not Path(f"/proc/{state.pid}").exists()
    if leader_gone:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(state.pid, signal.SIGKILL)
    layout.status_file.unlink(missing_ok=True)


def _group_alive(pgid: int) -> bool:
    """Whether any process of the group still runs; a zombie does not count.

    When the daemon's parent is another process (a test runner, a notebook's server),
    only that parent can reap it, yet a zombie holds no port and does no work.
    """
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            # Fields after the ")" closing the command name: state, ppid, pgrp, ...
            state, _ppid, pgrp = stat.read_text().rpartition(")")[2].split()[:3]
        except (OSError, ValueError):
            continue
        if int(pgrp) == pgid and state != "Z":
            return True
    return False


def _stop_process_group(pid: int) -> None:
    """SIGTERM the daemon's process group, SIGKILL it if it lingers, and wait until it is gone."""
    for sig, grace in ((signal.SIGTERM, STOP_TIMEOUT_SECONDS), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            _reap(pid)
            if not _group_alive(pid):
                return
            time.sleep(0.05)


def _reap(pid: int) -> None:
    """Collect the exit status when the daemon is our own child (tests start it so)."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def down(home: Path | None = None, progress: Callable[[str], None] = lambda _: None) -> bool:
    """Stop the stack; True when one was running. Leaves no process and no listening port."""
    layout = _layout(home)
    state = StackState.read(layout)
    if state is None or not _daemon_alive(state.pid):
        layout.status_file.unlink(missing_ok=True)
        progress(_("local stack is not running"))
        return False
    _stop_process_group(state.pid)
    layout.status_file.unlink(missing_ok=True)
    busy = [f"{name} ({port})" for name, port in state.ports.items() if port_is_listening(port)]
    if busy:
        raise StackError(
            _("stopped the stack, but these ports still listen: {ports}", ports=", ".join(busy))
        )
    progress(_("local stack stopped"))
    return True
