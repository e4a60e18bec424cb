"""The control API's bodies, declared once: the server builds them, the client reads them.

:mod:`helpers.emulator.control.api` answers with these shapes and
:class:`~helpers.emulator.client.ControlClient` sends and reads them, so a key renamed
on one side is a type error on the other. The deploy's own parts build theirs here too:
the deployer's plan and progress events (:mod:`helpers.emulator.deploy.deployer`) and
what is deployed (:meth:`helpers.emulator.deploy.report.Deployments.to_json`) travel on
``POST /deploy`` and ``GET /deployments`` as they are. This module imports nothing of
the emulator, so any part may use it.
"""

from __future__ import annotations

from typing import Literal, TypedDict

# ---- requests ---------------------------------------------------------------------------


class DeployRequest(TypedDict):
    """``POST /deploy``: the project folder, an absolute path."""

    project_dir: str


class RetireKeyRequest(TypedDict):
    """``POST /issuer/keys/retire``: the signing key to stop publishing."""

    kid: str


class FaultRequest(TypedDict):
    """``POST /faults``: take a part (issuer or gateway) down, or bring it back."""

    part: str
    down: bool


class ClockRequest(TypedDict):
    """``POST /clock``: how far to move the stack's cache clock forward (0 or more)."""

    advance_seconds: float


ControlRequest = DeployRequest | RetireKeyRequest | FaultRequest | ClockRequest

# ---- answers ----------------------------------------------------------------------------


class Refusal(TypedDict):
    """Every 4xx answer: why the request was refused."""

    message: str


class Health(TypedDict):
    """``GET /health``."""

    status: Literal["ok"]


class Stats(TypedDict):
    """``GET /stats``: requests that reached each agent (by runtime) and Lambda (by ARN)."""

    runtime_invocations: dict[str, int]
    lambda_invocations: dict[str, int]


class SigningKeys(TypedDict):
    """``GET|POST /issuer/keys`` and ``POST /issuer/keys/retire``: the keys published now."""

    kids: list[str]


# ``POST /faults``: every switchable part and whether it is up or down now.
FaultStates = dict[str, Literal["up", "down"]]


class ClockOffset(TypedDict):
    """``POST /clock``: how far the stack's cache clock is ahead of the wall clock."""

    offset_seconds: float


# ---- what is deployed (GET /deployments, and a deploy's last event) ---------------------


class RuntimeDocument(TypedDict):
    """A deployed runtime (:class:`~helpers.emulator.deploy.report.RuntimeInfo`)."""

    arn: str
    invoke_url: str
    authorizer: str
    running: bool
    pids: list[int]
    sessions: dict[str, int]
    log: str
    code_dir: str


class GatewayDocument(TypedDict):
    """A deployed gateway (:class:`~helpers.emulator.deploy.report.GatewayInfo`)."""

    id: str
    arn: str
    url: str
    authorizer: str
    targets: list[str]


class MemoryDocument(TypedDict):
    """A deployed memory (:class:`~helpers.emulator.deploy.report.MemoryInfo`)."""

    id: str
    arn: str
    strategies: list[str]


class DeploymentsDocument(TypedDict):
    """Everything deployed, by name (:class:`~helpers.emulator.deploy.report.Deployments`)."""

    runtimes: dict[str, RuntimeDocument]
    gateways: dict[str, GatewayDocument]
    memories: dict[str, MemoryDocument]


# ---- POST /deploy: one JSON event a line ------------------------------------------------


PlanAction = Literal["create", "update", "delete"]
PlanKind = Literal["memory", "runtime", "gateway"]


class PlanItemDocument(TypedDict):
    """One change of the plan (:class:`~helpers.emulator.deploy.report.PlanItem`)."""

    action: PlanAction
    kind: PlanKind
    name: str
    reason: str


class PlanEvent(TypedDict):
    """What the deploy is about to change, sent before it changes anything."""

    event: Literal["plan"]
    items: list[PlanItemDocument]


class ProgressEvent(TypedDict):
    """A line of progress, in the language the client asked for."""

    event: Literal["progress"]
    message: str


class DoneEvent(TypedDict):
    """The last event of a deploy that succeeded: what is deployed now."""

    event: Literal["done"]
    ok: Literal[True]
    deployed: DeploymentsDocument


class ErrorEvent(TypedDict):
    """The last event of a deploy that was refused or failed: why."""

    event: Literal["error"]
    ok: Literal[False]
    message: str


DeployEvent = PlanEvent | ProgressEvent | DoneEvent | ErrorEvent

# Every 200 answer but the deploy's stream, which is :data:`DeployEvent` a line.
ControlAnswer = Health | Stats | SigningKeys | FaultStates | ClockOffset | DeploymentsDocument
