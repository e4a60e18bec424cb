"""The agent template: one process per stack, the agent libraries imported, forking agents.

A fresh interpreter spends about three seconds importing strands, mcp, boto3 and
OpenTelemetry before the learner's first line runs. The template imports them once;
each agent is a fork of it that imports only the learner's code (as ``gunicorn
--preload`` does), in a fraction of a second, sharing the libraries' pages
copy-on-write.

What a first call would load lazily is loaded here too: the modules httpx, uvicorn and
the span exporter import on first use, and botocore's API models. botocore parses a
service's model (JSON, 100-300 ms) into a loader that belongs to one boto3 session,
and every agent process makes a session of its own; here every session of a data path
shares one loader, filled before the fork, so a new runtime session's first call does
not parse the models again. What the loader holds is the models botocore ships, never
credentials or configuration.

Run by the daemon as ``python -m helpers.emulator.runtime.template FD PARENT_PID``:
``FD`` is its end of a ``SOCK_SEQPACKET`` socket pair. Each message from the daemon is
one agent to start (JSON: ``id``, ``code_dir``, ``entrypoint``, ``socket``, ``env``)
with the write end of the agent's output pipe attached (``SCM_RIGHTS``); the template
answers ``{"op": "started", "id", "pid"}`` and, when an agent ends, ``{"op":
"exited", "pid", "code"}``. It stays single-threaded, since forking a process that
runs threads is unsafe, and it ends when the daemon does.

The garbage collector is what would undo the sharing: a collection in an agent walks
every object it inherited and writes to each one's header, copying page after page (a
fork's first boto3 clients took 170 ms that way, against 30 ms in the template). So, as
the ``gc`` documentation advises for fork without exec, the template collects nothing
once it is loaded, and freezes everything it has before each fork; agents collect only
what they make themselves.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import selectors
import signal
import socket
import sys
import traceback
from pathlib import Path
from typing import Any

from helpers.emulator.runtime.agent_host import die_with_parent, serve

# What the learner's agent imports (see agent/app/CustomerSupport), and what serving it
# needs: imported here once, inherited by every fork.
PRELOADED = (
    "boto3",
    "botocore.session",
    "httpx",
    "pydantic",
    "bedrock_agentcore.runtime",
    "bedrock_agentcore.memory.integrations.strands.session_manager",
    "strands",
    "strands.models",
    "strands.session",
    "strands.tools.mcp",
    # memory/actor.py reads the caller's token (from step 3): PyJWT, and cryptography with it.
    "jwt",
    "mcp",
    "mcp.client.streamable_http",
    "uvicorn",
    "opentelemetry.sdk.trace",
    "opentelemetry.exporter.otlp.proto.http.trace_exporter",
    "opentelemetry.instrumentation.botocore",
    # Imported on first use by httpx, the span exporter, uvicorn and anyio.
    "httpcore",
    "requests",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.websockets.auto",
    "uvicorn.lifespan.on",
    "anyio._backends._asyncio",
)
# The AWS APIs an agent calls: its memory (both planes) and its model (Bedrock Runtime).
PRELOADED_MODELS = ("bedrock-agentcore", "bedrock-agentcore-control", "bedrock-runtime")
MAX_MESSAGE_BYTES = 1 << 20


def _preload() -> None:
    import importlib

    for module in PRELOADED:
        importlib.import_module(module)
    _share_botocore_loaders()
    import boto3

    # Explicit placeholder keys: making a client must not look for credentials (that
    # could reach for an instance metadata endpoint). Nothing calls these clients.
    warm = boto3.Session(
        aws_access_key_id="preload", aws_secret_access_key="preload", region_name="us-east-1"
    )
    for service in PRELOADED_MODELS:
        warm.client(service)


def _share_botocore_loaders() -> None:
    """Make every botocore session use one data loader per data path (``AWS_DATA_PATH``)."""
    import botocore.loaders
    import botocore.session

    loaders: dict[str | None, botocore.loaders.Loader] = {}

    def shared_loader(search_path_string: str | None = None) -> botocore.loaders.Loader:
        if search_path_string not in loaders:
            loaders[search_path_string] = botocore.loaders.create_loader(search_path_string)
        return loaders[search_path_string]

    botocore.session.create_loader = shared_loader


def _spawn(spec: dict[str, Any], output: int, closing: list[int]) -> int:
    """Fork one agent; in the child, become it and never return."""
    gc.freeze()
    pid = os.fork()
    if pid:
        return pid
    status = 0
    try:
        gc.enable()
        for descriptor in closing:
            os.close(descriptor)
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        die_with_parent(os.getppid())
        os.environ.clear()
        os.environ.update(spec["env"])
        os.chdir(spec["code_dir"])
        serve(Path(spec["code_dir"]), spec["entrypoint"], spec["socket"])
    except BaseException:  # the learner's import error included: it goes to the log
        traceback.print_exc()
        status = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status)


def _reap(control: socket.socket) -> None:
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        report = {"op": "exited", "pid": pid, "code": os.waitstatus_to_exitcode(status)}
        control.send(json.dumps(report).encode())


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    die_with_parent(int(sys.argv[2]))
    gc.disable()  # before loading, so no collection leaves holes in the pages agents share
    _preload()
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_read, False)
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    selector = selectors.DefaultSelector()
    selector.register(control, selectors.EVENT_READ)
    selector.register(wake_read, selectors.EVENT_READ)
    control.send(json.dumps({"op": "ready"}).encode())
    while True:
        for key, _ in selector.select():
            if key.fileobj is control:
                message, descriptors, _flags, _address = socket.recv_fds(
                    control, MAX_MESSAGE_BYTES, 1
                )
                if not message:
                    return  # the daemon is gone
                spec = json.loads(message)
                closing = [control.fileno(), wake_read, wake_write, selector.fileno()]
                pid = _spawn(spec, descriptors[0], closing)
                os.close(descriptors[0])
                control.send(json.dumps({"op": "started", "id": spec["id"], "pid": pid}).encode())
            else:
                with contextlib.suppress(BlockingIOError):
                    while os.read(wake_read, 512):
                        pass
                _reap(control)


if __name__ == "__main__":
    main()
