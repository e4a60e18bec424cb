"""Check a project the way ``agentcore validate`` does, then apply the workshop's own checks.

Local mode has no CLI, so this is the learner's ``agentcore validate`` (and the check
``agentcore-local deploy`` and the notebooks' checkers run). It is never more lenient
than the real CLI 0.30.0: the CLI's rules (:mod:`helpers.model.project_schema`) are
applied to ``agentcore.json``, ``aws-targets.json`` and the deployed state in the CLI's
order, and each problem is reported at the CLI's path in the CLI's words, with the kit's
fix on the next line.

The CLI's words stay English, as the CLI prints them; the fixes and the workshop's own
checks are the learner's language (:func:`helpers.basics.i18n._`).

It is stricter only where the workshop needs a guard rail the CLI lacks (each such
issue is marked ``kit_only``): an unreplaced ``<... value>`` placeholder, a Lambda ARN
that is not one, a tool schema file that is missing or not a list of tools, two targets
of one gateway with the same name, an authorizer configuration on a gateway whose
authorizer is not CUSTOM_JWT, AgentCore's header rules the CLI does not check (restricted
headers, repeats, ``Authorization`` without a JWT authorizer), AgentCore's pairing of a
custom claim's operator with its value type and match value (``EQUALS``: ``STRING`` and
``matchValueString``; ``CONTAINS``: ``STRING_ARRAY`` and ``matchValueString``;
``CONTAINS_ANY``: ``STRING_ARRAY`` and ``matchValueStringList``; the control plane's
``AuthorizingClaimMatchValueType`` and ``ClaimMatchValueType``, which the CLI accepts in any
combination), target types and resource kinds the local stack cannot run.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from helpers.basics.i18n import _
from helpers.model import headers, project_schema
from helpers.model.config import CONFIG_PATH, ConfigJSONError, parse_json
from helpers.model.names import LAMBDA_ARN, PLACEHOLDER
from helpers.model.schema import Issue, Schema, format_path

AWS_TARGETS_PATH = Path("agentcore/aws-targets.json")
DEPLOYED_STATE_PATH = Path("agentcore/.cli/deployed-state.json")
NO_PROJECT = 'No agentcore project found. Run "agentcore create" first.'

# AgentCore's custom-claim operators, each with the value type and the match value it takes.
CLAIM_PAIRINGS = {
    "EQUALS": ("STRING", "matchValueString"),
    "CONTAINS": ("STRING_ARRAY", "matchValueString"),
    "CONTAINS_ANY": ("STRING_ARRAY", "matchValueStringList"),
}
CLAIM_EXAMPLES = {
    "matchValueString": '{"matchValueString": "..."}',
    "matchValueStringList": '{"matchValueStringList": ["...", "..."]}',
}
_EXAMPLES = {
    "string": '"text"',
    "number": "1",
    "int": "1",
    "boolean": "true",
    "array": '["..."]',
    "object": "{ ... }",
    "record": '{"name": "value"}',
}


@dataclass(frozen=True)
class ValidationIssue:
    """One problem: the file, where in it (a JSON path), what is wrong, and what to change.

    ``path`` and ``message`` are what the CLI prints (``path: message``); ``path`` is empty
    for a problem with the whole file. ``kit_only`` marks the workshop's own checks.
    """

    path: str
    message: str
    fix: str
    file: str = CONFIG_PATH.as_posix()
    kit_only: bool = False

    @property
    def line(self) -> str:
        """The problem as the CLI lists it."""
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True)
class ValidationResult:
    """The verdict on a project's files."""

    issues: list[ValidationIssue]

    @property
    def ok(self) -> bool:
        return not self.issues

    def format(self) -> str:
        """``Valid``, or each file's problems as the CLI lists them, each with its fix."""
        if self.ok:
            return "Valid"
        lines = []
        for file in dict.fromkeys(issue.file for issue in self.issues):
            lines += [f"{file}:"] if file else []
            for issue in self.issues:
                if issue.file == file:
                    lines += [f"  - {issue.line}", "    " + _("fix: {fix}", fix=issue.fix)]
        return "\n".join(lines)


