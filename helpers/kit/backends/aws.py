"""The AWS backend: every workshop step is the real ``agentcore`` CLI, run as a learner would.

It stays one long module because a fifth of it is this docstring, what is proven of
the real CLI and what is not, and the rest is one class running that CLI and reading
the files it writes.

Each method runs ``agentcore`` (npm ``@aws/agentcore``) in the learner's project folder,
the one holding ``agentcore/agentcore.json``, and returns the command exactly as typed
(``agentcore deploy -y -v``), whether it exited 0, and what it printed.

The kit was proven with one version of the CLI, :data:`commands.VERSION
<helpers.kit.backends.commands.VERSION>` (0.30.0): its flags, its outputs and the shape of
its state file are that version's. So the backend runs ``agentcore --version`` once, when
the notebook starts (:meth:`AwsBackend.prepare`) or before its first command, and stops
with :class:`~helpers.kit.errors.CliVersionMismatch` (or
:class:`~helpers.kit.errors.CliNotFound`) naming what it found, the version it needs and
``npm install -g @aws/agentcore@0.30.0``.

The workshop text's call with no token to the secured runtime,
``agentcore invoke PROMPT --session-id ID --stream``, is run as typed
(:meth:`AwsBackend.invoke_without_token`). CLI 0.30.0 does not send it: for a runtime
whose ``authorizerType`` is CUSTOM_JWT and no ``--bearer-token`` (and no OAuth credential
of its own to fetch one with) its ``resolveInvokeTarget`` refuses with "Agent '<name>' is
configured for CUSTOM_JWT but no bearer token is available." before any request, so AWS
never answers (no 401, no "Authorization method mismatch"). With ``--stream`` that
refusal is not printed at all (its ``printInvokeResult`` prints only the session and log
lines of a streamed call) and the command just exits 1; so when the text's command fails
silently, the backend runs it once more without ``--stream``, which prints the CLI's
reason, and shows both.

The CLI's anonymous usage telemetry is switched off for these runs with
``AGENTCORE_TELEMETRY_DISABLED=1``, the per-session opt-out its telemetry guide documents;
the CLI reads it before its global setting (aws/agentcore-cli
``src/cli/telemetry/config.ts``, ``resolveTelemetryPreference``).

Before the first deploy, ``agentcore/aws-targets.json`` is the ``[]`` that ``agentcore
create`` writes; :meth:`AwsBackend.deploy` fills in the ``default`` target with the account
and region of the credentials the notebook uses (the ones it read the SSM parameters
with), as the CLI's deploy would, so the stacks land where the prerequisites are.

URLs and ARNs come from the file the CLI itself writes after a deploy,
``agentcore/.cli/deployed-state.json``, read as the CLI 0.30.0 reads it::

    {"targets": {"default": {"resources": {
        "runtimes": {"<runtime>": {"runtimeId": ..., "runtimeArn": ..., "roleArn": ...}},
        "gateways": {"<gateway>": {"gatewayId": ..., "gatewayArn": ..., "gatewayUrl": ...}},
        "mcp": {"gateways": {"<gateway>": {...}}},
        "stackName": ...}}}}

A gateway whose ``protocolType`` is ``"None"`` (``add gateway``'s default, so both of the
workshop's) is filed under ``resources.gateways``, an MCP one under
``resources.mcp.gateways``; like the CLI's own ``mergeDeployedGateways``, a name is looked up
in both, ``resources.gateways`` winning.

No token or secret reaches the output shown: a bearer token passed to ``invoke`` appears
in the command as ``"$TOKEN"``.

What cannot be tested without an account
----------------------------------------
The tests run a stand-in CLI (``tests/fakes/agentcore``) whose outputs are the real CLI's
(recorded from it, and compared with it where it runs offline), so these stay unproven
until a run against a real account:

- that ``agentcore deploy -y -v`` creates the runtime, the gateway and its Lambda target,
  and that removing a gateway and deploying deletes it; the stand-in only mimics the
  shape of the CLI's deploy output and of the state file;
- that the CLI version a learner installs still writes the state file at this path and in
  this shape (established from the CLI 0.30.0 it runs, not from a live deploy), and
  records ``gatewayUrl``;
- that the account and region filled into ``aws-targets.json`` are the ones whose
  credentials may run the CLI's CloudFormation deploy;
- that the service accepts the invoke URL built here and that its CUSTOM_JWT authorizer
  admits a Cognito token and refuses a bad one (tests check the URL's formula only), and
  that ``agentcore invoke --bearer-token`` streams the answer;
- that a tokenless ``agentcore invoke`` to the deployed CUSTOM_JWT runtime fails as it
  fails offline (the CLI's check reads only the project's files, which is why it can be
  compared with the real CLI offline: ``tests/test_aws_backend.py``);
- that ``AGENTCORE_TELEMETRY_DISABLED=1`` really stops the CLI sending anything (the CLI's
  source says it does; nothing here watches the network);
- that the prerequisite stack put the six SSM parameters into the account and the
  learner's role may read them (moto shows only that the call is right);
- for notebook 04's section 4 (who is calling): that the prerequisite stack also made
  the web app client (no secret, ``ALLOW_USER_PASSWORD_AUTH`` and
  ``ALLOW_REFRESH_TOKEN_AUTH``), the users ``alice`` and ``bob`` with permanent passwords
  kept in Secrets Manager as ``/app/customersupport/agentcore/users/<name>``
  (``{"username", "password"}``), and the ``web_client_id`` parameter, and that the
  learner's role may read those secrets (tests sign in through moto's Cognito only);
- that ``agentcore deploy`` creates the project's memory with its SEMANTIC and
  SUMMARIZATION strategies, records its id under ``resources.memories.<name>.memoryId``
  (the CLI 0.30.0's state schema says so) and gives the runtime
  ``MEMORY_CUSTOMERSUPPORTMEMORY_ID`` and a role allowed to use it;
- that AgentCore extracts "my name is Alice" into a fact under
  ``/users/<the user's sub>/facts`` within ``memory_wait`` (the local stack extracts at
  once and deterministically; AgentCore's model words facts its own way), and that
  Claude answers "Do you remember my name?" from it;
- whether AgentCore's Runtime spans name the caller: the local Runtime stamps the kind
  of caller on its span, and on AWS the notebook's trace table leaves that column empty.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _
from helpers.kit.backends import commands
from helpers.kit.backends.base import CommandResult, Progress, Wait, gateway_differences
from helpers.kit.errors import (
    CliNotFound,
    CliRefused,
    CliVersionMismatch,
    DeployedStateError,
    NotDeployed,
)
from helpers.kit.observability.cloudwatch import CloudWatchSource
from helpers.model.config import read_config
from helpers.model.deployed_state import DEFAULT_TARGET, default_target, write_aws_targets
from helpers.model.schemas.aws_targets import REGIONS
from helpers.model.validation import (
    AWS_TARGETS_PATH,
    DEPLOYED_STATE_PATH,
    ValidationResult,
    validate_project,
)
from helpers.wire.invocation import aws_base_url, invoke_url
from helpers.wire.spans import SpanRecord

INSTALL_COMMAND = commands.INSTALL_COMMAND
# `agentcore --version` loads the CLI's 8 MB bundle first: seconds, more on a busy machine.
VERSION_TIMEOUT_SECONDS = 120
# What CLI 0.30.0 says when it will not call a CUSTOM_JWT runtime without a bearer token
# (its resolveInvokeTarget); it has sent nothing.
NO_BEARER_TOKEN = "is configured for CUSTOM_JWT but no bearer token is available"
DEPLOY_COMMAND = commands.shown(commands.deploy())
# Without --target, `agentcore deploy` deploys the target named "default" and records it there.
DEPLOY_TARGET = DEFAULT_TARGET
CLI_ENVIRONMENT = {
    "AGENTCORE_TELEMETRY_DISABLED": "1",
    # The CLI colours its text through chalk, which honours this; output is captured, not shown
    # on a terminal.
    "FORCE_COLOR": "0",
}

# Cursor and colour escapes (CSI sequences and two-character escapes): the deploy spinner
# still writes them when colour is off.
_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|[@-Z\\-_])")


class AwsBackend:
    """The workshop's operations, carried out by the real ``agentcore`` CLI against AWS.

    ``executable`` and ``env`` exist for tests: they choose which program is run and the
    environment it starts from (the current one by default). The telemetry opt-out is
    always added on top.
    """

    name = "aws"
    # CloudWatch Transaction Search makes a span searchable minutes after it ends.
    trace_wait = Wait(timeout=600, poll_interval=15)
    # AgentCore extracts long-term records in the background, usually within a minute.
    memory_wait = Wait(timeout=180, poll_interval=10)

    def __init__(
        self, executable: str = commands.EXECUTABLE, env: Mapping[str, str] | None = None
    ) -> None:
        self._executable = executable
        self._env = env
        # The executable whose version was checked (checked again if PATH finds another).
        self._checked: str | None = None

    def prepare(self, progress: Progress) -> None:
        """Nothing to start (the CLI runs per command, with your AWS credentials); check that
        ``agentcore`` is the version the kit was proven with, so a wrong one stops here."""
        self._cli()

    def shut_down(self, progress: Progress) -> list[str]:
        return []

    def validate(self, project: Path, value_sources: Mapping[str, str]) -> CommandResult:
        """``agentcore validate``, then the workshop's own checks, which the CLI does not make.

        The CLI accepts a config still holding ``<COGNITO_CLIENT_ID value>`` and would deploy
        it, so the step passes only when the CLI and the workshop's checks both pass.
        """
        cli = self._run(project, commands.validate())
        extra = [
            issue for issue in validate_project(project, value_sources).issues if issue.kit_only
        ]
        output = "\n".join(
            [
                cli.output or _("(no output)"),
                "",
                _("Workshop checks (the CLI does not make them; they catch <...> placeholders):"),
                ValidationResult(extra).format(),
            ]
        )
        return CommandResult(command=cli.command, ok=cli.ok and not extra, output=output)

    def deploy(self, project: Path, progress: Progress) -> CommandResult:
        """``agentcore deploy -y -v``: each line the CLI prints goes to ``progress`` as it comes.

        A project without a deployment target first gets the ``default`` one, in the
        account and region of the notebook's credentials.
        """
        filled = fill_aws_targets(project)
        if filled:
            progress(filled)
        return self._run(project, commands.deploy(), progress)

    def remove_gateway(self, project: Path, name: str) -> CommandResult:
        """``agentcore remove gateway --name NAME -y``: its targets move to unassignedTargets."""
        return self._run(project, commands.remove_gateway(name))

    def add_gateway(
        self,
        project: Path,
        *,
        name: str,
        runtimes: list[str],
        discovery_url: str,
        allowed_clients: list[str],
    ) -> CommandResult:
        """``agentcore add gateway`` with a CUSTOM_JWT authorizer; lists are comma-separated."""
        return self._run(
            project, commands.add_gateway(name, runtimes, discovery_url, allowed_clients)
        )

    def add_gateway_target(
        self,
        project: Path,
        *,
        gateway: str,
        name: str,
        lambda_arn: str,
        tool_schema_file: str,
    ) -> CommandResult:
        """``agentcore add gateway-target --type lambda-function-arn ...`` on ``gateway``."""
        return self._run(
            project, commands.add_gateway_target(gateway, name, lambda_arn, tool_schema_file)
        )

    def invoke(
        self, project: Path, prompt: str, session_id: str, token: str | None = None
    ) -> CommandResult:
        """``agentcore invoke``: signed with your AWS credentials (SigV4), or, given a
        token, sent with ``--bearer-token`` to a CUSTOM_JWT runtime and streamed."""
        return self._run(project, commands.invoke(prompt, session_id, token))

    def invoke_without_token(self, project: Path, prompt: str, session_id: str) -> str:
        """The text's ``agentcore invoke PROMPT --session-id ID --stream``, as typed.

        CLI 0.30.0 refuses it before sending anything and, streaming, prints nothing; the
        same command without ``--stream`` then prints the CLI's reason. Raises
        :class:`CliRefused` with the CLI's words and both commands; returns the answer if
        the call was let in.
        """
        typed = self._run(project, commands.invoke(prompt, session_id, stream=True))
        if typed.ok:
            return typed.output
        results = [typed]
        if not typed.output.strip():
            plain = self._run(project, commands.invoke(prompt, session_id, stream=False))
            if plain.ok:
                return plain.output
            results.append(plain)
        said = results[-1].output.strip()
        raise CliRefused(
            said or _("(the CLI printed nothing)"),
            results,
            before_sending=NO_BEARER_TOKEN in said,
        )

    def remove_all(self, project: Path) -> CommandResult:
        """``agentcore remove all -y``; deploy afterwards to delete the resources."""
        return self._run(project, commands.remove_all())

    def runtime_arn(self, project: Path, runtime: str) -> str:
        """The runtime's ARN as the last deploy recorded it."""
        runtimes = _mapping(_deployed_resources(project).get("runtimes"))
        arn = _mapping(runtimes.get(runtime)).get("runtimeArn")
        if not isinstance(arn, str) or not arn:
            raise NotDeployed(_not_deployed("Runtime", runtime, project))
        return arn

    def invoke_url(self, project: Path, runtime: str) -> str:
        """The runtime's bearer-token invoke URL, in the region its ARN names."""
        arn = self.runtime_arn(project, runtime)
        return invoke_url(aws_base_url(_arn_region(arn)), arn)

    def gateway_url(self, project: Path, gateway: str) -> str:
        """The gateway's MCP URL as the last deploy recorded it."""
        resources = _deployed_resources(project)
        # mergeDeployedGateways in the CLI: MCP gateways, overlaid by protocolType "None" ones.
        deployed = _mapping(_mapping(resources.get("mcp")).get("gateways")) | _mapping(
            resources.get("gateways")
        )
        entry = _mapping(deployed.get(gateway))
        if not entry:
            raise NotDeployed(_not_deployed("Gateway", gateway, project))
        url = entry.get("gatewayUrl")
        if not isinstance(url, str) or not url:
            raise NotDeployed(
                _(
                    "Gateway {gateway} is deployed, but the CLI did not record its URL in "
                    "{state_file} (older CLI versions keep only its id and ARN). Install "
                    "the version the kit was proven with, `{install}`, then run `{deploy}` "
                    "again.",
                    gateway=repr(gateway),
                    state_file=DEPLOYED_STATE_PATH,
                    install=INSTALL_COMMAND,
                    deploy=DEPLOY_COMMAND,
                )
            )
        return url

    def memory_id(self, project: Path, memory: str) -> str:
        """The memory's id as the last deploy recorded it."""
        memories = _mapping(_deployed_resources(project).get("memories"))
        memory_id = _mapping(memories.get(memory)).get("memoryId")
        if not isinstance(memory_id, str) or not memory_id:
            raise NotDeployed(_not_deployed("Memory", memory, project))
        return memory_id

    def agent_log(self, project: Path, runtime: str) -> str:
        """The runtime's CloudWatch log group (AgentCore names it after the runtime id)."""
        runtime_id = self.runtime_arn(project, runtime).rsplit("/", 1)[-1]
        return _(
            "the CloudWatch log group {group}",
            group="/aws/bedrock-agentcore/runtimes/" + runtime_id + "-DEFAULT",
        )

    def agent_output(self, project: Path, runtime: str, since: int) -> tuple[list[str], int]:
        """Nothing: the agent's lines are in CloudWatch (:meth:`agent_log` names the group)."""
        return [], since

    def undeployed(self, project: Path) -> list[str]:
        """Gateways added or removed since the last deploy, by the CLI's deployed state.
        (Code changes are not compared: the CLI keeps no copy of the deployed code.)"""
        resources = _deployed_resources(project)
        if not resources:
            return []
        deployed = _mapping(_mapping(resources.get("mcp")).get("gateways")) | _mapping(
            resources.get("gateways")
        )
        written = [g.get("name") for g in read_config(project).get("agentCoreGateways", [])]
        return gateway_differences(written, list(deployed))

    @functools.cached_property
    def _trace_source(self) -> CloudWatchSource:
        return CloudWatchSource()

    def spans_for_session(self, session_id: str) -> list[SpanRecord]:
        return self._trace_source.spans_for_session(session_id)

    def describe_trace_store(self) -> str:
        return str(self._trace_source)

    def _run(
        self, project: Path, argv: list[str], progress: Progress | None = None
    ) -> CommandResult:
        """Run ``argv`` (``agentcore ...``) in ``project``; stdout and stderr are one stream.

        A bearer token in ``argv`` reaches the CLI through its environment, never its
        command line (:func:`commands.token_in_environment`).
        """
        executable, env = self._cli()
        started, env = commands.token_in_environment(argv, env)
        lines: list[str] = []
        # stdin is closed so a prompt the flags failed to suppress ends the command instead
        # of hanging the notebook.
        with subprocess.Popen(
            [executable, *started[1:]],
            cwd=project,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        ) as process:
            assert process.stdout is not None
            # Split on "\n" only: the spinner redraws its line with "\r", and each redraw is
            # not a line of progress.
            stream = io.TextIOWrapper(
                process.stdout, encoding="utf-8", errors="replace", newline="\n"
            )
            for raw in stream:
                line = _as_displayed(raw)
                lines.append(line)
                if progress is not None and line.strip():
                    progress(line)
        return CommandResult(
            command=commands.shown(argv),
            ok=process.returncode == 0,
            output="\n".join(lines).strip("\n"),
        )

    def _cli(self) -> tuple[str, dict[str, str]]:
        """The ``agentcore`` to run and its environment, its version checked once.

        Raises :class:`CliNotFound` when PATH has none, :class:`CliVersionMismatch` when it
        is not the version the kit was proven with.
        """
        env = {**(os.environ if self._env is None else self._env), **CLI_ENVIRONMENT}
        executable = shutil.which(self._executable, path=env.get("PATH", os.defpath))
        if executable is None:
            raise CliNotFound(
                _(
                    "The `{cli}` CLI ({executable}) is not on PATH, so no version of it was "
                    "found; the AWS backend runs it for every step, and the kit was proven "
                    "with {package} {version}. Install that version with `{install}`. "
                    "(The local backend, WORKSHOP_BACKEND=local, needs no CLI.)",
                    cli=commands.EXECUTABLE,
                    executable=repr(self._executable),
                    package=commands.PACKAGE,
                    version=commands.VERSION,
                    install=INSTALL_COMMAND,
                )
            )
        if self._checked != executable:
            check_cli_version(executable, env)
            self._checked = executable
        return executable, env


