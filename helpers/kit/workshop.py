"""One object per notebook: backend, settings, project, tokens and invoke, ready to use.

It stays one long module because it is the one object a notebook holds: each method is
a few lines handing the notebook's words to the kit module that does the work.

Every notebook opens with ``ws = start(through_step=N)``: on the local backend it
starts the stack (if needed) and points boto3 and the TLS trust at it; it reads the
workshop's settings from SSM; it makes the learner's project copy if there is none;
and it applies and deploys steps 1..N that are not done yet. So each notebook can
run on its own, and re-running a cell is safe.
"""

from __future__ import annotations

import copy
import os
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from IPython.display import display

from helpers.basics.i18n import _
from helpers.kit import command_line, diagnosis, further, memory, progress, sign_in
from helpers.kit import steps as project
from helpers.kit.already_done import already_done
from helpers.kit.backends import commands, get_backend
from helpers.kit.backends.base import Backend, CommandResult
from helpers.kit.calling import admission, gateway_client, invoke
from helpers.kit.checks.common import CheckResult, project_missing
from helpers.kit.errors import (
    CliRefused,
    CommandLineError,
    LetIn,
    NotDeployed,
    SettingsError,
    WorkshopUsageError,
)
from helpers.kit.paths import project_dir, shown
from helpers.kit.settings import WorkshopSettings, load_settings
from helpers.kit.sign_in import UserTokens, UserTokenSource
from helpers.kit.tokens import AccessToken, client_secret, fetch_token, get_token
from helpers.kit.widgets import DeployProgress
from helpers.model.agent_log import from_the_log
from helpers.model.config import CONFIG_PATH, ConfigJSONError, read_config, write_config
from helpers.model.names import MEMORY_NAME
from helpers.model.project_types import AuthorizerConfiguration
from helpers.wire.interactions import TraceInteraction, wait_for_interactions
from helpers.wire.invoke_errors import AgentFailed, InvokeError

SESSION_VARIABLES = ("SESSION_C", "SESSION_D", "SESSION_E")
# How long a failed call waits for the agent's traceback to reach its log.
TRACEBACK_WAIT_SECONDS = 3.0


