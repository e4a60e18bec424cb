"""Signing-key rotation and the authorizers' key cache, on a stack of the test's own.

The stack runs with short JWKS timings (refetch at most every half second, cached keys
re-read after one), so rotation shows within seconds; rotating keys on the shared stack
would disturb every other test. Its project points its discovery URL at a small
loopback proxy in front of the stack's issuer, which counts JWKS fetches: that is how
the test sees how often the Runtime's and the Gateway's authorizers fetch keys.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import httpx
import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from helpers import project
from helpers.backends.local import LocalBackend
from helpers.invoke import InvokeUnauthorized, invoke, new_session_id
from helpers.local import stack
from helpers.local.layout import StackLayout
from helpers.local.tls import tls_files
from helpers.mode import local_environment
from helpers.settings import WorkshopSettings, load_settings
from helpers.tokens import AccessToken, client_secret, fetch_token
from tests.leaks import client_secrets, scan_files

pytestmark = pytest.mark.stack

REFETCH_SECONDS = 0.5
KEY_CACHE_TTL_SECONDS = 1.0
SPRAY_SIZE = 30
WARRANTY_PROMPT = "Check the warranty for PROD-001"
WARRANTY_END = "2027-03-01"  # only the Lambda behind the Gateway knows it
MCP_PING = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
MCP_ACCEPT = {"Accept": "application/json, text/event-stream"}
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"


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
                if self.path.endswith(DISCOVERY_SUFFIX):
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
        self.discovery_url = self.base_url + DISCOVERY_SUFFIX
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@dataclass(frozen=True)
class RotationStack:
    """The test's own stack, its deployed workshop and what the tests need to call it."""

    state: dict[str, Any]
    settings: WorkshopSettings
    secret: str
    runtime_url: str
    gateway_url: str
    proxy: JwksCountingProxy

    def control(self, path: str, body: dict[str, str] | None = None) -> None:
        """POST to the stack's control API: rotate or retire a key, switch a fault."""
        httpx.post(self.state["urls"]["control"] + path, json=body).raise_for_status()

    def fresh_token(self) -> AccessToken:
        """A new token, signed by whichever key the issuer signs with now."""
        return fetch_token(self.settings.cognito_token_url, self.settings.client_id, self.secret)

    def ask(self, token: AccessToken | str) -> str:
        return invoke(self.runtime_url, WARRANTY_PROMPT, token=token, session_id=new_session_id())

    def gateway_status(self, token: AccessToken | str) -> int:
        value = token.value if isinstance(token, AccessToken) else token
        headers = MCP_ACCEPT | {"Authorization": f"Bearer {value}"}
        return httpx.post(self.gateway_url, json=MCP_PING, headers=headers).status_code

    def running_pids(self) -> tuple[int, int]:
        """The daemon's pid and the agent's: both unchanged means nothing was restarted."""
        runtimes = stack.deployments(self.state)["runtimes"]
        return self.state["pid"], runtimes[project.RUNTIME]["pid"]


@pytest.fixture(scope="module")
def rotation_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RotationStack]:
    """A stack with short JWKS timings and the finished workshop; its logs must hold no secret."""
    home = tmp_path_factory.mktemp("rotation-stack")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AGENTCORE_LOCAL_JWKS_REFETCH_SECONDS", str(REFETCH_SECONDS))
        patch.setenv("AGENTCORE_LOCAL_JWKS_CACHE_TTL_SECONDS", str(KEY_CACHE_TTL_SECONDS))
        status = stack.up(home)
        issuer = status.discovery_url.removesuffix(DISCOVERY_SUFFIX)
        try:
            with closing(JwksCountingProxy(issuer, StackLayout(home).tls_dir)) as proxy:
                for name, value in local_environment(status).items():
                    patch.setenv(name, value)
                settings = load_settings(boto3.client("ssm"))
                folder = home / "project"
                project.fresh_project(folder)
                backend = LocalBackend(home)
                proxied = replace(settings, cognito_discovery_url=proxy.discovery_url)
                project.prepare(folder, proxied, backend, through_step=3)
                secrets = client_secrets(status.state["aws_endpoint_url"], status.state["region"])
                yield RotationStack(
                    state=status.state,
                    settings=settings,
                    secret=client_secret(settings.pool_id, settings.client_id),
                    runtime_url=backend.invoke_url(folder, project.RUNTIME),
                    gateway_url=backend.gateway_url(folder, project.SECURE_GATEWAY),
                    proxy=proxy,
                )
        finally:
            stack.down(home)
    leaks = scan_files(StackLayout(home).log_dir.glob("*.log"), secrets)
    assert not leaks, f"secret material in the rotation stack's logs: {leaks}"


def test_rotated_key_is_accepted_and_retired_key_refused_without_restart(
    rotation_stack: RotationStack,
) -> None:
    pids = rotation_stack.running_pids()
    old_token = rotation_stack.fresh_token()
    assert WARRANTY_END in rotation_stack.ask(old_token)

    old_kid = jwt.get_unverified_header(old_token.value)["kid"]
    rotation_stack.control("/issuer/keys")
    new_token = rotation_stack.fresh_token()
    assert jwt.get_unverified_header(new_token.value)["kid"] != old_kid
    time.sleep(REFETCH_SECONDS)  # a kid the authorizer does not know yet sends it to the JWKS
    assert WARRANTY_END in rotation_stack.ask(new_token)  # Runtime and Gateway both took it
    assert WARRANTY_END in rotation_stack.ask(old_token)  # still published, still valid

    rotation_stack.control("/issuer/keys/retire", {"kid": old_kid})
    time.sleep(KEY_CACHE_TTL_SECONDS)  # cached keys are re-read after this long
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
    fetches_before = rotation_stack.proxy.jwks_fetches
    started = time.monotonic()
    for number in range(SPRAY_SIZE):
        forged = jwt.encode(claims, attacker_key, "RS256", headers={"kid": f"made-up-{number}"})
        with pytest.raises(InvokeUnauthorized, match="unknown signing key"):
            rotation_stack.ask(forged)
        assert rotation_stack.gateway_status(forged) == 401
    intervals = 1 + int((time.monotonic() - started) // REFETCH_SECONDS)
    fetches = rotation_stack.proxy.jwks_fetches - fetches_before
    # Two authorizers (the Runtime's and the Gateway's), each at most once per interval.
    assert fetches <= 2 * intervals, (fetches, intervals)


def test_cached_keys_outlive_their_ttl_while_the_issuer_is_down(
    rotation_stack: RotationStack,
) -> None:
    token = rotation_stack.fresh_token()
    assert WARRANTY_END in rotation_stack.ask(token)
    rotation_stack.control("/faults", {"part": "issuer", "down": True})
    try:
        time.sleep(KEY_CACHE_TTL_SECONDS)  # past the TTL: the authorizers try to re-read, and fail
        assert WARRANTY_END in rotation_stack.ask(token)
        assert rotation_stack.gateway_status(token) == 200
    finally:
        rotation_stack.control("/faults", {"part": "issuer", "down": False})
