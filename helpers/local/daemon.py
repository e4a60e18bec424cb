"""The stack's background process: start every part, seed it, serve until told to stop.

Started by :func:`helpers.local.stack.up` as ``python -m helpers.local.daemon HOME``.
When every part is listening and earlier deployments are restored, it writes the
status file (``stack.json``), which is how the controller learns the URLs; on
SIGTERM or SIGINT it stops the agent processes and every part.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import uvicorn

from helpers.local import tracing
from helpers.local.authorizer import (
    DEFAULT_KEY_CACHE_TTL_SECONDS,
    DEFAULT_REFETCH_INTERVAL_SECONDS,
    JwtAuthorizer,
    JwtAuthorizerConfig,
)
from helpers.local.layout import StackLayout
from helpers.local.ports import LOOPBACK, stack_ports
from helpers.local.tls import TlsFiles, ensure_tls_files

# Stable pool and client ids across restarts (read by moto when its backends load).
os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY", "HASH")

log = logging.getLogger("agentcore_local.daemon")


class PartStartError(RuntimeError):
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
        timeout_graceful_shutdown=0.5,
    )
    server = _SharedLoopServer(config)
    server.listener = _bind(part, port)  # type: ignore[attr-defined]
    return server


def _write_status(layout: StackLayout, status: dict[str, object]) -> None:
    temporary = layout.status_file.with_suffix(".tmp")
    temporary.write_text(json.dumps(status, indent=2))
    os.replace(temporary, layout.status_file)


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


def agent_environment(aws_endpoint_url: str, region: str) -> dict[str, str]:
    """What every agent process gets besides the gateway URLs: offline model, local AWS.

    The daemon's own environment already trusts the stack's CA, and so will they.
    """
    return {
        **os.environ,
        # A learner who configured another provider (e.g. bedrock) keeps it.
        "AGENT_MODEL_PROVIDER": os.environ.get("AGENT_MODEL_PROVIDER", "offline"),
        "AWS_ENDPOINT_URL": aws_endpoint_url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
    }


def authorizer_factory(env: Mapping[str, str]) -> Callable[[JwtAuthorizerConfig], JwtAuthorizer]:
    """Authorizers with the stack's JWKS timings (tests shorten them to see rotation fast)."""
    refetch = float(
        env.get("AGENTCORE_LOCAL_JWKS_REFETCH_SECONDS", DEFAULT_REFETCH_INTERVAL_SECONDS)
    )
    ttl = float(env.get("AGENTCORE_LOCAL_JWKS_CACHE_TTL_SECONDS", DEFAULT_KEY_CACHE_TTL_SECONDS))
    return functools.partial(
        JwtAuthorizer, refetch_interval=float(refetch), key_cache_ttl=float(ttl)
    )


def run(home: Path) -> None:
    """Start the stack described by the working-state folder ``home`` and serve."""
    # Imported here so the environment above is in place before moto loads.
    import boto3
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    from helpers.local.cognito_directory import CognitoDirectory
    from helpers.local.collector import collector_app
    from helpers.local.control import create_control_app
    from helpers.local.deployer import Deployer
    from helpers.local.faults import Switchable
    from helpers.local.gateway import GatewayHost
    from helpers.local.issuer import create_issuer_app
    from helpers.local.keys import SigningKeyStore
    from helpers.local.lambdas import default_registry
    from helpers.local.runtime import RuntimeFrontDoor
    from helpers.local.seed import ACCOUNT_ID, REGION, seed
    from helpers.local.span_store import SpanStore, traces_file

    layout = StackLayout(home)
    layout.status_file.unlink(missing_ok=True)
    ports = stack_ports(layout.ports_file)
    tls = ensure_tls_files(layout.tls_dir)
    # The authorizers fetch discovery and JWKS from our own HTTPS issuer.
    os.environ["REQUESTS_CA_BUNDLE"] = os.environ["SSL_CERT_FILE"] = str(tls.ca_bundle)
    started = time.monotonic()
    urls = {
        "aws_api": f"http://{LOOPBACK}:{ports['aws_api']}",
        "issuer": f"https://{LOOPBACK}:{ports['issuer']}",
        "runtime": f"https://{LOOPBACK}:{ports['runtime']}",
        "gateway": f"https://{LOOPBACK}:{ports['gateway']}",
        "control": f"http://{LOOPBACK}:{ports['control']}",
        "collector": f"http://{LOOPBACK}:{ports['collector']}",
    }
    # Every part and agent exports spans by the standard variables; unless you point
    # them at another OTLP endpoint, they go to the stack's own collector.
    os.environ.setdefault("OTEL_EXPORTER_OTLP_ENDPOINT", urls["collector"])
    tracer_provider = tracing.configure("agentcore-local")

    _bind("aws_api", ports["aws_api"]).close()  # moto's own bind would hang on failure
    moto = ThreadedMotoServer(ip_address=LOOPBACK, port=ports["aws_api"], verbose=False)
    moto.start()
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    cognito = session.client("cognito-idp", endpoint_url=urls["aws_api"])
    identity = seed(cognito, session.client("ssm", endpoint_url=urls["aws_api"]), urls["issuer"])
    log.info("aws_api: moto on %s, seeded pool %s", urls["aws_api"], identity.pool_id)

    keys = SigningKeyStore(layout.signing_keys_file)
    front_door = RuntimeFrontDoor()
    registry = default_registry()
    make_authorizer = authorizer_factory(os.environ)
    gateway_host = GatewayHost(registry, make_authorizer)
    deployer = Deployer(
        state_dir=layout.state_dir,
        front_door=front_door,
        gateway_host=gateway_host,
        runtime_base_url=urls["runtime"],
        gateway_base_url=urls["gateway"],
        agent_env=agent_environment(urls["aws_api"], REGION),
        region=REGION,
        account_id=ACCOUNT_ID,
        make_authorizer=make_authorizer,
    )
    issuer_app = create_issuer_app(
        base_url=urls["issuer"], keys=keys, directory=CognitoDirectory(cognito)
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
    )
    collector = collector_app(SpanStore(traces_file(home)))
    servers = [
        _server(collector, "collector", ports["collector"], None),
        _server(switches["issuer"], "issuer", ports["issuer"], tls),
        _server(front_door.app, "runtime", ports["runtime"], tls),
        _server(switches["gateway"], "gateway", ports["gateway"], tls),
        _server(control_app, "control", ports["control"], None),
    ]

    async def on_started() -> None:
        await deployer.restore()
        _write_status(
            layout,
            {
                "pid": os.getpid(),
                "started_at": time.time(),
                "ports": ports,
                "urls": urls,
                "region": REGION,
                "account_id": ACCOUNT_ID,
                "aws_endpoint_url": urls["aws_api"],
                "issuer_base_url": urls["issuer"],
                "discovery_url": f"{urls['issuer']}/{identity.pool_id}"
                "/.well-known/openid-configuration",
                "token_url": f"{urls['issuer']}/oauth2/token",
                "pool_id": identity.pool_id,
                "client_id": identity.client_id,
                "other_client_id": identity.other_client_id,
                "scope": identity.scope,
                "ca_bundle": str(tls.ca_bundle),
                "ca_cert": str(tls.ca_cert),
            },
        )
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
    except PartStartError as error:
        log.error("%s", error)
        sys.exit(3)


if __name__ == "__main__":
    main()
