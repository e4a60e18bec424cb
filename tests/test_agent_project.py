"""The learner's AgentCore project in ``agent/``: config, Lambda, tools, model, entrypoint.

The model is the CLI template's ``BedrockModel``; the local stack's Bedrock Runtime
answers it (``helpers/emulator/bedrock``), so these tests run the agent on a stack.

The agent's code imports its siblings as top-level modules (``main``, ``mcp_client``,
``model``, ``memory``), as AgentCore Runtime runs it from its code location. The start
and step-3 versions share those names, so each test imports them afresh and forgets
them afterwards.
"""

from __future__ import annotations

import asyncio
import dataclasses
import importlib
import importlib.util
import json
import logging
import shutil
import socket
import ssl
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import boto3
import jwt
import pytest
from bedrock_agentcore.memory.integrations.strands.config import AgentCoreMemoryConfig
from bedrock_agentcore.runtime import RequestContext
from mcp.server.fastmcp import FastMCP
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from strands import Agent, tool
from strands.agent import AgentResult
from strands.models import BedrockModel

from helpers.emulator.core.state import StackState
from helpers.emulator.deploy import memories
from helpers.model.names import memory_id_env_var
from tests.support import REPO_ROOT, WARRANTY_TOOL, serve_on_a_thread

AGENT_DIR = REPO_ROOT / "agent"
APP_DIR = AGENT_DIR / "app" / "CustomerSupport"
STEP3_SOLUTION_DIR = AGENT_DIR / "solutions" / "03_mcp_client_auth" / "app" / "CustomerSupport"
STEP4_SOLUTION_DIR = AGENT_DIR / "solutions" / "04_memory_actor" / "app" / "CustomerSupport"
LAMBDA_FILE = AGENT_DIR / "lambda" / "warranty_check" / "lambda_function.py"
REFERENCE_CONFIG = (
    REPO_ROOT / "tests" / "fixtures" / "agentcore-cli" / "01_start_state_with_memory.agentcore.json"
)

AGENT_PACKAGES = ("main", "mcp_client", "model", "memory", "tool")
GATEWAY_TOOL = WARRANTY_TOOL
GATEWAY_URL_VARS = ("AGENTCORE_GATEWAY_MY_GATEWAY_URL", "AGENTCORE_GATEWAY_MY_GATEWAY_SECURE_URL")


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    """A JWT's shape without a real signature: the agent reads claims the Runtime checked."""
    return jwt.encode(claims, "not-checked-by-the-agent-at-all!", algorithm="HS256")


GOOD_TOKEN = f"Bearer {_unsigned_jwt({'sub': 'machine-client', 'note': 'gateway accepts'})}"
BAD_TOKEN = f"Bearer {_unsigned_jwt({'sub': 'machine-client', 'note': 'never logged'})}"
SESSION_ID = "a" * 36  # the Runtime wants at least 33 characters
MEMORY_ID_VAR = memory_id_env_var("CustomerSupportMemory")


# --- helpers -----------------------------------------------------------------------------


def _is_agent_module(name: str) -> bool:
    return name.split(".")[0] in AGENT_PACKAGES


def _forget_agent_modules() -> None:
    for name in [name for name in sys.modules if _is_agent_module(name)]:
        del sys.modules[name]


def _gateway_context(tool_name: str) -> SimpleNamespace:
    """A Lambda context shaped like the one AgentCore Gateway passes."""
    custom = {"bedrockAgentCoreToolName": tool_name}
    return SimpleNamespace(client_context=SimpleNamespace(custom=custom))


def _stream(
    main: ModuleType, payload: dict[str, Any], headers: dict[str, str] | None = None
) -> list[str]:
    """Call the entrypoint as the Runtime does and collect what it streams."""

    async def collect() -> list[str]:
        context = RequestContext(session_id=SESSION_ID, request_headers=headers, request=None)
        return [chunk async for chunk in main.invoke(payload, context)]

    return asyncio.run(collect())


