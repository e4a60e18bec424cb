"""Signing-key rotation and the authorizers' key cache, on a stack of the test's own.

Rotating keys on the shared stack would disturb every other test. The authorizers' key
cache runs on the stack's clock, which the tests move forward (past a refetch interval,
past the cache's TTL) instead of sleeping. The project points its discovery URL at a
small loopback proxy in front of the stack's issuer, which counts JWKS fetches: that is
how the test sees how often the Runtime's and the Gateway's authorizers fetch keys.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
import httpx
import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from helpers.emulator import stack
from helpers.emulator.client import ControlClient
from helpers.emulator.core.state import StackLayout, StackState
from helpers.emulator.core.tls import tls_files
from helpers.emulator.inbound.keys import (
    DEFAULT_KEY_CACHE_TTL_SECONDS,
    DEFAULT_REFETCH_INTERVAL_SECONDS,
)
from helpers.kit import steps
from helpers.kit.backends.local import LocalBackend
from helpers.kit.calling.invoke import invoke, new_session_id
from helpers.kit.settings import WorkshopSettings, load_settings
from helpers.kit.tokens import AccessToken, client_secret, fetch_token
from helpers.model.names import WELL_KNOWN_SUFFIX
from helpers.wire.invoke_errors import InvokeUnauthorized
from tests.leaks import client_secrets, scan_files
from tests.support import WARRANTY_END, WARRANTY_PROMPT, agent_pid, start_stack

pytestmark = pytest.mark.stack

SPRAY_SIZE = 30
MCP_PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
MCP_ACCEPT = {"Accept": "application/json, text/event-stream"}


class JwksCountingProxy:
    """Serves an issuer's discovery document and JWKS over loopback HTTPS, counting JWKS reads.

    The discovery document names the real issuer (so tokens still verify) but this proxy's
    JWKS URL, which passes the issuer's answer through (its current keys, or its 503).
    """

    def __init__(self, issuer: str, tls_dir: Path) -> None:
        self.issuer = issuer
        self.jwks_fetches = 0
        count_lock = threading.Lock()  # the Runtime's and the Gateway's fetches may overlap
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.endswith(WELL_KNOWN_SUFFIX):
                    status = 200
                    document = {"issuer": proxy.issuer, "jwks_uri": proxy.base_url + "/jwks.json"}
                    payload = json.dumps(document).encode()
                else:
                    with count_lock:
                        proxy.jwks_fetches += 1
                    upstream = requests.get(proxy.issuer + "/.well-known/jwks.json", timeout=5)
                    status, payload = upstream.status_code, upstream.content  # a 503 stays a 503
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: object) -> None:
                pass  # quiet: the test reads the counter, not a log

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        files = tls_files(tls_dir)  # the stack's CA signed a loopback certificate for us too
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(files.server_cert_chain, files.server_key)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self.base_url = f"https://127.0.0.1:{self._server.server_address[1]}"
        self.discovery_url = self.base_url + WELL_KNOWN_SUFFIX
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@dataclass(frozen=True)
class RotationStack:
    """The test's own stack, its deployed workshop and what the tests need to call it."""

    state: StackState
    control: ControlClient
    backend: LocalBackend
    settings: WorkshopSettings
    secret: str
    runtime_url: str
    gateway_url: str
    proxy: JwksCountingProxy
    session_id: str = field(default_factory=new_session_id)

    def fresh_token(self) -> AccessToken:
        """A new token, signed by whichever key the issuer signs with now."""
        return fetch_token(self.settings.cognito_token_url, self.settings.client_id, self.secret)

    def ask(self, token: AccessToken | str) -> str:
        """Ask in the module's one session, so one agent process serves every call."""
        return invoke(self.runtime_url, WARRANTY_PROMPT, token=token, session_id=self.session_id)

    def gateway_status(self, token: AccessToken | str) -> int:
        value = token.value if isinstance(token, AccessToken) else token
        headers = MCP_ACCEPT | {"Authorization": f"Bearer {value}"}
        return httpx.post(self.gateway_url, json=MCP_PING, headers=headers).status_code

    def running_pids(self) -> tuple[int, int]:
        """The daemon's pid and the session's agent's: both unchanged, nothing restarted."""
        return self.state.pid, agent_pid(self.backend.deployments(), self.session_id)


