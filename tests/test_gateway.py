"""The local Gateway over real HTTP with the real MCP client: tools, Lambda calls, JWT refusals."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client
from mcp.types import CallToolResult, TextContent

from helpers.emulator.gateway.host import DeployedGateway, DeployedTarget, GatewayHost
from helpers.emulator.gateway.lambdas import LambdaNotFound, LambdaRegistry
from helpers.emulator.identity.keys import SigningKeyStore
from helpers.emulator.identity.tokens import mint_access_token
from helpers.emulator.inbound.authorizer import JwtAuthorizer, JwtAuthorizerConfig
from helpers.emulator.prerequisites.format import LambdaFunction, Prerequisites
from tests.support import REPO_ROOT, WARRANTY_TOOL, Served, serve_on_a_thread

T = TypeVar("T")
# streamablehttp_client is the name the workshop's agent code uses (mcp 1.x).
pytestmark = pytest.mark.filterwarnings(
    "ignore:Use `streamable_http_client` instead:DeprecationWarning"
)

ISSUER = "https://issuer.test/pool"
DISCOVERY = ISSUER + "/.well-known/openid-configuration"
JWKS_URI = ISSUER + "/.well-known/jwks.json"
CLIENT = "workshopclient"
OTHER_CLIENT = "partnerclient"
TOOL = WARRANTY_TOOL
SPY_ARN = "arn:aws:lambda:us-east-1:123456789012:function:spy"
WORKSHOP_PREREQUISITES = Prerequisites.load(REPO_ROOT / "agent" / "prerequisites.json")
WARRANTY_LAMBDA_ARN = WORKSHOP_PREREQUISITES.lambda_arn(WORKSHOP_PREREQUISITES.lambda_functions[0])
WARRANTY_TOOLS = tuple(
    json.loads((REPO_ROOT / "agent/app/CustomerSupport/tool/warranty_schema.json").read_text())
)
# Answers with what it was given, so the test sees the context the Gateway built.
SPY_SOURCE = """
def lambda_handler(event, context):
    return {
        "event": event,
        "custom": context.client_context.custom,
        "function_name": context.function_name,
        "remaining_ms": context.get_remaining_time_in_millis(),
    }
"""


def _gateway(
    gateway_id: str, allowed_clients: tuple[str, ...] | None = None, arn: str = WARRANTY_LAMBDA_ARN
) -> DeployedGateway:
    authorizer = (
        JwtAuthorizerConfig(discovery_url=DISCOVERY, allowed_clients=allowed_clients)
        if allowed_clients is not None
        else None
    )
    target = DeployedTarget(name="WarrantyCheck", lambda_arn=arn, tools=WARRANTY_TOOLS)
    return DeployedGateway(f"{gateway_id}-name", gateway_id, authorizer, (target,))


@dataclass
class ServedGateway:
    """A GatewayHost under uvicorn on a background loop, and the Lambda calls it made."""

    host: GatewayHost
    server: Served
    keys: SigningKeyStore
    invoked: list[str]

    def on_loop(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """Run ``coroutine`` on the server's loop, where put/remove/close belong."""
        return self.server.on_loop(coroutine)

    def url(self, gateway_id: str) -> str:
        return f"{self.server.url}/{gateway_id}/mcp"

    def bearer(self, client: str = CLIENT) -> dict[str, str]:
        token = mint_access_token(
            self.keys, issuer=ISSUER, client_id=client, scopes=[], lifetime_seconds=600
        )
        return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def registry(tmp_path: Path) -> LambdaRegistry:
    spy_dir = tmp_path / "spy"
    spy_dir.mkdir()
    (spy_dir / "lambda_function.py").write_text(SPY_SOURCE)
    registry = LambdaRegistry.of(WORKSHOP_PREREQUISITES)
    registry.register(SPY_ARN, LambdaFunction("spy", spy_dir, "lambda_function.lambda_handler"))
    return registry


@pytest.fixture
def served(
    tmp_path: Path, registry: LambdaRegistry, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ServedGateway]:
    keys = SigningKeyStore(tmp_path / "keys.json")

    def fetch_json(url: str) -> dict[str, Any]:
        return {"issuer": ISSUER, "jwks_uri": JWKS_URI} if url == DISCOVERY else keys.jwks()

    invoked: list[str] = []
    real_invoke = registry.invoke

    def counting_invoke(arn: str, event: dict[str, Any], custom: dict[str, str]) -> Any:
        invoked.append(arn)
        return real_invoke(arn, event, custom)

    monkeypatch.setattr(registry, "invoke", counting_invoke)
    host = GatewayHost(registry, lambda config: JwtAuthorizer(config, fetch_json=fetch_json))
    with serve_on_a_thread(host, lifespan="on") as server:
        yield ServedGateway(host, server, keys, invoked)
    assert host.gateway_ids == ()  # the lifespan shutdown closed every gateway


def _text(result: CallToolResult) -> str:
    """The text of a tool result's first block (the Gateway answers with text blocks)."""
    block = result.content[0]
    assert isinstance(block, TextContent), block
    return block.text