def _stream_in_one_loop(
    main: ModuleType,
    requests: list[tuple[str, str | None]],
    session_id: str = SESSION_ID,
    at_once: bool = False,
) -> list[str]:
    """Send ``(prompt, authorization)`` requests to one runtime session, as its process
    would get them: one event loop, in turn or all at once; the answers, in order."""

    async def answer(prompt: str, authorization: str | None) -> str:
        headers = {"Authorization": authorization} if authorization else None
        context = RequestContext(session_id=session_id, request_headers=headers, request=None)
        return "".join([chunk async for chunk in main.invoke({"prompt": prompt}, context)])

    async def send() -> list[str]:
        if at_once:
            return list(await asyncio.gather(*(answer(*request) for request in requests)))
        return [await answer(*request) for request in requests]

    return asyncio.run(send())


def _memory_actors(main: ModuleType, monkeypatch: pytest.MonkeyPatch) -> list[str | None]:
    """The actor of every Memory session manager the loaded ``main`` makes from now on."""
    actors: list[str | None] = []
    real = main.get_memory_session_manager

    def recorded(session_id: str | None, actor: str | None) -> Any:
        actors.append(actor)
        return real(session_id, actor)

    monkeypatch.setattr(main, "get_memory_session_manager", recorded)
    return actors


def _call_lambda(lambda_module: ModuleType, product_id: str, tool_name: str = GATEWAY_TOOL) -> Any:
    return lambda_module.lambda_handler({"product_id": product_id}, _gateway_context(tool_name))


def _warnings(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.WARNING]


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture
def warranty_lambda() -> ModuleType:
    spec = importlib.util.spec_from_file_location("warranty_check_lambda_function", LAMBDA_FILE)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def agent_env(monkeypatch: pytest.MonkeyPatch, local_stack: StackState) -> pytest.MonkeyPatch:
    """The local stack's Bedrock and AWS APIs, with no web search, Gateway or memory."""
    monkeypatch.setenv("EXA_MCP_URL", "")
    for name in (*GATEWAY_URL_VARS, MEMORY_ID_VAR):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def load_agent(agent_env: pytest.MonkeyPatch) -> Iterator[Callable[[Path], SimpleNamespace]]:
    """Import the agent's modules from a code location; undo the imports afterwards."""
    saved_path = list(sys.path)
    saved_modules = {name: module for name, module in sys.modules.items() if _is_agent_module(name)}

    def load(code_location: Path) -> SimpleNamespace:
        _forget_agent_modules()
        sys.path.insert(0, str(code_location))
        return SimpleNamespace(
            main=importlib.import_module("main"),
            catalog=importlib.import_module("tool.catalog"),
            client=importlib.import_module("mcp_client.client"),
            load=importlib.import_module("model.load"),
            session=importlib.import_module("memory.session"),
            actor=importlib.import_module("memory.actor"),
        )

    yield load
    sys.path[:] = saved_path
    _forget_agent_modules()
    sys.modules.update(saved_modules)


@pytest.fixture
def agent(load_agent: Callable[[Path], SimpleNamespace]) -> SimpleNamespace:
    """The start version of the agent."""
    return load_agent(APP_DIR)


@pytest.fixture
def step3_agent(load_agent: Callable[[Path], SimpleNamespace], tmp_path: Path) -> SimpleNamespace:
    """The project after step 3: the start version with the solution's files copied over."""
    project = tmp_path / "CustomerSupport"
    shutil.copytree(APP_DIR, project)
    shutil.copytree(STEP3_SOLUTION_DIR, project, dirs_exist_ok=True)
    return load_agent(project)


@pytest.fixture
def step4_agent(load_agent: Callable[[Path], SimpleNamespace], tmp_path: Path) -> SimpleNamespace:
    """The project after step 4: steps 3's and 4's solution files copied over the start."""
    project = tmp_path / "CustomerSupport"
    shutil.copytree(APP_DIR, project)
    shutil.copytree(STEP3_SOLUTION_DIR, project, dirs_exist_ok=True)
    shutil.copytree(STEP4_SOLUTION_DIR, project, dirs_exist_ok=True)
    return load_agent(project)


