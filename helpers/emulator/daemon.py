"""The stack's background process: start every part, seed it, serve until told to stop.

Started by :func:`helpers.emulator.stack.up` as ``python -m helpers.emulator.daemon HOME``.
It creates the prerequisites kept in ``HOME`` (see :mod:`helpers.emulator.prerequisites`).
When every part is listening and earlier deployments are restored, it writes the
status file (``stack.json``), which is how the controller learns the URLs; on
SIGTERM or SIGINT it stops the agent processes and every part.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import os
import secrets
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import quote

from helpers.basics.errors import ActionableError
from helpers.emulator.aws.api import AwsApiServer, Handlers, require_signatures
from helpers.emulator.aws.moto_internals import seed_random
from helpers.emulator.control.clock import StackClock
from helpers.emulator.core.credentials import StackCredentials
from helpers.emulator.core.guard import StackOnly
from helpers.emulator.core.log_files import StackLogHandler
from helpers.emulator.core.ports import stack_ports
from helpers.emulator.core.serving import PartServer, bind, part_server
from helpers.emulator.core.state import LOOPBACK, StackLayout, StackState
from helpers.emulator.core.tls import ensure_tls_files
from helpers.emulator.inbound.authorizer import JwtAuthorizer, JwtAuthorizerConfig
from helpers.emulator.inbound.keys import KeyCaches
from helpers.emulator.prerequisites.format import Prerequisites
from helpers.emulator.prerequisites.seeding import create as create_prerequisites
from helpers.emulator.runtime.agent_process import AgentTemplate
from helpers.emulator.runtime.sessions import DEFAULT_IDLE_TIMEOUT_SECONDS, DEFAULT_MAX_SESSIONS
from helpers.emulator.telemetry import tracing

# Stable pool and client ids across restarts (read by moto when its backends load).
os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_ID_STRATEGY", "HASH")
os.environ.setdefault("MOTO_COGNITO_IDP_USER_POOL_CLIENT_ID_STRATEGY", "HASH")

log = logging.getLogger("agentcore_local.daemon")
# How often idle runtime sessions are looked for (moving the stack's clock looks too).
REAP_INTERVAL_SECONDS = 30.0
# The largest request body the issuer and the control API take: their requests are a few
# short fields (a token request's form, a project folder's path), far under this.
SMALL_BODY_BYTES = 64 * 1024


async def _serve(
    servers: list[PartServer],
    on_started: Callable[[], Awaitable[None]],
    on_stopping: Callable[[], Awaitable[None]],
) -> None:
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    tasks = [asyncio.create_task(server.serve_part()) for server in servers]
    while not all(server.started for server in servers):
        if any(task.done() for task in tasks):
            stopping.set()
            break
        await asyncio.sleep(0.02)
    else:
        await on_started()
    await stopping.wait()
    await on_stopping()
    for server in servers:
        server.should_exit = True
    await asyncio.gather(*tasks)


# Any model id will do: the warm-up's answer is not read, and no model is asked.
WARM_UP_MODEL = "global.anthropic.claude-sonnet-4-5-20250929-v1:0"


def agent_environment(state: StackState, credentials: StackCredentials) -> dict[str, str]:
    """What every agent process gets besides the gateway URLs: the local AWS, Bedrock included.

    The daemon's own environment already trusts the stack's CA and carries the span
    collector's header, and so will they. A Bedrock API key of the user's would make
    botocore send it instead of signing, to the stack's Bedrock: it is left out.
    """
    inherited = {k: v for k, v in os.environ.items() if k != "AWS_BEARER_TOKEN_BEDROCK"}
    return {**inherited, **state.client_environment(credentials)}


def warm_up_bedrock(bedrock: Any) -> None:
    """One call, so that the first agent's model call finds moto's routes made.

    ``InvokeModel``, which moto answers itself (with nothing): it builds the same routes
    and parsers as ``Converse`` and asks no model, so a forwarded one (a real server,
    maybe slow to load) is not woken by the stack's start.
    """
    bedrock.invoke_model(modelId=WARM_UP_MODEL, body=b"{}")


def authorizer_factory(clock: StackClock) -> Callable[[JwtAuthorizerConfig], JwtAuthorizer]:
    """Authorizers sharing one key cache per issuer, on the stack's clock (tests move it)."""
    caches = KeyCaches(clock=clock)

    def make(config: JwtAuthorizerConfig) -> JwtAuthorizer:
        return JwtAuthorizer(config, keys=caches.for_url(config.discovery_url))

    return make


