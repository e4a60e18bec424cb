"""The local backend: the workshop's ``agentcore`` commands, carried out on the local stack.

Project edits (``add``/``remove``) change ``agentcore/agentcore.json`` exactly as the
real CLI does (see :mod:`helpers.agentcore_json`); ``deploy`` hands the project
folder to the stack's control API, which streams its plan and progress back.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from helpers import agentcore_json
from helpers import invoke as invoking
from helpers.backends import commands
from helpers.backends.base import CommandResult, NotDeployed, Progress
from helpers.local import stack
from helpers.local.plan import PlanItem
from helpers.validation import validate_project

NOT_RUNNING = "The local stack is not running: start it with `agentcore-local up`."


class LocalBackend:
    """Runs every workshop step against the local stack in ``home`` (default: the workshop's)."""

    name = "local"

    def __init__(self, home: Path | None = None) -> None:
        self._home = home

    def _state(self) -> dict[str, Any]:
        state = stack.read_state(self._home)
        if state is None:
            raise RuntimeError(NOT_RUNNING)
        return state

    def validate(self, project: Path) -> CommandResult:
        result = validate_project(project)
        return CommandResult(commands.shown(commands.validate()), result.ok, result.format())

    def deploy(self, project: Path, progress: Progress = lambda _: None) -> CommandResult:
        lines: list[str] = []

        def say(line: str) -> None:
            lines.append(line)
            progress(line)

        try:
            response = requests.post(
                self._state()["urls"]["control"] + "/deploy",
                json={"project_dir": str(project.resolve())},
                stream=True,
                timeout=(5, 600),
            )
        except requests.RequestException:
            return CommandResult(commands.shown(commands.deploy()), False, NOT_RUNNING)
        ok = False
        with response:
            for raw in response.iter_lines():
                event = json.loads(raw)
                if event["event"] == "plan" and event["items"]:
                    say("Plan:")
                    for item in event["items"]:
                        say(PlanItem(**item).line())
                elif event["event"] == "progress":
                    say(event["message"])
                elif event["event"] == "done":
                    ok = True
                    say(_summary(event["deployed"]))
                elif event["event"] == "error":
                    say(f"Deploy failed: {event['message']}")
        return CommandResult(commands.shown(commands.deploy()), ok, "\n".join(lines))

    def _edit(
        self,
        project: Path,
        command: str,
        edit: Callable[[dict[str, Any]], dict[str, Any]],
        done: str,
    ) -> CommandResult:
        try:
            config = edit(agentcore_json.read_config(project))
        except (agentcore_json.ConfigEditError, agentcore_json.ConfigJSONError) as error:
            return CommandResult(command, False, str(error))
        agentcore_json.write_config(project, config)
        return CommandResult(command, True, done)

    def remove_gateway(self, project: Path, name: str) -> CommandResult:
        return self._edit(
            project,
            commands.shown(commands.remove_gateway(name)),
            lambda config: agentcore_json.remove_gateway(config, name=name),
            f"Removed gateway '{name}'; its targets moved to unassignedTargets. "
            "Run `agentcore deploy -y -v` to delete it from the account.",
        )

    def add_gateway(
        self,
        project: Path,
        *,
        name: str,
        runtimes: list[str],
        discovery_url: str,
        allowed_clients: list[str],
    ) -> CommandResult:
        return self._edit(
            project,
            commands.shown(commands.add_gateway(name, runtimes, discovery_url, allowed_clients)),
            lambda config: agentcore_json.add_gateway(
                config,
                name=name,
                runtimes=runtimes,
                authorizer_type="CUSTOM_JWT",
                discovery_url=discovery_url,
                allowed_clients=allowed_clients,
            ),
            f"Added gateway '{name}' with a CUSTOM_JWT authorizer.",
        )

    def add_gateway_target(
        self, project: Path, *, gateway: str, name: str, lambda_arn: str, tool_schema_file: str
    ) -> CommandResult:
        return self._edit(
            project,
            commands.shown(
                commands.add_gateway_target(gateway, name, lambda_arn, tool_schema_file)
            ),
            lambda config: agentcore_json.add_lambda_target(
                config,
                gateway=gateway,
                name=name,
                lambda_arn=lambda_arn,
                tool_schema_file=tool_schema_file,
            ),
            f"Added target '{name}' to gateway '{gateway}'.",
        )

    def invoke(self, project: Path, prompt: str, session_id: str) -> CommandResult:
        command = commands.shown(commands.invoke(prompt, session_id))
        try:
            answer = invoking.invoke(
                self.invoke_url(project, project_runtime(project)),
                prompt,
                token=None,
                session_id=session_id,
            )
        except invoking.InvokeError as error:
            return CommandResult(command, False, str(error))
        return CommandResult(command, True, answer)

    def remove_all(self, project: Path) -> CommandResult:
        return self._edit(
            project,
            commands.shown(commands.remove_all()),
            agentcore_json.remove_all,
            "Removed every runtime and gateway from the project. "
            "Run `agentcore deploy -y -v` to delete them from the account.",
        )

    def _deployed(self, kind: str, name: str) -> dict[str, Any]:
        deployed = stack.deployments(self._state()).get(kind, {})
        if name not in deployed:
            raise NotDeployed(
                f"No {kind[:-1]} named '{name}' is deployed on the local stack; "
                "run `agentcore deploy -y -v` (here: the deploy cell) first."
            )
        return deployed[name]

    def runtime_arn(self, project: Path, runtime: str) -> str:
        return self._deployed("runtimes", runtime)["arn"]

    def invoke_url(self, project: Path, runtime: str) -> str:
        return self._deployed("runtimes", runtime)["invoke_url"]

    def gateway_url(self, project: Path, gateway: str) -> str:
        return self._deployed("gateways", gateway)["url"]


def project_runtime(project: Path) -> str:
    """The project's first runtime, the one ``agentcore invoke`` calls by default."""
    return agentcore_json.read_config(project)["runtimes"][0]["name"]


def _summary(deployed: dict[str, Any]) -> str:
    lines = ["Deployed:"]
    for name, runtime in deployed["runtimes"].items():
        lines.append(f"  runtime {name}: {runtime['arn']} (authorizer {runtime['authorizer']})")
    for name, gateway in deployed["gateways"].items():
        lines.append(f"  gateway {name}: {gateway['url']} (authorizer {gateway['authorizer']})")
    return "\n".join(lines)