@pytest.fixture(scope="module")
def memory_id(local_stack: StackState) -> Iterator[str]:
    """An AgentCore Memory on the local stack, with the strategies agentcore.json declares.

    Under a name of its own (a memory's name is unique in an account), so a deploy of the
    project on the same stack can still make the project's; deleted afterwards.
    """
    config = json.loads((AGENT_DIR / "agentcore" / "agentcore.json").read_text())
    [spec] = memories.specs(config).values()
    spec = dataclasses.replace(spec, name=f"AgentTests_{uuid.uuid4().hex[:8]}")
    control = boto3.client("bedrock-agentcore-control")
    record = memories.create(control, spec)
    yield record.memory_id
    memories.delete(control, record)


@pytest.fixture
def with_memory(agent_env: pytest.MonkeyPatch, memory_id: str) -> str:
    """The agent's environment naming that memory, as a deploy gives it to the Runtime."""
    agent_env.setenv(MEMORY_ID_VAR, memory_id)
    return memory_id


@pytest.fixture
def gateway_tool(warranty_lambda: ModuleType) -> Any:
    """A stand-in for the Gateway's tool: same name, and it calls the real Lambda handler."""

    @tool(name=GATEWAY_TOOL)
    def check_warranty_status(product_id: str) -> str:
        """Check the warranty status of a product.

        Args:
            product_id: The product identifier, for example PROD-001.
        """
        return json.dumps(_call_lambda(warranty_lambda, product_id))

    return check_warranty_status


@dataclasses.dataclass
class GatewayStandIn:
    """A real MCP server on loopback that, like a CUSTOM_JWT Gateway, checks every request."""

    url: str
    accepted: set[str]  # the Authorization values it lets in (GOOD_TOKEN at first)
    # Each JSON-RPC method it was sent, with the Authorization that came with it.
    seen: list[tuple[str, str | None]]

    def calls(self, method: str) -> list[str | None]:
        return [authorization for seen, authorization in self.seen if seen == method]


@pytest.fixture
def gateway(warranty_lambda: ModuleType) -> Iterator[GatewayStandIn]:
    server = FastMCP("gateway-stand-in", stateless_http=True, json_response=True)

    @server.tool(name=GATEWAY_TOOL)
    def check_warranty_status(product_id: str) -> str:
        """Check the warranty status of a product."""
        return json.dumps(_call_lambda(warranty_lambda, product_id))

    accepted = {GOOD_TOKEN}
    seen: list[tuple[str, str | None]] = []

    class RequireToken(BaseHTTPMiddleware):
        async def dispatch(self, request: Request, call_next: Any) -> Response:
            authorization = request.headers.get("authorization")
            if request.method == "POST":
                seen.append((json.loads(await request.body()).get("method"), authorization))
            if authorization not in accepted:
                return JSONResponse({"message": "Unauthorized"}, status_code=401)
            return await call_next(request)

    app = server.streamable_http_app()
    app.add_middleware(RequireToken)
    with serve_on_a_thread(app, lifespan="on") as served:
        yield GatewayStandIn(f"{served.url}/mcp", accepted, seen)


@pytest.fixture
def gateway_url(gateway: GatewayStandIn) -> str:
    return gateway.url


# --- agentcore.json and the Gateway target's tool schema ----------------------------------


def test_agentcore_json_is_the_cli_start_state_with_its_memory_on_python_3_13() -> None:
    ours = (AGENT_DIR / "agentcore" / "agentcore.json").read_bytes()
    reference = REFERENCE_CONFIG.read_bytes()
    expected = reference.replace(b'"PYTHON_3_14"', b'"PYTHON_3_13"')
    assert expected != reference
    assert ours == expected


def test_warranty_schema_lists_exactly_the_lambda_tool() -> None:
    schema = json.loads((APP_DIR / "tool" / "warranty_schema.json").read_text())
    assert [spec["name"] for spec in schema] == ["check_warranty_status"]
    input_schema = schema[0]["inputSchema"]
    assert input_schema["required"] == ["product_id"]
    assert input_schema["properties"]["product_id"]["type"] == "string"
    assert schema[0]["description"]


