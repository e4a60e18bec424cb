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
import stat
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError
from mcp import ClientSession
from mcp.client.streamable_http import streamablehttp_client

from helpers.emulator import stack
from helpers.emulator.cli import main as cli_main
from helpers.emulator.client import ControlClient
from helpers.emulator.core.state import StackState
from helpers.kit import steps
from helpers.kit.backends.local import LocalBackend
from helpers.kit.calling.invoke import invoke, new_session_id, stream_invoke
from helpers.kit.paths import SOLUTIONS_DIR
from helpers.kit.settings import WorkshopSettings
from helpers.kit.tokens import AccessToken, get_token
from helpers.model.config import CONFIG_PATH, read_config, write_config
from helpers.model.edits import secure_runtime
from helpers.model.validation import AWS_TARGETS_PATH, DEPLOYED_STATE_PATH
from helpers.wire.interactions import wait_for_interactions
from helpers.wire.invoke_errors import AgentFailed, InvokeServerError, InvokeUnauthorized
from tests.cli_corpus import RealRuns, cli_environment
from tests.support import (
    REPO_ROOT,
    RETURN_PROMPT,
    RUNTIME,
    WARRANTY_END,
    WARRANTY_PROMPT,
    WARRANTY_TOOL,
    agent_pid,
    partner_client_id,
    poll_until,
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

    def recorded(self) -> Any:
        """The deployed state the last deploy wrote for the real CLI, and its targets."""
        state = json.loads((self.folder / DEPLOYED_STATE_PATH).read_text())
        return state, json.loads((self.folder / AWS_TARGETS_PATH).read_text())

    def resources(self) -> Any:
        """What the last deploy recorded under the target ``default``."""
        return self.recorded()[0]["targets"]["default"]["resources"]


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
    # A deploy of nothing tears the target down, as `agentcore deploy` does.
    assert flow.recorded() == ({"targets": {}}, [])
    steps.fresh_project(flow.folder)
    output = flow.deploy()
    assert "+ create  gateway my-gateway" in output
    assert "+ create  runtime CustomerSupport" in output
    assert "No changes" in flow.deploy()


def test_a_deploy_records_the_stacks_ids_where_the_real_cli_reads_them(
    flow: Flow, local_stack: StackState
) -> None:
    flow.at(0)
    deployed = flow.backend.deployments()
    runtime, gateway = deployed.runtimes[RUNTIME], deployed.gateways["my-gateway"]
    [(memory_name, memory)] = deployed.memories.items()
    runtime_id = runtime.arn.rsplit("/", 1)[1]
    account = local_stack.account_id

    state, targets = flow.recorded()

    assert targets == [{"name": "default", "account": account, "region": local_stack.region}]
    assert state == {
        "targets": {
            "default": {
                "resources": {
                    "runtimes": {
                        RUNTIME: {
                            "runtimeId": runtime_id,
                            "runtimeArn": runtime.arn,
                            "roleArn": f"arn:aws:iam::{account}:role/{runtime_id}-role",
                        }
                    },
                    "memories": {memory_name: {"memoryId": memory.id, "memoryArn": memory.arn}},
                    "stackName": "AgentCore-CustomerSupport-default",
                    # protocolType "None": where the CLI keeps such a gateway, outside "mcp".
                    "gateways": {
                        "my-gateway": {
                            "gatewayId": gateway.id,
                            "gatewayArn": gateway.arn,
                            "gatewayUrl": gateway.url,
                        }
                    },
                }
            }
        }
    }
    assert list(flow.resources()) == ["runtimes", "memories", "stackName", "gateways"]
    assert gateway.arn.endswith(f":{account}:gateway/{gateway.id}")
    assert flow.backend.validate(flow.folder, flow.settings.value_sources()).ok

    # Written again by any deploy. The learner's targets file keeps its mode; the state
    # file and its folder, made afresh, take the modes of agentcore.json and agentcore/.
    config, folder = flow.folder / CONFIG_PATH, flow.folder / "agentcore"
    targets_file = flow.folder / AWS_TARGETS_PATH
    modes = {path: stat.S_IMODE(path.stat().st_mode) for path in (config, folder, targets_file)}
    targets_file.write_text("[]")
    shutil.rmtree((flow.folder / DEPLOYED_STATE_PATH).parent)
    targets_file.chmod(0o600)
    config.chmod(0o640)
    folder.chmod(0o750)
    try:
        assert "No changes" in flow.deploy()
        assert flow.recorded() == (state, targets)
        assert stat.S_IMODE(targets_file.stat().st_mode) == 0o600
        assert stat.S_IMODE((flow.folder / DEPLOYED_STATE_PATH).stat().st_mode) == 0o640
        assert stat.S_IMODE((flow.folder / DEPLOYED_STATE_PATH).parent.stat().st_mode) == 0o750
    finally:
        for path, mode in modes.items():
            path.chmod(mode)


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


def _log_records(group: str, pattern: str, wanted: int) -> list[dict[str, Any]]:
    """The events of ``group`` matching ``pattern``, once at least ``wanted`` are there
    (the agent exports its spans in batches, a moment after it answered)."""
    logs = boto3.client("logs")

    def found() -> list[dict[str, Any]]:
        try:
            return list(logs.filter_log_events(logGroupName=group, filterPattern=pattern)["events"])
        except logs.exceptions.ResourceNotFoundException:
            return []

    poll_until(lambda: len(found()) >= wanted, within=30, every=0.2)
    return found()


def test_cloudwatch_logs_hold_what_agentcore_writes_there(flow: Flow, token: AccessToken) -> None:
    """After an invoke, the runtime's log group holds the agent's own lines and its
    OpenTelemetry records (trace, span, session), and aws/spans the spans with the
    resource AgentCore gives an agent; Logs Insights groups them by trace as `agentcore
    traces list` asks. No token reaches a log group."""
    flow.at(1)
    arn = flow.backend.runtime_arn(flow.folder, RUNTIME)
    group = f"/aws/bedrock-agentcore/runtimes/{arn.rsplit('/', 1)[-1]}-DEFAULT"
    session = new_session_id()
    url = flow.backend.invoke_url(flow.folder, RUNTIME)
    assert "30 days" in invoke(url, RETURN_PROMPT, token=token, session_id=session)

    records = [
        json.loads(event["message"])
        for event in _log_records(group, f'"session.id" "{session}"', wanted=2)
    ]
    assert {record["attributes"]["event.name"] for record in records} >= {
        "gen_ai.user.message",
        "gen_ai.choice",
    }
    assert {len(record["traceId"]) for record in records} == {32}
    lines = [e["message"] for e in _log_records(group, "INFO", wanted=1)]
    assert any("bedrock_agentcore" in line for line in lines), lines
    trace_id = records[0]["traceId"]
    spans = [json.loads(e["message"]) for e in _log_records("aws/spans", trace_id, wanted=2)]
    agent_spans = [s for s in spans if s["resource"]["attributes"]["service.name"] == RUNTIME]
    assert agent_spans, spans
    assert agent_spans[0]["resource"]["attributes"]["aws.service.type"] == "gen_ai_agent"
    assert agent_spans[0]["resource"]["attributes"]["cloud.resource_id"] == arn

    logs = boto3.client("logs")
    now = int(time.time())
    query = logs.start_query(
        logGroupName=group,
        startTime=now - 600,
        endTime=now + 1,
        queryString="stats count(*) as n, earliest(attributes.session.id) as s by traceId",
    )
    rows = logs.get_query_results(queryId=query["queryId"])["results"]
    traces = {cells[0]["value"]: cells for cells in rows}
    assert {"field": "s", "value": session} in traces[trace_id]
    every = logs.filter_log_events(logGroupName=group)["events"]
    assert not [e for e in every if token.value in e["message"]]


def test_the_terminal_runs_the_real_cli_against_the_local_stack(
    flow: Flow, real_cli: RealRuns, tmp_path: Path, token: AccessToken, workshop_home: Path
) -> None:
    """In a shell set up by `agentcore-local env` with CLI 0.30.0 on its PATH (as `make lab`
    links it), `agentcore` is the real CLI: `validate`, `status` (the runtime found by the
    ARN the local deploy recorded), the text's tokenless invoke refused before sending and
    its invoke with the token streamed from the local front door, `fetch access`; `deploy`
    deploys locally and says so; after an invoke, `logs --since` and `traces list/get`
    read what the stack wrote to CloudWatch Logs, and `logs` without a range (Live Tail)
    says what to run instead. Nothing leaves loopback: the AWS SDK goes to the stack, the
    update check finds the one the stack's preload recorded, and the Runtime's host is
    mapped to the front door."""
    flow.at(1)
    arn = flow.backend.runtime_arn(flow.folder, RUNTIME)
    path = tmp_path / "bin"
    path.mkdir()
    (path / "agentcore").symlink_to(real_cli.binary())
    env = {
        **cli_environment(tmp_path / "home"),
        "PATH": f"{path}:{REPO_ROOT / '.venv' / 'bin'}:{os.environ['PATH']}",
        "TOKEN": token.value,
        "PROMPT": RETURN_PROMPT,
    }

    def terminal(script: str) -> str:
        done = subprocess.run(
            ["bash", "-s"],
            input=f'eval "$(agentcore-local env)"\n{script}',
            cwd=flow.folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
        return done.stdout + done.stderr

    session = new_session_id()
    files_and_status = """
        type -t agentcore
        agentcore validate
        agentcore status
        agentcore invoke "$PROMPT" --session-id "$SESSION" --stream; echo "refused: $?"
        agentcore deploy -y -v
        agentcore fetch access --name my-gateway
        agentcore logs; echo "live tail: $?"
    """
    invoke_then_read = """
        agentcore invoke "$PROMPT" --session-id "$SESSION" --bearer-token "$TOKEN" --stream
        agentcore-local traces --session-id "$SESSION" --wait 30 >/dev/null
        agentcore logs --since 30m --level info
        agentcore traces list --json > traces.json
        agentcore traces get "$(python3 -c "$TRACE_OF_SESSION")"
    """
    env["SESSION"] = session
    env["TRACE_OF_SESSION"] = (
        "import json, os; print(next(t['traceId'] for t in json.load(open('traces.json'))"
        "['traces'] if t['sessionId'] == os.environ['SESSION']))"
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(terminal, files_and_status)
        second = pool.submit(terminal, invoke_then_read)
    said, read = first.result(), second.result()

    assert "agentcore` is the real CLI (0.30.0)" in said, said
    assert "function\nValid\n" in said, said
    assert f"{RUNTIME}: Deployed - Runtime: READY ({arn})" in said
    # CLI 0.30.0 refuses before sending, and with --stream silently (kit/backends/aws.py).
    assert "refused: 1" in said
    assert "agentcore deploy: the real CLI deploys to AWS with CDK" in said
    assert "No changes" in said
    gateway = flow.resources()["gateways"]["my-gateway"]["gatewayUrl"]
    assert f"URL: {gateway}" in said
    assert "does not serve CloudWatch Logs Live Tail" in said and "live tail: 1" in said

    assert "30 days" in read, read
    assert "bedrock_agentcore" in read  # a line the agent logged, from `agentcore logs`
    listed = json.loads((flow.folder / "traces.json").read_text())["traces"]
    [trace_id] = [trace["traceId"] for trace in listed if trace["sessionId"] == session]
    saved = flow.folder / "agentcore" / ".cli" / "traces" / f"{RUNTIME}-{trace_id}.json"
    records = json.loads(saved.read_text())
    assert records and {record["@message"]["traceId"] for record in records} == {trace_id}
    assert token.value not in said + read
    config_dir = Path(stack.node_environment(workshop_home)["AGENTCORE_CONFIG_DIR"])
    assert (config_dir / "update-check.json").is_file()


def test_the_local_aws_api_describes_the_deployed_runtime_as_aws_does(flow: Flow) -> None:
    """GetAgentRuntime and ListAgentRuntimes (what the real `agentcore status` asks) answer
    from the stack's deploys: READY, with the ids and role the deployed state records and
    the authorizer and header allowlist agentcore.json deployed; a deploy that changes
    nothing changes no version. An unknown id is AWS's ResourceNotFoundException."""
    flow.at(1)
    control = boto3.client("bedrock-agentcore-control")
    [entry] = read_config(flow.folder)["runtimes"]
    recorded = flow.resources()["runtimes"][RUNTIME]

    runtime = control.get_agent_runtime(agentRuntimeId=recorded["runtimeId"])

    assert runtime["status"] == "READY"
    assert runtime["agentRuntimeArn"] == recorded["runtimeArn"]
    assert runtime["agentRuntimeId"] == recorded["runtimeId"]
    assert runtime["roleArn"] == recorded["roleArn"]
    assert runtime["agentRuntimeName"] == f"CustomerSupport_{RUNTIME}"
    assert runtime["agentRuntimeVersion"].isdigit()
    assert runtime["authorizerConfiguration"] == {
        "customJWTAuthorizer": entry["authorizerConfiguration"]["customJwtAuthorizer"]
    }
    assert runtime["requestHeaderConfiguration"] == {
        "requestHeaderAllowlist": entry["requestHeaderAllowlist"]
    }
    assert runtime["networkConfiguration"] == {"networkMode": "PUBLIC"}
    assert runtime["createdAt"] <= runtime["lastUpdatedAt"]
    listed = control.list_agent_runtimes()["agentRuntimes"]
    assert (recorded["runtimeId"], "READY") in [(r["agentRuntimeId"], r["status"]) for r in listed]

    assert "No changes" in flow.deploy()
    again = control.get_agent_runtime(agentRuntimeId=recorded["runtimeId"])
    assert (again["agentRuntimeVersion"], again["lastUpdatedAt"]) == (
        runtime["agentRuntimeVersion"],
        runtime["lastUpdatedAt"],
    )

    unknown = "CustomerSupport_Nobody-0123456789"
    with pytest.raises(ClientError) as refused:
        control.get_agent_runtime(agentRuntimeId=unknown)
    error = refused.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    assert error["Error"]["Code"] == "ResourceNotFoundException"
    assert error["Error"]["Message"] == (
        f"Agent '{unknown}' was not found. Please check the agent ID and try again."
    )


def test_notebook_01s_tokenless_refusal_is_the_runtimes_401_locally(
    flow: Flow, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.kit.workshop import Workshop

    flow.at(1)
    ws = Workshop(flow.backend, flow.settings, flow.folder)

    refusal = ws.expect_refusal(RETURN_PROMPT, token=None)

    # The cell proposed for notebook 01, which holds on both backends (on AWS the CLI
    # refuses before sending: tests/test_aws_backend.py):
    assert refusal.status == 401 or refusal.refused_before_sending
    assert isinstance(refusal, InvokeUnauthorized) and not refusal.refused_before_sending
    assert capsys.readouterr().out.startswith("refused (HTTP 401), as it should be: ")


def test_ws_ask_names_the_session_its_traces_are_found_by(
    flow: Flow, token: AccessToken, capsys: pytest.CaptureFixture[str]
) -> None:
    from helpers.kit.workshop import Workshop

    flow.at(1)
    ws = Workshop(flow.backend, flow.settings, flow.folder)
    session = new_session_id()
    answer = ws.ask(RETURN_PROMPT, token, session)
    printed = capsys.readouterr().out
    assert printed.endswith(f"{answer}\n(session {session})\n"), printed


def _with_gateway(config: dict[str, Any], name: str, **keys: Any) -> dict[str, Any]:
    """A copy of ``config`` whose gateway ``name`` has ``keys`` set (None removes a key)."""
    edited = json.loads(json.dumps(config))
    gateway = next(g for g in edited["agentCoreGateways"] if g["name"] == name)
    for key, value in keys.items():
        if value is None:
            gateway.pop(key, None)
        else:
            gateway[key] = value
    return edited


def _jwt(discovery_url: str, clients: list[str]) -> dict[str, Any]:
    return {"customJwtAuthorizer": {"discoveryUrl": discovery_url, "allowedClients": clients}}


def _assert_type_change_refused(flow: Flow, name: str, deployed: str, wanted: str) -> None:
    before = flow.backend.deployments().gateways
    result = flow.backend.deploy(flow.folder)
    assert not result.ok
    # AWS's own words first, then the route; refused before any plan, so nothing changed.
    refusal = result.output.splitlines()[-1]
    assert refusal.startswith(
        "Deploy failed: Authorizer type cannot be updated for an existing gateway. "
    ), refusal
    assert f"deployed with authorizerType {deployed}" in refusal
    assert f"asks for {wanted}" in refusal
    assert f"agentcore remove gateway --name {name} -y" in refusal
    assert refusal.endswith("Nothing was deployed.")
    assert "Plan:" not in result.output
    assert flow.backend.deployments().gateways == before


def test_step2_gateway_authorizer_type_cannot_change_in_place(
    flow: Flow, settings: WorkshopSettings
) -> None:
    flow.at(1)
    url = flow.backend.gateway_url(flow.folder, "my-gateway")
    original = read_config(flow.folder)
    write_config(
        flow.folder,
        _with_gateway(
            original,
            "my-gateway",
            authorizerType="CUSTOM_JWT",
            authorizerConfiguration=_jwt(settings.cognito_discovery_url, [settings.client_id]),
        ),
    )
    try:
        _assert_type_change_refused(flow, "my-gateway", "NONE", "CUSTOM_JWT")
    finally:
        write_config(flow.folder, original)
    # Still the open gateway it was, at the same URL.
    assert WARRANTY_TOOL in asyncio.run(_gateway_tools(url, None))


def test_step2_secure_gateway(flow: Flow, settings: WorkshopSettings, token: AccessToken) -> None:
    flow.at(1)
    backend, folder = flow.backend, flow.folder
    assert WARRANTY_TOOL in asyncio.run(
        _gateway_tools(backend.gateway_url(folder, "my-gateway"), None)
    )
    assert backend.remove_gateway(folder, "my-gateway").ok
    assert "- delete  gateway my-gateway" in flow.deploy()
    assert "gateways" not in flow.resources()  # gone from the deployed state too
    assert RUNTIME in flow.resources()["runtimes"]
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
    recorded = flow.resources()["gateways"]
    assert list(recorded) == ["my-gateway-secure"]
    assert recorded["my-gateway-secure"]["gatewayUrl"] == backend.gateway_url(
        folder, "my-gateway-secure"
    )

    url = backend.gateway_url(folder, "my-gateway-secure")
    refused = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert refused.status_code == 401
    assert refused.headers["x-amzn-errortype"] == "UnauthorizedException"
    assert WARRANTY_TOOL in asyncio.run(_gateway_tools(url, token))


def _list_tools(url: str, token: AccessToken) -> httpx.Response:
    return httpx.post(
        url,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={**token.authorization_header(), "Accept": "application/json, text/event-stream"},
    )


def test_step2_gateway_authorizer_configuration_changes_in_place(
    flow: Flow, settings: WorkshopSettings, token: AccessToken, local_stack: StackState
) -> None:
    flow.at(2)
    url = flow.backend.gateway_url(flow.folder, "my-gateway-secure")
    partner_id = partner_client_id(local_stack)
    partner = get_token(settings, partner_id)
    assert _list_tools(url, partner).status_code == 401
    original = read_config(flow.folder)

    def deploy_clients(clients: list[str]) -> str:
        jwt = _jwt(settings.cognito_discovery_url, clients)
        edited = _with_gateway(original, "my-gateway-secure", authorizerConfiguration=jwt)
        write_config(flow.folder, edited)
        return flow.deploy()

    try:
        # One more client in allowedClients: an update in place, as UpdateGateway makes it.
        output = deploy_clients([settings.client_id, partner_id])
        assert (
            "~ update  gateway my-gateway-secure "
            "(authorizer configuration: allowedClients; in place, same URL)"
        ) in output
        assert "create  gateway" not in output and "delete  gateway" not in output
        assert "update  runtime" not in output  # same URL: the runtime is left as it is
        assert flow.backend.gateway_url(flow.folder, "my-gateway-secure") == url
        # The newly allowed client gets in at once; the workshop's client still does.
        assert WARRANTY_TOOL in asyncio.run(_gateway_tools(url, partner))
        assert WARRANTY_TOOL in asyncio.run(_gateway_tools(url, token))

        # The workshop's client taken out: refused at once, at the same URL.
        output = deploy_clients([partner_id])
        assert "~ update  gateway my-gateway-secure (authorizer configuration" in output
        assert flow.backend.gateway_url(flow.folder, "my-gateway-secure") == url
        removed = _list_tools(url, token)
        assert removed.status_code == 401
        assert removed.json() == {"message": "Unauthorized: client_id is not in allowedClients"}
        assert WARRANTY_TOOL in asyncio.run(_gateway_tools(url, partner))

        # The type, though, cannot change: CUSTOM_JWT → NONE is refused, nothing deployed.
        write_config(
            flow.folder,
            _with_gateway(
                original, "my-gateway-secure", authorizerType="NONE", authorizerConfiguration=None
            ),
        )
        _assert_type_change_refused(flow, "my-gateway-secure", "CUSTOM_JWT", "NONE")
        assert _list_tools(url, token).status_code == 401  # the last configuration holds
    finally:
        write_config(flow.folder, original)
        flow.deploy()
    assert flow.backend.gateway_url(flow.folder, "my-gateway-secure") == url
    assert _list_tools(url, partner).status_code == 401
    assert WARRANTY_TOOL in asyncio.run(_gateway_tools(url, token))


def test_step2_catch_up_fixes_the_configuration_in_place_and_the_type_by_a_new_gateway(
    flow: Flow, settings: WorkshopSettings, token: AccessToken, local_stack: StackState
) -> None:
    flow.at(2)
    url = flow.backend.gateway_url(flow.folder, "my-gateway-secure")
    original = read_config(flow.folder)
    # Deployed with another client only: the configuration is wrong, the type is right.
    jwt = _jwt(settings.cognito_discovery_url, [partner_client_id(local_stack)])
    write_config(
        flow.folder,
        _with_gateway(original, "my-gateway-secure", authorizerConfiguration=jwt),
    )
    flow.deploy()
    assert _list_tools(url, token).status_code == 401
    said: list[str] = []
    replaced = steps.prepare(
        flow.folder, settings, flow.backend, through_step=2, progress=said.append
    )
    (fixed,) = replaced
    assert fixed.path == flow.folder / "agentcore" / "agentcore.json"
    assert fixed.backup is not None and "allowedClients" in str(fixed)
    assert read_config(flow.folder) == original
    assert not [line for line in said if "ran `" in line], said  # no command: an edit
    assert any("~ update  gateway my-gateway-secure (authorizer configuration" in s for s in said)
    assert flow.backend.gateway_url(flow.folder, "my-gateway-secure") == url
    assert WARRANTY_TOOL in asyncio.run(_gateway_tools(url, token))

    # The wrong type in the file: the gateway is removed, the removal deployed, and it is
    # added again (a new gateway, a new URL) with its target re-attached. (Without the copy
    # of WarrantyCheck that step 2 leaves in unassignedTargets: the CLI's remove would
    # refuse a second one, "Duplicate unassigned target name".)
    wrong_type = _with_gateway(
        original, "my-gateway-secure", authorizerType="NONE", authorizerConfiguration=None
    )
    del wrong_type["unassignedTargets"]
    write_config(flow.folder, wrong_type)
    said.clear()
    assert (
        steps.prepare(flow.folder, settings, flow.backend, through_step=2, progress=said.append)
        == []
    )
    ran = [line for line in said if "ran `" in line]
    assert "remove gateway --name my-gateway-secure" in ran[0], said
    assert "add gateway --name my-gateway-secure" in ran[1], said
    assert "add gateway-target" in ran[2], said
    new_url = flow.backend.gateway_url(flow.folder, "my-gateway-secure")
    assert new_url != url
    assert (
        _list_tools(new_url, get_token(settings, partner_client_id(local_stack))).status_code == 401
    )
    assert WARRANTY_TOOL in asyncio.run(_gateway_tools(new_url, token))


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
        working.replace("get_gateway_mcp_client(gateway_token)", "get_gateway_mcp_client()")
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
        gateway_function.replace("() -> MCPClient | None:", "(lender) -> MCPClient | None:")
        .replace("mcp_server_problem(url)", "mcp_server_problem(url, auth=lender)")
        .replace("streamablehttp_client(url))", "streamablehttp_client(url, auth=lender))")
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
