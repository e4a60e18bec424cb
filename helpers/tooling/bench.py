"""``make bench``: measure the kit on this machine and print a table.

It stays one long module because it is one script: a short function per figure below,
run in order by :func:`measure`.

Each figure is repeated enough for a stable median and reported with min and max.
Nothing here is asserted: tests check behaviour, this script reports speed.
Results also go to ``bench.json`` in the working-state folder.

Figures:

- cold ``agentcore-local up``: a new stack from an empty state folder until healthy;
- warm token fetch: one client-credentials exchange on a kept-alive connection;
- warm end-to-end invoke: cached token → Runtime (JWT) → agent → Gateway (JWT) →
  Lambda → the whole streamed answer, for "Check the warranty for PROD-001", turn after
  turn of one session (the session's agent is kept, its conversation growing), and the
  ratio of its last turns to its early ones; the same question as the second turn of
  new sessions;
- authorizer overhead: the same agent code deployed twice, with and without the
  runtime's JWT authorizer, invoked alternately; the ratio of their medians;
- tracing overhead: two stacks, one exporting spans, one not, invoked alternately;
- load: 50 concurrent streaming invocations over 10 sessions, three rounds;
- deploy changing a runtime: new code deployed, until a new session's call answers;
- deploy changing one gateway: adding or removing a target on the secure gateway;
- JWT checks per second, a token seen first (the full check) and seen again (the
  verified-token cache), next to ``openssl speed``'s RSA-2048 verify rate;
- the whole notebook run (the English edition), as CI runs it, and a fresh clone to
  ``make test`` green;
- a room's capacity (:mod:`helpers.tooling.capacity`): one attendee's stack idle and
  at work, a kernel with the kit, the workshop's CPU-seconds, and how many attendees a
  16 GB / 4-core host holds.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3

from helpers.emulator import stack
from helpers.emulator.core.state import StackState
from helpers.emulator.identity.keys import SigningKeyStore
from helpers.emulator.identity.tokens import mint_access_token
from helpers.emulator.inbound.authorizer import (
    VERIFIED_CACHE_ENTRIES,
    JwtAuthorizer,
    JwtAuthorizerConfig,
)
from helpers.kit import steps as project
from helpers.kit.backends.local import LocalBackend
from helpers.kit.calling import load
from helpers.kit.calling.invoke import invoke, new_session_id
from helpers.kit.paths import PREREQUISITES_FILE, REPO_ROOT, workshop_home
from helpers.kit.settings import WorkshopSettings, load_settings
from helpers.kit.tokens import AccessToken, client_secret, fetch_token, get_token
from helpers.model.config import read_config, write_config
from helpers.tooling import capacity

COLD_STARTS = 5
TOKEN_FETCHES = 200
INVOKES = 60
GATEWAY_DEPLOYS = 6
RUNTIME_DEPLOYS = 6
VERIFY_ROUNDS = 5
VERIFY_SECONDS = 1.0
LOAD_ROUNDS = 3
LOAD_CALLS = 50
LOAD_SESSIONS = 10
NOTEBOOK_RUNS = 3
OPEN_RUNTIME = "CustomerSupportOpen"


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def _figure(name: str, samples: list[float], unit: str, goal: str) -> dict[str, Any]:
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


def _ratio(
    name: str, numerator: list[float], denominator: list[float], goal: str
) -> dict[str, Any]:
    ratio = statistics.median(numerator) / statistics.median(denominator)
    return {
        "figure": name,
        "unit": "ratio",
        "runs": len(numerator),
        "median": ratio,
        "p95": None,
        "min": ratio,
        "max": ratio,
        "goal": goal,
    }


def cold_up_seconds() -> list[float]:
    """Start a brand-new stack (fresh state folder, new keys) and stop it, several times."""
    samples = []
    for _ in range(COLD_STARTS):
        with tempfile.TemporaryDirectory() as scratch:
            home = Path(scratch)
            started = time.perf_counter()
            stack.up(home, prerequisites=PREREQUISITES_FILE)
            samples.append(time.perf_counter() - started)
            stack.down(home)
    return samples


def warm_token_fetch_ms(settings: WorkshopSettings) -> list[float]:
    secret = client_secret(settings.pool_id, settings.client_id)

    def fetch() -> object:
        return fetch_token(settings.cognito_token_url, settings.client_id, secret)

    for _ in range(10):
        fetch()
    return [_timed(fetch) * 1000 for _ in range(TOKEN_FETCHES)]


def _with_open_twin(folder: Path) -> None:
    """Add a second runtime: the same code, without the JWT authorizer."""
    config = read_config(folder)
    twin = {
        key: value
        for key, value in config["runtimes"][0].items()
        if key not in ("authorizerType", "authorizerConfiguration", "requestHeaderAllowlist")
    }
    config["runtimes"].append({**twin, "name": OPEN_RUNTIME})
    write_config(folder, config)


def _without_open_twin(folder: Path) -> None:
    """Remove the twin again: later figures measure the project's own runtime alone."""
    config = read_config(folder)
    config["runtimes"] = [r for r in config["runtimes"] if r["name"] != OPEN_RUNTIME]
    write_config(folder, config)


