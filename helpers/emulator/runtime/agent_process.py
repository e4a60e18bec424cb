"""Agent processes, forked from the stack's agent template, as each Runtime session has a microVM.

:class:`AgentTemplate` is the daemon's side of :mod:`helpers.emulator.runtime.template`:
it starts the template (a child of the daemon, dying with it), asks it for agents, and
learns from it when each ends. :class:`AgentProcess` is one agent: it listens on a Unix
socket in a folder only the stack's owner may enter, not on a TCP port, so the
Runtime's front door is its only way in.

What an agent prints reaches ``logs/runtime-<name>.log`` through the daemon, which
blots out bearer tokens and JWT-shaped strings on the way: a learner's ``print`` of
the ``Authorization`` header must not put a credential in a log. Each blotted line also
goes to ``on_output`` (the runtime's CloudWatch log group, as on AWS).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _
from helpers.basics.redaction import redact_credentials, secrets_in
from helpers.emulator.core.log_files import BoundedLog

READY_TIMEOUT_SECONDS = 60.0
STOP_TIMEOUT_SECONDS = 5.0
# What the agent's HTTP requests look like to it; the socket decides where they go.
AGENT_BASE_URL = "http://agent"
# Agents are reached with plain HTTP over a Unix socket. httpx would still build a TLS
# context for each transport, loading every CA (~30 ms of the daemon's CPU per agent);
# this one loads none and trusts nothing, so it could never carry a connection anyway.
_NO_TLS = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
_MAX_MESSAGE_BYTES = 1 << 16


class AgentStartError(ActionableError):
    """The learner's code did not come up; the message holds the end of its log."""


