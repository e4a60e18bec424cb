"""AgentCore's header rules, and the local Runtime's front door forwarding by them.

The rules are AgentCore's guide *Pass custom headers to Amazon Bedrock AgentCore
Runtime*; the validator's use of them is held against the real CLI in
``tests/test_cli_contract.py``. Here: the rules themselves, that the agent SDK the
learner's code runs on agrees which headers are restricted, and that the front door lets
through exactly what they allow.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from bedrock_agentcore.runtime import models as sdk
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from helpers.emulator.runtime.front_door import LiveRuntime, RuntimeFrontDoor
from helpers.model import headers
from helpers.wire.invocation import INVOCATIONS_PATH, SESSION_HEADER
from tests.support import Served, serve_on_a_thread

ARN = "arn:aws:bedrock-agentcore:us-east-1:123456789012:runtime/Echo-abc"
SESSION = "0f6b3c1e-2a4d-4e5f-8a9b-0c1d2e3f4a5b"


def test_the_restricted_list_is_the_one_the_agent_sdk_enforces() -> None:
    assert set(headers.RESTRICTED) == set(sdk.RESTRICTED_HEADERS)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("Authorization", None),
        ("authorization", None),
        ("X-Request-Source", None),
        ("x_tenant_id", None),
        ("X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant", None),
        ("x-amzn-bedrock-agentcore-runtime-custom-tenant", None),
        (
            "X Tenant",
            'Header name "X Tenant" must contain only alphanumeric characters, hyphens, and '
            "underscores.",
        ),
        (
            "X-Amz-Date",
            'Header "X-Amz-Date" is not allowed. Headers starting with "x-amz-" are reserved '
            "for AWS request signing.",
        ),
        (
            "X-Amzn-Trace-Id",
            'Header "X-Amzn-Trace-Id" is not allowed. Headers starting with "x-amzn-" are '
            'reserved, except for "X-Amzn-Bedrock-AgentCore-Runtime-Custom-*".',
        ),
    ],
)
def test_the_clis_own_check_of_a_name(name: str, problem: str | None) -> None:
    assert headers.cli_problem(name) == problem


def test_agentcores_rules_the_cli_leaves_out() -> None:
    assert headers.restricted_problem("accept") == (
        'Header "accept" is restricted by AgentCore (content negotiation) and is never forwarded'
    )
    assert headers.restricted_problem("X-Tenant") is None
    assert headers.authorization_problem("AUTHORIZATION", jwt_authorizer=False)
    assert headers.authorization_problem("Authorization", jwt_authorizer=True) is None
    assert headers.repeated(["Authorization", "X-A", "authorization", "x-a", "X-B"]) == [2, 3]


@pytest.mark.parametrize(
    ("name", "value", "jwt", "forwarded"),
    [
        ("x-request-source", "web", False, True),
        ("X-Request-Source", "web", False, True),
        ("x-not-listed", "web", False, False),
        ("authorization", "Bearer abc", True, True),
        ("authorization", "Bearer abc", False, False),
        ("accept", "text/plain", False, False),
        ("x-amz-date", "20260101T000000Z", False, False),
        ("x-request-source", "v" * headers.MAX_VALUE_BYTES, False, True),
        ("x-request-source", "v" * (headers.MAX_VALUE_BYTES + 1), False, False),
    ],
)
def test_what_the_runtime_forwards(name: str, value: str, jwt: bool, forwarded: bool) -> None:
    allowlist = ["Authorization", "X-Request-Source", "Accept", "X-Amz-Date"]
    assert headers.forwarded(name, value, allowlist, jwt_authorizer=jwt) is forwarded


class _Approves:
    """An authorizer that has already checked the token (the front door's own checks are
    tested with a real issuer in test_attack_matrix.py)."""

    async def authorize_async(self, authorization: str | None) -> dict[str, str]:
        assert authorization == "Bearer any"
        return {"sub": "a-client", "client_id": "a-client"}


class _EchoSessions:
    """The agent end of an invocation, in the place of a runtime's session pool: every
    session's process answers with the headers it received."""

    def __init__(self, served: Served) -> None:
        self.http = httpx.AsyncClient(base_url=served.url)

    async def process_for(self, session_id: str) -> _EchoSessions:
        return self

    def touch(self, session_id: str) -> None:
        pass


async def _echo(request: Request) -> JSONResponse:
    return JSONResponse(dict(request.headers))


@pytest.fixture
def agent() -> Iterator[_EchoSessions]:
    app = Starlette(routes=[Route("/invocations", _echo, methods=["POST"])])
    with serve_on_a_thread(app) as served:
        yield _EchoSessions(served)


@pytest.mark.parametrize("jwt", [True, False], ids=["custom-jwt", "aws-iam"])
def test_the_front_door_passes_on_only_what_the_rules_allow(
    agent: _EchoSessions, jwt: bool
) -> None:
    door = RuntimeFrontDoor()
    door.put(
        LiveRuntime(
            name="Echo",
            arn=ARN,
            sessions=cast(Any, agent),
            log_file=Path("echo.log"),
            authorizer=cast(Any, _Approves()) if jwt else None,
            header_allowlist=("authorization", "X-Request-Source", "Accept", "X-Big"),
        )
    )
    sent = {
        "Authorization": "Bearer any",
        "X-Request-Source": "notebook",
        "X-Not-Listed": "dropped",
        "X-Big": "v" * (headers.MAX_VALUE_BYTES + 1),
        "Content-Type": "application/json",
        SESSION_HEADER: SESSION,
    }
    with serve_on_a_thread(door.app) as front:
        answer = httpx.post(
            front.url + INVOCATIONS_PATH.format(arn=ARN), headers=sent, content=b"{}", timeout=10
        )
        front.on_loop(agent.http.aclose())  # the door's loop used the client
    assert answer.status_code == 200, answer.text
    received = json.loads(answer.text)
    assert received["x-request-source"] == "notebook"
    assert received["content-type"] == "application/json"  # the body's type always passes
    assert received[SESSION_HEADER.lower()] == SESSION
    assert "x-not-listed" not in received
    assert "x-big" not in received
    assert ("authorization" in received) is jwt