def check_cli_version(executable: str, env: Mapping[str, str]) -> None:
    """``agentcore --version`` must print the version the kit was proven with, and exit 0."""
    try:
        done = subprocess.run(
            [executable, *commands.version()[1:]],
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=VERSION_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        found = ""
        answered = _("nothing within {seconds} s", seconds=VERSION_TIMEOUT_SECONDS)
    else:
        said = [_as_displayed(line).strip() for line in (done.stdout + done.stderr).splitlines()]
        found = next((line for line in said if line), "")
        if done.returncode == 0 and found == commands.VERSION:
            return
        answered = repr(found) if found else _("nothing")
        if done.returncode:
            answered = _("{answer} (exit status {code})", answer=answered, code=done.returncode)
    raise CliVersionMismatch(
        _(
            "`{command}` ({executable}) answered {answer}, but the kit was proven with "
            "{package} {version} only: its commands, outputs and deployed-state file are "
            "that version's. Install it with `{install}`, then run the notebook's first "
            "cell again. (The local backend, WORKSHOP_BACKEND=local, needs no CLI.)",
            command=commands.shown(commands.version()),
            executable=executable,
            answer=answered,
            package=commands.PACKAGE,
            version=commands.VERSION,
            install=INSTALL_COMMAND,
        ),
        found=found,
        expected=commands.VERSION,
    )


def fill_aws_targets(project: Path) -> str | None:
    """Give a project with no deployment target the ``default`` one, as the CLI's deploy
    would: the caller's account, and the region boto3 resolves (``AWS_DEFAULT_REGION``, else
    the profile's), the one the notebook read the SSM parameters in.

    Returns what was written, for the progress log, or None when a target was already set.
    """
    path = Path(project) / AWS_TARGETS_PATH
    if path.is_file() and json.loads(path.read_text(encoding="utf-8") or "[]"):
        return None
    session = boto3.Session()
    region = session.region_name
    if region not in REGIONS:
        raise ActionableError(
            _(
                "AgentCore is not offered in the region {region} your AWS credentials name; "
                "set AWS_DEFAULT_REGION to one of {regions} (where the workshop's "
                "prerequisite stack is) and run the deploy again.",
                region=repr(region),
                regions=", ".join(REGIONS),
            )
        )
    account = session.client("sts").get_caller_identity()["Account"]
    write_aws_targets(project, [default_target(account, region)])
    return _(
        "{file}: deploying to account {account} in {region} (target default).",
        file=AWS_TARGETS_PATH,
        account=account,
        region=region,
    )


def _as_displayed(raw: str) -> str:
    """A line as a terminal would leave it: escapes gone, and only what the last ``\\r`` kept."""
    text = _ESCAPE.sub("", raw.rstrip("\r\n"))
    redraws = [segment for segment in text.split("\r") if segment]
    return redraws[-1] if redraws else ""


def _deployed_resources(project: Path) -> dict[str, Any]:
    """The resources the CLI recorded for the default target; empty before the first deploy."""
    path = Path(project) / DEPLOYED_STATE_PATH
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except json.JSONDecodeError as err:
        raise DeployedStateError(
            _(
                "{state_file} in {project} is not valid JSON (line {line}, column {column}). "
                "`agentcore deploy` writes this file; restore it rather than edit it, "
                "because it is how the CLI finds the stacks it deployed.",
                state_file=DEPLOYED_STATE_PATH,
                project=project,
                line=err.lineno,
                column=err.colno,
            )
        ) from err
    target = _mapping(_mapping(_mapping(state).get("targets")).get(DEPLOY_TARGET))
    return _mapping(target.get("resources"))


def _mapping(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: a missing level means not deployed."""
    return value if isinstance(value, dict) else {}


def _not_deployed(kind: str, name: str, project: Path) -> str:
    return _(
        "{kind} {name} has no deployed state in {state_file}: it "
        "has not been deployed from this project yet; run `{deploy}` first.",
        kind=kind,
        name=repr(name),
        state_file=Path(project) / DEPLOYED_STATE_PATH,
        deploy=DEPLOY_COMMAND,
    )


def _arn_region(arn: str) -> str:
    """The region field of an ARN (``arn:partition:service:region:account:resource``)."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn" or not parts[3]:
        raise DeployedStateError(
            _(
                "{arn} is not a runtime ARN with a region, so no invoke URL can be built.",
                arn=repr(arn),
            )
        )
    return parts[3]
