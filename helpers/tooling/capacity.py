"""How many attendees fit one host: an attendee's stack measured idle and at work.

An attendee on a shared host (JupyterHub, one Unix user each) runs their own stack and
a Jupyter kernel with the kit. This measures, on this machine:

- the memory of one stack (proportional set size, every process of its tree: the
  daemon, its agent template and the agents forked from it), idle after
  ``agentcore-local up``;
- its peak while notebook 01's work runs: the runtime deployed with its JWT authorizer,
  a token fetched, three streamed invocations (one agent process more);
- a kernel with the kit imported, as every notebook's first cell does;
- the CPU-seconds the whole English workshop (00 to 05, run by nbval, stack included)
  costs, as the machine's busy time during the run (so nothing that the run starts
  escapes the count, on a machine left otherwise idle).

From them, :func:`attendees_per_host` says how many attendees a host holds: memory
bounds it by the peak (every attendee may be at notebook 01 at once), CPU by the
workshop's cost spread over a session (:data:`SESSION_MINUTES`, at most
:data:`CPU_SHARE` of the cores busy, so answers stay quick when a room clicks at once).
``python -m helpers.tooling.capacity`` prints these figures alone (``--json`` for
``make bench``, which runs it in a process of its own and prints them with the rest).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import boto3

from helpers.emulator import stack
from helpers.kit import steps
from helpers.kit.backends.local import LocalBackend
from helpers.kit.calling.invoke import invoke, new_session_id
from helpers.kit.paths import PREREQUISITES_FILE, REPO_ROOT
from helpers.kit.settings import load_settings
from helpers.kit.tokens import get_token

# The host an instructor would rent for a room, and how it is shared.
HOST_MEMORY_GB = 16
HOST_CORES = 4
# What the host keeps for itself: the OS, JupyterHub and its proxy, page cache.
HOST_RESERVE_GB = 2
SESSION_MINUTES = 90
CPU_SHARE = 0.5
_TICKS = os.sysconf("SC_CLK_TCK")
_PROMPTS = (
    "What's the return policy for electronics?",
    "Tell me about the USB-C Hub",
    "Check the warranty for PROD-001",
)


@dataclass(frozen=True)
class Attendee:
    """One attendee's measured cost, in MB and CPU-seconds."""

    idle_stack_mb: float
    working_stack_mb: float
    kernel_mb: float
    workshop_cpu_seconds: float


def tree_memory_mb(root_pid: int) -> float:
    """Memory of ``root_pid`` and every process below it, in MB (Linux /proc).

    Proportional set size: agent processes fork from one template and share its pages,
    which a sum of resident sizes would count once per process.
    """
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue  # gone while listed
            children.setdefault(parent, []).append(int(entry.name))
    total_kb, waiting = 0, [root_pid]
    while waiting:
        pid = waiting.pop()
        total_kb += _pss_kb(pid)
        waiting += children.get(pid, [])
    return total_kb / 1024


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass  # gone while measured
    return 0


class _PeakSampler:
    """Samples a process tree's memory every 50 ms, keeping the highest."""

    def __init__(self, root_pid: int) -> None:
        self._root = root_pid
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> _PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, tree_memory_mb(self._root))


def stack_memory_mb(root: Path) -> tuple[float, float]:
    """One fresh stack's resident memory idle, and its peak during notebook 01's work."""
    home = root / "attendee"
    status = stack.up(home, prerequisites=PREREQUISITES_FILE)
    try:
        state = status.state
        assert state is not None
        time.sleep(2)  # the daemon finishes loading what it loads after "up"
        idle = tree_memory_mb(state.pid)
        # This process talks to this stack only (main() runs it in a process of its own).
        os.environ.update(stack.client_environment(home))
        os.environ["REQUESTS_CA_BUNDLE"] = os.environ["SSL_CERT_FILE"] = str(state.ca_bundle)
        settings = load_settings(boto3.client("ssm"))
        backend, folder = LocalBackend(home), root / "project"
        with _PeakSampler(state.pid) as sampler:
            steps.fresh_project(folder)
            steps.prepare(folder, settings, backend, through_step=1)
            url = backend.invoke_url(folder, steps.RUNTIME)
            token = get_token(settings, force_refresh=True)
            session_id = new_session_id()
            for prompt in _PROMPTS:
                invoke(url, prompt, token=token, session_id=session_id)
        return idle, sampler.peak
    finally:
        stack.down(home)


def kernel_mb() -> float:
    """A Python process with the notebooks' facade imported, as a kernel holds it."""
    script = (
        "import resource, helpers.kit.workshop, ipykernel.kernelapp; "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    )
    return int(done.stdout) / 1024  # ru_maxrss is in KB on Linux


def workshop_cpu_seconds(environment: dict[str, str]) -> float:
    """The machine's busy CPU-seconds while nbval runs the English notebooks."""
    command = [
        *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
        *("notebooks", "--ignore=notebooks/zh-CN"),
    ]
    before = _busy_ticks()
    subprocess.run(command, cwd=REPO_ROOT, env=environment, check=True, capture_output=True)
    return (_busy_ticks() - before) / _TICKS


def _busy_ticks() -> int:
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    return sum(fields) - fields[3] - fields[4]  # all but idle and iowait


def measure_attendee(environment: dict[str, str]) -> Attendee:
    with tempfile.TemporaryDirectory() as scratch:
        idle, working = stack_memory_mb(Path(scratch))
    return Attendee(idle, working, kernel_mb(), workshop_cpu_seconds(environment))


def attendees_per_host(attendee: Attendee) -> tuple[int, int]:
    """How many attendees the host holds by memory, and by CPU."""
    usable_mb = (HOST_MEMORY_GB - HOST_RESERVE_GB) * 1024
    by_memory = int(usable_mb // (attendee.working_stack_mb + attendee.kernel_mb))
    cpu_budget = HOST_CORES * SESSION_MINUTES * 60 * CPU_SHARE
    by_cpu = int(cpu_budget // attendee.workshop_cpu_seconds)
    return by_memory, by_cpu


def main() -> None:
    attendee = measure_attendee(dict(os.environ))
    if sys.argv[1:] == ["--json"]:
        print(json.dumps(asdict(attendee)))
        return
    by_memory, by_cpu = attendees_per_host(attendee)
    print(
        f"one attendee's stack, idle:          {attendee.idle_stack_mb:8.0f} MB  (goal <= 250 MB)"
    )
    print(f"its peak during notebook 01:         {attendee.working_stack_mb:8.0f} MB")
    print(f"a kernel with the kit:               {attendee.kernel_mb:8.0f} MB")
    print(f"the whole workshop (00-05):          {attendee.workshop_cpu_seconds:8.1f} CPU-s")
    print(
        f"a {HOST_MEMORY_GB} GB / {HOST_CORES}-core host: {by_memory} attendees by memory, "
        f"{by_cpu} by CPU ({SESSION_MINUTES} min session, {CPU_SHARE:.0%} of the cores): "
        f"{min(by_memory, by_cpu)} attendees (goal >= 30)"
    )


if __name__ == "__main__":
    main()
