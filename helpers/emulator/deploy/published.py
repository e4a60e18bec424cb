"""What the deployer publishes of its runtimes for the local AWS API to answer from.

The deployer works on the daemon's event loop; the local AWS API answers on werkzeug's
threads (``GetAgentRuntime``, ``ListAgentRuntimes``:
:mod:`helpers.emulator.deploy.control_api`). So the deployer never shares its records:
after every change it publishes a new snapshot, immutable, which :class:`PublishedRuntimes`
holds by one reference. A reader takes that reference once and reads a consistent
snapshot, never a deploy half applied; no lock, and no call into the loop.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from helpers.model.project_types import CustomJwtAuthorizer


@dataclass(frozen=True)
class PublishedRuntime:
    """One deployed runtime, as ``GetAgentRuntime`` describes it.

    ``authorizer`` and ``header_allowlist`` are what was deployed (agentcore.json's
    ``customJwtAuthorizer``, its ``requestHeaderAllowlist``); the authorizer is kept as
    JSON text, so the snapshot holds nothing a reader could change.
    """

    arn: str
    version: int
    role_arn: str
    created_at: float  # Unix seconds
    updated_at: float
    authorizer_json: str | None
    header_allowlist: tuple[str, ...]
    network_mode: str = "PUBLIC"
    protocol: str = "HTTP"
    description: str = ""
    idle_timeout: int = 900

    @property
    def runtime_id(self) -> str:
        """The runtime's id: its ARN's last part."""
        return self.arn.rsplit("/", 1)[-1]

    @property
    def name(self) -> str:
        """The runtime's AWS name: its id without the random suffix (``Project_Agent``)."""
        return self.runtime_id.rsplit("-", 1)[0]

    @property
    def region(self) -> str:
        return self.arn.split(":")[3]

    @property
    def account(self) -> str:
        return self.arn.split(":")[4]

    def authorizer(self) -> CustomJwtAuthorizer | None:
        """A fresh copy of the deployed ``customJwtAuthorizer`` (None: no authorizer)."""
        if self.authorizer_json is None:
            return None
        copied: CustomJwtAuthorizer = json.loads(self.authorizer_json)  # the deployer's dump
        return copied


class PublishedRuntimes:
    """The latest snapshot of the deployed runtimes, by runtime id.

    :meth:`publish` (the deployer, on the loop) replaces the snapshot in one assignment;
    :meth:`snapshot` (the AWS API's threads) returns the one in place, read-only.
    """

    def __init__(self) -> None:
        self._by_id: Mapping[str, PublishedRuntime] = MappingProxyType({})

    def publish(self, runtimes: Iterable[PublishedRuntime]) -> None:
        self._by_id = MappingProxyType({runtime.runtime_id: runtime for runtime in runtimes})

    def snapshot(self) -> Mapping[str, PublishedRuntime]:
        return self._by_id