# --- the warranty Lambda -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("product_id", "end_date"), [("PROD-001", "2027-03-01"), ("PROD-002", "2028-01-15")]
)
def test_lambda_returns_the_warranty(
    warranty_lambda: ModuleType, product_id: str, end_date: str
) -> None:
    result = _call_lambda(warranty_lambda, product_id)
    assert result["warranty_end_date"] == end_date
    assert result["status"] == "active"
    assert json.loads(json.dumps(result)) == result


def test_lambda_has_an_expired_warranty(warranty_lambda: ModuleType) -> None:
    statuses = [_call_lambda(warranty_lambda, f"PROD-00{n}")["status"] for n in (3, 4, 5)]
    assert "expired" in statuses


def test_lambda_unknown_product_is_a_not_found_result(warranty_lambda: ModuleType) -> None:
    result = _call_lambda(warranty_lambda, "PROD-999")
    assert result["status"] == "not found"
    assert "PROD-999" in result["message"]


def test_lambda_unknown_tool_is_an_error_result(warranty_lambda: ModuleType) -> None:
    result = _call_lambda(warranty_lambda, "PROD-001", tool_name="WarrantyCheck___cancel_order")
    assert "cancel_order" in result["error"]


@pytest.mark.parametrize(
    "tool_name",
    [
        "WarrantyCheck___check_warranty_status",
        "Other___check_warranty_status",
        "check_warranty_status",
    ],
)
def test_lambda_strips_the_target_prefix(warranty_lambda: ModuleType, tool_name: str) -> None:
    result = _call_lambda(warranty_lambda, "prod-001", tool_name)
    assert result["warranty_end_date"] == "2027-03-01"


# --- local tools and model choice ----------------------------------------------------------


def test_local_tools_answer_unknown_inputs_with_a_message(agent: SimpleNamespace) -> None:
    assert "14 days" in agent.catalog.get_return_policy("Accessories")
    assert "No specific return policy found" in agent.catalog.get_return_policy("groceries")
    assert "Mechanical Keyboard" in agent.catalog.get_product_info("prod-005")
    assert "No products found" in agent.catalog.get_product_info("PROD-042")


def test_load_model_is_the_cli_templates_bedrock_model(agent: SimpleNamespace) -> None:
    model = agent.load.load_model()
    assert isinstance(model, BedrockModel)
    assert model.get_config()["model_id"] == "global.anthropic.claude-sonnet-4-5-20250929-v1:0"


# --- the model (the stack's Bedrock) in a real strands Agent --------------------------------


def _support_agent(agent: SimpleNamespace, *extra_tools: Any, session_manager: Any = None) -> Agent:
    return Agent(
        model=agent.load.load_model(),
        tools=[agent.catalog.get_return_policy, agent.catalog.get_product_info, *extra_tools],
        session_manager=session_manager,
        callback_handler=None,
    )


def _tool_calls(result_agent: Agent) -> list[str]:
    return [
        block["toolUse"]["name"]
        for message in result_agent.messages
        for block in message["content"]
        if "toolUse" in block
    ]


def test_warranty_goes_through_the_gateway_tool(agent: SimpleNamespace, gateway_tool: Any) -> None:
    support = _support_agent(agent, gateway_tool)
    answer = str(support("Can you check the warranty for PROD-001?"))
    assert "2027-03-01" in answer
    assert _tool_calls(support) == [GATEWAY_TOOL]


def test_warranty_without_the_gateway_tool_says_it_is_unavailable(agent: SimpleNamespace) -> None:
    support = _support_agent(agent)
    result: AgentResult = support("Check the warranty for PROD-001")
    assert "unavailable" in str(result)
    assert _tool_calls(support) == []


