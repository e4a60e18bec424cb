"""The stack's background process: start every part, seed it, serve until told to stop.

Started by :func:`helpers.emulator.stack.up` as ``python -m helpers.emulator.daemon HOME``.
It creates the prerequisites kept in ``HOME`` (see :mod:`helpers.emulator.prerequisites`).
When every part is listening and earlier deployments are restored, it writes the
status file (``stack.json``), which is how the controller learns the URLs; on
SIGTERM or SIGINT it stops the agent processes and every part.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import uvicorn

from helpers.emulator.authorizer import JwtAuthorizer, JwtAuthorizerConfig
from helpers.emulator.control.clock import StackClock
from helpers.emulator.ports import stack_ports
from helpers.emulator.prerequisites import Prerequisites
from helpers.emulator.prerequisites import create as create_prerequisites
from helpers.emulator.state import LOOPBACK, StackLayout, StackState
from helpers.emulator.telemetry import tracing
from helpers.emulator.tls import TlsFiles, ensure_tls_files
from helpers.model.errors import ActionableError

# Stable pool and client ids across restarts (read by moto when its backends load).
os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY", "HASH")

log = logging.getLogger("agentcore_local.daemon")


class PartStartError(ActionableError):
    """A part could not start; the message names the part and its port."""


class _SharedLoopServer(uvicorn.Server):
    """A uvicorn server that leaves signals to the daemon, which runs several servers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(part: str, port: int) -> socket.socket:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Accepted connections inherit this: without it, Nagle's algorithm holds a
    # response body back ~40 ms behind its headers on every keep-alive request.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        listener.bind((LOOPBACK, port))
    except OSError as error:
        listener.close()
        raise PartStartError(
            f"{part}: cannot listen on {LOOPBACK}:{port} ({error.strerror})"
        ) from None
    return listener


def _server(app: Any, part: str, port: int, tls: TlsFiles | None) -> _SharedLoopServer:
    config = uvicorn.Config(
        app,
        ssl_certfile=str(tls.server_cert_chain) if tls else None,
        ssl_keyfile=str(tls.server_key) if tls else None,
        log_config=None,
        # Access logs would carry query strings; a token must never reach a log.
        access_log=False,
        lifespan="off",
        # Idle keep-alive clients would otherwise hold a graceful shutdown open forever.
        timeout_graceful_shutdown=1,
    )
    server = _SharedLoopServer(config)
    server.listener = _bind(part, port)  # type: ignore[attr-defined]
    return server


async def _serve(
    servers: list[_SharedLoopServer],
    on_started: Callable[[], Awaitable[None]],
    on_stopping: Callable[[], Awaitable[None]],
) -> None:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    tasks = [
        asyncio.create_task(server.serve(sockets=[server.listener]))  # type: ignore[attr-defined]
        for server in servers
    ]
    while not all(server.started for server in servers):
        if any(task.done() for task in tasks):
            stopping.set()
            break
        await asyncio.sleep(0.02)
    else:
        await on_started()
    await stopping.wait()
    await on_stopping()
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*tasks)


def agent_environment(state: StackState) -> dict[str, str]:
    """What every agent process gets besides the gateway URLs: offline model, local AWS.

    The daemon's own environment already trusts the stack's CA, and so will they.
    """
    return {
        **os.environ,
        # A learner who configured another provider (e.g. bedrock) keeps it.
        "AGENT_MODEL_PROVIDER": os.environ.get("AGENT_MODEL_PROVIDER", "offline"),
        **state.client_environment(),
    }


def authorizer_factory(clock: StackClock) -> Callable[[JwtAuthorizerConfig], JwtAuthorizer]:
    """Authorizers whose key cache runs on the stack's clock (tests move it forward)."""
    return functools.partial(JwtAuthorizer, clock=clock)


