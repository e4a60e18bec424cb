"""The ``agentcore`` command lines a learner types in a notebook, read as the real CLI reads them.

``ws.run('agentcore remove gateway --name my-gateway -y')`` takes the line the
workshop text gives, splits it as a shell does (quotes, ``$NAME`` and ``${NAME}``
variables, a backslash ending a line), and parses it with the real CLI's flags. The
result is a :class:`TypedCommand`: which command, and its options, ready for the selected
backend to carry out. A flag the CLI does not know, a missing required flag or an unknown
variable is an :class:`~helpers.kit.errors.CommandLineError` saying what to type.

Only the commands the workshop uses are known; ``agentcore-local`` is accepted as
the program name too, since it takes the same flags.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NoReturn

from helpers.basics.i18n import N_, _
from helpers.kit.errors import CommandLineError
from helpers.model.cli_options import unknown_option

PROGRAMS = ("agentcore", "agentcore-local")
# The variables the workshop's text sets in its shell lines (from SSM, Cognito and uuid4);
# a notebook knows them without the shell. $TOKEN is the only secret among them.
WORKSHOP_VARIABLES = (
    "COGNITO_DISCOVERY_URL",
    "COGNITO_CLIENT_ID",
    "COGNITO_TOKEN_URL",
    "COGNITO_AUTH_SCOPE",
    "WARRANTY_LAMBDA_ARN",
    "TOKEN",
    "SESSION_C",
    "SESSION_D",
    "SESSION_E",
)
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_VARIABLE = re.compile(rf"\$(?:\{{(?P<braced>{_NAME})\}}|(?P<plain>{_NAME}))")
_ASSIGNMENT = re.compile(rf"(?P<name>{_NAME})=")
_CONTINUATION = re.compile(r"\\\r?\n")

# What each command looks like in the workshop text, for error messages.
USAGE = {
    "validate": "agentcore validate",
    "deploy": "agentcore deploy -y -v",
    "invoke": (
        'agentcore invoke "What\'s the return policy for electronics?" '
        '--session-id $SESSION_C --bearer-token "$TOKEN" --stream'
    ),
    "remove gateway": "agentcore remove gateway --name my-gateway -y",
    "remove all": "agentcore remove all -y",
    "add gateway": (
        "agentcore add gateway --name my-gateway-secure --runtimes CustomerSupport "
        "--authorizer-type CUSTOM_JWT --discovery-url $COGNITO_DISCOVERY_URL "
        "--allowed-clients $COGNITO_CLIENT_ID"
    ),
    "add gateway-target": (
        "agentcore add gateway-target --type lambda-function-arn --name WarrantyCheck "
        "--lambda-arn $WARRANTY_LAMBDA_ARN --tool-schema-file "
        "app/CustomerSupport/tool/warranty_schema.json --gateway my-gateway-secure"
    ),
}

# argparse words its errors in English only. These are the ones the workshop's parser can
# raise, shown in the learner's language; any other comes as argparse wrote it.
_ARGPARSE_ERRORS = (
    (
        re.compile(r"the following arguments are required: (?P<arguments>.+)"),
        N_("the following arguments are required: {arguments}"),
    ),
    (
        re.compile(r"unrecognized arguments: (?P<arguments>.+)"),
        N_("unrecognized arguments: {arguments}"),
    ),
    (
        re.compile(r"argument (?P<argument>\S+): expected one argument"),
        N_("argument {argument}: expected one argument"),
    ),
    (
        re.compile(
            r"argument (?P<argument>\S+): invalid choice: (?P<value>.+) "
            r"\(choose from (?P<choices>.+)\)"
        ),
        N_("argument {argument}: invalid choice: {value} (choose from {choices})"),
    ),
    (
        re.compile(r"argument (?P<argument>\S+): ignored explicit argument (?P<value>.+)"),
        N_("argument {argument}: ignored explicit argument {value}"),
    ),
)


def _argparse_error(message: str) -> str:
    """argparse's ``message`` in the learner's language, when it is one the parser raises."""
    for pattern, template in _ARGPARSE_ERRORS:
        match = pattern.fullmatch(message)
        if match:
            return _(template, **match.groupdict())
    return message


@dataclass(frozen=True)
class TypedCommand:
    """A parsed command: ``name`` is e.g. ``"add gateway"``; ``options`` its flags' values."""

    name: str
    options: Mapping[str, Any]

    def list_option(self, key: str) -> list[str]:
        """A comma-separated flag as a list (``--allowed-clients a,b``); empty when absent."""
        value = self.options.get(key)
        return [part.strip() for part in value.split(",") if part.strip()] if value else []


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of printing usage and exiting the kernel.

    The real CLI takes no abbreviated flags (``--nam`` is not ``--name``), so neither
    does this.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("add_help", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        raise CommandLineError(f"{self.prog}: {_argparse_error(message)}")


def _command_parser() -> _Parser:
    parser = _Parser(prog="agentcore")
    verbs = parser.add_subparsers(dest="verb", required=True, parser_class=_Parser)
    verbs.add_parser("validate", prog="agentcore validate")
    deploy = verbs.add_parser("deploy", prog="agentcore deploy")
    deploy.add_argument("-y", "--yes", action="store_true")
    deploy.add_argument("-v", "--verbose", action="store_true")
    deploy.add_argument("--target")
    invoke = verbs.add_parser("invoke", prog="agentcore invoke")
    invoke.add_argument("prompt")
    invoke.add_argument("--runtime")
    invoke.add_argument("--session-id")
    invoke.add_argument("--bearer-token")
    invoke.add_argument("--stream", action="store_true")

    remove = verbs.add_parser("remove", prog="agentcore remove")
    remove_kinds = remove.add_subparsers(dest="kind", required=True, parser_class=_Parser)
    remove_gateway = remove_kinds.add_parser("gateway", prog="agentcore remove gateway")
    remove_gateway.add_argument("--name", required=True)
    remove_gateway.add_argument("-y", "--yes", action="store_true")
    remove_all = remove_kinds.add_parser("all", prog="agentcore remove all")
    remove_all.add_argument("-y", "--yes", action="store_true")

    add = verbs.add_parser("add", prog="agentcore add")
    add_kinds = add.add_subparsers(dest="kind", required=True, parser_class=_Parser)
    gateway = add_kinds.add_parser("gateway", prog="agentcore add gateway")
    gateway.add_argument("--name", required=True)
    gateway.add_argument("--runtimes", required=True)
    gateway.add_argument("--description")
    gateway.add_argument("--authorizer-type", default="NONE")
    gateway.add_argument("--discovery-url")
    gateway.add_argument("--allowed-clients")
    target = add_kinds.add_parser("gateway-target", prog="agentcore add gateway-target")
    target.add_argument("--type", required=True, choices=["lambda-function-arn"])
    target.add_argument("--name", required=True)
    target.add_argument("--lambda-arn", required=True)
    target.add_argument("--tool-schema-file", required=True)
    target.add_argument("--gateway", required=True)
    return parser


# A variable's value, or how to get it when it is asked for (the token: fetched, never shown).
Value = str | Callable[[], str]


def expand(word: str, variables: Mapping[str, Value]) -> str:
    """``$NAME`` and ``${NAME}`` replaced by their values, as a shell does in double quotes."""

    def value(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("plain")
        if name not in variables:
            known = ", ".join(f"${known}" for known in WORKSHOP_VARIABLES)
            raise CommandLineError(
                _(
                    "${name} is not set. The workshop's variables are {known}; or paste the "
                    "value itself.",
                    name=name,
                    known=known,
                )
            )
        found = variables[name]
        return found() if callable(found) else found

    return _VARIABLE.sub(value, word)


def assigned_variable(line: str) -> str | None:
    """The name a shell assignment line sets (``SESSION_C=$(python3 …)``), else None."""
    match = _ASSIGNMENT.match(line.strip())
    return match["name"] if match else None


def one_line(line: str) -> str:
    """A typed command on one line, its backslash continuations joined, as it is shown."""
    return " ".join(_CONTINUATION.sub(" ", line.strip()).split())


def parse(line: str, variables: Mapping[str, Value]) -> TypedCommand:
    """Read one typed ``agentcore …`` line; raise :class:`CommandLineError` saying what is wrong."""
    try:
        # A backslash at the end of a line continues the command, as the text's lines do.
        words = shlex.split(_CONTINUATION.sub(" ", line.strip()), comments=True)
    except ValueError as error:  # an unclosed quote
        raise CommandLineError(_("Cannot read the command line: {error}.", error=error)) from error
    if not words:
        raise CommandLineError(_("Type a command, for example: agentcore validate"))
    if words[0] not in PROGRAMS:
        raise CommandLineError(
            _(
                "Commands here start with `agentcore` (got {program}); for example: {example}",
                program=repr(words[0]),
                example=USAGE["remove gateway"],
            )
        )
    arguments = [expand(word, variables) for word in words[1:]]
    parser = _command_parser()
    refusal = unknown_option(arguments, parser)
    if refusal:
        raise CommandLineError(f"{refusal}\n{_usage_hint(arguments)}")
    try:
        parsed = parser.parse_args(arguments)
    except CommandLineError as error:
        # The sentence ends as the language ends one: "." or "。".
        ended = _("{sentence}.", sentence=error)
        raise CommandLineError(f"{ended}\n{_usage_hint(arguments)}") from None
    options = vars(parsed)
    name = " ".join(part for part in (options.pop("verb"), options.pop("kind", None)) if part)
    return TypedCommand(name, options)


def _usage_hint(arguments: list[str]) -> str:
    """The workshop's form of the command typed, or of every command when none matches."""
    typed = " ".join(arguments[:2])
    names = [name for name in USAGE if typed == name or typed.startswith(name + " ")]
    names = names or [name for name in USAGE if name.split()[0] == typed.split(" ")[0]]
    chosen = [USAGE[max(names, key=len)]] if names else list(USAGE.values())
    return _("The workshop's form: {usage}", usage="\n  ".join(chosen))