@pytest.mark.parametrize(
    ("prompt", "tool_name", "expected"),
    [
        ("What is your return policy?", "get_return_policy", "30 days"),
        ("How do returns work for accessories?", "get_return_policy", "14 days"),
        ("Tell me about PROD-002", "get_product_info", "Smart Watch"),
        ("What is PROD-003?", "get_product_info", "Laptop Stand"),
        ("Tell me about PROD-077", "get_product_info", "No products found"),
        ("Tell me about the USB-C Hub", "get_product_info", "$54.99"),
        ("What is the smart watch?", "get_product_info", "Smart Watch"),
        ("How much is a mechanical keyboard?", "get_product_info", "$129.99"),
        ("Tell me about the flux capacitor", "get_product_info", "No products found"),
    ],
)
def test_support_prompts_use_the_local_tools(
    agent: SimpleNamespace, prompt: str, tool_name: str, expected: str
) -> None:
    support = _support_agent(agent)
    assert expected in str(support(prompt))
    assert _tool_calls(support) == [tool_name]


def test_the_workshops_four_prompts_in_one_session(
    agent: SimpleNamespace, with_memory: str, gateway_tool: Any
) -> None:
    """As a model with these tools would: policy, product by name, warranty, then memory."""
    actor = f"learner-{uuid.uuid4().hex}"

    def ask(prompt: str) -> tuple[str, list[str]]:
        manager = agent.session.get_memory_session_manager(SESSION_ID, actor)
        support = _support_agent(agent, gateway_tool, session_manager=manager)
        before = len(_tool_calls(support))
        answer = str(support(prompt))
        return answer, _tool_calls(support)[before:]

    policy, tools = ask("What's the return policy for electronics?")
    assert "30 days" in policy and tools == ["get_return_policy"]
    hub, tools = ask("Tell me about the USB-C Hub")
    assert "USB-C Hub" in hub and "$54.99" in hub and "HDMI" in hub
    assert tools == ["get_product_info"]
    warranty, tools = ask("Check the warranty for PROD-001")
    assert "2027-03-01" in warranty and tools == [GATEWAY_TOOL]
    name, tools = ask("Do you remember my name?")
    assert "don't know your name" in name and tools == []
    ask("My name is Alex")
    assert "Alex" in ask("Do you remember my name?")[0]
    assert "Alex" in ask("What is my name?")[0]


def test_anything_else_gets_a_list_of_what_it_can_do(agent: SimpleNamespace) -> None:
    answer = str(_support_agent(agent)("Hello!"))
    assert "return policies" in answer
    assert "warranty" in answer


def test_a_name_is_remembered_in_the_session_then_in_later_ones_for_that_actor_only(
    agent: SimpleNamespace, with_memory: str
) -> None:
    alice, bob = f"alice-{uuid.uuid4().hex}", f"bob-{uuid.uuid4().hex}"

    def ask(prompt: str, actor: str, session: str = SESSION_ID) -> str:
        manager = agent.session.get_memory_session_manager(session, actor)
        # str() of a strands AgentResult ends with a newline.
        return str(_support_agent(agent, session_manager=manager)(prompt)).strip()

    assert "Alice" in ask("Hi, my name is Alice", alice)
    # Short-term memory: the session's conversation, restored into a new Agent.
    assert ask("Do you remember my name?", alice) == "Yes, your name is Alice."
    # Long-term memory: the fact extracted from that session, in a new one.
    later = ask("Do you remember my name?", alice, session="b" * 36)
    assert later.startswith("Yes, your name is Alice.") and "earlier conversation" in later
    # Another actor, in a new session or in Alice's very session, has none of it.
    assert "don't know" in ask("Do you remember my name?", bob, session="c" * 36)
    assert "don't know" in ask("Do you remember my name?", bob)


def test_no_memory_without_its_id_or_a_session(
    agent: SimpleNamespace, agent_env: pytest.MonkeyPatch
) -> None:
    assert agent.session.get_memory_session_manager(SESSION_ID, "user-1") is None
    agent_env.setenv(MEMORY_ID_VAR, "CustomerSupportMemory-abc1234567")
    assert agent.session.get_memory_session_manager(None, "user-1") is None


