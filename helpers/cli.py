"""``agentcore-local``: the local counterpart of the ``agentcore`` CLI.

Like LocalStack's ``awslocal``, it drives the local stack from the shell:
``up``, ``down``, ``status [--json]`` and ``env`` (shell exports that point the
AWS CLI and SDKs at the stack).
"""

from __future__ import annotations

import argparse
import json
import sys

from helpers.local import stack
from helpers.mode import local_environment


def _print(message: str) -> None:
    print(message, flush=True)


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
    return 0 if current.healthy else 1


def _env(_: argparse.Namespace) -> int:
    current = stack.status()
    if not current.running:
        _print("local stack is not running (start it with: agentcore-local up)")
        return 1
    for name, value in local_environment(current).items():
        print(f"export {name}={value}")
    return 0


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
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except stack.StackError as error:
        print(f"agentcore-local: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
