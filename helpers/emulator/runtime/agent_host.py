"""Serve a learner's ``BedrockAgentCoreApp``, as the Runtime's container does.

:func:`serve` runs in an agent process (a fork of the agent template, with the code
location as working directory): the entrypoint file is imported under its module name
(so its ``if __name__ == "__main__": app.run()`` does not fire and bind
0.0.0.0:8080), its app is found, and uvicorn serves it on a Unix socket only the front
door can reach. An exception while importing the learner's code is printed with its
traceback to the process's log, which the deploy step shows.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.util
import logging
import os
import signal
import sys
from pathlib import Path
from types import ModuleType

import uvicorn
from bedrock_agentcore.runtime import BedrockAgentCoreApp
from opentelemetry import context as otel_context
from opentelemetry import propagate
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from helpers.emulator.telemetry import tracing

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """Ask Linux to SIGTERM this process when its parent (daemon or template) dies.

    Done in the new process itself rather than in a ``preexec_fn`` of the daemon, which
    runs threads. A parent that died before the request leaves us adopted: exit then.
    """
    # Not Linux: no prctl, but the stack's ``up`` still sweeps a dead daemon's process group.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent_pid:
        sys.exit(0)


def load_entrypoint(code_dir: Path, entrypoint: str) -> ModuleType:
    """Import ``code_dir/entrypoint`` with ``code_dir`` first on ``sys.path``, like the Runtime."""
    sys.path.insert(0, str(code_dir))
    module_name = Path(entrypoint).stem
    spec = importlib.util.spec_from_file_location(module_name, code_dir / entrypoint)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {entrypoint} from {code_dir}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def find_app(module: ModuleType) -> BedrockAgentCoreApp:
    """The module's ``BedrockAgentCoreApp`` (usually named ``app``)."""
    apps = [value for value in vars(module).values() if isinstance(value, BedrockAgentCoreApp)]
    if len(apps) != 1:
        raise LookupError(
            f"{module.__file__} must define exactly one BedrockAgentCoreApp; found {len(apps)}."
        )
    return apps[0]


class TraceContextMiddleware:
    """Continue the caller's trace: what the Runtime's OTel instrumentation does on AWS.

    The front door sends ``traceparent`` (and ``session.id`` as baggage); attaching that
    context for the whole request makes the agent's spans (strands' own) its children.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        token = otel_context.attach(propagate.extract(Headers(scope=scope)))
        try:
            await self.app(scope, receive, send)
        finally:
            otel_context.detach(token)


def serve(code_dir: Path, entrypoint: str, socket_path: str) -> None:
    """Import the learner's code and serve its app on ``socket_path`` until SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if tracing.configure(service_name="agent"):  # the Runtime sets OTEL_SERVICE_NAME
        tracing.trace_aws_calls()
    app = TraceContextMiddleware(find_app(load_entrypoint(code_dir, entrypoint)))
    # No access log: request lines are not needed and headers must never reach a log.
    # A short graceful shutdown: the front door keeps idle connections open, and a
    # redeploy should not wait on them.
    uvicorn.run(
        app,
        uds=socket_path,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=1,
    )
