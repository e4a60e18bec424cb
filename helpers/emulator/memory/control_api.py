"""``bedrock-agentcore-control``'s memory operations, in moto's handler, over the stack's memory.

moto's own memories live in its process only, with ids a restart forgets; the stack's
are kept with their events and records (:mod:`helpers.emulator.memory.store`). The
stack serves the control plane with its subclass
:class:`helpers.emulator.deploy.control_api.AgentCoreControlResponse`, which answers the
runtime operations from its deploys too.
"""

from __future__ import annotations

from typing import Any

from moto.bedrockagentcorecontrol.responses import BedrockAgentCoreControlResponse
from moto.core.responses import ActionResult

from helpers.emulator.aws.limits import WithinModelLimits
from helpers.emulator.aws.moto_internals import SignedWithoutBody
from helpers.emulator.memory.data_api import moment
from helpers.emulator.memory.service import MemoryService
from helpers.emulator.memory.store import Memory, Strategy


def _strategy_shape(strategy: Strategy) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "strategyId": strategy.strategy_id,
        "name": strategy.name,
        "type": strategy.type,
        "namespaces": list(strategy.namespace_templates),
        "namespaceTemplates": list(strategy.namespace_templates),
        "createdAt": moment(strategy.created_at),
        "updatedAt": moment(strategy.created_at),
        "status": "ACTIVE",
    }
    if strategy.description:
        shape["description"] = strategy.description
    return shape


def memory_shape(memory: Memory, status: str = "ACTIVE") -> dict[str, Any]:
    shape: dict[str, Any] = {
        "arn": memory.arn,
        "id": memory.memory_id,
        "name": memory.name,
        "eventExpiryDuration": memory.event_expiry_days,
        "status": status,
        "createdAt": moment(memory.created_at),
        "updatedAt": moment(memory.updated_at),
        "strategies": [_strategy_shape(s) for s in memory.strategies],
    }
    if memory.description:
        shape["description"] = memory.description
    return shape


class MemoryControlResponse(WithinModelLimits, SignedWithoutBody, BedrockAgentCoreControlResponse):
    """moto's control-plane handler with the memory operations served by ``memory``."""

    def __init__(self, memory: MemoryService) -> None:
        super().__init__()
        self._memory = memory

    def create_memory(self) -> ActionResult:
        params = self._get_params()
        memory = self._memory.create_memory(
            self.current_account,
            self.region,
            params["name"],
            params["eventExpiryDuration"],
            params.get("memoryStrategies") or [],
            description=params.get("description"),
        )
        # Ready at once on the local stack; AWS answers CREATING and turns ACTIVE later.
        return ActionResult({"memory": memory_shape(memory, status="CREATING")})

    def get_memory(self) -> ActionResult:
        memory = self._memory.memory(self._get_param("memoryId"))
        return ActionResult({"memory": memory_shape(memory)})

    def update_memory(self) -> ActionResult:
        params = self._get_params()
        memory = self._memory.update_memory(
            params["memoryId"],
            description=params.get("description"),
            event_expiry_days=params.get("eventExpiryDuration"),
            changes=params.get("memoryStrategies"),
        )
        return ActionResult({"memory": memory_shape(memory)})

    def delete_memory(self) -> ActionResult:
        memory = self._memory.delete_memory(self._get_param("memoryId"))
        return ActionResult({"memoryId": memory.memory_id, "status": "DELETING"})

    def list_memories(self) -> ActionResult:
        memories = self._memory.memories(self.current_account, self.region)
        return ActionResult(
            {
                "memories": [
                    {
                        "arn": m.arn,
                        "id": m.memory_id,
                        "status": "ACTIVE",
                        "createdAt": moment(m.created_at),
                        "updatedAt": moment(m.updated_at),
                    }
                    for m in memories
                ]
            }
        )
