"""The workshop's four steps, end to end on the local stack.

One project folder serves the module. Each test first brings it to the step it
starts from (``flow.at(step)``): forward by applying the missing steps, as a
notebook's catch-up does, or back by starting again from a fresh copy. So the tests
run alone and in any order, and in file order no step is applied twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from helpers.emulator.cli import main as cli_main
from helpers.emulator.client import ControlClient
from helpers.emulator.state import StackState
from helpers.kit import steps
from helpers.kit.backends.local import LocalBackend
from helpers.kit.calling.invoke import invoke, new_session_id, stream_invoke
from helpers.kit.errors import AgentFailed, InvokeServerError, InvokeUnauthorized
from helpers.kit.paths import SOLUTIONS_DIR
from helpers.kit.settings import WorkshopSettings
from helpers.kit.tokens import AccessToken, get_token
from helpers.model.config import read_config, write_config
from helpers.model.edits import secure_runtime
from helpers.model.interactions import wait_for_interactions
from tests.support import (
    REPO_ROOT,
    RETURN_PROMPT,
    RUNTIME,
    WARRANTY_END,
    WARRANTY_PROMPT,
    WARRANTY_TOOL,
    agent_pid,
    partner_client_id,
)

pytestmark = pytest.mark.stack


@dataclass
class Flow:
    """The module's project on the shared stack, and the step it is at."""

    folder: Path
    backend: LocalBackend
    settings: WorkshopSettings
    step: int | None = field(default=None)

    def at(self, step: int) -> None:
        """Bring the project, deployed, to the state after ``step`` (0: the start state)."""
        if self.step is None or step < self.step:
            steps.fresh_project(self.folder)
        if self.step != step:
            steps.prepare(self.folder, self.settings, self.backend, through_step=step)
        self.step = step

    def deploy(self) -> str:
        lines: list[str] = []
        result = self.backend.deploy(self.folder, progress=lines.append)
        assert result.ok, result.output
        assert result.output == "\n".join(lines)
        return result.output

    def ask(self, prompt: str, token: AccessToken | str | None = None) -> str:
        url = self.backend.invoke_url(self.folder, RUNTIME)
        return invoke(url, prompt, token=token, session_id=new_session_id())


@pytest.fixture(scope="module")
def flow(
    backend: LocalBackend, settings: WorkshopSettings, tmp_path_factory: pytest.TempPathFactory
) -> Flow:
    return Flow(tmp_path_factory.mktemp("flow") / "project", backend, settings)


@pytest.fixture
def token(settings: WorkshopSettings) -> AccessToken:
    return get_token(settings)


