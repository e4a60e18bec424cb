"""``bedrock-agentcore-control`` in moto's handler: the stack's runtimes and memories.

moto routes one service to one handler class, so this one serves the whole control
plane: the memory operations as :class:`MemoryControlResponse` serves them, and
``GetAgentRuntime`` and ``ListAgentRuntimes`` from what the stack's deployer published
(:mod:`helpers.emulator.deploy.published`), so the real ``agentcore status`` finds a
locally deployed runtime READY. A runtime made with moto's own ``CreateAgentRuntime`` is
still found (after the stack's); every other operation stays moto's.

An unknown id is ``ResourceNotFoundException`` in AWS's words, "Agent '<id>' was not
found. Please check the agent ID and try again." (as AWS answers for an agent runtime
that is not there, e.g. awslabs/agentcore-samples#1317), not moto's own sentence.
"""

from __future__ import annotations

from typing import Any

from moto.bedrockagentcorecontrol.exceptions import ResourceNotFoundException
from moto.core.responses import ActionResult

from helpers.emulator.deploy.published import PublishedRuntime, PublishedRuntimes
from helpers.emulator.memory.control_api import MemoryControlResponse
from helpers.emulator.memory.data_api import moment
from helpers.emulator.memory.service import Invalid, MemoryService

# AWS's default for a runtime session's whole life (LifecycleConfiguration.maxLifetime).
MAX_LIFETIME_SECONDS = 28800
MAX_PAGE = 100


def runtime_not_found(runtime_id: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(
        f"Agent '{runtime_id}' was not found. Please check the agent ID and try again."
    )


def runtime_shape(runtime: PublishedRuntime) -> dict[str, Any]:
    """``GetAgentRuntime``'s answer for a deployed runtime: READY, as deployed."""
    shape: dict[str, Any] = {
        "agentRuntimeArn": runtime.arn,
        "agentRuntimeName": runtime.name,
        "agentRuntimeId": runtime.runtime_id,
        "agentRuntimeVersion": str(runtime.version),
        "createdAt": moment(runtime.created_at),
        "lastUpdatedAt": moment(runtime.updated_at),
        "roleArn": runtime.role_arn,
        "networkConfiguration": {"networkMode": runtime.network_mode},
        "status": "READY",
        "lifecycleConfiguration": {
            "idleRuntimeSessionTimeout": runtime.idle_timeout,
            "maxLifetime": MAX_LIFETIME_SECONDS,
        },
        "protocolConfiguration": {"serverProtocol": runtime.protocol},
    }
    if runtime.description:
        shape["description"] = runtime.description
    authorizer = runtime.authorizer()
    if authorizer is not None:
        # agentcore.json's customJwtAuthorizer is the API's customJWTAuthorizer.
        shape["authorizerConfiguration"] = {"customJWTAuthorizer": authorizer}
    if runtime.header_allowlist:
        shape["requestHeaderConfiguration"] = {
            "requestHeaderAllowlist": list(runtime.header_allowlist)
        }
    return shape


def runtime_summary(runtime: PublishedRuntime) -> dict[str, Any]:
    """A runtime as ``ListAgentRuntimes`` lists it."""
    return {
        "agentRuntimeArn": runtime.arn,
        "agentRuntimeId": runtime.runtime_id,
        "agentRuntimeVersion": str(runtime.version),
        "agentRuntimeName": runtime.name,
        "description": runtime.description,
        "lastUpdatedAt": moment(runtime.updated_at),
        "status": "READY",
    }


class AgentCoreControlResponse(MemoryControlResponse):
    """moto's control-plane handler with the stack's memories and deployed runtimes."""

    def __init__(self, memory: MemoryService, runtimes: PublishedRuntimes) -> None:
        super().__init__(memory)
        self._runtimes = runtimes

    def _deployed_here(self) -> list[PublishedRuntime]:
        """The published runtimes of the request's account and region (one snapshot)."""
        return [
            runtime
            for runtime in self._runtimes.snapshot().values()
            if runtime.account == self.current_account and runtime.region == self.region
        ]

    def get_agent_runtime(self) -> ActionResult:
        runtime_id = self._get_param("agentRuntimeId")
        version = self._get_param("agentRuntimeVersion")
        for runtime in self._deployed_here():
            if runtime.runtime_id == runtime_id:
                if version is not None and version != str(runtime.version):
                    raise runtime_not_found(runtime_id)
                return ActionResult(runtime_shape(runtime))
        try:
            return super().get_agent_runtime()
        except ResourceNotFoundException:
            raise runtime_not_found(runtime_id) from None

    def list_agent_runtimes(self) -> ActionResult:
        size = self._get_param("maxResults") or MAX_PAGE
        if not 1 <= size <= MAX_PAGE:
            raise Invalid(f"maxResults must be between 1 and {MAX_PAGE}.")
        token = self._get_param("nextToken")
        if token is not None and not str(token).isdigit():
            raise Invalid("The nextToken is not valid.")
        start = int(token) if token is not None else 0
        listed = [runtime_summary(runtime) for runtime in self._deployed_here()]
        listed += [runtime.to_summary() for runtime in self.backend.list_agent_runtimes()]
        page = listed[start : start + size]
        answer: dict[str, Any] = {"agentRuntimes": page}
        if start + size < len(listed):
            answer["nextToken"] = str(start + size)
        return ActionResult(answer)