@dataclass
class Workshop:
    """What the notebooks work with. Holds no secret: tokens come from the cache on demand."""

    backend: Backend
    settings: WorkshopSettings
    project: Path
    # The text's $SESSION_C (notebook 01), $SESSION_E (03) and $SESSION_D (04): uuid4s, as
    # its `SESSION_C=$(python3 -c 'import uuid; print(uuid.uuid4())')` lines make them.
    sessions: dict[str, str] = field(
        default_factory=lambda: {name: invoke.new_session_id() for name in SESSION_VARIABLES}
    )
    # The steps this notebook starts from (``start(through_step=N)``): a later deploy or
    # checkpoint notices any of them gone backwards.
    through_step: int = 0
    # Where the agent's log stood at the last checkpoint: a failure quotes what came after.
    _log_mark: int = -1
    # The session of the last ``ask``: a checkpoint looks for its trace.
    _last_session: str | None = None

    # ---- checkpoints -------------------------------------------------------------------

    def checkpoint(
        self,
        what: str,
        *conditions: bool | CheckResult,
        step: int | None = None,
        session_id: str | None = None,
    ) -> None:
        """Say ``✅ checkpoint passed: what`` if every condition holds; else raise
        :class:`~helpers.kit.diagnosis.CheckpointFailed`, explained.

        A failed checker is shown as it is; then the kit looks for the cause itself:
        steps 1..``step`` (default: the notebook's starting step) undone, a change not
        deployed, what the agent logged since the last checkpoint, the trace of
        ``session_id`` (default: the last ``ask``'s), and a project further along than
        this notebook expects.
        """
        lines, self._log_mark = self.backend.agent_output(
            self.project, project.RUNTIME, self._log_mark
        )
        if all(c.ok if isinstance(c, CheckResult) else c for c in conditions):
            self._record(what, step)
            print(_("✅ checkpoint passed: {what}", what=what))
            return
        failure = self._why(what, conditions, step, session_id, lines)
        self._record(what, step, failure)
        raise failure

    def _why(
        self,
        what: str,
        conditions: tuple[bool | CheckResult, ...],
        step: int | None,
        session_id: str | None,
        lines: list[str],
    ) -> diagnosis.CheckpointFailed:
        """The failed checkpoint's error, with what the kit found (see :meth:`checkpoint`)."""
        failed = [c for c in conditions if isinstance(c, CheckResult) and not c.ok]
        proven = self.through_step if step is None else step
        if not (self.project / CONFIG_PATH).exists():
            return diagnosis.explain_checkpoint(what, failed, [project_missing(self.project)])
        evidence = diagnosis.unfinished_steps(
            self.project,
            self.settings,
            up_to=proven,
            through_step=self.through_step,
            shown=failed,
        )
        evidence += self._deploy_state()
        evidence += diagnosis.further_along(self.project, self.settings, proven)
        evidence += further.in_effect(self.project, self.settings)
        evidence += from_the_log(lines)
        session_id = session_id or self._last_session
        if session_id:
            evidence += diagnosis.from_the_trace(self.backend, session_id)
        return diagnosis.explain_checkpoint(what, failed, evidence)

    def _record(
        self, what: str, step: int | None, failure: diagnosis.CheckpointFailed | None = None
    ) -> None:
        """Keep the outcome for the instructor's room view (:mod:`helpers.kit.progress`)."""
        outcome = progress.outcome(
            what,
            passed=failure is None,
            step=step,
            through_step=self.through_step,
            explanation=None if failure is None else str(failure),
        )
        progress.record(outcome, self.settings)

    def _deploy_state(self) -> list[str]:
        try:
            return self.backend.undeployed(self.project)
        except (NotDeployed, ConfigJSONError, FileNotFoundError):
            return []  # nothing deployed, or no project to compare: the checks say which

    def start_over(self) -> None:
        """Back to the start state: the project copied afresh (yours is kept in a backup
        folder) and deployed, so notebook 00 (or 01) can run again."""
        kept = project.fresh_project(self.project)
        if kept:
            print(_("your project is kept in {where}", where=shown(kept)))
        self.through_step = 0
        self.deploy().raise_for_failure()
        print(_("The project is back at the start state; begin again with notebook 00."))

    # ---- commands ----------------------------------------------------------------------

    def show(self, result: CommandResult) -> CommandResult:
        """Print a command as it is typed on AWS, and what it answered."""
        print(f"$ {result.command}")
        if result.output:
            print(result.output)
        if not result.ok:
            print(_("✗ the command failed (see above); nothing else was changed."))
        return result

    def variables(self) -> dict[str, command_line.Value]:
        """What ``$NAME`` means in a typed command: the environment, then the workshop's values.

        The names are the ones the workshop text's shell lines set, so a line copied from
        the text works in a notebook cell as in a terminal. ``$TOKEN`` is the cached access
        token, fetched only when a command uses it and never shown; ``$SESSION_C``,
        ``$SESSION_D`` and ``$SESSION_E`` are this notebook's session ids (:attr:`sessions`).
        """
        web_client = self.settings.web_client_id
        return {
            **os.environ,
            "COGNITO_DISCOVERY_URL": self.settings.cognito_discovery_url,
            "COGNITO_CLIENT_ID": self.settings.client_id,
            "COGNITO_TOKEN_URL": self.settings.cognito_token_url,
            "COGNITO_AUTH_SCOPE": self.settings.cognito_auth_scope,
            "WARRANTY_LAMBDA_ARN": self.settings.warranty_check_lambda_arn,
            **({"WEB_CLIENT_ID": web_client} if web_client else {}),
            **self.sessions,
            "TOKEN": lambda: self.token().value,
        }

    def run(self, line: str) -> None:
        """Run an ``agentcore …`` command line as typed, on the selected backend.

        It takes the real CLI's syntax (``agentcore remove gateway --name my-gateway -y``),
        with the workshop text's variables (see :meth:`variables`). A line it cannot read
        is explained, not run; a command that fails says so. Nothing raises, so the
        checker cell after it tells whether the step is done. It returns nothing, so the
        cell shows the command's output once.
        """
        assigned = command_line.assigned_variable(line)
        if assigned == "COGNITO_CLIENT_SECRET":
            print(
                _(
                    "✓ The notebook keeps no client secret: ws.token() reads it from Cognito "
                    "when it needs a token, and never shows it."
                )
            )
            return
        if assigned in command_line.WORKSHOP_VARIABLES:
            print(
                _(
                    "✓ ${name} is already set in this notebook; the commands below use it.",
                    name=assigned,
                )
            )
            return
        try:
            typed = command_line.parse(line, self.variables())
        except CommandLineError as error:
            print(f"✗ {error}")
            return
        if typed.name == "deploy":
            self.deploy()
            return
        done = already_done(typed, read_config(self.project))
        if done:
            print(f"$ {command_line.one_line(line)}")
            print(done)
            return
        if typed.name == "add gateway":
            self._warn_if_the_removal_is_not_deployed()
        self.show(self._carry_out(typed))

    def _warn_if_the_removal_is_not_deployed(self) -> None:
        """The text deploys the old gateway's removal before it adds the new one."""
        if project.OLD_GATEWAY in self.gateway_names():
            return
        try:
            self.backend.gateway_url(self.project, project.OLD_GATEWAY)
        except NotDeployed:
            return
        print(
            _(
                "⚠ {gateway} is out of agentcore.json but still deployed: the workshop deploys "
                "the removal first (`agentcore deploy -y -v`), so that the old gateway is "
                "deleted from AWS before the new one takes its target.",
                gateway=project.OLD_GATEWAY,
            )
        )

    def _carry_out(self, typed: command_line.TypedCommand) -> CommandResult:
        options = typed.options
        if typed.name == "validate":
            return self.backend.validate(self.project, self.settings.value_sources())
        if typed.name == "remove gateway":
            return self.backend.remove_gateway(self.project, options["name"])
        if typed.name == "remove all":
            return self.backend.remove_all(self.project)
        if typed.name == "add gateway":
            if options["authorizer_type"] != "CUSTOM_JWT":
                return CommandResult(
                    command_line.USAGE["add gateway"],
                    False,
                    _(
                        "This workshop adds the gateway with --authorizer-type CUSTOM_JWT, "
                        "--discovery-url and --allowed-clients (a deployed gateway's authorizer "
                        "type cannot be changed later)."
                    ),
                )
            return self.backend.add_gateway(
                self.project,
                name=options["name"],
                runtimes=typed.list_option("runtimes"),
                discovery_url=options["discovery_url"] or "",
                allowed_clients=typed.list_option("allowed_clients"),
            )
        if typed.name == "add gateway-target":
            return self.backend.add_gateway_target(
                self.project,
                gateway=options["gateway"],
                name=options["name"],
                lambda_arn=options["lambda_arn"],
                tool_schema_file=options["tool_schema_file"],
            )
        if typed.name == "invoke":
            return self.backend.invoke(
                self.project,
                options["prompt"],
                options["session_id"] or invoke.new_session_id(),
                options["bearer_token"],
            )
        raise CommandLineError(
            _("`agentcore {command}` is not a command of this workshop.", command=typed.name)
        )

    def cli_invoke(self, prompt: str) -> CommandResult:
        """``agentcore invoke``: how the start-state runtime (no JWT authorizer) is called."""
        return self.show(self.backend.invoke(self.project, prompt, invoke.new_session_id()))

    def validate(self) -> CommandResult:
        return self.show(self.backend.validate(self.project, self.settings.value_sources()))

    def deploy(self) -> CommandResult:
        """``agentcore deploy -y -v`` with a live progress view.

        The log is shown once, in the view as it comes; only a failure is printed
        again below it, so that the reason stays in the cell's text output.
        """
        undone = diagnosis.unfinished_steps(
            self.project, self.settings, up_to=self.through_step, through_step=self.through_step
        )
        if undone:
            # Deploying would take a step back on the service too (the open gateway again).
            print("\n".join(f"✗ {finding}" for finding in undone))
            print(_("✗ nothing was deployed: fix the step above first."))
            return CommandResult(commands.shown(commands.deploy()), False, "\n".join(undone))
        progress = DeployProgress("agentcore deploy -y -v")
        display(progress.widget)
        result = self.backend.deploy(self.project, progress)
        progress.finish(result.ok)
        print(f"$ {result.command}")
        if result.ok:
            print(
                _("✓ deployed ({lines} lines of log above)", lines=len(result.output.splitlines()))
            )
        else:
            print(result.output)
            print(_("✗ the deploy failed (see above); what was deployed before is unchanged."))
        return result

    def gateway_names(self) -> list[str]:
        config = read_config(self.project)
        return [gateway["name"] for gateway in config.get("agentCoreGateways", [])]

    def unassigned_targets(self) -> list[str]:
        """The names under ``unassignedTargets``: targets kept from a removed gateway."""
        return [t["name"] for t in read_config(self.project).get("unassignedTargets", [])]

    def check_deployed(self, *, present: list[str], absent: list[str]) -> CheckResult:
        """Whether the last deploy left exactly these gateways deployed (and not those)."""
        result = CheckResult(_("Gateways deployed"))
        for name in present + absent:
            try:
                self.backend.gateway_url(self.project, name)
                deployed = True
            except NotDeployed:
                deployed = False
            if name in present and not deployed:
                result.missing.append(
                    _("{name} is not deployed; run `agentcore deploy -y -v`.", name=name)
                )
            if name in absent and deployed:
                result.missing.append(
                    _(
                        "{name} is still deployed; run `agentcore deploy -y -v` to delete it.",
                        name=name,
                    )
                )
        return result

    def try_gateway_authorizer_in_place(self) -> CommandResult | None:
        """Add a JWT authorizer to ``my-gateway`` as it stands, deploy, and put the file back.

        That is a change of the deployed gateway's authorizer *type*, NONE → CUSTOM_JWT,
        and AWS refuses it: "Authorizer type cannot be updated for an existing gateway".
        So the deploy is refused with those words, which is the point. (A change of a
        CUSTOM_JWT gateway's authorizer *configuration*, such as its allowedClients, is
        an update in place; a new type needs a new gateway.) Shown on the local stack
        only: on AWS the attempt would reach CloudFormation and leave a failed, rolled
        back stack update behind.
        """
        if self.backend.name != "local":
            print(_("On AWS this deploy is refused too; the workshop does not try it there."))
            return None
        if project.OLD_GATEWAY not in self.gateway_names():
            print(_("{gateway} is already removed; nothing to try.", gateway=project.OLD_GATEWAY))
            return None
        original = read_config(self.project)
        edited = copy.deepcopy(original)
        for gateway in edited.get("agentCoreGateways", []):
            if gateway["name"] == project.OLD_GATEWAY:
                configuration: AuthorizerConfiguration = {
                    "customJwtAuthorizer": {
                        "discoveryUrl": self.settings.cognito_discovery_url,
                        "allowedClients": [self.settings.client_id],
                    }
                }
                gateway["authorizerType"] = "CUSTOM_JWT"
                gateway["authorizerConfiguration"] = configuration
        write_config(self.project, edited)
        try:
            return self.show(self.backend.deploy(self.project, lambda _: None))
        finally:
            write_config(self.project, original)

    def do_it_for_me(self, step: int) -> None:
        """Catch up on one step for a learner who fell behind; nothing that passes is touched.

        Steps 1, 3 and 4 replace a file only when its check fails (the learner's version
        is kept as a backup, named below); step 2 runs the commands still missing, and
        rewrites a wrong authorizer configuration of the secure gateway (deployed in place).
        """
        if step == 1:
            done = project.apply_runtime_authorizer(self.project, self.settings)
        elif step == 2:
            if project.OLD_GATEWAY in self.gateway_names():
                self.show(self.backend.remove_gateway(self.project, project.OLD_GATEWAY))
                self.deploy().raise_for_failure()
            done = project.apply_gateway_authorizer(self.project, self.settings)
            for result in project.replace_gateway_commands(
                self.project, self.settings, self.backend
            ):
                self.show(result)
        elif step == 3:
            done = project.apply_token_forwarding(self.project)
        elif step == 4:
            done = project.apply_web_client(self.project, self.settings)
            done += project.apply_memory_actor(self.project)
        else:
            raise WorkshopUsageError(_("The workshop's steps are 1, 2, 3 and 4."))
        for replaced in done:
            print(replaced)
        if step != 2 and not done:
            print(_("Step {step} already passes its checks; nothing was changed.", step=step))

    def deployed(self) -> list[str]:
        """What of the workshop is deployed now (``runtime CustomerSupport``, ...), as the
        backend knows it, whatever agentcore.json says (the terminal may have changed it)."""
        names = [f"runtime {project.RUNTIME}", f"memory {MEMORY_NAME}"]
        gateways = dict.fromkeys(
            [*self.gateway_names(), project.OLD_GATEWAY, project.SECURE_GATEWAY]
        )
        names += [f"gateway {name}" for name in gateways]
        return [name for name in names if self._is_deployed(name)]

    def _is_deployed(self, name: str) -> bool:
        kind, resource = name.split(" ", 1)
        lookup = {
            "runtime": self.backend.invoke_url,
            "gateway": self.backend.gateway_url,
            "memory": self.backend.memory_id,
        }[kind]
        try:
            lookup(self.project, resource)
        except NotDeployed:
            return False
        return True

    def clean_up(self) -> CleanedUp:
        """Delete what the workshop deployed; locally also stop the stack and reset the copy.

        Works whatever was done before: a project emptied in the terminal
        (``agentcore remove all -y``) is deployed as it is, and what was deployed is
        named from the backend, not from the file.
        """
        before = self.deployed()
        self.show(self.backend.remove_all(self.project)).raise_for_failure()
        self.deploy().raise_for_failure()
        left = self.deployed()
        removed = [name for name in before if name not in left]
        if not before:
            removed.append(_("nothing was deployed any more (removed already)"))
        stopped = self.backend.shut_down(print)
        if stopped:
            removed += stopped
            kept = project.fresh_project(self.project)
            if kept:
                removed.append(
                    _(
                        "your edits (the project is reset; your version is in {where})",
                        where=shown(kept),
                    )
                )
            else:
                removed.append(_("your edits (the project is reset; there were none to keep)"))
        return CleanedUp(removed, left)

    # ---- tokens ------------------------------------------------------------------------

    def token(self, client_id: str | None = None, *, force_refresh: bool = False) -> AccessToken:
        """A cached access token (refreshed before expiry) for the workshop's client."""
        return get_token(self.settings, client_id, force_refresh=force_refresh)

    def partner_token(self) -> AccessToken:
        """A token of the partner team's client (notebook 06): its own scope, not ours."""
        if self.settings.partner_client_id is None:
            raise SettingsError(further.no_partner())
        return self.token(self.settings.partner_client_id)

    def sign_in(self, username: str) -> UserTokens:
        """``username`` signs in at the web app client (``USER_PASSWORD_AUTH``)."""
        return sign_in.sign_in(self.settings, username)

    def refresh(self, tokens: UserTokens) -> UserTokens:
        """New access and ID tokens for a signed-in user (``REFRESH_TOKEN_AUTH``)."""
        return sign_in.refresh(tokens)

    def user_token_source(self, tokens: UserTokens) -> UserTokenSource:
        """What the token panel and the traffic helpers take for a signed-in user: the
        user's access token, refreshed with the refresh token on request or near its end."""
        return UserTokenSource(tokens)

    def token_source(self, refresh: bool) -> AccessToken:
        """What traffic helpers call for a token: the cached one, or a fresh one on request."""
        return self.token(force_refresh=refresh)

    def other_client_id(self) -> str | None:
        """Another app client of the same pool, to show allowedClients at work (if any)."""
        clients = boto3.client("cognito-idp").list_user_pool_clients(
            UserPoolId=self.settings.pool_id, MaxResults=60
        )["UserPoolClients"]
        others = [c["ClientId"] for c in clients if c["ClientId"] != self.settings.client_id]
        return others[0] if others else None

    def expired_token(self, seconds_ago: int = 120) -> AccessToken:
        """A genuine token that expired ``seconds_ago`` (past the authorizer's clock-skew
        leeway): what a client holding one token for over an hour would send. Local
        issuer only: Cognito issues fresh tokens alone."""
        if self.backend.name != "local":
            raise WorkshopUsageError(_("Already-expired tokens are a local-stack feature."))
        secret = client_secret(self.settings.pool_id, self.settings.client_id)
        return fetch_token(
            self.settings.cognito_token_url,
            self.settings.client_id,
            secret,
            scope=self.settings.cognito_auth_scope,
            expired_seconds_ago=seconds_ago,
        )

    # ---- the agent and the gateway -------------------------------------------------------

    def invoke_url(self) -> str:
        return self.backend.invoke_url(self.project, project.RUNTIME)

    def agent_log(self) -> str:
        """Where the agent's traceback goes when its code raises."""
        return self.backend.agent_log(self.project, project.RUNTIME)

    def reply(
        self, prompt: str, token: AccessToken | str | None, session_id: str | None = None
    ) -> Iterator[str]:
        """The agent's answer, chunk by chunk (what the chat box shows)."""
        try:
            yield from invoke.stream_invoke(
                self.invoke_url(),
                prompt,
                token=token,
                session_id=session_id or invoke.new_session_id(),
                agent_log=self.agent_log(),
            )
        except AgentFailed as failure:
            raise failure.with_findings(self._agent_findings(failure)) from None

    def _agent_findings(self, failure: AgentFailed) -> list[str]:
        """What the agent logged since the last look (a traceback's line in the learner's
        code); the next checkpoint starts after it.

        The SDK answers as the agent's process writes the traceback, and the stack copies
        it to the log a moment later: under load the answer can come first. So the log is
        read until it holds the error, for a few seconds at most (only ever on a failure).
        """
        deadline = time.monotonic() + TRACEBACK_WAIT_SECONDS
        seen: list[str] = []
        while True:
            lines, self._log_mark = self.backend.agent_output(
                self.project, project.RUNTIME, self._log_mark
            )
            seen += lines
            if any(failure.error in line for line in seen) or time.monotonic() >= deadline:
                return from_the_log(seen)
            time.sleep(0.1)

    def ask(
        self,
        prompt: str,
        token: AccessToken | str | None,
        session_id: str | None = None,
        *,
        payload: Mapping[str, Any] | None = None,
    ) -> str:
        """Print the answer as it streams in, then its session id, and return the answer.

        ``payload`` adds fields to the request body beside the prompt, as any caller may.
        The session id is what ``agentcore traces --session-id`` (``agentcore-local
        traces`` locally) and ``ws.traces`` find the call's traces by.
        """
        session_id = session_id or invoke.new_session_id()
        self._last_session = session_id
        print(_("you: {prompt}", prompt=prompt), _("agent: "), sep="\n", end="", flush=True)
        try:
            answer = invoke.print_invoke(
                self.invoke_url(),
                prompt,
                token=token,
                session_id=session_id,
                agent_log=self.agent_log(),
                extra_payload=payload,
            )
        except AgentFailed as failure:
            raise failure.with_findings(self._agent_findings(failure)) from None
        # What the traces of this call are found by, in a terminal or the next cell.
        print(_("(session {session_id})", session_id=session_id))
        return answer

    def who_gets_in(self, tokens: Mapping[str, AccessToken]) -> list[admission.Admission]:
        """The same question asked with each token: let in or refused, and why."""
        return admission.admit(self.invoke_url(), tokens, agent_log=self.agent_log())

    def expect_refusal(self, prompt: str, token: AccessToken | str | None) -> InvokeError:
        """Call the agent expecting a refusal; show and return it (raise if it got in).

        With no token at all it is the workshop text's ``agentcore invoke PROMPT
        --session-id ID --stream`` on the selected backend: the local stack's Runtime
        answers HTTP 401; on AWS the real CLI refuses before it sends anything, so the
        refusal has no HTTP status (``status`` is None, ``refused_before_sending`` is True)
        and its message is the CLI's, shown under the commands that were run.
        """
        session_id = invoke.new_session_id()
        try:
            if token is None:
                answer = self.backend.invoke_without_token(self.project, prompt, session_id)
            else:
                answer = invoke.invoke(
                    self.invoke_url(), prompt, token=token, session_id=session_id
                )
        except CliRefused as refusal:
            for result in refusal.results:
                print(f"$ {result.command}")
                print(result.output or _("(the CLI printed nothing and exited with an error)"))
            if refusal.refused_before_sending:
                print(
                    _(
                        "refused before anything was sent, as it should be: the agentcore CLI "
                        "does not call a CUSTOM_JWT runtime without a bearer token, so there is "
                        "no HTTP status (the local stack's Runtime answers the same call with "
                        "HTTP 401)."
                    )
                )
            else:
                print(_("refused, as it should be; the agentcore CLI shows no HTTP status."))
            return refusal
        except InvokeError as refusal:
            print(
                _(
                    "refused (HTTP {status}), as it should be: {reason}",
                    status=refusal.status,
                    reason=refusal.explained(),
                )
            )
            return refusal
        raise LetIn(_("the call was let in and answered: {answer}", answer=repr(answer[:80])))

    def traces(self, session_id: str, expected: int) -> list[TraceInteraction]:
        """The session's interactions once ``expected`` traces have arrived.

        Locally spans reach the stack's collector within a second; CloudWatch
        Transaction Search takes minutes to index them.
        """
        return wait_for_interactions(
            self.backend.spans_for_session,
            session_id,
            expected=expected,
            timeout=self.backend.trace_wait.timeout,
            poll_interval=self.backend.trace_wait.poll_interval,
            where=self.backend.describe_trace_store(),
        )

    def memory_id(self) -> str:
        """The id of the project's AgentCore Memory, as deployed."""
        return self.backend.memory_id(self.project, MEMORY_NAME)

    def remembered(self, token: AccessToken, containing: str | None = None) -> list[str]:
        """The long-term facts about the caller with ``token`` (whose memory the agent uses).

        With ``containing``, waits until one mentions it: records are extracted after the
        call (at once locally, within a minute or so on AWS).
        """
        actor = memory.actor_of(token)
        if containing is None:
            return memory.facts(self.memory_id(), actor)
        wait = self.backend.memory_wait
        return memory.wait_for_fact(
            self.memory_id(),
            actor,
            containing,
            timeout=wait.timeout,
            poll_interval=wait.poll_interval,
        )

    def gateway_url(self, name: str) -> str:
        """The deployed gateway's MCP URL. The open gateway of the start state, asked for
        by a project past step 2 (notebook 02 run again), is explained as such."""
        try:
            return self.backend.gateway_url(self.project, name)
        except NotDeployed as missing:
            if name != project.OLD_GATEWAY:
                raise
            past = diagnosis.further_along(self.project, self.settings, proven=1)
            if not past:
                raise
            raise NotDeployed(
                _("{gateway} is not deployed any more: step 2 removed it.", gateway=name)
                + " "
                + past[0]
            ) from missing

    def gateway_tools(self, name: str, token: AccessToken | None) -> list[str]:
        """The tool names gateway ``name`` lists to a caller with ``token`` (or none)."""
        return gateway_client.list_tools(self.gateway_url(name), token)

    def gateway_call(
        self, name: str, tool: str, arguments: dict[str, Any], token: AccessToken | None
    ) -> str:
        """Call ``tool`` on gateway ``name`` directly, as any MCP client can."""
        return gateway_client.call_tool(self.gateway_url(name), token, tool, arguments)