def _export_spans_to(collector_url: str, credentials: StackCredentials) -> None:
    """Point every part and agent at the stack's collector, unless the user chose another.

    The collector's token goes only to the stack's own collector, never elsewhere.
    """
    if "OTEL_EXPORTER_OTLP_ENDPOINT" in os.environ:
        return
    os.environ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector_url
    os.environ["OTEL_EXPORTER_OTLP_HEADERS"] = (
        f"authorization={quote(f'Bearer {credentials.otlp_token}')}"
    )
    # Spans cross loopback only: a batch every 200 ms, not the SDK's 5 s, so a trace is
    # readable moments after its call.
    os.environ.setdefault("OTEL_BSP_SCHEDULE_DELAY", "200")


def _start_aws_api(
    port: int,
    prerequisites: Prerequisites,
    credentials: StackCredentials,
    issuer_url: str,
    handlers: Handlers,
) -> tuple[AwsApiServer, StackCredentials, Any, dict[str, str]]:
    """Serve moto (with the stack's ``handlers``), require signatures, create the prerequisites.

    Returns the server, the credentials with the stack's IAM key, a boto3 session signing
    with that key, and the prerequisites' outputs.

    moto's random numbers follow the stack's seed while the IAM key, the app clients'
    secrets and the users' passwords are made, so they are the same at every start; afterwards they
    follow a fresh seed, so nothing later says anything about them.
    """
    import boto3

    bind("aws_api", port).close()  # werkzeug's own bind gives a less helpful error
    server = AwsApiServer(port, handlers)
    server.start()
    endpoint = f"http://{LOOPBACK}:{port}"
    seed_random(credentials.moto_seed)
    before_signatures = boto3.session.Session(
        aws_access_key_id="unsigned-setup",
        aws_secret_access_key="unsigned-setup",
        region_name=prerequisites.region,
    )
    key_id, secret = require_signatures(
        before_signatures.client("iam", endpoint_url=endpoint), server.guard
    )
    credentials = replace(credentials, aws_access_key_id=key_id, aws_secret_access_key=secret)
    signed = boto3.session.Session(
        aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=prerequisites.region
    )
    cognito = signed.client("cognito-idp", endpoint_url=endpoint)
    outputs = create_prerequisites(
        prerequisites,
        cognito,
        signed.client("ssm", endpoint_url=endpoint),
        signed.client("secretsmanager", endpoint_url=endpoint),
        issuer_url,
    )
    seed_random(secrets.randbits(64))
    return server, credentials, signed, outputs


