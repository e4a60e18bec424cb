"""The workshop's four steps, end to end on the local stack, in the order a learner runs them.

Each test builds on the one before (module-scoped project and deployments), the way
the notebooks do: open runtime → runtime authorizer → secure gateway → token
forwarded by the agent's MCP client.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
from pathlib import Path

import boto3
import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from helpers import agentcore_json, traces
from helpers.backends.local import LocalBackend
from helpers.cli import main as cli_main
from helpers.invoke import (
    InvokeServerError,
    InvokeUnauthorized,
    invoke,
    new_session_id,
    stream_invoke,
)
from helpers.local import stack
from helpers.paths import AGENT_TEMPLATE_DIR, SOLUTIONS_DIR
from helpers.settings import WorkshopSettings, load_settings
from helpers.tokens import AccessToken, get_token

pytestmark = pytest.mark.stack

RUNTIME = "CustomerSupport"
WARRANTY_TOOL = "WarrantyCheck___check_warranty_status"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A learner's copy of agent/ at the start of the module."""
    folder = tmp_path_factory.mktemp("project")
    for part in ("agentcore", "app"):
        shutil.copytree(AGENT_TEMPLATE_DIR / part, folder / part)
    return folder


@pytest.fixture(scope="module")
def backend(local_stack: stack.StackStatus, workshop_home: Path) -> LocalBackend:
    return LocalBackend(workshop_home)


@pytest.fixture(scope="module")
def settings(local_stack: stack.StackStatus) -> WorkshopSettings:
    return load_settings(boto3.client("ssm"))


@pytest.fixture(scope="module")
def token(settings: WorkshopSettings) -> AccessToken:
    return get_token(settings)


def _deploy(backend: LocalBackend, project: Path) -> str:
    lines: list[str] = []
    result = backend.deploy(project, progress=lines.append)
    assert result.ok, result.output
    assert result.output == "\n".join(lines)
    return result.output


def _ask(backend: LocalBackend, project: Path, prompt: str, token: object = None) -> str:
    url = backend.invoke_url(project, RUNTIME)
    return invoke(url, prompt, token=token, session_id=new_session_id())


