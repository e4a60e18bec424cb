"""``deploy`` on the local stack: make the running runtimes and gateways match agentcore.json.

Like the real service, the stack works from what was deployed, not from the
learner's folder: a deploy copies each runtime's code location into the stack's
state (so later edits change nothing until the next deploy) and reads each
target's tool schema once. It then:

- validates first and refuses on any error;
- refuses to change an existing gateway's ``authorizerType``, as AWS does ("Authorizer
  type cannot be updated for an existing gateway"), while a change of its
  ``authorizerConfiguration`` is an in-place update, as ``UpdateGateway`` makes it: same
  gateway id and URL, the new configuration enforced from the next request on;
- creates and updates memories (AgentCore Memory, through the control-plane API:
  :mod:`helpers.emulator.deploy.memories`), then gateways, then runtimes, whose
  environment lists every gateway URL and every memory id: a new version's first agent
  process must answer before it takes the old version's place, so code that fails to
  import leaves the old one serving; memories no longer declared go last;
- changes nothing when nothing changed.

What is deployed is saved in ``deployed.json`` and brought back when the stack restarts.
After each successful deploy the project folder records it as ``agentcore deploy`` does,
in ``agentcore/aws-targets.json`` and ``agentcore/.cli/deployed-state.json``
(:mod:`helpers.model.deployed_state`), with the stack's own account, region, ids and
ARNs: the real CLI's ``validate``, ``status`` and ``invoke`` find what was deployed there.

This module applies: the plan and its refusals come from
:mod:`helpers.emulator.deploy.plan`, what a deploy takes of the code from
:mod:`helpers.emulator.deploy.packaging`, and what is written to disk from
:mod:`helpers.emulator.deploy.records`.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from helpers.basics.i18n import _
from helpers.emulator.control.wire import DeployEvent
from helpers.emulator.core.state import StackLayout
from helpers.emulator.deploy import memories, plan, records
from helpers.emulator.deploy.memories import MemoryRecord, MemorySpec
from helpers.emulator.deploy.packaging import left_out_of
from helpers.emulator.deploy.plan import Deployed, DeployRefused
from helpers.emulator.deploy.published import PublishedRuntime, PublishedRuntimes
from helpers.emulator.deploy.records import GatewayRecord, RuntimeRecord
from helpers.emulator.deploy.report import (
    Deployments,
    GatewayInfo,
    MemoryInfo,
    PlanItem,
    RuntimeInfo,
)
from helpers.emulator.gateway.host import DeployedGateway, DeployedTarget, GatewayHost
from helpers.emulator.inbound.authorizer import JwtAuthorizer, JwtAuthorizerConfig
from helpers.emulator.logs.feed import AgentCoreLogs
from helpers.emulator.runtime.agent_process import AgentProcess, AgentStartError, AgentTemplate
from helpers.emulator.runtime.front_door import LiveRuntime, RuntimeFrontDoor
from helpers.emulator.runtime.sessions import (
    DEFAULT_IDLE_TIMEOUT_SECONDS,
    DEFAULT_MAX_SESSIONS,
    SessionPool,
)
from helpers.model.names import memory_id_env_var
from helpers.wire.invocation import invoke_url

log = logging.getLogger("agentcore_local.deploy")

# Where a deploy sends its plan and progress: the control API streams them to the client.
Emit = Callable[[DeployEvent], Awaitable[None]]
_SOCKETS_PREFIX = "agentcore-local-"


def _fresh_sockets_dir(record: Path) -> Path:
    """A new folder for the agents' Unix sockets, only the stack's owner may enter.

    A temporary one: socket paths must stay under 108 bytes, which the stack's own
    folder cannot promise. ``record`` names it, so a daemon that was killed before it
    could clean up has its folder removed by the next one.
    """
    if record.exists():
        stale = Path(record.read_text().strip())
        if (
            stale.parent == Path(tempfile.gettempdir())
            and stale.name.startswith(_SOCKETS_PREFIX)
            and stale.is_dir()
            and not stale.is_symlink()
            and stale.stat().st_uid == os.getuid()
        ):
            shutil.rmtree(stale, ignore_errors=True)
    fresh = Path(tempfile.mkdtemp(prefix=_SOCKETS_PREFIX))
    record.write_text(str(fresh))
    return fresh


class Deployer:
    """Owns what is deployed on one stack; every method runs on the daemon's event loop."""

    def __init__(
        self,
        *,
        layout: StackLayout,
        front_door: RuntimeFrontDoor,
        gateway_host: GatewayHost,
        runtime_base_url: str,
        gateway_base_url: str,
        agent_env: dict[str, str],
        region: str,
        account_id: str,
        template: AgentTemplate,
        clock: Callable[[], float],
        idle_timeout: float = DEFAULT_IDLE_TIMEOUT_SECONDS,
        max_sessions: int = DEFAULT_MAX_SESSIONS,
        make_authorizer: Callable[[JwtAuthorizerConfig], JwtAuthorizer] = JwtAuthorizer,
        memory_control: Any = None,
        published: PublishedRuntimes | None = None,
        logs: AgentCoreLogs | None = None,
    ) -> None:
        """``memory_control`` is a boto3 ``bedrock-agentcore-control`` client of the stack;
        ``published`` gets a snapshot of the runtimes after every change, for the local AWS
        API's ``GetAgentRuntime``; ``logs`` gets what the agents print, in each runtime's
        CloudWatch log group."""
        self._layout = layout
        self._template = template
        self._clock = clock
        self._idle_timeout = idle_timeout
        self._max_sessions = max_sessions
        self._process_numbers = itertools.count(1)
        self._sockets_dir = _fresh_sockets_dir(layout.sockets_record)
        self._front_door = front_door
        self._gateway_host = gateway_host
        self._runtime_base_url = runtime_base_url
        self._gateway_base_url = gateway_base_url
        self._agent_env = {
            k: v for k, v in agent_env.items() if not k.startswith("AGENTCORE_GATEWAY_")
        }
        self._region = region
        self._account_id = account_id
        self._make_authorizer = make_authorizer
        self._memory_control = memory_control
        self._published = published if published is not None else PublishedRuntimes()
        self._logs = logs
        self._lock = asyncio.Lock()
        self._runtimes: dict[str, RuntimeRecord] = {}
        self._gateways: dict[str, GatewayRecord] = {}
        self._memories: dict[str, MemoryRecord] = {}
        self._pools: dict[str, SessionPool] = {}
        # Replaced versions whose processes are still shutting down.
        self._retiring: set[asyncio.Task[None]] = set()

    # ---- what is deployed -------------------------------------------------------------

    def gateway_url(self, gateway_id: str) -> str:
        return f"{self._gateway_base_url}/{gateway_id}/mcp"

    def gateway_arn(self, gateway_id: str) -> str:
        return f"arn:aws:bedrock-agentcore:{self._region}:{self._account_id}:gateway/{gateway_id}"

    def role_arn(self, runtime_arn: str) -> str:
        """The runtime's execution role, as the deployed state names one.

        The stack keeps no IAM for its runtimes (its agents run with the stack's own key):
        the role is named after the runtime's id, in the stack's account.
        """
        return f"arn:aws:iam::{self._account_id}:role/{runtime_arn.rsplit('/', 1)[-1]}-role"

    def _publish(self) -> None:
        """Hand the AWS API's threads a new snapshot of the runtimes (never the records)."""
        self._published.publish(
            PublishedRuntime(
                arn=record.arn,
                version=record.version,
                role_arn=self.role_arn(record.arn),
                created_at=record.created_at,
                updated_at=record.updated_at,
                authorizer_json=None
                if record.authorizer is None
                else json.dumps(record.authorizer),
                header_allowlist=tuple(record.header_allowlist),
                network_mode=record.network_mode,
                protocol=record.protocol,
                description=record.description,
                idle_timeout=int(self._idle_timeout),
            )
            for record in self._runtimes.values()
        )

    def describe(self) -> Deployments:
        """Runtimes (ARN, invoke URL, whether the agent runs) and gateways (id, MCP URL)."""
        return Deployments(
            runtimes={
                name: RuntimeInfo(
                    arn=record.arn,
                    invoke_url=invoke_url(self._runtime_base_url, record.arn),
                    authorizer="CUSTOM_JWT" if record.authorizer else "NONE",
                    running=bool(self._pools[name].pids()),
                    pids=self._pools[name].pids(),
                    sessions=self._pools[name].session_pids(),
                    log=str(self._layout.runtime_log(name)),
                    code_dir=record.code_dir,
                )
                for name, record in self._runtimes.items()
            },
            gateways={
                name: GatewayInfo(
                    id=record.gateway_id,
                    arn=self.gateway_arn(record.gateway_id),
                    url=self.gateway_url(record.gateway_id),
                    authorizer=record.authorizer_type,
                    targets=tuple(target["name"] for target in record.targets),
                )
                for name, record in self._gateways.items()
            },
            memories={
                name: MemoryInfo(id=record.memory_id, arn=record.arn, strategies=record.types)
                for name, record in self._memories.items()
            },
        )

    # ---- deploy -----------------------------------------------------------------------

    async def deploy(self, project_dir: Path, emit: Emit) -> Deployments:
        """Deploy ``project_dir``; progress goes to ``emit``; returns :meth:`describe`."""
        async with self._lock:
            config = plan.load_valid_config(project_dir)
            await emit(
                {"event": "progress", "message": _("Deploying project {name}", name=config["name"])}
            )
            deployed = Deployed(self._memories, self._gateways, self._runtimes)
            desired = plan.desire(
                config,
                project_dir,
                deployed,
                region=self._region,
                account_id=self._account_id,
                gateway_url=self.gateway_url,
            )
            changes = plan.plan(desired, deployed)
            await emit({"event": "plan", "items": [item.to_json() for item in changes]})
            if not changes:
                await emit(
                    {"event": "progress", "message": _("No changes: everything is up to date.")}
                )
            for item in changes:
                await emit({"event": "progress", "message": item.progress()})
                await self._apply(item, desired.memories, desired.runtimes, desired.gateways)
            records.save(self._layout.deployed_file, self._memories, self._runtimes, self._gateways)
            described = self.describe()
            records.record_in_project(
                project_dir,
                config,
                described,
                account=self._account_id,
                region=self._region,
                role_arn=self.role_arn,
            )
            return described

    async def _apply(
        self,
        item: PlanItem,
        wanted_memories: dict[str, MemorySpec],
        runtimes: dict[str, RuntimeRecord],
        gateways: dict[str, GatewayRecord],
    ) -> None:
        if item.kind == "memory":
            await self._apply_memory(item, wanted_memories)
            return
        if item.kind == "gateway":
            if item.action == "delete":
                await self._gateway_host.remove(self._gateways.pop(item.name).gateway_id)
                return
            gateway = gateways[item.name]
            # Created, or updated in place: an update keeps the gateway's id (so its URL),
            # and the new authorizer takes the old one's place before the next request.
            await self._gateway_host.put(self._live_gateway(gateway))
            self._gateways[item.name] = gateway
            return
        if item.action == "delete":
            removed = self._runtimes.pop(item.name)
            self._publish()
            self._front_door.remove(removed.arn)
            await self._pools.pop(item.name).close()
            return
        record = self._store_code(runtimes[item.name])
        pool = self._pool(record, gateways, wanted_memories)
        try:
            first = await asyncio.to_thread(pool.ready_process)
        except AgentStartError as error:
            raise DeployRefused(f"{error}\n" + _("The previous version keeps serving.")) from None
        pool.keep_as_spare(first)
        await self._serve(record, pool)

    async def _apply_memory(self, item: PlanItem, wanted: dict[str, MemorySpec]) -> None:
        """Create, update or delete one memory with the control-plane API (boto3 blocks)."""
        control = self._memory_control
        if item.action == "delete":
            await asyncio.to_thread(memories.delete, control, self._memories.pop(item.name))
        elif item.action == "create":
            self._memories[item.name] = await asyncio.to_thread(
                memories.create, control, wanted[item.name]
            )
        else:
            self._memories[item.name] = await asyncio.to_thread(
                memories.update, control, self._memories[item.name], wanted[item.name]
            )

    def _memory_env(self, names: Iterable[str]) -> dict[str, str]:
        """The ids of the memories ``names`` (made before any runtime that reads them).

        Only the memories the project wants: one being removed is deleted after the
        runtimes are updated, and the new version must not be handed its id.
        """
        return {memory_id_env_var(name): self._memories[name].memory_id for name in names}

    def _store_code(self, record: RuntimeRecord) -> RuntimeRecord:
        """Copy the code location into the stack, as a deploy uploads the CodeZip."""
        target = self._layout.runtime_code_dir(record.name, record.fingerprint[:12])
        if not target.exists():
            shutil.copytree(record.code_dir, target, ignore=left_out_of)
            # copytree keeps the source's modes; the stack's copy is its owner's alone.
            for path in (target, *target.rglob("*")):
                path.chmod(path.stat().st_mode & 0o700)
        return RuntimeRecord(**{**asdict(record), "code_dir": str(target)})

    def _pool(
        self,
        record: RuntimeRecord,
        gateways: dict[str, GatewayRecord],
        memory_names: Iterable[str],
    ) -> SessionPool:
        """The session pool of one runtime version: its processes fork from the template."""
        env = {
            **self._agent_env,
            **plan.gateway_env(gateways, self.gateway_url),
            **self._memory_env(memory_names),
            "OTEL_SERVICE_NAME": record.name,
        }
        if self._logs is not None:
            self._logs.runtime_deployed(record.name, record.arn)

        def start_process() -> AgentProcess:
            process = AgentProcess(
                record.name,
                self._template,
                Path(record.code_dir),
                record.entrypoint,
                env,
                self._layout.runtime_log(record.name),
                self._sockets_dir / f"{next(self._process_numbers)}.sock",
                None if self._logs is None else self._logs.runtime_output(record.arn),
            )
            process.start()
            return process

        return SessionPool(
            start_process,
            clock=self._clock,
            idle_timeout=self._idle_timeout,
            max_sessions=self._max_sessions,
        )

    async def _serve(self, record: RuntimeRecord, pool: SessionPool) -> None:
        """Route the runtime's ARN to ``pool``, then end the version it replaces."""
        authorizer = (
            self._make_authorizer(JwtAuthorizerConfig.from_agentcore(record.authorizer))
            if record.authorizer
            else None
        )
        self._front_door.put(
            LiveRuntime(
                record.name,
                record.arn,
                pool,
                self._layout.runtime_log(record.name),
                authorizer,
                tuple(record.header_allowlist),
            )
        )
        replaced = self._pools.get(record.name)
        self._pools[record.name] = pool
        self._runtimes[record.name] = record
        self._publish()
        if replaced is not None and replaced is not pool:
            # New calls reach the new version from now on; the deploy does not wait for the
            # old one's processes to shut down (as UpdateAgentRuntime does not).
            retiring = asyncio.create_task(replaced.close())
            self._retiring.add(retiring)
            retiring.add_done_callback(self._retiring.discard)

    async def reap_sessions(self) -> None:
        """End the sessions that stayed idle too long, in every runtime."""
        for pool in list(self._pools.values()):
            await pool.reap()

    def _live_gateway(self, record: GatewayRecord) -> DeployedGateway:
        return DeployedGateway(
            name=record.name,
            gateway_id=record.gateway_id,
            authorizer=JwtAuthorizerConfig.from_agentcore(record.authorizer)
            if record.authorizer
            else None,
            targets=tuple(
                DeployedTarget(t["name"], t["lambda_arn"], tuple(t["tools"]))
                for t in record.targets
            ),
        )

    # ---- persistence ------------------------------------------------------------------

    async def restore(self) -> None:
        """Bring back what was deployed before the stack stopped."""
        saved = records.load(self._layout.deployed_file)
        if saved is None:
            return
        for memory in saved.memories:
            await self._restore_memory(memory)
        for gateway in saved.gateways:
            await self._gateway_host.put(self._live_gateway(gateway))
            self._gateways[gateway.name] = gateway
        for record in saved.runtimes:
            if not record.created_at:  # saved before the stack kept these times
                record.created_at = record.updated_at = time.time()
            pool = self._pool(record, self._gateways, self._memories)
            try:
                pool.keep_as_spare(await asyncio.to_thread(pool.ready_process))
            except AgentStartError as error:
                # Served anyway: its calls get a clear 5xx until the next deploy.
                log.error("could not restore runtime %s: %s", record.name, error)
            await self._serve(record, pool)

    async def _restore_memory(self, record: MemoryRecord) -> None:
        """Keep a deployed memory; make it again if its store was deleted meanwhile."""
        if not await asyncio.to_thread(memories.exists, self._memory_control, record):
            log.warning("memory %s was gone; made a new one, empty", record.name)
            spec = MemorySpec(record.name, record.event_expiry_days, tuple(record.strategies))
            record = await asyncio.to_thread(memories.create, self._memory_control, spec)
        self._memories[record.name] = record

    async def close(self) -> None:
        await asyncio.gather(*self._retiring)
        for pool in self._pools.values():
            await pool.close()
        shutil.rmtree(self._sockets_dir, ignore_errors=True)
        self._layout.sockets_record.unlink(missing_ok=True)