def validate_project(
    project_dir: Path, value_sources: Mapping[str, str] | None = None
) -> ValidationResult:
    """Validate the project in ``project_dir`` (the folder holding ``agentcore/``).

    ``value_sources`` maps the names of values a learner pastes in (``client_id``) to
    where they are found (``SSM parameter /app/…/client_id``), for the fix hints.
    """
    path = Path(project_dir) / CONFIG_PATH
    if not path.is_file():
        fix = _(
            "Point at the project folder that holds agentcore/ and app/ (looked for {path}).",
            path=path,
        )
        return ValidationResult([ValidationIssue("", NO_PROJECT, fix, file="")])
    try:
        config = parse_json(path.read_text(encoding="utf-8"), CONFIG_PATH.name)
    except ConfigJSONError as err:
        return ValidationResult([ValidationIssue("", err.detail, err.hint)])
    return ValidationResult(validate_config(config, project_dir, value_sources))


def validate_config(
    config: Any, project_dir: Path | None = None, value_sources: Mapping[str, str] | None = None
) -> list[ValidationIssue]:
    """Every problem of a parsed ``agentcore.json``, the CLI's first, then the workshop's.

    With ``project_dir``, the project's other files are checked too (as the CLI does, only
    once ``agentcore.json`` passes its rules), and so are the tool schema files.
    """
    found = _issues(project_schema.PROJECT, config, CONFIG_PATH)
    guard = _GuardRails(project_dir, value_sources or {})
    guard.project(config)
    guard.placeholders(config, ())
    cli = [issue for issue in found if not issue.kit_only]
    if project_dir is not None and not cli:
        cli += _project_files(Path(project_dir))
    return cli + [issue for issue in found if issue.kit_only] + guard.issues


def _project_files(project_dir: Path) -> list[ValidationIssue]:
    """``aws-targets.json``, then the deployed state if a deploy wrote one, as the CLI checks."""
    targets_file = project_dir / AWS_TARGETS_PATH
    if not targets_file.is_file():
        return [
            ValidationIssue(
                "",
                "Required file not found: aws-targets.json",
                _(
                    "Create agentcore/aws-targets.json holding [] as `agentcore create` writes "
                    "it (the first `agentcore deploy` fills in the account and region)."
                ),
                file=AWS_TARGETS_PATH.as_posix(),
            )
        ]
    targets, issues = _read(
        project_dir, AWS_TARGETS_PATH, "aws-targets.json", project_schema.AWS_TARGETS
    )
    if issues or not (project_dir / DEPLOYED_STATE_PATH).is_file():
        return issues
    state = project_schema.deployed_state([target["name"] for target in targets])
    # The CLI labels this file by an older name in its JSON error.
    _state, issues = _read(project_dir, DEPLOYED_STATE_PATH, ".cli/state.json", state)
    return issues


def _read(
    project_dir: Path, file: Path, label: str, schema: Schema
) -> tuple[Any, list[ValidationIssue]]:
    """A project file parsed and checked; its value as the CLI keeps it, and its problems."""
    try:
        data = parse_json((project_dir / file).read_text(encoding="utf-8"), label)
    except ConfigJSONError as err:
        return None, [ValidationIssue("", err.detail, err.hint, file=file.as_posix())]
    parsed = schema.parse(data)
    return parsed.value, _issues_of(parsed.issues, file)


def _issues(schema: Schema, value: Any, file: Path) -> list[ValidationIssue]:
    return _issues_of(schema.parse(value).issues, file)


def _issues_of(issues: list[Issue], file: Path) -> list[ValidationIssue]:
    return [
        ValidationIssue(
            format_path(issue.shown_path),
            issue.message,
            issue.fix or fix_for(issue),
            file=file.as_posix(),
            kit_only=issue.kit_only,
        )
        for issue in issues
    ]


