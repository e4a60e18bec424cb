"""What a backend does for the notebooks: the workshop's ``agentcore`` commands and URLs.

The notebooks call one :class:`Backend` whichever mode is selected. Each method shows
the command exactly as a learner would type it on AWS (``CommandResult.command``) and
carries it out: the AWS backend runs the real ``agentcore`` CLI, the local backend
does the same work against the local stack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

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


class CommandFailed(RuntimeError):
    """A workshop command failed; the message holds the command and its output."""

    def __init__(self, result: CommandResult) -> None:
        super().__init__(f"`{result.command}` failed:\n{result.output}")
        self.result = result


class NotDeployed(LookupError):
    """The runtime or gateway is not deployed yet: run the deploy step first."""


class Backend(Protocol):
    """The operations the workshop needs, on AWS or on the local stack."""

    name: str

    def validate(self, project: Path) -> CommandResult:
        """``agentcore validate`` in ``project``."""

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

    def invoke(self, project: Path, prompt: str, session_id: str) -> CommandResult:
        """``agentcore invoke PROMPT --session-id ID``: the CLI's own call (SigV4 on AWS).

        This is how the start-state runtime, which has no JWT authorizer, is called.
        """

    def remove_all(self, project: Path) -> CommandResult:
        """``agentcore remove all --force``: empty the project; the next deploy deletes it all."""

    def runtime_arn(self, project: Path, runtime: str) -> str:
        """The deployed runtime's ARN."""

    def invoke_url(self, project: Path, runtime: str) -> str:
        """The HTTPS URL a bearer-token invoke is POSTed to."""

    def gateway_url(self, project: Path, gateway: str) -> str:
        """The deployed gateway's MCP URL (ends in ``/mcp``)."""
