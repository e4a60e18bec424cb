"""``make bench``: measure the kit on this machine and print a table.

Each figure is repeated enough for a stable median and reported with min and max.
Nothing here is asserted: tests check behaviour, this script reports speed.
Results also go to ``bench.json`` in the working-state folder.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import boto3

from helpers.local import stack
from helpers.mode import use_local_stack
from helpers.paths import workshop_home
from helpers.settings import load_settings
from helpers.tokens import client_secret, fetch_token

COLD_STARTS = 5
TOKEN_FETCHES = 200


def _summary(name: str, samples: list[float], unit: str, goal: str) -> dict[str, object]:
    return {
        "figure": name,
        "unit": unit,
        "runs": len(samples),
        "median": statistics.median(samples),
        "p95": statistics.quantiles(samples, n=20)[-1] if len(samples) >= 20 else None,
        "min": min(samples),
        "max": max(samples),
        "goal": goal,
    }


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def cold_up_seconds() -> list[float]:
    """Start a brand-new stack (fresh state folder, new keys) and stop it, several times."""
    samples = []
    for _ in range(COLD_STARTS):
        with tempfile.TemporaryDirectory() as home:
            samples.append(_timed(lambda home=home: stack.up(Path(home))))
            stack.down(Path(home))
    return samples


def warm_token_fetch_ms(status: stack.StackStatus) -> list[float]:
    """One client-credentials exchange at a time against a running stack."""
    use_local_stack(status)
    settings = load_settings(boto3.client("ssm"))
    secret = client_secret(settings.pool_id, settings.client_id)

    def fetch() -> object:
        return fetch_token(settings.cognito_token_url, settings.client_id, secret)

    for _ in range(10):
        fetch()
    return [_timed(fetch) * 1000 for _ in range(TOKEN_FETCHES)]


def main() -> None:
    figures = [_summary("cold agentcore-local up", cold_up_seconds(), "s", "<= 5 s")]
    with tempfile.TemporaryDirectory() as home:
        status = stack.up(Path(home))
        try:
            figures.append(
                _summary("warm token fetch", warm_token_fetch_ms(status), "ms", "<= 20 ms")
            )
        finally:
            stack.down(Path(home))
    machine = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    print(f"machine: {machine['cores']} cores, Python {machine['python']}, {machine['platform']}")
    print(f"{'figure':<28}{'runs':>6}{'median':>10}{'p95':>10}{'min':>10}{'max':>10}  unit  goal")
    for row in figures:
        p95 = f"{row['p95']:.2f}" if row["p95"] is not None else "-"
        print(
            f"{row['figure']:<28}{row['runs']:>6}{row['median']:>10.2f}{p95:>10}"
            f"{row['min']:>10.2f}{row['max']:>10.2f}  {row['unit']:<4}  {row['goal']}"
        )
    output = workshop_home() / "bench.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"machine": machine, "figures": figures}, indent=2))
    print(f"written to {output}")


if __name__ == "__main__":
    main()