def run(home: Path) -> None:
    """Start the stack described by the working-state folder ``home`` and serve."""
    from helpers.emulator.bedrock.converse import ConverseResponse, model_for
    from helpers.emulator.control.api import create_control_app
    from helpers.emulator.control.faults import Switchable
    from helpers.emulator.core.model_choice import ModelChoice
    from helpers.emulator.deploy.control_api import AgentCoreControlResponse
    from helpers.emulator.deploy.deployer import Deployer
    from helpers.emulator.deploy.published import PublishedRuntimes
    from helpers.emulator.gateway.host import MAX_REQUEST_BYTES as GATEWAY_MAX_BYTES
    from helpers.emulator.gateway.host import MCP_SERVER_MODULE, GatewayHost
    from helpers.emulator.gateway.lambdas import LambdaRegistry
    from helpers.emulator.identity.cognito_api import CognitoResponse
    from helpers.emulator.identity.directory import CognitoDirectory
    from helpers.emulator.identity.issuer import create_issuer_app
    from helpers.emulator.identity.keys import SigningKeyStore
    from helpers.emulator.identity.sign_in import SignInService
    from helpers.emulator.logs.feed import AgentCoreLogs
    from helpers.emulator.logs.responses import AgentCoreLogsResponse, QueryResults
    from helpers.emulator.memory.data_api import MemoryDataResponse
    from helpers.emulator.memory.service import MemoryService
    from helpers.emulator.memory.store import MemoryStore
    from helpers.emulator.runtime.front_door import MAX_PAYLOAD_BYTES, RuntimeFrontDoor
    from helpers.emulator.telemetry.collector import MAX_BODY_BYTES as COLLECTOR_MAX_BYTES
    from helpers.emulator.telemetry.collector import collector_app
    from helpers.emulator.telemetry.store import SpanStore

    # Everything the stack writes (state, logs, traces, sessions) is its owner's alone.
    os.umask(0o077)
    layout = StackLayout(home)
    layout.status_file.unlink(missing_ok=True)
    prerequisites = (
        Prerequisites.load(layout.prerequisites_file)
        if layout.prerequisites_file.exists()
        else Prerequisites()
    )
    credentials = (
        StackCredentials.read(layout.credentials_file)
        if layout.credentials_file.exists()
        else StackCredentials.new()
    )
    # Which model answers Converse: the scripted one, unless `up` was given an endpoint.
    model_choice = ModelChoice.read(layout.model_file)
    model = model_for(model_choice)
    ports = stack_ports(layout.ports_file)
    tls = ensure_tls_files(layout.tls_dir)
    # The authorizers fetch discovery and JWKS from our own HTTPS issuer.
    os.environ["REQUESTS_CA_BUNDLE"] = os.environ["SSL_CERT_FILE"] = str(tls.ca_bundle)
    started = time.monotonic()
    # Filled in with the outputs once every part is up.
    draft = StackState(
        pid=os.getpid(),
        ports=ports,
        region=prerequisites.region,
        account_id=prerequisites.account_id,
        ca_bundle=tls.ca_bundle,
        model=model_choice,
    )
    _export_spans_to(draft.url("collector"), credentials)
    # Imports the agent libraries in the background while the rest starts.
    template = AgentTemplate(layout.log_dir / "agent-template.log")
    template.start()
    tracer_provider = tracing.configure("agentcore-local")
    keys = SigningKeyStore(layout.signing_keys_file)
    sign_in = SignInService(keys, draft.issuer_url)
    memory_store = MemoryStore(layout.memory_file)
    memory = MemoryService(memory_store)
    # What the deployer publishes of its runtimes, for the AWS API's GetAgentRuntime.
    runtimes = PublishedRuntimes()
    # What the agents print and the spans, in CloudWatch Logs as AgentCore writes them.
    cloudwatch = AgentCoreLogs(prerequisites.account_id, prerequisites.region)
    queries = QueryResults()
    aws_api, credentials, signed, outputs = _start_aws_api(
        ports["aws_api"],
        prerequisites,
        credentials,
        draft.issuer_url,
        {
            "cognitoidp": lambda: CognitoResponse(sign_in),
            "bedrockagentcore": lambda: MemoryDataResponse(memory),
            "bedrockagentcorecontrol": lambda: AgentCoreControlResponse(memory, runtimes),
            "bedrockruntime": lambda: ConverseResponse(model),
            "logs": lambda: AgentCoreLogsResponse(queries),
        },
    )
    credentials.write(layout.credentials_file)
    log.info("aws_api: moto on %s, prerequisites created", draft.aws_endpoint_url)
    log.info("bedrock: Converse answered by %s", model_choice.to_json())

    front_door = RuntimeFrontDoor()
    registry = LambdaRegistry.of(prerequisites)
    clock = StackClock()
    make_authorizer = authorizer_factory(clock)
    gateway_host = GatewayHost(registry, make_authorizer)
    deployer = Deployer(
        layout=layout,
        front_door=front_door,
        gateway_host=gateway_host,
        runtime_base_url=draft.url("runtime"),
        gateway_base_url=draft.url("gateway"),
        agent_env=agent_environment(draft, credentials),
        region=prerequisites.region,
        account_id=prerequisites.account_id,
        template=template,
        clock=clock,
        idle_timeout=float(
            os.environ.get("AGENTCORE_LOCAL_SESSION_IDLE_SECONDS", DEFAULT_IDLE_TIMEOUT_SECONDS)
        ),
        max_sessions=int(os.environ.get("AGENTCORE_LOCAL_MAX_SESSIONS", DEFAULT_MAX_SESSIONS)),
        make_authorizer=make_authorizer,
        memory_control=signed.client(
            "bedrock-agentcore-control", endpoint_url=draft.aws_endpoint_url
        ),
        published=runtimes,
        logs=cloudwatch,
    )
    issuer_app = create_issuer_app(
        base_url=draft.issuer_url,
        keys=keys,
        directory=CognitoDirectory(
            signed.client("cognito-idp", endpoint_url=draft.aws_endpoint_url)
        ),
    )
    switches = {
        "issuer": Switchable(issuer_app, "issuer"),
        "gateway": Switchable(gateway_host, "gateway"),
    }
    control_app = StackOnly(
        create_control_app(
            deployer=deployer,
            keys=keys,
            front_door=front_door,
            registry=registry,
            switches=switches,
            clock=clock,
        ),
        port=ports["control"],
        token=credentials.control_token,
        open_paths={"/health"},
    )
    collector = StackOnly(
        collector_app(SpanStore(layout.traces_file), on_spans=cloudwatch.spans),
        port=ports["collector"],
        token=credentials.otlp_token,
        open_paths={"/health"},
    )
    servers = [
        part_server(collector, "collector", ports["collector"], None, COLLECTOR_MAX_BYTES),
        part_server(switches["issuer"], "issuer", ports["issuer"], tls, SMALL_BODY_BYTES),
        part_server(front_door.app, "runtime", ports["runtime"], tls, MAX_PAYLOAD_BYTES),
        part_server(switches["gateway"], "gateway", ports["gateway"], tls, GATEWAY_MAX_BYTES),
        part_server(control_app, "control", ports["control"], None, SMALL_BODY_BYTES),
    ]

    async def reap_idle_sessions() -> None:
        while True:
            await asyncio.sleep(REAP_INTERVAL_SECONDS)
            await deployer.reap_sessions()

    async def on_started() -> None:
        await deployer.restore()
        asyncio.create_task(reap_idle_sessions())  # noqa: RUF006 (ends with the loop)
        replace(draft, outputs=outputs).write(layout)
        log.info("stack ready in %.2f s", time.monotonic() - started)
        # The gateways' MCP server, imported off the loop while no gateway needs it yet.
        asyncio.create_task(asyncio.to_thread(importlib.import_module, MCP_SERVER_MODULE))  # noqa: RUF006
        # moto builds its bedrock-runtime routes on the first call (~0.6 s): not an agent's.
        bedrock = signed.client("bedrock-runtime", endpoint_url=draft.aws_endpoint_url)
        asyncio.create_task(asyncio.to_thread(warm_up_bedrock, bedrock))  # noqa: RUF006

    async def on_stopping() -> None:
        layout.status_file.unlink(missing_ok=True)
        if tracer_provider is not None:
            # In a thread: the export goes to the collector this very loop serves.
            await asyncio.to_thread(tracer_provider.force_flush)
        await deployer.close()
        await gateway_host.close()

    try:
        asyncio.run(_serve(servers, on_started, on_stopping))
    finally:
        template.stop()
        aws_api.stop()
        memory_store.close()
        layout.status_file.unlink(missing_ok=True)
        log.info("stack stopped")


def main() -> None:
    home = Path(sys.argv[1])
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
        handlers=[StackLogHandler(StackLayout(home).log_file)],
    )
    for noisy in ("werkzeug", "httpx", "mcp", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        run(home)
    except ActionableError as error:  # a port taken, a broken prerequisites file
        log.error("%s", error)
        sys.exit(3)
    # Everything is stopped, closed and flushed by now (spans included); the interpreter's
    # own teardown of moto's state and every module would add most of a second to `down`.
    logging.shutdown()
    os._exit(0)


if __name__ == "__main__":
    main()
