"""``agentcore-local``: the local counterpart of the ``agentcore`` CLI.

Like LocalStack's ``awslocal``, it drives the local stack from the shell. Stack
commands: ``up``, ``down``, ``status [--json]``, ``env``. Project commands act on
the project in the current directory (``agentcore/agentcore.json``) and take the
real CLI's flags: ``validate``, ``deploy -y -v``, ``invoke``, ``add gateway``,
``add gateway-target``, ``remove gateway``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import requests

from helpers import invoke as invoking
from helpers.backends.base import CommandResult, NotDeployed
from helpers.backends.local import LocalBackend, project_runtime
from helpers.local import stack
from helpers.mode import local_environment, use_local_stack


def _print(message: str) -> None:
    print(message, flush=True)


def _report(result: CommandResult) -> int:
    if result.output:
        _print(result.output)
    return 0 if result.ok else 1


def _up(_: argparse.Namespace) -> int:
    stack.up(progress=_print)
    return 0


def _down(_: argparse.Namespace) -> int:
    stack.down(progress=_print)
    return 0


def _status(args: argparse.Namespace) -> int:
    current = stack.status()
    if args.json:
        print(json.dumps(current.to_json(), indent=2))
    elif not current.running:
        _print("local stack is not running (start it with: agentcore-local up)")
    else:
        _print(f"local stack running (pid {current.pid})")
        for part in current.parts:
            mark = "ok" if part.healthy else f"DOWN {part.detail}"
            _print(f"  {part.name:<8} {part.url:<32} {mark}")
        _print(f"  discovery {current.discovery_url}")
        for name, url in current.to_json()["runtimes"].items():
            _print(f"  runtime {name}: {url}")
        for name, url in current.to_json()["gateways"].items():
            _print(f"  gateway {name}: {url}")
    return 0 if current.healthy else 1


def _env(_: argparse.Namespace) -> int:
    current = stack.status()
    if not current.running:
        _print("local stack is not running (start it with: agentcore-local up)")
        return 1
    for name, value in local_environment(current).items():
        print(f"export {name}={value}")
    return 0


def _validate(_: argparse.Namespace) -> int:
    return _report(LocalBackend().validate(Path.cwd()))


def _deploy(args: argparse.Namespace) -> int:
    result = LocalBackend().deploy(Path.cwd(), progress=_print if args.verbose else lambda _: None)
    if not args.verbose and not result.ok:
        _print(result.output)
    return 0 if result.ok else 1


def _invoke(args: argparse.Namespace) -> int:
    current = stack.status()
    if not current.running:
        raise stack.StackError("the local stack is not running (start it with: agentcore-local up)")
    use_local_stack(current)  # trust the stack's CA for this call
    project = Path.cwd()
    runtime = args.runtime or project_runtime(project)
    url = LocalBackend().invoke_url(project, runtime)
    options = {
        "token": args.bearer_token,
        "session_id": args.session_id or invoking.new_session_id(),
    }
    if args.stream:
        invoking.print_invoke(url, args.prompt, **options)
    else:
        _print(invoking.invoke(url, args.prompt, **options))
    return 0


def _traces(args: argparse.Namespace) -> int:
    from helpers import traces  # matplotlib and friends: only for this command

    found = traces.interactions(args.session_id, traces.default_source())
    report = {"session_id": args.session_id, **traces.format_for_cli(found)}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for interaction in found:
        tools = ", ".join(
            f"{tool.name} {'ok' if tool.ok else 'FAILED'} {tool.duration_ms:.0f} ms"
            for tool in interaction.tools
        )
        _print(
            f"{interaction.started_at:%H:%M:%S} {interaction.duration_ms:7.0f} ms  "
            f"{interaction.prompt or '(prompt not recorded)'}  [{tools or 'no tools'}]"
        )
    if not found:
        _print(f"no traces for session {args.session_id} yet (spans arrive within a second)")
    return 0


def _remove_gateway(args: argparse.Namespace) -> int:
    return _report(LocalBackend().remove_gateway(Path.cwd(), args.name))


def _add_gateway(args: argparse.Namespace) -> int:
    if args.authorizer_type != "CUSTOM_JWT":
        _print("This workshop adds gateways with --authorizer-type CUSTOM_JWT.")
        return 2
    return _report(
        LocalBackend().add_gateway(
            Path.cwd(),
            name=args.name,
            runtimes=args.runtimes.split(","),
            discovery_url=args.discovery_url,
            allowed_clients=args.allowed_clients.split(","),
        )
    )


def _add_gateway_target(args: argparse.Namespace) -> int:
    return _report(
        LocalBackend().add_gateway_target(
            Path.cwd(),
            gateway=args.gateway,
            name=args.name,
            lambda_arn=args.lambda_arn,
            tool_schema_file=args.tool_schema_file,
        )
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agentcore-local", description="Run the workshop's AWS parts on loopback."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("up", help="start the local stack (idempotent)").set_defaults(run=_up)
    commands.add_parser("down", help="stop the local stack").set_defaults(run=_down)
    status_parser = commands.add_parser("status", help="show the stack and each part's health")
    status_parser.add_argument("--json", action="store_true", help="machine-readable output")
    status_parser.set_defaults(run=_status)
    commands.add_parser(
        "env", help="print shell exports for the AWS CLI, e.g. eval $(agentcore-local env)"
    ).set_defaults(run=_env)

    commands.add_parser("validate", help="validate agentcore/agentcore.json").set_defaults(
        run=_validate
    )
    deploy = commands.add_parser("deploy", help="deploy the project to the local stack")
    deploy.add_argument("-y", "--yes", action="store_true", help="accepted; never prompts")
    deploy.add_argument("-v", "--verbose", action="store_true", help="print plan and progress")
    deploy.set_defaults(run=_deploy)

    invoke = commands.add_parser("invoke", help="invoke a deployed runtime")
    invoke.add_argument("prompt")
    invoke.add_argument("--runtime", help="runtime name (default: the project's first)")
    invoke.add_argument("--session-id", help="33+ characters (default: a new uuid4)")
    invoke.add_argument("--bearer-token", help="access token for a CUSTOM_JWT runtime")
    invoke.add_argument("--stream", action="store_true", help="print chunks as they arrive")
    invoke.set_defaults(run=_invoke)

    traces = commands.add_parser("traces", help="a session's interactions, tools and timings")
    traces.add_argument("--session-id", required=True)
    traces.add_argument("--json", action="store_true", help="machine-readable output")
    traces.set_defaults(run=_traces)

    remove = commands.add_parser("remove", help="remove a resource from the project")
    remove_kinds = remove.add_subparsers(dest="kind", required=True)
    remove_gateway = remove_kinds.add_parser("gateway")
    remove_gateway.add_argument("--name", required=True)
    remove_gateway.add_argument("-y", "--yes", action="store_true")
    remove_gateway.set_defaults(run=_remove_gateway)

    add = commands.add_parser("add", help="add a resource to the project")
    add_kinds = add.add_subparsers(dest="kind", required=True)
    add_gateway = add_kinds.add_parser("gateway")
    add_gateway.add_argument("--name", required=True)
    add_gateway.add_argument("--runtimes", required=True, help="comma-separated runtime names")
    add_gateway.add_argument("--authorizer-type", required=True)
    add_gateway.add_argument("--discovery-url", required=True)
    add_gateway.add_argument("--allowed-clients", required=True, help="comma-separated ids")
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
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except requests.RequestException as error:
        print(f"agentcore-local: could not reach the local stack ({error})", file=sys.stderr)
        return 1
    except (stack.StackError, NotDeployed, RuntimeError) as error:
        # InvokeError is a RuntimeError: its text is the status and the service's message.
        print(f"agentcore-local: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
