"""The stack's background process: start every part, seed it, serve until told to stop.

Started by :func:`helpers.local.stack.up` as ``python -m helpers.local.daemon HOME``.
When every part is listening it writes the status file (``stack.json``), which is
how the controller learns the URLs; on SIGTERM or SIGINT it stops every part.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import uvicorn

from helpers.local.layout import StackLayout
from helpers.local.ports import LOOPBACK, stack_ports
from helpers.local.tls import ensure_tls_files

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


def _https_server(app: object, listener: socket.socket, tls_dir: Path) -> _SharedLoopServer:
    tls = ensure_tls_files(tls_dir)
    config = uvicorn.Config(
        app,
        ssl_certfile=str(tls.server_cert_chain),
        ssl_keyfile=str(tls.server_key),
        log_config=None,
        # Access logs would carry query strings; a token must never reach a log.
        access_log=False,
        lifespan="off",
        # Idle keep-alive clients would otherwise hold a graceful shutdown open forever.
        timeout_graceful_shutdown=2,
    )
    server = _SharedLoopServer(config)
    server.listener = listener  # type: ignore[attr-defined]
    return server


def _write_status(layout: StackLayout, status: dict[str, object]) -> None:
    temporary = layout.status_file.with_suffix(".tmp")
    temporary.write_text(json.dumps(status, indent=2))
    os.replace(temporary, layout.status_file)


async def _serve(servers: list[_SharedLoopServer], on_ready: Callable[[], None]) -> None:
    loop = asyncio.get_running_loop()

    def stop(*_: object) -> None:
        for server in servers:
            server.should_exit = True

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)
    tasks = [
        asyncio.create_task(server.serve(sockets=[server.listener]))  # type: ignore[attr-defined]
        for server in servers
    ]
    while not all(server.started for server in servers):
        if any(task.done() for task in tasks):
            stop()
            break
        await asyncio.sleep(0.02)
    else:
        on_ready()
    await asyncio.gather(*tasks)


def run(home: Path) -> None:
    """Start the stack described by the working-state folder ``home`` and serve."""
    # Imported here so the environment above is in place before moto loads.
    import boto3
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    from helpers.local.cognito_directory import CognitoDirectory
    from helpers.local.issuer import create_issuer_app
    from helpers.local.keys import SigningKeyStore
    from helpers.local.seed import ACCOUNT_ID, REGION, seed

    layout = StackLayout(home)
    layout.status_file.unlink(missing_ok=True)
    ports = stack_ports(layout.ports_file)
    started = time.monotonic()

    aws_listener_check = _bind("aws_api", ports["aws_api"])
    aws_listener_check.close()
    moto = ThreadedMotoServer(ip_address=LOOPBACK, port=ports["aws_api"], verbose=False)
    moto.start()
    aws_endpoint_url = f"http://{LOOPBACK}:{ports['aws_api']}"
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=REGION
    )
    cognito = session.client("cognito-idp", endpoint_url=aws_endpoint_url)
    issuer_base_url = f"https://{LOOPBACK}:{ports['issuer']}"
    identity = seed(cognito, session.client("ssm", endpoint_url=aws_endpoint_url), issuer_base_url)
    log.info("aws_api: moto on %s, seeded pool %s", aws_endpoint_url, identity.pool_id)

    keys = SigningKeyStore(layout.signing_keys_file)
    issuer_app = create_issuer_app(
        base_url=issuer_base_url, keys=keys, directory=CognitoDirectory(cognito)
    )
    servers = [_https_server(issuer_app, _bind("issuer", ports["issuer"]), layout.tls_dir)]
    tls = ensure_tls_files(layout.tls_dir)

    def announce_ready() -> None:
        _write_status(
            layout,
            {
                "pid": os.getpid(),
                "started_at": time.time(),
                "ports": ports,
                "region": REGION,
                "account_id": ACCOUNT_ID,
                "aws_endpoint_url": aws_endpoint_url,
                "issuer_base_url": issuer_base_url,
                "discovery_url": f"{issuer_base_url}/{identity.pool_id}"
                "/.well-known/openid-configuration",
                "token_url": f"{issuer_base_url}/oauth2/token",
                "pool_id": identity.pool_id,
                "client_id": identity.client_id,
                "other_client_id": identity.other_client_id,
                "scope": identity.scope,
                "ca_bundle": str(tls.ca_bundle),
                "ca_cert": str(tls.ca_cert),
            },
        )
        log.info("stack ready in %.2f s", time.monotonic() - started)

    try:
        asyncio.run(_serve(servers, announce_ready))
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
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        run(Path(sys.argv[1]))
    except PartStartError as error:
        log.error("%s", error)
        sys.exit(3)


if __name__ == "__main__":
    main()