def test_the_session_manager_reads_the_memory_the_cli_injects(
    agent: SimpleNamespace, agent_env: pytest.MonkeyPatch
) -> None:
    agent_env.setenv(MEMORY_ID_VAR, "CustomerSupportMemory-abc1234567")
    agent_env.setenv("AWS_REGION", "us-east-1")
    # The real manager reads the session from AWS as soon as it is made; record the call instead.
    made: list[tuple[AgentCoreMemoryConfig, str | None, Any]] = []

    def record(config: AgentCoreMemoryConfig, region_name: str | None, boto_session: Any) -> str:
        made.append((config, region_name, boto_session))
        return "memory session manager"

    agent_env.setattr(agent.session, "AgentCoreMemorySessionManager", record)
    assert (
        agent.session.get_memory_session_manager(SESSION_ID, "user-1") == "memory session manager"
    )
    agent.session.get_memory_session_manager(SESSION_ID, "user-2")
    [(config, region, first_session), (_, _, second_session)] = made
    # One boto3 session per process: its clients' API models are read once, not per request,
    # and each client is made once, so its kept-alive connections serve the next request.
    assert first_session is second_session
    client = first_session.client("bedrock-agentcore", region_name="us-east-1")
    assert first_session.client("bedrock-agentcore", region_name="us-east-1") is client
    assert first_session.client("bedrock-agentcore-control", region_name="us-east-1") is not client
    assert (config.memory_id, config.session_id, config.actor_id, region) == (
        "CustomerSupportMemory-abc1234567",
        SESSION_ID,
        "user-1",
        "us-east-1",
    )
    # The CLI's namespaces: the actor's facts, and the summaries of all its sessions.
    assert set(config.retrieval_config or {}) == {"/users/user-1/facts", "/summaries/user-1"}


def test_the_actor_is_the_verified_tokens_subject(agent: SimpleNamespace) -> None:
    actor_id = agent.actor.actor_id
    assert actor_id(None) is None and actor_id("Basic dXNlcjpwYXNz") is None
    user = _unsigned_jwt({"sub": "9c1e-user", "username": "alice", "client_id": "web"})
    assert actor_id(f"Bearer {user}") == "9c1e-user"
    machine = _unsigned_jwt({"sub": "m2m-client", "client_id": "m2m-client"})
    assert actor_id(f"Bearer {machine}") == "m2m-client"
    assert actor_id(f"bearer {machine}") == "m2m-client"  # the scheme is case-insensitive
    with pytest.raises(ValueError, match="sub"):
        actor_id(f"Bearer {_unsigned_jwt({'client_id': 'x'})}")


def test_after_step_4_the_payload_cannot_choose_whose_memory_it_is(
    step4_agent: SimpleNamespace, agent_env: pytest.MonkeyPatch
) -> None:
    actors = _memory_actors(step4_agent.main, agent_env)
    bob = _unsigned_jwt({"sub": "bob-sub", "username": "bob", "client_id": "web"})
    forged = {"prompt": "Do you remember my name?", "user_id": "alice-sub", "actor": "alice"}
    _stream(step4_agent.main, forged, {"Authorization": f"Bearer {bob}"})
    _stream(step4_agent.main, forged)  # no token reached it: no identity either
    assert actors == ["bob-sub", None]


# --- the entrypoint ------------------------------------------------------------------------


def test_entrypoint_streams_the_answer_in_several_chunks(agent: SimpleNamespace) -> None:
    chunks = _stream(agent.main, {"prompt": "What is your return policy?", "user_id": "user-1"})
    assert len(chunks) >= 3
    assert all(isinstance(chunk, str) for chunk in chunks)
    assert "30 days" in "".join(chunks)


def test_entrypoint_without_a_prompt_explains_the_payload(agent: SimpleNamespace) -> None:
    assert "prompt" in "".join(_stream(agent.main, {}))


# --- MCP servers that cannot be used ----------------------------------------------------------


