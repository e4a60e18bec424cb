"""One learner agent running as its own process, as each Runtime has its own container.

The process listens on a Unix socket in a folder only the stack's owner may enter, not
on a TCP port: the Runtime's front door is its only way in, so nobody (another user,
a web page) can call the agent around the authorizer. It is a child of the stack's
daemon and dies with it (the agent host asks Linux for ``PR_SET_PDEATHSIG`` as it
starts), so even a ``kill -9`` of the daemon leaves no agent behind.

What it prints goes to ``logs/runtime-<name>.log`` through the daemon, which blots out
bearer tokens and JWT-shaped strings on the way: a learner's ``print`` of the
``Authorization`` header must not put a credential in a log.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO

import httpx

from helpers.model.redaction import redact_credentials

READY_TIMEOUT_SECONDS = 60.0
# What the agent's HTTP requests look like to it; the socket decides where they go.
AGENT_BASE_URL = "http://agent"
_process_numbers = itertools.count(1)


class AgentStartError(RuntimeError):
    """The learner's code did not come up; the message holds the end of its log."""


class AgentProcess:
    """Start, check and stop one ``helpers.emulator.runtime.agent_host`` process."""

    def __init__(
        self,
        name: str,
        code_dir: Path,
        entrypoint: str,
        env: dict[str, str],
        log_file: Path,
        sockets_dir: Path,
    ) -> None:
        self.name = name
        self.code_dir = code_dir
        self.entrypoint = entrypoint
        self.env = env
        self.log_file = log_file
        self.socket_path = sockets_dir / f"{next(_process_numbers)}.sock"
        # The front door's connection pool to this agent; closed by :meth:`close`.
        self.http = httpx.AsyncClient(
            transport=httpx.AsyncHTTPTransport(uds=str(self.socket_path)),
            base_url=AGENT_BASE_URL,
            timeout=httpx.Timeout(connect=5.0, read=600.0, write=30.0, pool=30.0),
        )
        self._process: subprocess.Popen[bytes] | None = None
        self._copier: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    @property
    def exit_code(self) -> int | None:
        """None while running (or not started); the exit status once it has stopped."""
        return self._process.poll() if self._process else None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.socket_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.socket_path.unlink(missing_ok=True)
        with self.log_file.open("ab") as log:
            log.write(f"--- starting {self.name} from {self.code_dir} ---\n".encode())
        self._process = subprocess.Popen(
            [
                sys.executable,
                *("-m", "helpers.emulator.runtime.agent_host"),
                *(str(self.code_dir), self.entrypoint, str(self.socket_path), str(os.getpid())),
            ],
            cwd=self.code_dir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        assert self._process.stdout is not None
        self._copier = threading.Thread(
            target=_copy_redacted,
            args=(self._process.stdout, self.log_file),
            name=f"log {self.name}",
            daemon=True,
        )
        self._copier.start()

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Block until ``GET /ping`` answers, or raise with the log's tail if the code failed."""
        deadline = time.monotonic() + timeout
        transport = httpx.HTTPTransport(uds=str(self.socket_path))
        with httpx.Client(transport=transport, base_url=AGENT_BASE_URL, timeout=1) as probe:
            while time.monotonic() < deadline:
                if not self.alive:
                    self._finish_log()
                    raise AgentStartError(
                        f"{self.name}: the agent process exited with code {self.exit_code} "
                        f"while starting. End of {self.log_file}:\n{self.log_tail()}"
                    )
                try:
                    if probe.get("/ping").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
        self.stop()
        raise AgentStartError(f"{self.name}: /ping did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
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
            self._copier.join(timeout=5)


def _copy_redacted(output: BinaryIO, log_file: Path) -> None:
    """Copy the process's output into its log line by line, credentials blotted out."""
    with output, log_file.open("a", encoding="utf-8") as log:
        for raw in output:
            log.write(redact_credentials(raw.decode("utf-8", errors="replace")))
            log.flush()