def run(home: Path) -> None:
    """Start the stack described by the working-state folder ``home`` and serve."""
    # Imported here so the environment above is in place before moto loads.
    import boto3
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    from helpers.emulator.control.api import create_control_app
    from helpers.emulator.control.faults import Switchable
    from helpers.emulator.deploy.deployer import Deployer
    from helpers.emulator.gateway.host import GatewayHost
    from helpers.emulator.gateway.lambdas import LambdaRegistry
    from helpers.emulator.identity.directory import CognitoDirectory
    from helpers.emulator.identity.issuer import create_issuer_app
    from helpers.emulator.identity.keys import SigningKeyStore
    from helpers.emulator.runtime.front_door import RuntimeFrontDoor
    from helpers.emulator.telemetry.collector import collector_app
    from helpers.emulator.telemetry.store import SpanStore

    layout = StackLayout(home)
    layout.status_file.unlink(missing_ok=True)
    prerequisites = (
        Prerequisites.load(layout.prerequisites_file)
        if layout.prerequisites_file.exists()
        else Prerequisites()
    )
    ports = stack_ports(layout.ports_file)
    tls = ensure_tls_files(layout.tls_dir)
    # The authorizers fetch discovery and JWKS from our own HTTPS issuer.
    os.environ["REQUESTS_CA_BUNDLE"] = os.environ["SSL_CERT_FILE"] = str(tls.ca_bundle)
    started = time.monotonic()
    # Filled in with the pid and the outputs once every part is up.
    draft = StackState(
        pid=os.getpid(),
        ports=ports,
        region=prerequisites.region,
        account_id=prerequisites.account_id,
        ca_bundle=tls.ca_bundle,
    )
    # Every part and agent exports spans by the standard variables; unless you point
    # them at another OTLP endpoint, they go to the stack's own collector.
    os.environ.setdefault("OTEL_EXPORTER_OTLP_ENDPOINT", draft.url("collector"))
    tracer_provider = tracing.configure("agentcore-local")

    _bind("aws_api", ports["aws_api"]).close()  # moto's own bind would hang on failure
    moto = ThreadedMotoServer(ip_address=LOOPBACK, port=ports["aws_api"], verbose=False)
    moto.start()
    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=prerequisites.region,
    )
    cognito = session.client("cognito-idp", endpoint_url=draft.aws_endpoint_url)
    ssm = session.client("ssm", endpoint_url=draft.aws_endpoint_url)
    outputs = create_prerequisites(prerequisites, cognito, ssm, draft.issuer_url)
    log.info("aws_api: moto on %s, prerequisites created", draft.aws_endpoint_url)

    keys = SigningKeyStore(layout.signing_keys_file)
    front_door = RuntimeFrontDoor()
    registry = LambdaRegistry.of(prerequisites)
    clock = StackClock()
    make_authorizer = authorizer_factory(clock)
    gateway_host = GatewayHost(registry, make_authorizer)
    deployer = Deployer(
        layout=layout,
        front_door=front_door,
        gateway_host=gateway_host,
        runtime_base_url=draft.url("runtime"),
        gateway_base_url=draft.url("gateway"),
        agent_env=agent_environment(draft),
        region=prerequisites.region,
        account_id=prerequisites.account_id,
        make_authorizer=make_authorizer,
    )
    issuer_app = create_issuer_app(
        base_url=draft.issuer_url, keys=keys, directory=CognitoDirectory(cognito)
    )
    switches = {
        "issuer": Switchable(issuer_app, "issuer"),
        "gateway": Switchable(gateway_host, "gateway"),
    }
    control_app = create_control_app(
        deployer=deployer,
        keys=keys,
        front_door=front_door,
        registry=registry,
        switches=switches,
        clock=clock,
    )
    collector = collector_app(SpanStore(layout.traces_file))
    servers = [
        _server(collector, "collector", ports["collector"], None),
        _server(switches["issuer"], "issuer", ports["issuer"], tls),
        _server(front_door.app, "runtime", ports["runtime"], tls),
        _server(switches["gateway"], "gateway", ports["gateway"], tls),
        _server(control_app, "control", ports["control"], None),
    ]

    async def on_started() -> None:
        await deployer.restore()
        replace(draft, outputs=outputs).write(layout)
        log.info("stack ready in %.2f s", time.monotonic() - started)

    async def on_stopping() -> None:
        layout.status_file.unlink(missing_ok=True)
        if tracer_provider is not None:
            # In a thread: the export goes to the collector this very loop serves.
            await asyncio.to_thread(tracer_provider.force_flush)
        await front_door.close()  # first: its idle connections would hold the agents open
        await deployer.close()
        await gateway_host.close()

    try:
        asyncio.run(_serve(servers, on_started, on_stopping))
    finally:
        moto.stop()
        layout.status_file.unlink(missing_ok=True)
        log.info("stack stopped")


def main() -> None:
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        stream=sys.stderr,
    )
    for noisy in ("werkzeug", "httpx", "mcp", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        run(Path(sys.argv[1]))
    except ActionableError as error:  # a port taken, a broken prerequisites file
        log.error("%s", error)
        sys.exit(3)


if __name__ == "__main__":
    main()