def _ask(url: str, prompt: str, token: object, session_id: str) -> float:
    """Milliseconds for one whole streamed answer."""
    return _timed(lambda: invoke(url, prompt, token=token, session_id=session_id)) * 1000


def _settle(quiet_share: float = 0.15, most_seconds: float = 20.0) -> None:
    """Wait until the machine is nearly idle (under ``quiet_share`` of all cores busy over
    half a second), so one figure does not pay for the work the one before left behind:
    span exports, agent processes ending."""
    deadline = time.monotonic() + most_seconds
    while time.monotonic() < deadline:
        before = _cpu_times()
        time.sleep(0.5)
        after = _cpu_times()
        busy, total = after[0] - before[0], after[1] - before[1]
        if total and busy / total < quiet_share:
            return


def _cpu_times() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat (Linux)."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def _side_by_side(
    first: tuple[str, object], second: tuple[str, object], prompt: str
) -> tuple[list[float], list[float]]:
    """Invoke two (URL, token) pairs alternately after a warm-up, so drift hits both alike."""
    (first_url, first_token), (second_url, second_token) = first, second
    session = new_session_id()
    for _ in range(5):
        _ask(first_url, prompt, first_token, session)
        _ask(second_url, prompt, second_token, session)
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(INVOKES):
        samples[0].append(_ask(first_url, prompt, first_token, session))
        samples[1].append(_ask(second_url, prompt, second_token, session))
    return samples


def authorizer_overhead(
    backend: LocalBackend, folder: Path, settings: WorkshopSettings
) -> list[dict[str, Any]]:
    """The same code with and without the runtime's JWT authorizer, invoked alternately.

    Measured before step 3, so both agents do the same work: the start-state MCP client
    does not depend on the forwarded header.
    """
    with_authorizer, without_authorizer = _side_by_side(
        (backend.invoke_url(folder, project.RUNTIME), get_token(settings)),
        (backend.invoke_url(folder, OPEN_RUNTIME), None),
        "What's the return policy for electronics?",
    )
    return [
        _figure("invoke, JWT authorizer", with_authorizer, "ms", ""),
        _figure("invoke, no authorizer", without_authorizer, "ms", ""),
        _ratio("authorizer overhead", with_authorizer, without_authorizer, "<= 1.05"),
    ]


def warm_end_to_end_ms(
    backend: LocalBackend, folder: Path, settings: WorkshopSettings
) -> list[float]:
    """After step 3: token → Runtime → agent → Gateway → Lambda → streamed answer, turns
    2 to 61 of a new session (the first builds the session's agent)."""
    token = get_token(settings)
    url = backend.invoke_url(folder, project.RUNTIME)
    session = new_session_id()
    prompt = "Check the warranty for PROD-001"
    _ask(url, prompt, token, session)
    return [_ask(url, prompt, token, session) for _ in range(INVOKES)]


