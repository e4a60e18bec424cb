"""``agentcore-local``: drive the local stack, and the ``agentcore`` CLI's commands against it.

Like LocalStack's ``awslocal``, it works from the shell on any AgentCore project.
Stack commands: ``up``, ``down``, ``status``, ``env``. Project commands act on the
project in the current directory (``agentcore/agentcore.json``) with the real CLI's
flags: ``validate``, ``deploy``, ``invoke``, ``add gateway``, ``add gateway-target``,
``remove gateway``, ``remove all``; and ``traces`` shows a session's interactions.
The stack's folder is ``--home``, else ``$AGENTCORE_LOCAL_HOME``, else
``~/.agentcore-local``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

from helpers.basics.errors import ActionableError
from helpers.basics.i18n import _
from helpers.emulator import real_cli, stack
from helpers.emulator.core import model_choice as choice
from helpers.emulator.core.state import StackLayout, StackState
from helpers.emulator.core.tls import client_context
from helpers.emulator.stack import NOT_RUNNING
from helpers.emulator.telemetry.store import SpanStore
from helpers.model import commands
from helpers.model.agent_log import from_the_log, lines_since
from helpers.model.cli_options import unknown_option
from helpers.model.config import read_config
from helpers.model.deployed_state import DEFAULT_TARGET
from helpers.wire import runtime_client
from helpers.wire.interactions import (
    ToolCall,
    TraceInteraction,
    TracesIncomplete,
    to_json,
    wait_for_interactions,
)
from helpers.wire.invoke_errors import AgentFailed


def _say(message: str) -> None:
    print(message, flush=True)


def _running(args: argparse.Namespace) -> StackState:
    state = stack.read_state(args.home)
    if state is None:
        raise ActionableError(_(NOT_RUNNING))
    return state


def _report(outcome: commands.Outcome) -> int:
    if outcome.output:
        _say(outcome.output)
    return 0 if outcome.ok else 1


def _up(args: argparse.Namespace) -> int:
    model = choice.from_command_line(args.model_endpoint, args.model_name, args.scripted_model)
    stack.up(args.home, prerequisites=args.prerequisites, model=model, progress=_say)
    return 0


def _down(args: argparse.Namespace) -> int:
    stack.down(args.home, progress=_say)
    return 0


def _status(args: argparse.Namespace) -> int:
    current = stack.status(args.home)
    if args.json:
        print(json.dumps(current.to_json(), indent=2))
    elif current.state is None:
        _say(_(NOT_RUNNING))
    else:
        _say(_("local stack running (pid {pid})", pid=current.state.pid))
        for part in current.parts:
            mark = _("ok") if part.healthy else _("DOWN {detail}", detail=part.detail)
            _say(f"  {part.name:<9} {part.url:<32} {mark}")
        model = _("Converse answered by {model}", model=current.state.model.describe())
        _say(f"  {'bedrock':<9} {model}")
        for name, runtime in current.deployed.runtimes.items():
            _say(f"  runtime {name}: {runtime.invoke_url}")
        for name, gateway in current.deployed.gateways.items():
            _say(f"  gateway {name}: {gateway.url}")
    return 0 if current.healthy else 1


# A shell that eval's `agentcore-local env` on a machine meant for AWS would send the real
# CLI's calls to the local stack; the workshop marks such a machine with this variable.
BACKEND_ENV = "WORKSHOP_BACKEND"


def _env(args: argparse.Namespace) -> int:
    """Print what ``eval "$(agentcore-local env)"`` needs: exports, and ``agentcore``."""
    if os.environ.get(BACKEND_ENV, "local").strip().lower() == "aws":
        raise ActionableError(
            _(
                "{variable}=aws: this shell is for your AWS account, where `agentcore` is the "
                "real CLI. Nothing was changed. For the local stack, open a shell without "
                "{variable}=aws (or `unset {variable}`) and run this again.",
                variable=BACKEND_ENV,
            )
        )
    environment = {
        **stack.client_environment(args.home),
        **stack.node_environment(args.home),
        # The shell's `agentcore deploy` runs agentcore-local: it deploys to this stack.
        stack.HOME_ENV: str((args.home or stack.default_home()).resolve()),
    }
    for name, value in environment.items():
        print(f"export {name}={shlex.quote(value)}")
    # Only in the shell that eval's this: the workshop's `agentcore ...` lines run here.
    real = real_cli.find_real_cli()
    print(real_cli.shell_function(real))
    if real is None:
        said = _(
            "agentcore-local env: this shell now talks to the local stack. `agentcore` runs "
            "the stand-in `agentcore-local`: no real agentcore CLI is on PATH (`make lab` "
            "installs it where Node.js and npm are)."
        )
    else:
        said = _(
            "agentcore-local env: this shell now talks to the local stack. `agentcore` is "
            "the real CLI ({version}); `agentcore deploy` deploys to the local stack.",
            version=real.version,
        )
    print(said, file=sys.stderr)
    return 0


def _validate(_: argparse.Namespace) -> int:
    return _report(commands.validate(Path.cwd()))


def _deploy(args: argparse.Namespace) -> int:
    # The real CLI's other deploy flags are known, so that they are refused for what they
    # are here (not as unknown options, which they are not).
    if args.target != DEFAULT_TARGET:
        raise ActionableError(
            _(
                "deploy --target {target}: the local stack has one deployment target, "
                "{default}. Run the command without --target.",
                target=args.target,
                default=DEFAULT_TARGET,
            )
        )
    not_done = [flag for flag, given in _PREVIEWS.items() if getattr(args, given)]
    if not_done:
        raise ActionableError(
            _(
                "deploy {flag}: the local deploy has no preview; it applies the plan at once "
                "(`deploy -y -v` prints it as it goes). `validate` checks the project without "
                "deploying.",
                flag=not_done[0],
            )
        )
    if args.json:
        raise ActionableError(
            _("deploy --json: the local deploy reports in text only. Run it without --json.")
        )
    if args.instead_of_cdk:
        _say(
            _(
                "agentcore deploy: the real CLI deploys to AWS with CDK; this terminal deploys "
                "to the local stack (agentcore-local deploy)."
            )
        )
    lines: list[str] = []
    ok = stack.control(args.home).deploy(Path.cwd(), _say if args.verbose else lines.append)
    if not ok and not args.verbose:
        _say("\n".join(lines))
    return 0 if ok else 1


# Deploy flags of the real CLI that preview a CDK deploy; the local deploy has no preview.
_PREVIEWS = {"--dry-run": "dry_run", "--diff": "diff"}


def _invoke(args: argparse.Namespace) -> int:
    state = _running(args)
    runtime = args.runtime or read_config(Path.cwd())["runtimes"][0]["name"]
    deployed = stack.control(args.home).deployments().runtimes.get(runtime)
    if deployed is None:
        raise ActionableError(
            _(
                "No runtime named {runtime} is deployed on the local stack; "
                "run `agentcore-local deploy -y -v` in the project folder first.",
                runtime=repr(runtime),
            )
        )
    log = StackLayout(args.home or stack.default_home()).runtime_log(runtime)
    mark = lines_since(log, -1)[1]
    chunks = _stream(deployed.invoke_url, args.prompt, args, state, log)
    try:
        if args.stream:
            for chunk in chunks:
                print(chunk, end="", flush=True)
            print()
        else:
            _say("".join(chunks))
    finally:
        _what_the_agent_logged(log, mark)
    return 0


def _what_the_agent_logged(log: Path, mark: int) -> None:
    """After a call, what the agent logged during it that explains a poor answer (the
    Gateway refused, a variable unset, an exception at a line of the learner's code),
    each with its fix: what a notebook's checkpoint would say, on stderr."""
    findings = from_the_log(lines_since(log, mark)[0])
    if findings:
        print(_("What the agent logged during this call:"), file=sys.stderr)
        for finding in findings:
            print(f"  - {finding}", file=sys.stderr)


def _agent_failed(error_type: str, error: str, log: Path) -> ActionableError:
    return ActionableError(
        _(
            "the agent's code raised {error_type}: {error}. The traceback is in {log}; fix the "
            "code, then run `agentcore-local deploy -y -v` again.",
            error_type=error_type,
            error=error,
            log=log,
        )
    )


def _stream(
    url: str, prompt: str, args: argparse.Namespace, state: StackState, log: Path
) -> Iterator[str]:
    """The answer through the Runtime client the notebooks use, so the same answer is the
    same error; an agent's failure says to deploy with this CLI. One client per command,
    trusting the stack's CA, closed when the answer ends."""
    with httpx.Client(verify=client_context(state.ca_bundle)) as client:
        try:
            yield from runtime_client.stream_invoke(
                client,
                url,
                {"prompt": prompt},
                bearer_token=args.bearer_token or None,
                session_id=args.session_id or None,
                agent_log=str(log),
            )
        except AgentFailed as failure:
            raise _agent_failed(failure.error_type, failure.error, log) from None


def _traces(args: argparse.Namespace) -> int:
    store = SpanStore(StackLayout(args.home or stack.default_home()).traces_file)
    try:
        found = wait_for_interactions(
            store.spans_for_session,
            args.session_id,
            expected=None,
            timeout=args.wait,
            poll_interval=0.1,
            where=str(store),
        )
        arriving = False
    except TracesIncomplete as incomplete:
        found, arriving = incomplete.found, True
    if args.json:
        print(json.dumps({"session_id": args.session_id, **to_json(found)}, indent=2))
        return 0
    for interaction in found:
        _say(_interaction_line(interaction))
    if not found:
        _say(_("no traces for session {session_id} yet", session_id=args.session_id))
    elif arriving:
        _say(_("(some spans are still arriving: run the command again in a moment)"))
    return 0


def _interaction_line(interaction: TraceInteraction) -> str:
    tools = ", ".join(_tool_line(tool) for tool in interaction.tools)
    if interaction.refused:
        prompt = _("(refused by the Runtime before the agent ran)")
    else:
        prompt = interaction.prompt or (
            _("(prompt not recorded)") if interaction.complete else _("(still arriving)")
        )
    no_tools = _("no tools")
    return (
        f"{interaction.started_at:%H:%M:%S} {interaction.duration_ms:7.0f} ms  "
        f"{prompt}  [{tools or no_tools}]"
    )


def _tool_line(tool: ToolCall) -> str:
    verdict = _("ok") if tool.ok else _("FAILED")
    return f"{tool.name} {verdict} {tool.duration_ms:.0f} ms"


def _remove_gateway(args: argparse.Namespace) -> int:
    return _report(commands.remove_gateway(Path.cwd(), args.name))


def _remove_all(_: argparse.Namespace) -> int:
    return _report(commands.remove_all(Path.cwd()))


def _add_gateway(args: argparse.Namespace) -> int:
    return _report(
        commands.add_gateway(
            Path.cwd(),
            name=args.name,
            authorizer_type=args.authorizer_type,
            discovery_url=args.discovery_url,
            allowed_clients=[args.allowed_clients or ""],
        )
    )


def _add_gateway_target(args: argparse.Namespace) -> int:
    return _report(
        commands.add_gateway_target(
            Path.cwd(),
            gateway=args.gateway,
            name=args.name,
            lambda_arn=args.lambda_arn,
            tool_schema_file=args.tool_schema_file,
        )
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentcore-local", description=_("Run AgentCore's AWS parts on loopback.")
    )
    parser.add_argument("--home", type=Path, help=_("the stack's folder (default: see --help)"))
    verbs = parser.add_subparsers(dest="command", required=True)
    up = verbs.add_parser("up", help=_("start the local stack (idempotent)"))
    up.add_argument("--prerequisites", type=Path, help=_("what to create at start (JSON file)"))
    models = up.add_mutually_exclusive_group()
    models.add_argument(
        "--model-endpoint",
        metavar="URL",
        help=_(
            "answer Bedrock's Converse with a model at this OpenAI-compatible API (Ollama: "
            "http://127.0.0.1:11434/v1; default: ${variable}, else the kept choice, else "
            "the scripted model)",
            variable=choice.ENDPOINT_ENV,
        ),
    )
    models.add_argument(
        "--scripted-model",
        action="store_true",
        help=_("answer Bedrock's Converse with the scripted model again"),
    )
    up.add_argument(
        "--model-name",
        metavar="NAME",
        help=_(
            "the model to ask for at --model-endpoint (default: ${variable}, else {default})",
            variable=choice.NAME_ENV,
            default=choice.DEFAULT_MODEL_NAME,
        ),
    )
    up.set_defaults(run=_up)
    verbs.add_parser("down", help=_("stop the local stack")).set_defaults(run=_down)
    status = verbs.add_parser("status", help=_("show the stack and each part's health"))
    status.add_argument("--json", action="store_true", help=_("machine-readable output"))
    status.set_defaults(run=_status)
    verbs.add_parser(
        "env",
        help=_(
            'point this shell at the stack: eval "$(agentcore-local env)" (aws, curl, '
            "boto3, the real agentcore CLI; else `agentcore` runs agentcore-local)"
        ),
    ).set_defaults(run=_env)

    verbs.add_parser("validate", help=_("validate agentcore/agentcore.json")).set_defaults(
        run=_validate
    )
    deploy = verbs.add_parser("deploy", help=_("deploy the project to the local stack"))
    deploy.add_argument("-y", "--yes", action="store_true", help=_("accepted; never prompts"))
    deploy.add_argument("-v", "--verbose", action="store_true", help=_("print plan and progress"))
    deploy.add_argument("--target", default=DEFAULT_TARGET, help=argparse.SUPPRESS)
    for flag in (*_PREVIEWS, "--json"):
        deploy.add_argument(flag, action="store_true", help=argparse.SUPPRESS)
    # Given by the terminal's `agentcore deploy` (helpers.emulator.real_cli.shell_function).
    deploy.add_argument(real_cli.INSTEAD_OF_CDK, action="store_true", help=argparse.SUPPRESS)
    deploy.set_defaults(run=_deploy)

    invoke = verbs.add_parser("invoke", help=_("invoke a deployed runtime"))
    invoke.add_argument("prompt")
    invoke.add_argument("--runtime", help=_("runtime name (default: the project's first)"))
    invoke.add_argument("--session-id", help=_("33 to 256 characters (default: the Runtime's)"))
    invoke.add_argument("--bearer-token", help=_("access token for a CUSTOM_JWT runtime"))
    invoke.add_argument("--stream", action="store_true", help=_("print chunks as they arrive"))
    invoke.set_defaults(run=_invoke)

    traces = verbs.add_parser("traces", help=_("a session's interactions, tools and timings"))
    traces.add_argument("--session-id", required=True)
    traces.add_argument("--json", action="store_true", help=_("machine-readable output"))
    traces.add_argument(
        "--wait", type=float, default=5.0, help=_("seconds to wait for spans still arriving")
    )
    traces.set_defaults(run=_traces)

    remove = verbs.add_parser("remove", help=_("remove a resource from the project"))
    remove_kinds = remove.add_subparsers(dest="kind", required=True)
    remove_gateway = remove_kinds.add_parser("gateway")
    remove_gateway.add_argument("--name", required=True)
    remove_gateway.add_argument("-y", "--yes", action="store_true")
    remove_gateway.set_defaults(run=_remove_gateway)
    remove_everything = remove_kinds.add_parser("all")
    remove_everything.add_argument("-y", "--yes", action="store_true")
    remove_everything.set_defaults(run=_remove_all)

    add = verbs.add_parser("add", help=_("add a resource to the project"))
    add_kinds = add.add_subparsers(dest="kind", required=True)
    add_gateway = add_kinds.add_parser("gateway")
    add_gateway.add_argument("--name", required=True)
    add_gateway.add_argument("--runtimes", required=True, help=_("comma-separated runtime names"))
    add_gateway.add_argument("--authorizer-type", default="NONE")
    add_gateway.add_argument("--discovery-url")
    add_gateway.add_argument("--allowed-clients", help=_("comma-separated client ids"))
    add_gateway.set_defaults(run=_add_gateway)
    add_target = add_kinds.add_parser("gateway-target")
    add_target.add_argument("--type", required=True, choices=["lambda-function-arn"])
    add_target.add_argument("--name", required=True)
    add_target.add_argument("--lambda-arn", required=True)
    add_target.add_argument("--tool-schema-file", required=True)
    add_target.add_argument("--gateway", required=True)
    add_target.set_defaults(run=_add_gateway_target)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    arguments = sys.argv[1:] if argv is None else argv
    refusal = unknown_option(arguments, parser)
    if refusal:
        print(refusal, file=sys.stderr)
        return 1
    args = parser.parse_args(arguments)
    try:
        return int(args.run(args))
    except ActionableError as error:
        print(f"agentcore-local: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