async def _gateway_tools(url: str, token: AccessToken | None) -> list[str]:
    headers = token.authorization_header() if token else {}
    async with (
        streamablehttp_client(url, headers=headers) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        return [tool.name for tool in (await session.list_tools()).tools]


def test_start_state_runtime_is_open(backend: LocalBackend, project: Path) -> None:
    output = _deploy(backend, project)
    assert "+ create  gateway my-gateway" in output
    assert "+ create  runtime CustomerSupport" in output
    answer = _ask(backend, project, "What's the return policy for electronics?")
    assert "30 days" in answer


def test_unchanged_project_deploys_nothing(backend: LocalBackend, project: Path) -> None:
    assert "No changes" in _deploy(backend, project)


def test_step1_runtime_authorizer(
    backend: LocalBackend,
    project: Path,
    settings: WorkshopSettings,
    token: AccessToken,
    local_stack: stack.StackStatus,
) -> None:
    config = agentcore_json.secure_runtime(
        agentcore_json.read_config(project),
        runtime=RUNTIME,
        discovery_url=settings.cognito_discovery_url,
        allowed_clients=[settings.client_id],
    )
    agentcore_json.write_config(project, config)
    assert backend.validate(project).ok
    assert "~ update  runtime CustomerSupport (authorizer none → CUSTOM_JWT" in _deploy(
        backend, project
    )

    with pytest.raises(InvokeUnauthorized) as no_token:
        _ask(backend, project, "What's the return policy for electronics?")
    assert no_token.value.status == 401
    assert no_token.value.error_type == "UnauthorizedException"

    other = get_token(settings, local_stack.state["other_client_id"])
    with pytest.raises(InvokeUnauthorized, match="allowedClients"):
        _ask(backend, project, "What's the return policy for electronics?", other)

    chunks = list(
        stream_invoke(
            backend.invoke_url(project, RUNTIME),
            "What's the return policy for electronics?",
            token=token,
            session_id=new_session_id(),
        )
    )
    assert len(chunks) > 1, "the answer should arrive as several streamed chunks"
    assert "30 days" in "".join(chunks)


def test_cli_invoke_without_token_fails_with_401(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(project)
    assert cli_main(["invoke", "Hello", "--stream"]) == 1
    assert "HTTP 401 UnauthorizedException" in capsys.readouterr().err


def test_step2_gateway_authorizer_cannot_change_in_place(
    backend: LocalBackend, project: Path, settings: WorkshopSettings
) -> None:
    original = agentcore_json.read_config(project)
    edited = json.loads(json.dumps(original))
    gateway = edited["agentCoreGateways"][0]
    gateway["authorizerType"] = "CUSTOM_JWT"
    gateway["authorizerConfiguration"] = {
        "customJwtAuthorizer": {
            "discoveryUrl": settings.cognito_discovery_url,
            "allowedClients": [settings.client_id],
        }
    }
    agentcore_json.write_config(project, edited)
    try:
        result = backend.deploy(project)
        assert not result.ok
        assert "cannot be changed in place" in result.output
        assert "agentcore remove gateway --name my-gateway -y" in result.output
    finally:
        agentcore_json.write_config(project, original)


def test_step2_secure_gateway(
    backend: LocalBackend, project: Path, settings: WorkshopSettings, token: AccessToken
) -> None:
    assert WARRANTY_TOOL in asyncio.run(
        _gateway_tools(backend.gateway_url(project, "my-gateway"), None)
    )
    assert backend.remove_gateway(project, "my-gateway").ok
    assert "- delete  gateway my-gateway" in _deploy(backend, project)
    assert backend.add_gateway(
        project,
        name="my-gateway-secure",
        runtimes=[RUNTIME],
        discovery_url=settings.cognito_discovery_url,
        allowed_clients=[settings.client_id],
    ).ok
    assert backend.add_gateway_target(
        project,
        gateway="my-gateway-secure",
        name="WarrantyCheck",
        lambda_arn=settings.warranty_check_lambda_arn,
        tool_schema_file="app/CustomerSupport/tool/warranty_schema.json",
    ).ok
    assert "+ create  gateway my-gateway-secure" in _deploy(backend, project)

    url = backend.gateway_url(project, "my-gateway-secure")
    refused = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert refused.status_code == 401
    assert refused.headers["x-amzn-errortype"] == "UnauthorizedException"
    assert WARRANTY_TOOL in asyncio.run(_gateway_tools(url, token))


def test_before_step3_warranty_degrades_gracefully(
    backend: LocalBackend, project: Path, token: AccessToken
) -> None:
    answer = _ask(backend, project, "Check the warranty for PROD-001", token)
    assert "unavailable" in answer.lower()
    assert "2027-03-01" not in answer


def test_step3_token_forwarded_to_gateway(
    backend: LocalBackend, project: Path, token: AccessToken
) -> None:
    solution = SOLUTIONS_DIR / "03_mcp_client_auth"
    for source in solution.rglob("*.py"):
        shutil.copy2(source, project / source.relative_to(solution))
    _deploy(backend, project)
    answer = _ask(backend, project, "Check the warranty for PROD-001", token)
    assert "2027-03-01" in answer


def test_step4_one_trace_joins_runtime_agent_gateway_and_lambda(
    backend: LocalBackend,
    project: Path,
    token: AccessToken,
    capsys: pytest.CaptureFixture[str],
) -> None:
    session_id = new_session_id()
    url = backend.invoke_url(project, RUNTIME)
    invoke(url, "Check the warranty for PROD-001", token=token, session_id=session_id)
    (interaction,) = traces.wait_for_traces(session_id, traces.default_source(), expected=1)
    assert [tool.name for tool in interaction.tools] == [WARRANTY_TOOL]
    assert interaction.tools[0].ok
    services = {step.kind: step.service for step in interaction.steps}
    assert services["runtime"] == services["gateway"] == services["lambda"] == "agentcore-local"
    assert services["tool"] == RUNTIME  # the agent's own spans, from its own process

    assert cli_main(["traces", "--session-id", session_id, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["session_id"] == session_id
    assert report["interactions"][0]["tools"][0]["name"] == WARRANTY_TOOL


def test_crash_is_a_clear_5xx_and_next_deploy_restores(
    backend: LocalBackend,
    project: Path,
    token: AccessToken,
    local_stack: stack.StackStatus,
) -> None:
    os.kill(stack.deployments(local_stack.state)["runtimes"][RUNTIME]["pid"], signal.SIGKILL)
    with pytest.raises(InvokeServerError) as crashed:
        _ask(backend, project, "Tell me about PROD-002", token)
    assert crashed.value.status == 502
    assert "deploy" in crashed.value.message
    assert "↻ restart runtime CustomerSupport" in _deploy(backend, project)
    assert "Smart Watch" in _ask(backend, project, "Tell me about PROD-002", token)


def test_broken_code_fails_deploy_and_previous_version_keeps_serving(
    backend: LocalBackend, project: Path, token: AccessToken
) -> None:
    main = project / "app" / RUNTIME / "main.py"
    working = main.read_text()
    main.write_text(working + "\nraise RuntimeError('learner typo')\n")
    try:
        result = backend.deploy(project)
        assert not result.ok
        assert "RuntimeError: learner typo" in result.output
        assert "previous version keeps serving" in result.output
        assert "Smart Watch" in _ask(backend, project, "Tell me about PROD-002", token)
    finally:
        main.write_text(working)