def second_turn_ms(backend: LocalBackend, folder: Path, settings: WorkshopSettings) -> list[float]:
    """The same question as the second turn of new sessions: a warm agent process and a
    conversation of one turn to restore, where the figure above restores a long one."""
    token = get_token(settings)
    url = backend.invoke_url(folder, project.RUNTIME)
    prompt = "Check the warranty for PROD-001"
    samples = []
    for _ in range(INVOKES // 2):
        session = new_session_id()
        _ask(url, prompt, token, session)
        samples.append(_ask(url, prompt, token, session))
    return samples


def gateway_deploy_ms(backend: LocalBackend, folder: Path) -> list[float]:
    """Deploys that each change one gateway: its target removed, then added back."""
    samples = []
    original = read_config(folder)
    without_target = json.loads(json.dumps(original))
    without_target["agentCoreGateways"][0]["targets"] = []
    for index in range(GATEWAY_DEPLOYS):
        write_config(folder, without_target if index % 2 == 0 else original)
        samples.append(_timed(lambda: backend.deploy(folder).raise_for_failure()) * 1000)
    write_config(folder, original)
    return samples


def runtime_deploy_ms(
    backend: LocalBackend, folder: Path, settings: WorkshopSettings
) -> list[float]:
    """A new version of the agent's code deployed, until a new session's call answers."""
    main = folder / "app" / project.RUNTIME / "main.py"
    original = main.read_text()
    url = backend.invoke_url(folder, project.RUNTIME)
    token = get_token(settings)
    samples = []
    for version in range(RUNTIME_DEPLOYS):
        main.write_text(f"{original}\n# version {version}\n")
        started = time.perf_counter()
        backend.deploy(folder).raise_for_failure()
        invoke(url, "Tell me about PROD-002", token=token, session_id=new_session_id())
        samples.append((time.perf_counter() - started) * 1000)
    main.write_text(original)
    backend.deploy(folder).raise_for_failure()
    return samples


# The commands timed below run with the environment the bench started with: measuring
# points this process at the stacks it starts (and at CA bundles that are gone after).
_STARTING_ENVIRONMENT = dict(os.environ)


def fresh_clone_seconds() -> list[float]:
    """``git clone`` of this checkout, then the README's ``make test``, install included."""
    with tempfile.TemporaryDirectory() as scratch:
        clone = Path(scratch) / "kit"
        subprocess.run(["git", "clone", "-q", str(REPO_ROOT), str(clone)], check=True)
        return [
            _timed(
                lambda: subprocess.run(
                    ["make", "test"],
                    cwd=clone,
                    env=_STARTING_ENVIRONMENT,
                    check=True,
                    capture_output=True,
                )
            )
        ]


def notebook_run_seconds() -> list[float]:
    """The whole workshop in English, 00 to 05, run by nbval as CI does (stack start included)."""
    command = [
        *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
        *("notebooks", "--ignore=notebooks/zh-CN"),
    ]
    return [
        _timed(
            lambda: subprocess.run(
                command,
                cwd=REPO_ROOT,
                env=_STARTING_ENVIRONMENT,
                check=True,
                capture_output=True,
            )
        )
        for _ in range(NOTEBOOK_RUNS)
    ]


def tracing_overhead(traced: tuple[str, object], plain: tuple[str, object]) -> list[dict[str, Any]]:
    """Warm end-to-end invokes on two stacks, one exporting spans, invoked alternately."""
    with_spans, without_spans = _side_by_side(traced, plain, "Check the warranty for PROD-001")
    return [
        _figure("invoke, spans exported", with_spans, "ms", ""),
        _figure("invoke, tracing off", without_spans, "ms", ""),
        _ratio("tracing overhead", with_spans, without_spans, "<= 1.05"),
    ]


def jwt_verifications_per_second(remembered: bool) -> list[float]:
    """Our authorizer's check, one thread, keys cached: in full (parse, RS256, claims) for
    a token seen for the first time, or from its verified-token cache for one seen again."""
    with tempfile.TemporaryDirectory() as scratch:
        keys = SigningKeyStore(Path(scratch) / "keys.json")
        issuer = "https://issuer.bench/pool"
        documents: dict[str, dict[str, Any]] = {
            "discovery": {"issuer": issuer, "jwks_uri": "jwks"},
            "jwks": keys.jwks(),
        }
        authorizer = JwtAuthorizer(
            JwtAuthorizerConfig(discovery_url="discovery", allowed_clients=("bench",)),
            fetch_json=documents.__getitem__,
            verified_cache_entries=VERIFIED_CACHE_ENTRIES if remembered else 0,
        )
        token = "Bearer " + mint_access_token(
            keys, issuer=issuer, client_id="bench", scopes=["s"], lifetime_seconds=3600
        )
        authorizer.authorize(token)
        samples = []
        for _ in range(VERIFY_ROUNDS):
            count, started = 0, time.perf_counter()
            while time.perf_counter() - started < VERIFY_SECONDS:
                authorizer.authorize(token)
                count += 1
            samples.append(count / (time.perf_counter() - started))
        return samples


def openssl_rsa2048_verifies_per_second() -> list[float]:
    """OpenSSL's raw RSA-2048 verify rate on this machine (``openssl speed``), one core."""
    samples = []
    for _ in range(VERIFY_ROUNDS):
        report = subprocess.run(
            ["openssl", "speed", "-seconds", str(int(VERIFY_SECONDS)), "-mr", "rsa2048"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        # Machine-readable line: +F2:<n>:<bits>:<signs/s>:<verifies/s>
        line = next(row for row in report.splitlines() if row.startswith("+F2:"))
        samples.append(float(line.split(":")[4]))
    return samples


def load_figures(url: str, token: AccessToken) -> list[dict[str, Any]]:
    """The security issue's load: 50 concurrent streaming invokes over 10 sessions."""
    throughputs, latencies, errors = [], [], 0
    for _ in range(LOAD_ROUNDS):
        calls = [
            load.Call(session, "What's the return policy for electronics?")
            for session in [new_session_id() for _ in range(LOAD_SESSIONS)]
            for _ in range(LOAD_CALLS // LOAD_SESSIONS)
        ]
        report = load.run_load(
            url, calls, token=token, concurrency=LOAD_CALLS, time_budget_seconds=120
        )
        throughputs.append(report.throughput)
        latencies += [result.total_ms for result in report.results if result.ok]
        errors += len(report.errors)
    return [
        _figure("load: throughput", throughputs, "inv/s", ">= 25"),
        _figure("load: latency (p50, p95)", latencies, "ms", "p95 <= 2000"),
        _figure("load: errors", [float(errors)], "count", "0"),
    ]


@contextmanager
def _stack(home: Path, **environment: str) -> Iterator[StackState]:
    """A stack whose daemon starts with ``environment`` added to this process's own."""
    saved = {name: os.environ.get(name) for name in environment}
    os.environ.update(environment)
    try:
        status = stack.up(home, prerequisites=PREREQUISITES_FILE)
        assert status.state is not None
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name)
            else:
                os.environ[name] = value
    try:
        yield status.state
    finally:
        stack.down(home)


def _aws_session(home: Path) -> boto3.session.Session:
    """boto3 for the stack in ``home``, signing with its own key."""
    environment = stack.client_environment(home)
    return boto3.session.Session(
        aws_access_key_id=environment["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=environment["AWS_SECRET_ACCESS_KEY"],
        region_name=environment["AWS_REGION"],
    )


def _finished_workshop(
    state: StackState, home: Path, folder: Path
) -> tuple[LocalBackend, WorkshopSettings]:
    """Deploy the workshop's end state (step 3) on the stack in ``home``."""
    settings = load_settings(_aws_session(home).client("ssm", endpoint_url=state.aws_endpoint_url))
    backend = LocalBackend(home)
    project.fresh_project(folder)
    project.prepare(folder, settings, backend, through_step=3)
    return backend, settings


def room_figures() -> list[dict[str, Any]]:
    """:mod:`helpers.tooling.capacity`, run in a process of its own (it points its AWS and
    TLS settings at the stack it measures)."""
    done = subprocess.run(
        [sys.executable, "-m", "helpers.tooling.capacity", "--json"],
        cwd=REPO_ROOT,
        env=_STARTING_ENVIRONMENT,
        check=True,
        capture_output=True,
        text=True,
    )
    attendee = capacity.Attendee(**json.loads(done.stdout))
    by_memory, by_cpu = capacity.attendees_per_host(attendee)
    host = f"{capacity.HOST_MEMORY_GB} GB / {capacity.HOST_CORES}-core host"
    return [
        _figure("an attendee's stack, idle", [attendee.idle_stack_mb], "MB", "<= 250 MB"),
        _figure("its peak during notebook 01", [attendee.working_stack_mb], "MB", ""),
        _figure("a kernel with the kit", [attendee.kernel_mb], "MB", ""),
        _figure("the whole workshop, CPU", [attendee.workshop_cpu_seconds], "CPU-s", ""),
        _figure(f"attendees a {host} holds", [min(by_memory, by_cpu)], "", ">= 30"),
    ]


def measure() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    figures = [_figure("cold agentcore-local up", cold_up_seconds(), "s", "<= 2 s")]
    figures += room_figures()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        with (
            _stack(root / "traced") as traced,
            _stack(root / "plain", OTEL_SDK_DISABLED="true") as plain,
        ):
            bundle = root / "ca-bundle.pem"
            bundle.write_text(
                Path(traced.ca_bundle).read_text() + Path(plain.ca_bundle).read_text()
            )
            os.environ.update(stack.client_environment(root / "traced"))
            os.environ["REQUESTS_CA_BUNDLE"] = os.environ["SSL_CERT_FILE"] = str(bundle)
            settings = load_settings(boto3.client("ssm"))
            figures.append(
                _figure("warm token fetch", warm_token_fetch_ms(settings), "ms", "<= 20 ms")
            )
            backend = LocalBackend(root / "traced")
            folder = root / "project"
            project.fresh_project(folder)
            project.prepare(folder, settings, backend, through_step=2)
            _with_open_twin(folder)
            backend.deploy(folder).raise_for_failure()
            figures += authorizer_overhead(backend, folder, settings)
            _without_open_twin(folder)
            project.prepare(folder, settings, backend, through_step=3)
            _settle()
            long_session = warm_end_to_end_ms(backend, folder, settings)
            _settle()
            second_turns = second_turn_ms(backend, folder, settings)
            figures += [
                _figure("warm end-to-end invoke (one session, 60 turns)", long_session, "ms", ""),
                _ratio(
                    "turns 52-61 / turns 2-11 of that session",
                    long_session[-10:],
                    long_session[:10],
                    "<= 1.2",
                ),
                _figure("warm invoke, second turn of a session", second_turns, "ms", "<= 60 ms"),
            ]
            plain_backend, plain_settings = _finished_workshop(
                plain, root / "plain", root / "plain-project"
            )
            plain_cognito = _aws_session(root / "plain").client(
                "cognito-idp", endpoint_url=plain.aws_endpoint_url
            )
            figures += tracing_overhead(
                (backend.invoke_url(folder, project.RUNTIME), get_token(settings)),
                (
                    plain_backend.invoke_url(root / "plain-project", project.RUNTIME),
                    get_token(plain_settings, cognito=plain_cognito),
                ),
            )
            _settle()
            figures += load_figures(
                backend.invoke_url(folder, project.RUNTIME), get_token(settings)
            )
            figures.append(
                _figure(
                    "deploy changing a runtime, until it answers",
                    runtime_deploy_ms(backend, folder, settings),
                    "ms",
                    "<= 300 ms",
                )
            )
            figures.append(
                _figure(
                    "deploy changing one gateway",
                    gateway_deploy_ms(backend, folder),
                    "ms",
                    "<= 3000 ms",
                )
            )
    first_seen = jwt_verifications_per_second(remembered=False)
    seen_again = jwt_verifications_per_second(remembered=True)
    openssl = openssl_rsa2048_verifies_per_second()
    figures += [
        _figure("JWT checks, first seen", first_seen, "/s", ""),
        _figure("JWT checks, seen again", seen_again, "/s", ""),
        _figure("RSA-2048 verifies, openssl", openssl, "/s", ""),
        _ratio("first seen / openssl (reported)", first_seen, openssl, ""),
        _ratio("seen again / openssl", seen_again, openssl, ">= 10"),
    ]
    figures.append(_figure("whole notebook run (nbval)", notebook_run_seconds(), "s", "<= 30 s"))
    figures.append(
        _figure("fresh clone to make test green", fresh_clone_seconds(), "s", "<= 240 s")
    )
    machine = {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    return machine, figures


def print_table(machine: dict[str, Any], figures: list[dict[str, Any]]) -> None:
    print(f"machine: {machine['cores']} cores, Python {machine['python']}, {machine['platform']}")
    width = max(len(row["figure"]) for row in figures) + 2
    columns = f"{'runs':>6}{'median':>10}{'p95':>10}{'min':>10}{'max':>10}  unit   goal"
    print(f"{'figure':<{width}}{columns}")
    for row in figures:
        p95 = f"{row['p95']:.2f}" if row["p95"] is not None else "-"
        print(
            f"{row['figure']:<{width}}{row['runs']:>6}{row['median']:>10.2f}{p95:>10}"
            f"{row['min']:>10.2f}{row['max']:>10.2f}  {row['unit']:<5}  {row['goal']}"
        )


def main() -> None:
    machine, figures = measure()
    print_table(machine, figures)
    output = workshop_home() / "bench.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({"machine": machine, "figures": figures}, indent=2))
    print(f"written to {output}")


if __name__ == "__main__":
    main()