def test_unreachable_web_search_is_checked_once_with_one_warning(
    agent: SimpleNamespace, agent_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    agent_env.setenv("EXA_MCP_URL", f"http://127.0.0.1:{closed.getsockname()[1]}/mcp")
    closed.close()
    assert agent.client.get_streamable_http_mcp_client() is None
    assert agent.client.get_streamable_http_mcp_client() is None
    assert len(_warnings(caplog)) == 1


def test_start_agent_answers_when_the_gateway_refuses(
    agent: SimpleNamespace,
    agent_env: pytest.MonkeyPatch,
    gateway_url: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    agent_env.setenv("AGENTCORE_GATEWAY_MY_GATEWAY_URL", gateway_url)
    answer = "".join(_stream(agent.main, {"prompt": "Check the warranty for PROD-001"}))
    assert "unavailable" in answer
    [warning] = _warnings(caplog)
    assert "401" in warning.getMessage()


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [(GOOD_TOKEN, "2027-03-01"), (BAD_TOKEN, "unavailable")],
    ids=["accepted token reaches the Lambda", "refused token: tool unavailable"],
)
def test_step3_agent_forwards_the_token_to_the_gateway_and_logs_none_of_it(
    step3_agent: SimpleNamespace,
    agent_env: pytest.MonkeyPatch,
    gateway_url: str,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    authorization: str,
    expected: str,
) -> None:
    agent_env.setenv("AGENTCORE_GATEWAY_MY_GATEWAY_SECURE_URL", gateway_url)
    caplog.set_level(logging.DEBUG)
    payload = {"prompt": "Check the warranty for PROD-001"}
    answer = "".join(_stream(step3_agent.main, payload, {"Authorization": authorization}))
    assert expected in answer
    captured = capsys.readouterr()
    secret = authorization.split()[1]
    assert secret not in caplog.text + captured.out + captured.err


def test_step3_agent_loads_the_ca_bundle_at_import_not_in_its_requests(
    step3_agent: SimpleNamespace,
    agent_env: pytest.MonkeyPatch,
    gateway_url: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each new agent makes a reachability probe and a Gateway client; loading the bundle
    for each, or in a session's first request, would cost tens of ms there."""
    agent_env.setenv("AGENTCORE_GATEWAY_MY_GATEWAY_SECURE_URL", gateway_url)
    loads: list[object] = []
    load_verify_locations = ssl.SSLContext.load_verify_locations

    def counted(context: ssl.SSLContext, *args: Any, **kwargs: Any) -> None:
        loads.append(args or kwargs)
        load_verify_locations(context, *args, **kwargs)

    monkeypatch.setattr(ssl.SSLContext, "load_verify_locations", counted)
    payload = {"prompt": "Check the warranty for PROD-001"}
    for _ in range(2):
        assert "2027-03-01" in "".join(
            _stream(step3_agent.main, payload, {"Authorization": GOOD_TOKEN})
        )
    assert loads == []


def test_step3_agent_without_forwarded_headers_still_answers(
    step3_agent: SimpleNamespace, agent_env: pytest.MonkeyPatch, gateway_url: str
) -> None:
    agent_env.setenv("AGENTCORE_GATEWAY_MY_GATEWAY_SECURE_URL", gateway_url)
    payload = {"prompt": "Check the warranty for PROD-002"}
    answer = "".join(_stream(step3_agent.main, payload, headers=None))
    assert "unavailable" in answer


# --- one Agent per session and caller, the token per request ---------------------------------


def test_step3_agent_is_built_once_per_session_and_restores_memory_once(
    step3_agent: SimpleNamespace,
    with_memory: str,
    agent_env: pytest.MonkeyPatch,
    gateway: GatewayStandIn,
) -> None:
    agent_env.setenv("AGENTCORE_GATEWAY_MY_GATEWAY_SECURE_URL", gateway.url)
    made = _memory_actors(step3_agent.main, agent_env)
    session = uuid.uuid4().hex * 2
    answers = _stream_in_one_loop(
        step3_agent.main,
        [
            ("My name is Alex", GOOD_TOKEN),
            ("Check the warranty for PROD-001", GOOD_TOKEN),
            ("Do you remember my name?", GOOD_TOKEN),
        ],
        session_id=session,
    )
    assert "2027-03-01" in answers[1] and "Alex" in answers[2]
    assert made == ["default-user"]  # one Agent: the conversation was restored once
    assert len(gateway.calls("initialize")) == 1  # its MCP session was set up once


def test_step3_agent_presents_each_requests_token_to_the_gateway(
    step3_agent: SimpleNamespace, agent_env: pytest.MonkeyPatch, gateway: GatewayStandIn
) -> None:
    """The first request's token expires (the Gateway refuses it from now on) and the
    caller refreshes: the session's kept Agent calls the Gateway with the new one."""
    agent_env.setenv("AGENTCORE_GATEWAY_MY_GATEWAY_SECURE_URL", gateway.url)
    refreshed = f"Bearer {_unsigned_jwt({'sub': 'machine-client', 'note': 'refreshed'})}"
    main = step3_agent.main

    async def two_turns() -> list[str]:
        answers = []
        for authorization in (GOOD_TOKEN, refreshed):
            gateway.accepted.clear()
            gateway.accepted.add(authorization)
            headers = {"Authorization": authorization}
            context = RequestContext(session_id=SESSION_ID, request_headers=headers, request=None)
            prompt = {"prompt": "Check the warranty for PROD-001"}
            answers.append("".join([chunk async for chunk in main.invoke(prompt, context)]))
        return answers

    assert ["2027-03-01" in answer for answer in asyncio.run(two_turns())] == [True, True]
    assert gateway.calls("tools/call") == [GOOD_TOKEN, refreshed]
    [kept] = [session.gateway_token for session in _kept_agents(main)]
    assert kept.authorization is None  # between requests, the Agent holds no token


def test_step3_agent_gives_each_caller_an_agent_of_their_own(step3_agent: SimpleNamespace) -> None:
    alice = f"Bearer {_unsigned_jwt({'sub': 'alice-sub'})}"
    bob = f"Bearer {_unsigned_jwt({'sub': 'bob-sub'})}"
    _stream_in_one_loop(step3_agent.main, [("Hi", alice), ("Hi", bob), ("Hi", alice)])
    kept = _kept_agents(step3_agent.main)
    assert len(kept) == 2
    assert kept[0].gateway_token is not kept[1].gateway_token


def test_after_step_4_callers_of_one_session_share_no_memory(
    step4_agent: SimpleNamespace, with_memory: str
) -> None:
    """In step 3 both callers' Agents still file under "default-user"; step 4 parts them."""
    alice = f"Bearer {_unsigned_jwt({'sub': f'alice-{uuid.uuid4().hex}'})}"
    bob = f"Bearer {_unsigned_jwt({'sub': f'bob-{uuid.uuid4().hex}'})}"
    answers = _stream_in_one_loop(
        step4_agent.main,
        [("My name is Alice", alice), ("Do you remember my name?", bob)],
        session_id=uuid.uuid4().hex * 2,
    )
    assert "Alice" in answers[0] and "Alice" not in answers[1]


def test_requests_of_one_session_at_once_take_turns(agent: SimpleNamespace) -> None:
    """strands refuses a second invocation of a busy Agent; the session's requests queue."""
    prompts = [f"Tell me about PROD-00{n}" for n in range(1, 6)]
    answers = _stream_in_one_loop(agent.main, [(p, None) for p in prompts], at_once=True)
    names = ["Wireless Headphones", "Smart Watch", "Laptop Stand", "USB-C Hub", "Keyboard"]
    assert [name in answer for name, answer in zip(names, answers, strict=True)] == [True] * 5


def test_a_session_keeps_at_most_max_agents(agent: SimpleNamespace) -> None:
    limit = agent.main.MAX_AGENTS
    for n in range(limit + 2):
        _stream_in_one_loop(agent.main, [("Hi", None)], session_id=f"{n:036d}")
    assert len(_kept_agents(agent.main)) == limit


def _kept_agents(main: ModuleType) -> list[Any]:
    """The SessionAgents a loaded main.py keeps (in its factory's closure)."""
    [cache] = [
        cell.cell_contents
        for cell in main.get_or_create_agent.__closure__ or ()
        if isinstance(cell.cell_contents, dict)
    ]
    return list(cache.values())