def fix_for(issue: Issue) -> str:
    """One sentence on what to change, for a problem whose rule carries no fix of its own."""
    where = format_path(issue.path)
    key = next((k for k in reversed(issue.path) if isinstance(k, str)), where)
    detail = issue.detail
    if issue.code == "type":
        kind = detail["kind"]
        if kind == "int":
            return _("Set {where} to a whole number, like 1.", where=where)
        # An entry of a list is named by its full path, a field by its key.
        name = where if issue.path and isinstance(issue.path[-1], int) else key
        if kind[0] in "aeiou":
            return _(
                "Change {name} to an {kind}, for example {example}.",
                name=name,
                kind=kind,
                example=_EXAMPLES[kind],
            )
        return _(
            "Change {name} to a {kind}, for example {example}.",
            name=name,
            kind=kind,
            example=_EXAMPLES[kind],
        )
    if issue.code == "enum":
        options = ", ".join(detail["options"])
        return _(
            "Set {where} to one of {options} (values are case-sensitive).",
            where=where,
            options=options,
        )
    if issue.code == "unknown_keys":
        return " ".join(_unknown_key_fix(key, detail["known"], where) for key in detail["keys"])
    if issue.code in ("too_small", "too_big"):
        return _size_fix(issue.code, key, detail)
    if issue.code == "duplicate":
        return _(
            'Rename or delete one of the entries named "{name}": names must be unique.',
            name=detail["name"],
        )
    if issue.code == "record_key":
        parent, reasons = format_path(issue.path[:-1]), "; ".join(detail["problems"])
        return _(
            "Rename the key {key} in {parent}: {reasons}.",
            key=json.dumps(issue.path[-1]),
            parent=parent,
            reasons=reasons,
        )
    return _("Change {where} so that it follows the rule above.", where=where)


def _unknown_key_fix(key: str, known: tuple[str, ...], where: str) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return _('Rename "{key}" to "{close}" (check the spelling).', key=key, close=close[0])
    return _('Remove "{key}" from {where}: the CLI knows no such key there.', key=key, where=where)


def _size_fix(code: str, key: str, detail: Mapping[str, Any]) -> str:
    kind = detail["kind"]
    if code == "too_small":
        bound = detail["minimum"]
        if kind == "number":
            return _("Set {key} to {bound} or more.", key=key, bound=bound)
        if kind == "array" and bound == 1:
            return _("List at least 1 entry in {key}.", key=key)
        if kind == "array":
            return _("List at least {bound} entries in {key}.", key=key, bound=bound)
        if bound == 1:
            return _("Give {key} at least 1 character.", key=key)
        return _("Give {key} at least {bound} characters.", key=key, bound=bound)
    bound = detail["maximum"]
    if kind == "number":
        return _("Set {key} to {bound} or less.", key=key, bound=bound)
    if kind == "array":
        return _("Keep at most {bound} entries in {key}.", key=key, bound=bound)
    return _("Shorten {key} to at most {bound} characters.", key=key, bound=bound)


def _placeholder_fix(token: str, value_sources: Mapping[str, str]) -> str:
    """Name where the value a placeholder stands for can be found, when it is known."""
    label = token[1:-1].strip()
    key = re.sub(r"\s+value$", "", label, flags=re.IGNORECASE).lower()
    key = re.sub(r"[^a-z0-9]+", "_", key)
    # Placeholder names vary (COGNITO_CLIENT_ID, LAMBDA_ARN): accept a suffix match
    # either way, but only when it points at a single value.
    matches = [
        name
        for name in value_sources
        if name == key or key.endswith(f"_{name}") or name.endswith(f"_{key}")
    ]
    if len(matches) == 1:
        return _(
            "Replace {placeholder} with the value of {source}.",
            placeholder=token,
            source=value_sources[matches[0]],
        )
    return _("Replace {placeholder} with the real {label}.", placeholder=token, label=label)


def _objects(value: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    items = value.get(key) if isinstance(value, dict) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict):
            yield index, item


