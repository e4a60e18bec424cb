"""The arithmetic behind ``make bench``'s room figures (the figures themselves are measured
there, never asserted)."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers.tooling import capacity


def test_a_process_trees_memory_counts_every_process_below_it() -> None:
    alone = capacity.tree_memory_mb(os.getpid())
    script = (
        "import sys, time; ballast = b'x' * (64 * 2**20); "
        "sys.stdout.write('.'); sys.stdout.flush(); time.sleep(30)"
    )
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE) as child:
        try:
            assert child.stdout is not None and child.stdout.read(1) == b"."
            assert capacity.tree_memory_mb(os.getpid()) > alone + 60
            assert capacity.tree_memory_mb(child.pid) > 60
        finally:
            child.kill()


def test_the_room_is_bounded_by_memory_or_cpu_whichever_runs_out_first() -> None:
    light = capacity.Attendee(
        idle_stack_mb=200, working_stack_mb=350, kernel_mb=90, workshop_cpu_seconds=30
    )
    by_memory, by_cpu = capacity.attendees_per_host(light)
    assert by_memory == (16 - 2) * 1024 // 440 == 32
    assert by_cpu == 4 * 90 * 60 * 0.5 // 30 == 360
    busy = capacity.Attendee(200, 350, 90, workshop_cpu_seconds=600)
    assert capacity.attendees_per_host(busy)[1] == 18
