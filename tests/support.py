"""What many tests share: where things are, the workshop's facts, and small servers.

Fixtures live in the root ``conftest.py``; plain helpers and constants live here.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import boto3
import pytest
import requests
import uvicorn

from helpers.emulator import stack
from helpers.emulator.core.state import StackState
from helpers.emulator.deploy.report import Deployments
from helpers.kit import steps
from helpers.kit.backends.local import LocalBackend
from helpers.kit.paths import PREREQUISITES_FILE
from helpers.kit.settings import WorkshopSettings
from helpers.kit.sign_in import UserTokens, sign_in, user_secret
from helpers.kit.tokens import forget_tokens

T = TypeVar("T")
REPO_ROOT = Path(__file__).resolve().parent.parent

# Away from the lab's default block, so tests and a running workshop can coexist.
DEFAULT_TEST_PORT_BASE = "18440"
RUNTIME = "CustomerSupport"
WARRANTY_PROMPT = "Check the warranty for PROD-001"
WARRANTY_END = "2027-03-01"  # only the Lambda behind the Gateway knows it
WARRANTY_TOOL = "WarrantyCheck___check_warranty_status"
RETURN_PROMPT = "What's the return policy for electronics?"
POOL = "CustomerSupportUserPool"
PARTNER_CLIENT = "PartnerTeamM2MClient"
# Settings as SSM would give them, for what needs no stack (the checkers, the views).
OFFLINE_SETTINGS = WorkshopSettings(
    cognito_discovery_url="https://127.0.0.1:9/pool_1/.well-known/openid-configuration",
    client_id="client123workshop",
    pool_id="pool_1",
    cognito_token_url="https://127.0.0.1:9/oauth2/token",
    cognito_auth_scope="api/read",
    warranty_check_lambda_arn="arn:aws:lambda:us-east-1:123456789012:function:warranty-check",
)


@dataclass(frozen=True)
class FinishedWorkshop:
    """The workshop's end state, deployed: its project folder, and where to call it."""

    folder: Path
    backend: LocalBackend
    settings: WorkshopSettings

    @property
    def runtime_url(self) -> str:
        return self.backend.invoke_url(self.folder, steps.RUNTIME)

    @property
    def gateway_url(self) -> str:
        return self.backend.gateway_url(self.folder, steps.SECURE_GATEWAY)


def port_base_beside_the_suite(offset: int) -> str:
    """A stack port block ``offset`` above this run's (``TEST_PORT_BASE``), for tests that
    start a stack of their own beside the session's."""
    return str(int(os.environ.get("TEST_PORT_BASE", DEFAULT_TEST_PORT_BASE)) + offset)


def start_stack(home: Path, monkeypatch: pytest.MonkeyPatch) -> StackState:
    """A stack of the test's own with the workshop's prerequisites, this process pointed at it."""
    state = stack.up(home, prerequisites=PREREQUISITES_FILE).state
    assert state is not None
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    for name, value in stack.client_environment(home).items():
        monkeypatch.setenv(name, value)
    set_up_clients_afresh()
    return state


def set_up_clients_afresh() -> None:
    """Make this process's clients read the environment's stack anew.

    boto3's default session keeps the credentials it first read, and the kit keeps its
    tokens: another stack (another test's) has another key and signs with other keys.
    """
    boto3.setup_default_session()
    forget_tokens()


def partner_client_id(state: StackState) -> str:
    """The second app client of the workshop's pool: valid tokens, not in allowedClients."""
    return state.outputs[f"{POOL}.{PARTNER_CLIENT}.ClientId"]


def new_user(settings: WorkshopSettings, prefix: str = "guest") -> UserTokens:
    """A user of the workshop's pool no test has used, signed in at the web client.

    Made as the prerequisite stack makes alice and bob (a generated password in its
    secret), so each test has a memory actor of its own whatever ran before it.
    """
    username = f"{prefix}-{uuid.uuid4().hex[:12]}"
    secrets = boto3.client("secretsmanager")
    password = secrets.get_random_password(PasswordLength=24)["RandomPassword"]
    secrets.create_secret(
        Name=user_secret(username),
        SecretString=json.dumps({"username": username, "password": password}),
    )
    cognito = boto3.client("cognito-idp")
    cognito.admin_create_user(
        UserPoolId=settings.pool_id, Username=username, MessageAction="SUPPRESS"
    )
    cognito.admin_set_user_password(
        UserPoolId=settings.pool_id, Username=username, Password=password, Permanent=True
    )
    return sign_in(settings, username)


def agent_pid(deployed: Deployments, session_id: str | None = None, runtime: str = RUNTIME) -> int:
    """The agent process serving ``session_id``, or any agent process of the runtime."""
    info = deployed.runtimes[runtime]
    pid = info.sessions.get(session_id) if session_id else next(iter(info.pids), None)
    assert pid is not None, f"{runtime} has no agent process for session {session_id}"
    return pid


@dataclass(frozen=True)
class Served:
    """An ASGI app under uvicorn on a background thread: its base URL and its event loop."""

    url: str
    loop: asyncio.AbstractEventLoop

    def on_loop(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the server's loop (where the app's own tasks live)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=5)


@contextmanager
def serve_on_a_thread(app: Any, **config: Any) -> Iterator[Served]:
    """Serve the ASGI ``app`` with uvicorn on a free loopback port until the block ends."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(
        uvicorn.Config(app, log_config=None, timeout_graceful_shutdown=1, **config)
    )
    loop = asyncio.new_event_loop()
    thread = threading.Thread(
        target=loop.run_until_complete, args=(server.serve(sockets=[listener]),), daemon=True
    )
    thread.start()
    try:
        poll_until(lambda: server.started or not thread.is_alive(), within=5, every=0.01)
        assert server.started, "the server did not start"
        yield Served(f"http://127.0.0.1:{listener.getsockname()[1]}", loop)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        loop.close()
        listener.close()
    assert not thread.is_alive(), "the server did not stop"


def poll_until(probe: Callable[[], T], within: float, every: float = 0.05) -> T:
    """``probe()``'s first truthy answer, asked every ``every`` seconds for ``within``
    seconds; past that, its last answer, for the caller to assert on, saying what it
    waited for. The suite's one wait-until-deadline loop."""
    deadline = time.monotonic() + within
    while True:
        answer = probe()
        if answer or time.monotonic() >= deadline:
            return answer
        time.sleep(every)


def wait_until_jupyter_serves(
    process: subprocess.Popen[bytes], url: str, token: str, log: Path, what: str
) -> None:
    """Wait (up to 120 s) until the Jupyter server ``process`` started answers at ``url``;
    fail with the end of its ``log`` if it ends first."""
    deadline = time.monotonic() + 120
    while True:
        assert process.poll() is None, log.read_text()[-3000:]
        assert time.monotonic() < deadline, f"{what} did not serve within 120 s"
        try:
            if requests.get(f"{url}/api/status?token={token}", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