class AgentTemplate:
    """The stack's agent template process, and what it says about the agents it forks."""

    def __init__(self, log_file: Path) -> None:
        self._log_file = log_file
        self._control: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._started: dict[int, Future[int]] = {}
        self._exits: dict[int, int] = {}
        self._gone = False  # the template ended, and every agent with it
        self._exited = threading.Condition(self._lock)
        self._ready: Future[None] = Future()

    def start(self) -> None:
        """Start the template; it takes a second or two to import the libraries, in the
        background: :meth:`spawn` waits for it."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with self._log_file.open("ab") as log:
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    *("-m", "helpers.emulator.runtime.template"),
                    *(str(theirs.fileno()), str(os.getpid())),
                ],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        theirs.close()
        self._control = ours
        threading.Thread(target=self._listen, name="agent template", daemon=True).start()

    def spawn(self, spec: dict[str, Any], output: int) -> int:
        """Fork an agent from ``spec``, its output going to the file descriptor ``output``."""
        if self._control is None:
            raise AgentStartError(_("the agent template is not running"))
        self._ready.result(timeout=READY_TIMEOUT_SECONDS)
        started: Future[int] = Future()
        with self._lock:
            number = next(self._ids)
            self._started[number] = started
            socket.send_fds(self._control, [json.dumps(spec | {"id": number}).encode()], [output])
        return started.result(timeout=READY_TIMEOUT_SECONDS)

    def exit_code(self, pid: int) -> int | None:
        """The agent's exit status once it has ended; None while it runs."""
        with self._lock:
            return self._exits.get(pid, -signal.SIGTERM if self._gone else None)

    def wait_exit(self, pid: int, timeout: float) -> bool:
        """Wait until the agent has ended; False when ``timeout`` passed first."""
        with self._exited:
            return self._exited.wait_for(lambda: pid in self._exits or self._gone, timeout)

    def stop(self) -> None:
        """End the template: closing its socket ends it, and its agents die with it."""
        if self._control is not None:
            self._control.close()
        if self._process is not None:
            try:
                self._process.wait(timeout=STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()

    def _listen(self) -> None:
        assert self._control is not None
        while True:
            try:
                message = self._control.recv(_MAX_MESSAGE_BYTES)
            except OSError:
                message = b""
            if not message:  # the template ended: so did its agents
                gone = AgentStartError(_("the agent template ended; see {log}", log=self._log_file))
                with self._exited:
                    self._gone = True
                    self._exited.notify_all()
                    for pending in self._started.values():
                        pending.set_exception(gone)
                if not self._ready.done():
                    self._ready.set_exception(gone)
                return
            event = json.loads(message)
            if event["op"] == "ready":
                self._ready.set_result(None)
            elif event["op"] == "started":
                with self._lock:
                    self._started.pop(event["id"]).set_result(event["pid"])
            elif event["op"] == "exited":
                with self._exited:
                    self._exits[event["pid"]] = event["code"]
                    self._exited.notify_all()


class AgentProcess:
    """One agent: a fork of the template serving the learner's code on a Unix socket."""

    def __init__(
        self,
        name: str,
        template: AgentTemplate,
        code_dir: Path,
        entrypoint: str,
        env: dict[str, str],
        log_file: Path,
        socket_path: Path,
        on_output: Callable[[str], None] | None = None,
    ) -> None:
        self.name = name
        self._on_output = on_output
        self.code_dir = code_dir
        self.entrypoint = entrypoint
        self.env = env
        self.log_file = log_file
        self.socket_path = socket_path
        self._template = template
        # The front door's connection pool to this agent; closed by :meth:`close`.
        self.http = httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=str(socket_path), verify=_NO_TLS),
            base_url=AGENT_BASE_URL,
            timeout=httpx.Timeout(connect=5.0, read=600.0, write=30.0, pool=30.0),
        )
        self.pid: int | None = None
        self._copier: threading.Thread | None = None

    @property
    def exit_code(self) -> int | None:
        """None while running (or not started); the exit status once it has stopped."""
        return self._template.exit_code(self.pid) if self.pid else None

    @property
    def alive(self) -> bool:
        return self.pid is not None and self.exit_code is None

    def start(self) -> None:
        self.socket_path.unlink(missing_ok=True)
        reading, writing = os.pipe()
        spec = {
            "code_dir": str(self.code_dir),
            "entrypoint": self.entrypoint,
            "socket": str(self.socket_path),
            "env": self.env,
        }
        output = os.fdopen(reading, "rb")
        try:
            self.pid = self._template.spawn(spec, writing)
        except BaseException:
            output.close()
            raise
        finally:
            os.close(writing)
        self._copier = threading.Thread(
            target=_copy_redacted,
            args=(output, self.log_file, secrets_in(self.env), self._on_output),
            name=f"log {self.name}",
            daemon=True,
        )
        self._copier.start()

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Block until ``GET /ping`` answers, or raise with the log's tail if the code failed."""
        deadline = time.monotonic() + timeout
        transport = httpx.HTTPTransport(uds=str(self.socket_path), verify=_NO_TLS)
        with httpx.Client(transport=transport, base_url=AGENT_BASE_URL, timeout=1) as probe:
            while time.monotonic() < deadline:
                if not self.alive:
                    self._finish_log()
                    raise AgentStartError(
                        _(
                            "{name}: the agent process exited with code {code} while "
                            "starting. End of {log}:",
                            name=self.name,
                            code=self.exit_code,
                            log=self.log_file,
                        )
                        + "\n"
                        + self.log_tail()
                    )
                try:
                    if probe.get("/ping").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.01)
        self.stop()
        raise AgentStartError(
            _(
                "{name}: /ping did not answer within {seconds:.0f} s",
                name=self.name,
                seconds=timeout,
            )
        )

    def stop(self) -> None:
        if self.pid is not None and self.alive:
            # It may have ended already, its end not yet reported by the template.
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGTERM)
            if not self._template.wait_exit(self.pid, STOP_TIMEOUT_SECONDS):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.pid, signal.SIGKILL)
                self._template.wait_exit(self.pid, STOP_TIMEOUT_SECONDS)
        self._finish_log()
        self.socket_path.unlink(missing_ok=True)

    async def close(self) -> None:
        """Close the front door's connections to the process."""
        await self.http.aclose()

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def _finish_log(self) -> None:
        """Wait until everything the process wrote is in the log."""
        if self._copier is not None:
            self._copier.join(timeout=STOP_TIMEOUT_SECONDS)


def _copy_redacted(
    output: BinaryIO,
    log_file: Path,
    secrets: tuple[str, ...],
    on_output: Callable[[str], None] | None,
) -> None:
    """Copy the process's output into its log line by line, credentials blotted out:
    tokens, and the ``secrets`` the stack handed the process."""
    log = BoundedLog.at(log_file)
    with output:
        for raw in output:
            line = redact_credentials(raw.decode("utf-8", errors="replace"), secrets)
            log.write(line)
            if on_output is not None:
                on_output(line)
