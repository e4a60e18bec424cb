"""The local backend: the workshop's ``agentcore`` commands, carried out on the local stack.

This module is the notebook kit's only door into the emulator (``helpers.emulator``).
Project edits (``add``/``remove``/``validate``) run the model's CLI-identical commands
on ``agentcore/agentcore.json``; ``deploy`` hands the project folder to the stack's
control API, which streams its plan and progress back; traces are read from the
stack's span store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import boto3

from helpers.basics.i18n import _
from helpers.emulator import stack
from helpers.emulator.core.state import StackLayout
from helpers.emulator.deploy.packaging import changed_since_deploy
from helpers.emulator.deploy.report import Deployments, RuntimeInfo
from helpers.emulator.telemetry.store import SpanStore
from helpers.kit.backends import commands
from helpers.kit.backends.base import CommandResult, Progress, Wait, gateway_differences
from helpers.kit.calling import invoke as invoking
from helpers.kit.errors import NotDeployed
from helpers.kit.paths import PREREQUISITES_FILE, shown, workshop_home
from helpers.model import commands as project_commands
from helpers.model.agent_log import lines_since
from helpers.model.config import read_config
from helpers.wire.invoke_errors import InvokeError
from helpers.wire.spans import SpanRecord


class LocalBackend:
    """Runs every workshop step against the local stack in ``home`` (default: the workshop's)."""

    name = "local"
    # Spans reach the stack's collector within a second of the call that made them.
    trace_wait = Wait(timeout=15, poll_interval=0.25)
    # The local stack extracts records while it stores the event.
    memory_wait = Wait(timeout=5, poll_interval=0.1)

    def __init__(self, home: Path | None = None) -> None:
        self.home = home or workshop_home()
        self._layout = StackLayout(self.home)

    def prepare(self, progress: Progress) -> None:
        """Start the stack with the workshop's prerequisites, and point this process at it."""
        stack.up(self.home, prerequisites=PREREQUISITES_FILE, progress=progress)
        os.environ.pop("AWS_PROFILE", None)
        os.environ.update(stack.client_environment(self.home))
        # boto3's default session keeps the credentials it first read: start it afresh.
        boto3.setup_default_session()

    def shut_down(self, progress: Progress) -> list[str]:
        stack.down(self.home, progress=progress)
        return [
            _(
                "the local stack (stopped; its state stays in {folder})",
                folder=self._layout.state_dir,
            )
        ]

    def validate(self, project: Path, value_sources: Mapping[str, str]) -> CommandResult:
        return _shown(commands.validate(), project_commands.validate(project, value_sources))

    def deploy(self, project: Path, progress: Progress = lambda _: None) -> CommandResult:
        lines: list[str] = []

        def say(line: str) -> None:
            lines.append(line)
            progress(line)

        ok = stack.control(self.home).deploy(project, say)
        return CommandResult(commands.shown(commands.deploy()), ok, "\n".join(lines))

    def remove_gateway(self, project: Path, name: str) -> CommandResult:
        return _shown(commands.remove_gateway(name), project_commands.remove_gateway(project, name))

    def add_gateway(
        self,
        project: Path,
        *,
        name: str,
        runtimes: list[str],
        discovery_url: str,
        allowed_clients: list[str],
    ) -> CommandResult:
        return _shown(
            commands.add_gateway(name, runtimes, discovery_url, allowed_clients),
            project_commands.add_gateway(
                project,
                name=name,
                authorizer_type="CUSTOM_JWT",
                discovery_url=discovery_url,
                allowed_clients=allowed_clients,
            ),
        )

    def add_gateway_target(
        self, project: Path, *, gateway: str, name: str, lambda_arn: str, tool_schema_file: str
    ) -> CommandResult:
        return _shown(
            commands.add_gateway_target(gateway, name, lambda_arn, tool_schema_file),
            project_commands.add_gateway_target(
                project,
                gateway=gateway,
                name=name,
                lambda_arn=lambda_arn,
                tool_schema_file=tool_schema_file,
            ),
        )

    def invoke(
        self, project: Path, prompt: str, session_id: str, token: str | None = None
    ) -> CommandResult:
        command = commands.shown(commands.invoke(prompt, session_id, token))
        runtime = read_config(project)["runtimes"][0]["name"]
        try:
            answer = invoking.invoke(
                self.invoke_url(project, runtime), prompt, token=token, session_id=session_id
            )
        except InvokeError as error:
            return CommandResult(command, False, str(error))
        return CommandResult(command, True, answer)

    def invoke_without_token(self, project: Path, prompt: str, session_id: str) -> str:
        """The call sent as it is, with no ``Authorization``: the Runtime's CUSTOM_JWT
        authorizer answers it (HTTP 401), raised as an :class:`InvokeError`."""
        runtime = read_config(project)["runtimes"][0]["name"]
        return invoking.invoke(
            self.invoke_url(project, runtime), prompt, token=None, session_id=session_id
        )

    def remove_all(self, project: Path) -> CommandResult:
        return _shown(commands.remove_all(), project_commands.remove_all(project))

    def deployments(self) -> Deployments:
        """What is deployed on the stack now."""
        return stack.control(self.home).deployments()

    def runtime_arn(self, project: Path, runtime: str) -> str:
        return self._runtime(runtime).arn

    def invoke_url(self, project: Path, runtime: str) -> str:
        return self._runtime(runtime).invoke_url

    def gateway_url(self, project: Path, gateway: str) -> str:
        deployed = self.deployments().gateways.get(gateway)
        if deployed is None:
            raise NotDeployed(_not_deployed("gateway", gateway))
        return deployed.url

    def memory_id(self, project: Path, memory: str) -> str:
        deployed = self.deployments().memories.get(memory)
        if deployed is None:
            raise NotDeployed(_not_deployed("memory", memory))
        return deployed.id

    def agent_log(self, project: Path, runtime: str) -> str:
        return shown(self._layout.runtime_log(runtime))

    def agent_output(self, project: Path, runtime: str, since: int) -> tuple[list[str], int]:
        return lines_since(self._layout.runtime_log(runtime), since)

    def undeployed(self, project: Path) -> list[str]:
        deployed = self.deployments()
        config = read_config(project)
        differences = []
        for entry in config.get("runtimes", []):
            runtime = deployed.runtimes.get(entry["name"])
            if runtime is None:
                continue  # the invoke says "not deployed" itself
            location = entry["codeLocation"].rstrip("/")
            differences += [
                _(
                    "{file} changed after the last deploy: the runtime still runs the "
                    "version before; deploy again (`agentcore deploy -y -v`).",
                    file=f"{location}/{relative}",
                )
                for relative in changed_since_deploy(project / location, Path(runtime.code_dir))
            ]
            if entry.get("authorizerType", "NONE") != runtime.authorizer:
                differences.append(
                    _(
                        "The runtime's authorizer in agentcore.json ({written}) is not the "
                        "deployed one ({deployed}): deploy again.",
                        written=entry.get("authorizerType", "NONE"),
                        deployed=runtime.authorizer,
                    )
                )
        return differences + gateway_differences(
            [g.get("name") for g in config.get("agentCoreGateways", [])],
            list(deployed.gateways),
        )

    def _runtime(self, runtime: str) -> RuntimeInfo:
        deployed = self.deployments().runtimes.get(runtime)
        if deployed is None:
            raise NotDeployed(_not_deployed("runtime", runtime))
        return deployed

    def spans_for_session(self, session_id: str) -> list[SpanRecord]:
        return SpanStore(self._layout.traces_file).spans_for_session(session_id)

    def describe_trace_store(self) -> str:
        return _("the local trace store {file}", file=self._layout.traces_file)


def _shown(argv: list[str], outcome: project_commands.Outcome) -> CommandResult:
    return CommandResult(commands.shown(argv), outcome.ok, outcome.output)


def _not_deployed(kind: str, name: str) -> str:
    return _(
        "No {kind} named '{name}' is deployed on the local stack; "
        "run `agentcore deploy -y -v` (here: the deploy cell) first.",
        kind=kind,
        name=name,
    )