@dataclass(frozen=True)
class CleanedUp:
    """What :meth:`Workshop.clean_up` removed, and what was still deployed after it."""

    removed: list[str]
    left: list[str]

    def check(self) -> CheckResult:
        result = CheckResult(_("Nothing of the workshop deployed"))
        result.missing = [
            _(
                "{resource} is still deployed: run `agentcore remove all -y`, then "
                "`agentcore deploy -y -v`.",
                resource=name,
            )
            for name in self.left
        ]
        return result


def start(through_step: int, *, quiet: bool = False) -> Workshop:
    """Bring the backend and the learner's project to the state after ``through_step``.

    Steps whose checks pass are kept as the learner wrote them; a file replaced to
    catch up is named, with the backup that holds the learner's version.
    """
    say = (lambda _: None) if quiet else print
    backend = get_backend()
    backend.prepare(say)
    settings = load_settings()
    folder = project_dir()
    if not (folder / "agentcore" / "agentcore.json").exists():
        project.fresh_project(folder)
        say(_("made your project copy in {folder}/", folder=shown(folder)))
    workshop = Workshop(backend, settings, folder, through_step=through_step)
    replaced = project.prepare(folder, settings, backend, through_step=through_step, progress=say)
    workshop._log_mark = backend.agent_output(folder, project.RUNTIME, -1)[1]
    if replaced:
        print(
            _(
                "Caught up to step {step}: {count} file(s) changed (see above); "
                "a file of yours that did not pass its checks is kept in its backup.",
                step=through_step,
                count=len(replaced),
            )
        )
    say(
        _(
            "backend: {backend}; project: {folder}/; steps done: {step}",
            backend=backend.name,
            folder=shown(folder),
            step=project.steps_done(folder, settings),
        )
    )
    return workshop