async def _in_session(
    url: str,
    headers: dict[str, str] | None,
    action: Callable[[ClientSession], Awaitable[T]],
) -> T:
    async with (
        streamablehttp_client(url, headers=headers) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        return await action(session)


def tool_names(url: str, headers: dict[str, str] | None = None) -> list[str]:
    """The names ``tools/list`` answers, through the real MCP client."""

    async def list_names(session: ClientSession) -> list[str]:
        return [tool.name for tool in (await session.list_tools()).tools]

    return asyncio.run(_in_session(url, headers, list_names))


def call_tool(
    url: str, tool: str, arguments: dict[str, Any], headers: dict[str, str] | None = None
) -> CallToolResult:
    """The ``tools/call`` result, through the real MCP client."""

    async def call(session: ClientSession) -> CallToolResult:
        return await session.call_tool(tool, arguments)

    return asyncio.run(_in_session(url, headers, call))


def raw_call(url: str, headers: dict[str, str] | None = None) -> httpx.Response:
    """A bare ``tools/call`` POST, to see the HTTP answer the MCP client would raise on."""
    body = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {"name": TOOL, "arguments": {"product_id": "PROD-001"}},
    }
    accept = {"Accept": "application/json, text/event-stream"}
    return httpx.post(url, json=body, headers=accept | (headers or {}), timeout=5)


def test_gateway_without_authorizer_lists_and_calls_tools(served: ServedGateway) -> None:
    served.on_loop(served.host.put(_gateway("open")))
    url = served.url("open")

    assert tool_names(url) == [TOOL]
    found = call_tool(url, TOOL, {"product_id": "PROD-001"})
    assert not found.isError
    assert "2027-03-01" in _text(found)

    missing = call_tool(url, TOOL, {"product_id": "PROD-999"})
    assert not missing.isError
    assert json.loads(_text(missing))["status"] == "not found"

    no_stream = httpx.get(url, headers={"Accept": "text/event-stream"}, timeout=5)
    assert no_stream.status_code == 405

    unknown = call_tool(url, "WarrantyCheck___nope", {})
    assert unknown.isError
    assert "Unknown tool 'WarrantyCheck___nope'" in _text(unknown)
    assert served.invoked == [WARRANTY_LAMBDA_ARN, WARRANTY_LAMBDA_ARN]


def test_custom_jwt_gateway_refuses_before_the_lambda_runs(served: ServedGateway) -> None:
    served.on_loop(served.host.put(_gateway("secure", allowed_clients=(CLIENT,))))
    url = served.url("secure")

    anonymous = raw_call(url)
    assert anonymous.status_code == 401
    assert anonymous.headers["x-amzn-ErrorType"] == "UnauthorizedException"
    assert anonymous.json() == {"message": "Unauthorized: no Authorization header"}

    partner = raw_call(url, served.bearer(OTHER_CLIENT))
    assert partner.status_code == 401
    assert "allowedClients" in partner.json()["message"]
    assert served.invoked == []

    assert tool_names(url, served.bearer()) == [TOOL]
    result = call_tool(url, TOOL, {"product_id": "PROD-001"}, served.bearer())
    assert "2027-03-01" in _text(result)
    assert served.invoked == [WARRANTY_LAMBDA_ARN]


def test_put_replaces_the_authorizer_and_remove_unpublishes(served: ServedGateway) -> None:
    served.on_loop(served.host.put(_gateway("gw")))
    url = served.url("gw")
    assert tool_names(url) == [TOOL]

    served.on_loop(served.host.put(_gateway("gw", allowed_clients=(CLIENT,))))
    assert raw_call(url).status_code == 401
    assert tool_names(url, served.bearer()) == [TOOL]

    served.on_loop(served.host.put(_gateway("gw", allowed_clients=(OTHER_CLIENT,))))
    assert raw_call(url, served.bearer()).status_code == 401
    assert tool_names(url, served.bearer(OTHER_CLIENT)) == [TOOL]

    served.on_loop(served.host.remove("gw"))
    gone = raw_call(url, served.bearer(OTHER_CLIENT))
    assert gone.status_code == 404
    assert "no gateway" in gone.json()["message"]
    assert served.host.get("gw") is None


def test_lambda_gets_the_gateway_context(served: ServedGateway) -> None:
    served.on_loop(served.host.put(_gateway("spied", arn=SPY_ARN)))

    result = call_tool(served.url("spied"), TOOL, {"product_id": "PROD-002"})
    seen = json.loads(_text(result))
    assert seen["event"] == {"product_id": "PROD-002"}
    assert seen["function_name"] == "spy"
    assert 0 < seen["remaining_ms"] <= 3000
    custom = seen["custom"]
    assert custom["bedrockAgentCoreToolName"] == TOOL
    assert custom["bedrockAgentCoreGatewayId"] == "spied"
    assert custom["bedrockAgentCoreTargetId"] == "WarrantyCheck"
    assert custom["bedrockAgentCoreMessageVersion"] == "1.0"
    assert custom["bedrockAgentCoreMcpMessageId"].isdigit()  # the client's JSON-RPC id


def test_failing_lambda_is_an_error_result_without_traceback(
    served: ServedGateway,
    registry: LambdaRegistry,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "lambda_function.py").write_text(
        "def lambda_handler(event, context):\n    raise RuntimeError('database offline')\n"
    )
    registry.register(SPY_ARN, LambdaFunction("broken", broken, "lambda_function.lambda_handler"))
    served.on_loop(served.host.put(_gateway("broken", arn=SPY_ARN)))

    result = call_tool(served.url("broken"), TOOL, {"product_id": "PROD-001"})
    assert result.isError
    assert "failed" in _text(result)
    assert "database offline" not in _text(result)
    assert "database offline" in caplog.text  # the traceback went to the gateway's log


def test_registry_resolves_only_registered_functions() -> None:
    registry = LambdaRegistry.of(WORKSHOP_PREREQUISITES)
    custom = {"bedrockAgentCoreToolName": TOOL}
    assert registry.invoke(WARRANTY_LAMBDA_ARN, {"product_id": "prod-003"}, custom)["status"] == (
        "expired"
    )
    with pytest.raises(LambdaNotFound, match="only knows the functions registered"):
        registry.resolve(WARRANTY_LAMBDA_ARN + "-typo")