@pytest.fixture(scope="module")
def rotation_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RotationStack]:
    """A stack with the finished workshop behind a counting JWKS proxy; its logs hold no secret."""
    home = tmp_path_factory.mktemp("rotation-stack")
    with pytest.MonkeyPatch.context() as patch:
        state = start_stack(home, patch)
        backend = LocalBackend(home)
        try:
            settings = load_settings(boto3.client("ssm"))
            issuer = settings.cognito_discovery_url.removesuffix(WELL_KNOWN_SUFFIX)
            with closing(JwksCountingProxy(issuer, StackLayout(home).tls_dir)) as proxy:
                folder = home / "project"
                steps.fresh_project(folder)
                proxied = replace(settings, cognito_discovery_url=proxy.discovery_url)
                steps.prepare(folder, proxied, backend, through_step=3)
                secrets = client_secrets(home)
                yield RotationStack(
                    state=state,
                    control=stack.control(home),
                    backend=backend,
                    settings=settings,
                    secret=client_secret(settings.pool_id, settings.client_id),
                    runtime_url=backend.invoke_url(folder, steps.RUNTIME),
                    gateway_url=backend.gateway_url(folder, steps.SECURE_GATEWAY),
                    proxy=proxy,
                )
        finally:
            backend.shut_down(lambda _: None)
    leaks = scan_files(StackLayout(home).log_dir.glob("*.log"), secrets)
    assert not leaks, f"secret material in the rotation stack's logs: {leaks}"


def test_rotated_key_is_accepted_and_retired_key_refused_without_restart(
    rotation_stack: RotationStack,
) -> None:
    old_token = rotation_stack.fresh_token()
    assert WARRANTY_END in rotation_stack.ask(old_token)
    pids = rotation_stack.running_pids()

    old_kid = jwt.get_unverified_header(old_token.value)["kid"]
    rotation_stack.control.rotate_signing_key()
    new_token = rotation_stack.fresh_token()
    assert jwt.get_unverified_header(new_token.value)["kid"] != old_kid
    # A kid the authorizers do not know sends them to the JWKS, once per refetch interval.
    rotation_stack.control.advance_clock(DEFAULT_REFETCH_INTERVAL_SECONDS)
    assert WARRANTY_END in rotation_stack.ask(new_token)  # Runtime and Gateway both took it
    assert WARRANTY_END in rotation_stack.ask(old_token)  # still published, still valid

    rotation_stack.control.retire_signing_key(old_kid)
    rotation_stack.control.advance_clock(DEFAULT_KEY_CACHE_TTL_SECONDS)  # cached keys re-read
    with pytest.raises(InvokeUnauthorized, match="unknown signing key"):
        rotation_stack.ask(old_token)
    assert rotation_stack.gateway_status(old_token) == 401
    assert WARRANTY_END in rotation_stack.ask(new_token)
    assert rotation_stack.running_pids() == pids


def test_unknown_kid_spray_fetches_the_jwks_at_most_once_per_interval(
    rotation_stack: RotationStack,
) -> None:
    token = rotation_stack.fresh_token()
    claims = jwt.decode(token.value, options={"verify_signature": False})
    attacker_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    rotation_stack.control.advance_clock(DEFAULT_REFETCH_INTERVAL_SECONDS)
    fetches_before = rotation_stack.proxy.jwks_fetches
    for number in range(SPRAY_SIZE):
        forged = jwt.encode(claims, attacker_key, "RS256", headers={"kid": f"made-up-{number}"})
        with pytest.raises(InvokeUnauthorized, match="unknown signing key"):
            rotation_stack.ask(forged)
        assert rotation_stack.gateway_status(forged) == 401
    # The stack's clock stood still: one interval, so each of the two authorizers (the
    # Runtime's and the Gateway's) fetched the JWKS once at most, whatever the spray's size.
    assert rotation_stack.proxy.jwks_fetches - fetches_before <= 2


def test_cached_keys_outlive_their_ttl_while_the_issuer_is_down(
    rotation_stack: RotationStack,
) -> None:
    token = rotation_stack.fresh_token()
    assert WARRANTY_END in rotation_stack.ask(token)
    rotation_stack.control.set_fault("issuer", down=True)
    try:
        # Past the TTL: the authorizers try to re-read the keys, and fail.
        rotation_stack.control.advance_clock(DEFAULT_KEY_CACHE_TTL_SECONDS)
        assert WARRANTY_END in rotation_stack.ask(token)
        assert rotation_stack.gateway_status(token) == 200
    finally:
        rotation_stack.control.set_fault("issuer", down=False)
