"""One learner agent running as its own process, as each Runtime has its own container.

The process is a child of the stack's daemon and dies with it (the agent host asks
Linux for ``PR_SET_PDEATHSIG`` as it starts), so even a ``kill -9`` of the daemon
leaves no agent behind holding a port. Its output goes to ``logs/runtime-<name>.log``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from helpers.emulator.ports import os_chosen_port
from helpers.emulator.state import LOOPBACK

READY_TIMEOUT_SECONDS = 60.0


class AgentStartError(RuntimeError):
    """The learner's code did not come up; the message holds the end of its log."""


class AgentProcess:
    """Start, check and stop one ``helpers.emulator.runtime.agent_host`` process."""

    def __init__(
        self, name: str, code_dir: Path, entrypoint: str, env: dict[str, str], log_file: Path
    ) -> None:
        self.name = name
        self.code_dir = code_dir
        self.entrypoint = entrypoint
        self.env = env
        self.log_file = log_file
        self.port = os_chosen_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

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
        with self.log_file.open("ab") as log:
            log.write(f"--- starting {self.name} from {self.code_dir} ---\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                [
                    sys.executable,
                    *("-m", "helpers.emulator.runtime.agent_host"),
                    *(str(self.code_dir), self.entrypoint, str(self.port), str(os.getpid())),
                ],
                cwd=self.code_dir,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> None:
        """Block until ``GET /ping`` answers, or raise with the log's tail if the code failed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive:
                raise AgentStartError(
                    f"{self.name}: the agent process exited with code {self.exit_code} "
                    f"while starting. End of {self.log_file}:\n{self.log_tail()}"
                )
            try:
                if httpx.get(f"{self.base_url}/ping", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise AgentStartError(f"{self.name}: /ping did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if not self._process or self._process.poll() is not None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