class _GuardRails:
    """The workshop's checks the real CLI does not make; each walks only well-formed parts."""

    def __init__(self, project_dir: Path | None, value_sources: Mapping[str, str]):
        self.project_dir = project_dir
        self.value_sources = value_sources
        self.issues: list[ValidationIssue] = []

    def add(self, path: tuple[str | int, ...], message: str, fix: str) -> None:
        self.issues.append(ValidationIssue(format_path(path), message, fix, kit_only=True))

    def project(self, config: Any) -> None:
        for index, runtime in _objects(config, "runtimes"):
            self.header_allowlist(runtime, ("runtimes", index))
            self.custom_claims(runtime, ("runtimes", index))
        for index, gateway in _objects(config, "agentCoreGateways"):
            where = ("agentCoreGateways", index)
            self.gateway_authorizer(gateway, where)
            self.custom_claims(gateway, where)
            seen: set[str] = set()
            for position, target in _objects(gateway, "targets"):
                name = target.get("name")
                if isinstance(name, str) and name in seen:
                    self.add(
                        (*where, "targets", position, "name"),
                        _("Duplicate target name: {name}", name=name),
                        _(
                            'Rename or delete one of the targets named "{name}": the Gateway '
                            "names tools {name}___<tool>, so target names must be unique.",
                            name=name,
                        ),
                    )
                if isinstance(name, str):
                    seen.add(name)
                self.target(target, (*where, "targets", position))
        for index, target in _objects(config, "unassignedTargets"):
            self.target(target, ("unassignedTargets", index))

    def header_allowlist(self, runtime: dict[str, Any], where: tuple[str | int, ...]) -> None:
        names = runtime.get("requestHeaderAllowlist")
        if not isinstance(names, list) or not all(isinstance(name, str) for name in names):
            return
        jwt = runtime.get("authorizerType") == "CUSTOM_JWT"
        repeats = set(headers.repeated(names))
        for index, name in enumerate(names):
            at = (*where, "requestHeaderAllowlist", index)
            problem = headers.restricted_problem(name)
            if problem:
                self.add(at, problem, _('Remove "{name}" from requestHeaderAllowlist.', name=name))
            problem = headers.authorization_problem(name, jwt_authorizer=jwt)
            if problem:
                self.add(
                    at,
                    problem,
                    _(
                        "Set authorizerType to CUSTOM_JWT (with its authorizerConfiguration) or "
                        "drop Authorization, because AgentCore forwards that header only once "
                        "its JWT authorizer has checked the token; under AWS_IAM it carries the "
                        "caller's SigV4 signature."
                    ),
                )
            if index in repeats:
                self.add(
                    at,
                    _(
                        'Header "{name}" is listed twice (header names are case-insensitive)',
                        name=name,
                    ),
                    _(
                        'Delete this entry: "{name}" is already in requestHeaderAllowlist.',
                        name=name,
                    ),
                )

    def custom_claims(self, resource: dict[str, Any], where: tuple[str | int, ...]) -> None:
        """Each rule's operator with the value type and match value AgentCore pairs it with."""
        configuration = resource.get("authorizerConfiguration")
        jwt = configuration.get("customJwtAuthorizer") if isinstance(configuration, dict) else None
        if not isinstance(jwt, dict):
            return
        at = (*where, "authorizerConfiguration", "customJwtAuthorizer", "customClaims")
        for index, claim in _objects(jwt, "customClaims"):
            match = claim.get("authorizingClaimMatchValue")
            value = match.get("claimMatchValue") if isinstance(match, dict) else None
            operator = match.get("claimMatchOperator") if isinstance(match, dict) else None
            if operator not in CLAIM_PAIRINGS or not isinstance(value, dict):
                continue  # the CLI's rules report these
            value_type, value_key = CLAIM_PAIRINGS[operator]
            given_type = claim.get("inboundTokenClaimValueType")
            given_keys = [
                key for key in ("matchValueString", "matchValueStringList") if key in value
            ]
            if len(given_keys) != 1:
                continue  # none or both: the CLI's rules report it
            if given_type == value_type and given_keys == [value_key]:
                continue
            self.add(
                (*at, index),
                _(
                    "AgentCore takes {operator} only with inboundTokenClaimValueType {value_type} "
                    "and {value_key}",
                    operator=operator,
                    value_type=value_type,
                    value_key=value_key,
                ),
                _(
                    'Use "inboundTokenClaimValueType": "{value_type}" and "claimMatchValue": '
                    "{example}; or the operator that fits your value: EQUALS (a STRING claim "
                    "equal to one string), CONTAINS (a STRING_ARRAY claim holding one string), "
                    "CONTAINS_ANY (a STRING_ARRAY claim holding any of a list).",
                    value_type=value_type,
                    example=CLAIM_EXAMPLES[value_key],
                ),
            )

    def gateway_authorizer(self, gateway: dict[str, Any], where: tuple[str | int, ...]) -> None:
        authorizer = gateway.get("authorizerType", "NONE")
        if authorizer != "CUSTOM_JWT" and "authorizerConfiguration" in gateway:
            self.add(
                (*where, "authorizerConfiguration"),
                project_schema.AUTH_CONFIG_NOT_ALLOWED,
                _(
                    "The gateway checks no token while authorizerType is {authorizer}: set "
                    '"authorizerType": "CUSTOM_JWT", or delete authorizerConfiguration.',
                    authorizer=authorizer,
                ),
            )

    def target(self, target: dict[str, Any], where: tuple[str | int, ...]) -> None:
        kind = target.get("targetType")
        if kind in project_schema.TARGET_TYPES and kind != "lambdaFunctionArn":
            self.add(
                (*where, "targetType"),
                _("{kind} targets are not supported by the workshop kit", kind=kind),
                _("Use a lambdaFunctionArn target: the local Gateway calls Lambda functions only."),
            )
        config = target.get("lambdaFunctionArn")
        if kind != "lambdaFunctionArn" or not isinstance(config, dict):
            return
        at = (*where, "lambdaFunctionArn")
        arn = config.get("lambdaArn")
        if isinstance(arn, str) and not PLACEHOLDER.search(arn) and not LAMBDA_ARN.fullmatch(arn):
            found = [
                where for name, where in self.value_sources.items() if name.endswith("lambda_arn")
            ]
            self.add(
                (*at, "lambdaArn"),
                _(
                    "Must be a Lambda function ARN "
                    "(arn:aws:lambda:<region>:<account id>:function:<name>)"
                ),
                _("Paste the function's ARN from {source}.", source=found[0])
                if len(found) == 1
                else _("Paste the function's ARN."),
            )
        schema_file = config.get("toolSchemaFile")
        if isinstance(schema_file, str) and schema_file and self.project_dir is not None:
            self.tool_schema(Path(self.project_dir), schema_file, (*at, "toolSchemaFile"))

    def tool_schema(self, project_dir: Path, schema_file: str, at: tuple[str | int, ...]) -> None:
        """The file must exist under the project and hold the tools the Gateway will list."""
        file = project_dir / schema_file
        if not file.is_file():
            self.add(
                at,
                _("Tool schema file not found: {file}", file=schema_file),
                _(
                    "Create {file} under the project folder, or correct the path "
                    "(it is relative to the folder that holds agentcore/).",
                    file=schema_file,
                ),
            )
            return
        try:
            tools = parse_json(file.read_text(encoding="utf-8"), schema_file)
        except (ConfigJSONError, UnicodeDecodeError) as err:
            hint = err.hint if isinstance(err, ConfigJSONError) else _("Save it as UTF-8.")
            self.add(at, _("Tool schema file is not valid JSON: {file}", file=schema_file), hint)
            return
        for issue in project_schema.TOOL_SCHEMA.parse(tools).issues:
            self.add(
                at,
                f"{schema_file}: {format_path(issue.shown_path)}: {issue.message}",
                issue.fix or fix_for(issue),
            )

    def placeholders(self, value: Any, path: tuple[str | int, ...]) -> None:
        """Report every ``<...>`` left in a string: the CLI would deploy it as is."""
        if isinstance(value, str):
            for match in PLACEHOLDER.finditer(value):
                token = match.group()
                self.add(
                    path,
                    _("Unreplaced placeholder {placeholder}", placeholder=token),
                    _placeholder_fix(token, self.value_sources),
                )
        elif isinstance(value, dict):
            for key, item in value.items():
                self.placeholders(item, (*path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.placeholders(item, (*path, index))