async def _gateway_tools(url: str, token: AccessToken | None) -> list[str]:
    headers = token.authorization_header() if token else {}
    async with (
        streamablehttp_client(url, headers=headers) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        return [tool.name for tool in (await session.list_tools()).tools]


def test_start_state_runtime_is_open(flow: Flow) -> None:
    flow.at(0)
    assert "30 days" in flow.ask(RETURN_PROMPT)


def test_a_fresh_project_creates_everything_and_an_unchanged_one_nothing(
    flow: Flow, local_stack: StackState
) -> None:
    flow.at(0)
    flow.backend.remove_all(flow.folder).raise_for_failure()
    flow.deploy()
    steps.fresh_project(flow.folder)
    output = flow.deploy()
    assert "+ create  gateway my-gateway" in output
    assert "+ create  runtime CustomerSupport" in output
    assert "No changes" in flow.deploy()


def test_secrets_and_build_folders_stay_out_of_the_deployed_code(
    flow: Flow, workshop_home: Path
) -> None:
    # As `agentcore deploy` packages code: .env files at any depth and build folders are
    # left out, so adding them changes nothing and the stack never holds a copy.
    flow.at(0)
    code = flow.folder / "app" / RUNTIME
    added = [code / ".env.local", code / "tool" / ".env", code / "node_modules" / "x.js"]
    for path in added:
        path.parent.mkdir(exist_ok=True)
        path.write_text("API_KEY=stays-on-this-machine\n")
    try:
        assert "No changes" in flow.deploy()
        assert not [
            path for path in workshop_home.rglob("*") if path.name in {".env.local", ".env"}
        ]
    finally:
        for path in added:
            path.unlink()


def test_step1_runtime_authorizer(
    flow: Flow, settings: WorkshopSettings, token: AccessToken, local_stack: StackState
) -> None:
    flow.at(0)
    config = secure_runtime(
        read_config(flow.folder),
        runtime=RUNTIME,
        discovery_url=settings.cognito_discovery_url,
        allowed_clients=[settings.client_id],
    )
    write_config(flow.folder, config)
    assert flow.backend.validate(flow.folder, settings.value_sources()).ok
    assert "~ update  runtime CustomerSupport (authorizer none → CUSTOM_JWT" in flow.deploy()
    flow.step = 1

    with pytest.raises(InvokeUnauthorized) as no_token:
        flow.ask(RETURN_PROMPT)
    assert no_token.value.status == 401
    assert no_token.value.error_type == "UnauthorizedException"

    other = get_token(settings, partner_client_id(local_stack))
    with pytest.raises(InvokeUnauthorized, match="allowedClients"):
        flow.ask(RETURN_PROMPT, other)

    chunks = list(
        stream_invoke(
            flow.backend.invoke_url(flow.folder, RUNTIME),
            RETURN_PROMPT,
            token=token,
            session_id=new_session_id(),
        )
    )
    assert len(chunks) > 1, "the answer should arrive as several streamed chunks"
    assert "30 days" in "".join(chunks)


def test_cli_invoke_without_token_fails_with_401(
    flow: Flow, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    flow.at(1)
    monkeypatch.chdir(flow.folder)
    assert cli_main(["invoke", "Hello", "--stream"]) == 1
    assert "HTTP 401 UnauthorizedException" in capsys.readouterr().err


def test_step2_gateway_authorizer_cannot_change_in_place(
    flow: Flow, settings: WorkshopSettings
) -> None:
    flow.at(1)
    original = read_config(flow.folder)
    edited = json.loads(json.dumps(original))
    gateway = edited["agentCoreGateways"][0]
    gateway["authorizerType"] = "CUSTOM_JWT"
    gateway["authorizerConfiguration"] = {
        "customJwtAuthorizer": {
            "discoveryUrl": settings.cognito_discovery_url,
            "allowedClients": [settings.client_id],
        }
    }
    write_config(flow.folder, edited)
    try:
        result = flow.backend.deploy(flow.folder)
        assert not result.ok
        assert "cannot be changed in place" in result.output
        assert "agentcore remove gateway --name my-gateway -y" in result.output
    finally:
        write_config(flow.folder, original)


def test_step2_secure_gateway(flow: Flow, settings: WorkshopSettings, token: AccessToken) -> None:
    flow.at(1)
    backend, folder = flow.backend, flow.folder
    assert WARRANTY_TOOL in asyncio.run(
        _gateway_tools(backend.gateway_url(folder, "my-gateway"), None)
    )
    assert backend.remove_gateway(folder, "my-gateway").ok
    assert "- delete  gateway my-gateway" in flow.deploy()
    assert backend.add_gateway(
        folder,
        name="my-gateway-secure",
        runtimes=[RUNTIME],
        discovery_url=settings.cognito_discovery_url,
        allowed_clients=[settings.client_id],
    ).ok
    assert backend.add_gateway_target(
        folder,
        gateway="my-gateway-secure",
        name="WarrantyCheck",
        lambda_arn=settings.warranty_check_lambda_arn,
        tool_schema_file="app/CustomerSupport/tool/warranty_schema.json",
    ).ok
    assert "+ create  gateway my-gateway-secure" in flow.deploy()
    flow.step = 2

    url = backend.gateway_url(folder, "my-gateway-secure")
    refused = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert refused.status_code == 401
    assert refused.headers["x-amzn-errortype"] == "UnauthorizedException"
    assert WARRANTY_TOOL in asyncio.run(_gateway_tools(url, token))


def test_before_step3_warranty_degrades_gracefully(flow: Flow, token: AccessToken) -> None:
    flow.at(2)
    answer = flow.ask(WARRANTY_PROMPT, token)
    assert "unavailable" in answer.lower()
    assert WARRANTY_END not in answer


def test_step3_token_forwarded_to_gateway(flow: Flow, token: AccessToken) -> None:
    flow.at(2)
    solution = SOLUTIONS_DIR / "03_mcp_client_auth"
    for source in solution.rglob("*.py"):
        shutil.copy2(source, flow.folder / source.relative_to(solution))
    flow.deploy()
    flow.step = 3
    assert WARRANTY_END in flow.ask(WARRANTY_PROMPT, token)


def test_step4_one_trace_joins_runtime_agent_gateway_and_lambda(
    flow: Flow, token: AccessToken, capsys: pytest.CaptureFixture[str]
) -> None:
    flow.at(3)
    session_id = new_session_id()
    url = flow.backend.invoke_url(flow.folder, RUNTIME)
    invoke(url, WARRANTY_PROMPT, token=token, session_id=session_id)
    (interaction,) = wait_for_interactions(
        flow.backend.spans_for_session,
        session_id,
        expected=1,
        timeout=10,
        poll_interval=0.1,
        where=flow.backend.describe_trace_store(),
    )
    assert [tool.name for tool in interaction.tools] == [WARRANTY_TOOL]
    assert interaction.tools[0].ok
    services = {step.kind: step.service for step in interaction.steps}
    assert services["runtime"] == services["gateway"] == services["lambda"] == "agentcore-local"
    assert services["tool"] == RUNTIME  # the agent's own spans, from its own process

    assert cli_main(["traces", "--session-id", session_id, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["session_id"] == session_id
    assert report["interactions"][0]["tools"][0]["name"] == WARRANTY_TOOL


def test_a_crashed_session_is_a_clear_5xx_then_starts_afresh(
    flow: Flow, token: AccessToken, control: ControlClient
) -> None:
    flow.at(3)
    session = new_session_id()
    url = flow.backend.invoke_url(flow.folder, RUNTIME)
    assert "Smart Watch" in invoke(url, "Tell me about PROD-002", token=token, session_id=session)
    os.kill(agent_pid(control.deployments(), session), signal.SIGKILL)
    with pytest.raises(InvokeServerError) as crashed:
        invoke(url, "Tell me about PROD-002", token=token, session_id=session)
    assert crashed.value.status == 502
    assert "runtime-CustomerSupport.log" in crashed.value.message
    assert "next call starts a new process" in crashed.value.message
    # As AgentCore starts a new microVM: the session goes on, its conversation kept.
    assert "Smart Watch" in invoke(url, "Tell me about PROD-002", token=token, session_id=session)


def test_broken_code_fails_deploy_and_previous_version_keeps_serving(
    flow: Flow, token: AccessToken
) -> None:
    flow.at(3)
    main = flow.folder / "app" / RUNTIME / "main.py"
    working = main.read_text()
    main.write_text(working + "\nraise RuntimeError('learner typo')\n")
    try:
        result = flow.backend.deploy(flow.folder)
        assert not result.ok
        assert "RuntimeError: learner typo" in result.output
        assert "previous version keeps serving" in result.output
        assert "Smart Watch" in flow.ask("Tell me about PROD-002", token)
    finally:
        main.write_text(working)


def test_an_exception_in_the_learners_agent_is_a_clear_error_naming_the_log(
    flow: Flow, token: AccessToken, capsys: pytest.CaptureFixture[str]
) -> None:
    """A TypeError in the learner's code: not a raw {"error": …}, but what to do and where."""
    flow.at(3)
    main = flow.folder / "app" / RUNTIME / "main.py"
    working = main.read_text()
    main.write_text(
        working.replace("get_gateway_mcp_client(authorization)", "get_gateway_mcp_client()")
    )
    try:
        flow.deploy()
        log = flow.backend.agent_log(flow.folder, RUNTIME)
        url = flow.backend.invoke_url(flow.folder, RUNTIME)
        with pytest.raises(AgentFailed) as failed:
            invoke(url, RETURN_PROMPT, token=token, session_id=new_session_id(), agent_log=log)
        message = str(failed.value)
        assert "raised TypeError" in message and "get_gateway_mcp_client()" in message
        assert log in message and "runtime-CustomerSupport.log" in message
        assert '{"error"' not in message
        # The local CLI says the same, naming the log file.
        os.chdir(flow.folder)
        assert cli_main(["invoke", RETURN_PROMPT, "--bearer-token", token.value]) == 1
        printed = capsys.readouterr()
        assert "raised TypeError" in printed.err and "runtime-CustomerSupport.log" in printed.err
        assert token.value not in printed.out + printed.err
    finally:
        os.chdir(REPO_ROOT)
        main.write_text(working)
        flow.deploy()


def test_catch_up_keeps_passing_work_in_the_learners_words(flow: Flow) -> None:
    """start(through_step=N) changes a step only when its checks fail, and names the backup."""
    flow.at(2)
    code = flow.folder / "app" / RUNTIME
    # Step 3's client in the learner's own words (passes its checker, unlike the solution's
    # text); main.py left undone.
    original = (code / "mcp_client" / "client.py").read_text()
    head, gateway_function = original.split("def get_gateway_mcp_client", 1)
    gateway_function = (
        gateway_function.replace(
            "() -> MCPClient | None:",
            "(caller_auth: str | None) -> MCPClient | None:\n"
            '    my_headers = {"Authorization": caller_auth or ""}',
        )
        .replace("mcp_server_problem(url)", "mcp_server_problem(url, my_headers)")
        .replace("streamablehttp_client(url))", "streamablehttp_client(url, headers=my_headers))")
    )
    learner_client = (
        head.replace("AGENTCORE_GATEWAY_MY_GATEWAY_URL", "AGENTCORE_GATEWAY_MY_GATEWAY_SECURE_URL")
        + "def get_gateway_mcp_client"
        + gateway_function
    )
    (code / "mcp_client" / "client.py").write_text(learner_client)
    # main.py: started, not finished (it does not read the header yet).
    started = (code / "main.py").read_text() + "\n# TODO: read the Authorization header\n"
    (code / "main.py").write_text(started)
    config_before = (flow.folder / "agentcore" / "agentcore.json").read_bytes()
    said: list[str] = []
    replaced = steps.prepare(
        flow.folder, flow.settings, flow.backend, through_step=3, progress=said.append
    )
    flow.step = 3
    assert (code / "mcp_client" / "client.py").read_text() == learner_client
    assert (flow.folder / "agentcore" / "agentcore.json").read_bytes() == config_before
    assert [item.path for item in replaced] == [code / "main.py"]
    backup = replaced[0].backup
    assert backup is not None and backup.read_text() == started and ".bak-" in backup.name
    assert any("main.py" in line and backup.name in line for line in said), said
    assert WARRANTY_END in flow.ask(WARRANTY_PROMPT, get_token(flow.settings))
