"""What a backend does for the notebooks: the workshop's ``agentcore`` commands and URLs.

The notebooks call one :class:`Backend` whichever mode is selected. Each method shows
the command exactly as a learner would type it on AWS (``CommandResult.command``) and
carries it out: the AWS backend runs the real ``agentcore`` CLI, the local backend
does the same work against the local stack.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from helpers.basics.i18n import _
from helpers.kit.errors import CommandFailed
from helpers.wire.spans import SpanRecord

Progress = Callable[[str], None]


@dataclass(frozen=True)
class CommandResult:
    """One workshop command: what was typed, whether it worked, and what it said."""

    command: str
    ok: bool
    output: str

    def raise_for_failure(self) -> CommandResult:
        if not self.ok:
            raise CommandFailed(self)
        return self


@dataclass(frozen=True)
class Wait:
    """How long to wait for something a backend makes after a call, and how often to look."""

    timeout: float
    poll_interval: float


class Backend(Protocol):
    """The operations the workshop needs, on AWS or on the local stack."""

    name: str
    trace_wait: Wait  # for a session's traces
    memory_wait: Wait  # for long-term memory records, extracted after a call

    def prepare(self, progress: Progress) -> None:
        """Make the backend usable from this process (locally: start the stack, trust it;
        on AWS: check that the ``agentcore`` CLI is the version the kit was proven with)."""

    def shut_down(self, progress: Progress) -> list[str]:
        """After clean-up: stop what only the backend runs; say what was stopped."""

    def validate(self, project: Path, value_sources: Mapping[str, str]) -> CommandResult:
        """``agentcore validate`` in ``project``; ``value_sources`` feed the fix hints."""

    def deploy(self, project: Path, progress: Progress) -> CommandResult:
        """``agentcore deploy -y -v`` in ``project``, reporting progress as it goes."""

    def remove_gateway(self, project: Path, name: str) -> CommandResult:
        """``agentcore remove gateway --name NAME -y``."""

    def add_gateway(
        self,
        project: Path,
        *,
        name: str,
        runtimes: list[str],
        discovery_url: str,
        allowed_clients: list[str],
    ) -> CommandResult:
        """``agentcore add gateway ... --authorizer-type CUSTOM_JWT ...``."""

    def add_gateway_target(
        self,
        project: Path,
        *,
        gateway: str,
        name: str,
        lambda_arn: str,
        tool_schema_file: str,
    ) -> CommandResult:
        """``agentcore add gateway-target --type lambda-function-arn ...``."""

    def invoke(
        self, project: Path, prompt: str, session_id: str, token: str | None = None
    ) -> CommandResult:
        """``agentcore invoke PROMPT --session-id ID``: the CLI's own call (SigV4 on AWS).

        This is how the start-state runtime, which has no JWT authorizer, is called. With a
        ``token`` it is ``... --bearer-token "$TOKEN" --stream``, for a CUSTOM_JWT runtime.
        """

    def invoke_without_token(self, project: Path, prompt: str, session_id: str) -> str:
        """The workshop text's call to the secured runtime with no token at all:
        ``agentcore invoke PROMPT --session-id ID --stream``, no ``--bearer-token``.

        Returns the answer if the call was let in. A refusal raises an
        :class:`~helpers.wire.invoke_errors.InvokeError`: locally the Runtime's HTTP 401; on AWS
        :class:`~helpers.kit.errors.CliRefused` with the real CLI's own words (CLI 0.30.0
        refuses before it sends anything, so there is no HTTP status).
        """

    def remove_all(self, project: Path) -> CommandResult:
        """``agentcore remove all -y``: empty the project; the next deploy deletes it all."""

    def runtime_arn(self, project: Path, runtime: str) -> str:
        """The deployed runtime's ARN."""

    def invoke_url(self, project: Path, runtime: str) -> str:
        """The HTTPS URL a bearer-token invoke is POSTed to."""

    def gateway_url(self, project: Path, gateway: str) -> str:
        """The deployed gateway's MCP URL (ends in ``/mcp``)."""

    def memory_id(self, project: Path, memory: str) -> str:
        """The deployed AgentCore Memory's id (what runtimes get as ``MEMORY_<NAME>_ID``)."""

    def agent_log(self, project: Path, runtime: str) -> str:
        """Where the runtime's agent logs (its tracebacks), named for a message."""

    def agent_output(self, project: Path, runtime: str, since: int) -> tuple[list[str], int]:
        """The lines the agent logged after mark ``since``, and the mark for the next call
        (0 is the start of the log; -1 its end, to begin watching). Empty where the log is
        not at hand (CloudWatch)."""

    def undeployed(self, project: Path) -> list[str]:
        """What differs between the project and what its last deploy left running, each a
        sentence with its fix: a gateway added or removed, code changed since."""

    def spans_for_session(self, session_id: str) -> list[SpanRecord]:
        """Every span of every trace of ``session_id`` that the backend's trace store has."""

    def describe_trace_store(self) -> str:
        """The trace store, named for a message."""


def gateway_differences(written: list[str], deployed: list[str]) -> list[str]:
    """The gateways ``agentcore.json`` names (``written``) that are not deployed, and
    the deployed ones it no longer names: a deploy still to run, either way."""
    differences = [
        _(
            "{gateway} is in agentcore.json but not deployed: run `agentcore deploy -y -v`.",
            gateway=name,
        )
        for name in written
        if name not in deployed
    ]
    differences += [
        _(
            "{gateway} is still deployed though it is no longer in agentcore.json: deploy the "
            "removal (`agentcore deploy -y -v`), so that the old gateway is deleted.",
            gateway=name,
        )
        for name in deployed
        if name not in written
    ]
    return differences
