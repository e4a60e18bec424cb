"""Run the learner's agent code against stand-ins, in a process of its own, and say what it did.

``python -m helpers.kit.behaviour_probe TIMEOUT`` serves probe requests (:func:`serve`);
each imports the code in a ``code_dir`` (the runtime's code location) the way the
Runtime does, in a fork, and exercises it:

- ``client``: ``get_gateway_mcp_client(CallerToken(alice))``, then the client it built
  lists the Gateway's tools with alice's token, then with bob's after the token holder
  changed hands (a token that expired and was refreshed, or the next request);
- ``main``: the ``@app.entrypoint`` answers three requests as the Runtime would send
  them: alice, then bob in the same session, then bob again in a new session writing
  ``user_id`` = alice's id in the payload. The Agent is a stand-in that lists the
  Gateway's tools through every MCP client it was given, and records the session
  manager it got; no model is called.

The Gateway is a stand-in too: a real MCP server over streamable HTTP on loopback that
answers 401 without a token, as the secured Gateway does, and records which caller's
token each request carried. The report is JSON facts (written to REPORT, since the
learner's code may print anything); :mod:`helpers.kit.behaviour` turns them into
sentences in the learner's language. The tokens are the probe's own, signed with a
throwaway key: nothing here can call anything real.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import importlib
import inspect
import json
import logging
import os
import select
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import jwt

from helpers.model.names import MEMORY_NAME, OLD_GATEWAY_ENV, SECURE_GATEWAY_ENV, memory_id_env_var

GATEWAY_ENV = SECURE_GATEWAY_ENV
WARRANTY_TOOL = "WarrantyCheck___check_warranty_status"
# The callers: each a token whose ``sub`` names them (what memory/actor.py reads).
# ``alice-refreshed`` is alice with a new token, as a client has after a refresh.
CALLERS = ("alice", "bob", "alice-refreshed")
SESSION = "probe-session-0000000000000000000001"
_PR_SET_PDEATHSIG = 1
IDLE_SECONDS = 600
OTHER_SESSION = "probe-session-0000000000000000000002"


def caller_sub(caller: str) -> str:
    return caller.split("-")[0] + "-0000-probe-sub"


def authorization(caller: str) -> str:
    claims = {"sub": caller_sub(caller), "jti": caller, "token_use": "access"}
    return "Bearer " + jwt.encode(claims, "probe-key-" + "x" * 32, algorithm="HS256")


@dataclass
class Report:
    """What the learner's code did; ``error`` is where it stopped, if it did."""

    what: str
    error: dict[str, Any] | None = None
    logged: list[str] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


class _Gateway:
    """The stand-in Gateway: an MCP server that wants a token and records whose it got."""

    def __init__(self) -> None:
        self.seen: list[str] = []  # one label per POST: alice, bob, other or none
        self._labels = {authorization(c): c for c in CALLERS}

    def label(self, value: str | None) -> str:
        if not value:
            return "none"
        return self._labels.get(value, "other")

    def app(self) -> Any:
        from mcp.server.fastmcp import FastMCP

        server = FastMCP("gateway-stand-in", stateless_http=True, json_response=True)

        @server.tool(name=WARRANTY_TOOL)
        def check_warranty_status(product_id: str) -> str:
            return f"{product_id}: under warranty"

        inner = server.streamable_http_app()

        async def recording(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and scope["method"] == "POST":
                headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
                label = self.label(headers.get("authorization"))
                self.seen.append(label)
                if label == "none":
                    await _unauthorized(send)
                    return
            await inner(scope, receive, send)

        return recording

    @contextlib.contextmanager
    def serving(self) -> Iterator[str]:
        import uvicorn

        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        port = listener.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(self.app(), log_level="error", lifespan="on"))
        thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
        thread.start()
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("the stand-in Gateway did not start")
            threading.Event().wait(0.02)
        try:
            yield f"http://127.0.0.1:{port}/mcp"
        finally:
            server.should_exit = True
            thread.join(5)


async def _unauthorized(send: Any) -> None:
    body = b'{"message":"Unauthorized"}'
    await send(
        {
            "type": "http.response.start",
            "status": 401,
            "headers": [(b"content-type", b"application/json")],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _Logged(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.levelname} {record.getMessage()}")


def _where(error: BaseException, code_dir: Path) -> dict[str, Any]:
    """The error, and the last line of the learner's code it passed through."""
    described: dict[str, Any] = {"type": type(error).__name__, "message": str(error)}
    if isinstance(error, SyntaxError) and error.filename:
        described["message"] = error.msg
        frames = [(error.filename, error.lineno)]
    else:
        frames = [(f.filename, f.lineno) for f in traceback.extract_tb(error.__traceback__)]
    for filename, line in reversed(frames):
        path = Path(filename).resolve()
        if path.is_relative_to(code_dir):
            described["file"] = path.relative_to(code_dir).as_posix()
            described["line"] = line
            break
    return described


def _list_tools(client: Any) -> list[Any]:
    return list(_started(client).list_tools_sync())


def _started(client: Any) -> Any:
    if not getattr(client, "_probe_started", False):
        client.start()
        client._probe_started = True
    return client


def probe_client(code_dir: Path, gateway: _Gateway, report: Report) -> None:
    """Build the Gateway client for alice, then list tools as alice and as bob."""
    # The learner's modules, found on the path the probe was given.
    caller_token: Any = importlib.import_module("mcp_client.caller_token")
    client_module: Any = importlib.import_module("mcp_client.client")
    holder = caller_token.CallerToken(authorization("alice"))
    client = client_module.get_gateway_mcp_client(holder)
    report.facts["built"] = client is not None
    report.facts["while_building"] = list(gateway.seen)
    if client is None:
        return
    steps = []
    try:
        for caller in ("alice", "bob"):
            holder.authorization = authorization(caller)
            del gateway.seen[:]
            tools = [tool.tool_name for tool in _started(client).list_tools_sync()]
            steps.append({"caller": caller, "seen": list(gateway.seen), "tools": tools})
    finally:
        report.facts["calls"] = steps
        if getattr(client, "_probe_started", False):
            client.stop(None, None, None)


class _ProbeAgent:
    """Stands in for ``strands.Agent``: no model; its turn lists the Gateway's tools
    through each MCP client it was given, as the agent's first model call would."""

    built: ClassVar[list[_ProbeAgent]] = []  # every one made in this probe, in order
    answering: ClassVar[_ProbeAgent | None] = None  # the one that answered last

    def __init__(self, **options: Any) -> None:
        self.session_manager = options.get("session_manager")
        self.clients = [t for t in options.get("tools") or [] if hasattr(t, "list_tools_sync")]
        _ProbeAgent.built.append(self)

    async def stream_async(self, prompt: str, **_: Any) -> Any:
        _ProbeAgent.answering = self
        for client in self.clients:
            await asyncio.to_thread(_list_tools, client)
        yield {"data": "ok"}

    def __call__(self, prompt: str, **_: Any) -> str:
        _ProbeAgent.answering = self
        for client in self.clients:
            _list_tools(client)
        return "ok"


def probe_main(code_dir: Path, gateway: _Gateway, report: Report) -> None:
    """Import main.py, put the stand-ins in, and send the entrypoint four requests."""
    from bedrock_agentcore.runtime import RequestContext

    main: Any = importlib.import_module("main")
    main.Agent = _ProbeAgent
    main.load_model = lambda *args, **kwargs: None
    if hasattr(main, "get_memory_session_manager"):
        main.get_memory_session_manager = lambda session_id, actor, *a, **k: {
            "session": session_id,
            "actor": actor,
        }
    entrypoint = main.app.handlers.get("main")
    if entrypoint is None:
        report.facts["entrypoint"] = False
        return
    forged = {"user_id": caller_sub("alice"), "actor_id": caller_sub("alice")}
    requests = [
        ("alice", SESSION, {}),
        ("bob", SESSION, {}),
        ("alice-refreshed", SESSION, {}),
        ("bob", OTHER_SESSION, forged),
    ]
    answered = []
    try:
        for caller, session, extra in requests:
            del gateway.seen[:]
            before = len(_ProbeAgent.built)
            _ProbeAgent.answering = None
            context = RequestContext(
                session_id=session,
                request_headers={"Authorization": authorization(caller)},
                request=None,
            )
            _answer(entrypoint, {"prompt": "Check the warranty for PROD-001", **extra}, context)
            agent = _ProbeAgent.answering
            answered.append(
                {
                    "caller": caller,
                    "session": session,
                    "forged": bool(extra),
                    "seen": list(gateway.seen),
                    "new_agent": len(_ProbeAgent.built) > before,
                    "agent": _ProbeAgent.built.index(agent) if agent else None,
                    "memory": getattr(agent, "session_manager", None),
                    "gateway_client": bool(agent and agent.clients),
                }
            )
    finally:
        report.facts["requests"] = answered
        for agent in _ProbeAgent.built:
            for client in agent.clients:
                if getattr(client, "_probe_started", False):
                    client.stop(None, None, None)


def _answer(entrypoint: Any, payload: dict[str, Any], context: Any) -> None:
    """Call the entrypoint as the SDK does, whichever kind of function it is."""
    parameters = inspect.signature(entrypoint).parameters
    result = entrypoint(payload, context) if len(parameters) > 1 else entrypoint(payload)

    async def drain() -> None:
        if inspect.isasyncgen(result):
            async for _ in result:
                pass
        elif inspect.iscoroutine(result):
            await result

    if inspect.isgenerator(result):
        for _ in result:
            pass
    else:
        asyncio.run(drain())


def run(code_dir: Path, what: str) -> Report:
    report = Report(what)
    logged = _Logged()
    logging.getLogger().addHandler(logged)
    gateway = _Gateway()
    with gateway.serving() as url:
        os.environ[GATEWAY_ENV] = url
        os.environ.pop(OLD_GATEWAY_ENV, None)
        os.environ[memory_id_env_var(MEMORY_NAME)] = "probe-memory"
        os.environ["EXA_MCP_URL"] = ""  # no web search: nothing leaves this machine
        os.chdir(code_dir)
        sys.path.insert(0, str(code_dir))
        try:
            (probe_client if what == "client" else probe_main)(code_dir, gateway, report)
        except BaseException as error:  # the learner's code may raise anything
            report.error = _where(error, code_dir)
    # The stand-in's address means nothing to the learner: name the variable instead.
    report.logged = [line.replace(url, "$" + GATEWAY_ENV) for line in logged.lines]
    return report


# What the learner's agent and the stand-ins import: loaded once by :func:`serve`, so that
# each probe, a fork, imports only the learner's own modules.
PRELOADED = (
    "strands",
    "strands.tools.mcp",
    "bedrock_agentcore.runtime",
    "bedrock_agentcore.memory.integrations.strands.session_manager",
    "mcp.client.streamable_http",
    "mcp.server.fastmcp",
    "uvicorn",
    "httpx",
    "boto3",
)


def serve(timeout: float) -> None:
    """Answer probe requests on stdin, one JSON line each, until stdin closes or stays
    quiet for :data:`IDLE_SECONDS`.

    A request is ``{"code_dir", "what", "report"}``; each runs in a fork of this process
    (the libraries imported once, the learner's modules fresh each time), which writes
    the report file and whatever the learner's code prints to ``report`` + ``.out``. The
    reply, one line on stdout, is ``done``, ``timeout`` (the fork was killed) or
    ``crashed``.
    """
    for module in PRELOADED:
        importlib.import_module(module)
    with contextlib.suppress(OSError, AttributeError):  # Linux: end with the kernel
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    print("ready", flush=True)
    # Idle for long, it ends (the kit starts it again when a checker next runs): a room of
    # learners should not each keep the agent's libraries in memory for nothing.
    while select.select([sys.stdin], [], [], IDLE_SECONDS)[0]:
        line = sys.stdin.readline()
        if not line:
            return
        print(_probe_in_a_fork(json.loads(line), timeout), flush=True)


def _probe_in_a_fork(request: dict[str, str], timeout: float) -> str:
    report = Path(request["report"])
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:  # the probe: its output goes to a file, never to the reply channel
        output = os.open(f"{report}.out", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(output, 1)
        os.dup2(output, 2)
        try:
            found = run(Path(request["code_dir"]).resolve(), request["what"])
            report.write_text(json.dumps(asdict(found), default=str))
        finally:
            # The learner's MCP clients' threads must not keep the probe alive.
            os._exit(0)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            return "done" if report.exists() else "crashed"
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return "timeout"


if __name__ == "__main__":
    serve(timeout=float(sys.argv[1]))
