"""The workshop's own checks on ``agentcore.json``, on top of the CLI's rules.

Validation (:mod:`helpers.model.validation`) is stricter than the real CLI only where the
workshop needs a guard rail the CLI lacks (each such issue is marked ``kit_only``): an
unreplaced ``<... value>`` placeholder, a Lambda ARN that is not one, a tool schema file
that is missing or not a list of tools, two targets of one gateway with the same name, an
authorizer configuration on a gateway whose authorizer is not CUSTOM_JWT, AgentCore's
header rules the CLI does not check (restricted headers, repeats, ``Authorization``
without a JWT authorizer), AgentCore's pairing of a custom claim's operator with its value
type and match value (``EQUALS``: ``STRING`` and ``matchValueString``; ``CONTAINS``:
``STRING_ARRAY`` and ``matchValueString``; ``CONTAINS_ANY``: ``STRING_ARRAY`` and
``matchValueStringList``; the control plane's ``AuthorizingClaimMatchValueType`` and
``ClaimMatchValueType``, which the CLI accepts in any combination), target types and
resource kinds the local stack cannot run.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from helpers.basics.i18n import _
from helpers.model import headers
from helpers.model.config import ConfigJSONError, parse_json
from helpers.model.issues import ValidationIssue, fix_for
from helpers.model.names import LAMBDA_ARN, PLACEHOLDER
from helpers.model.schema import format_path
from helpers.model.schemas.authorizer import AUTH_CONFIG_NOT_ALLOWED
from helpers.model.schemas.gateway import TARGET_TYPES, TOOL_SCHEMA

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


class GuardRails:
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
                AUTH_CONFIG_NOT_ALLOWED,
                _(
                    "The gateway checks no token while authorizerType is {authorizer}: set "
                    '"authorizerType": "CUSTOM_JWT", or delete authorizerConfiguration.',
                    authorizer=authorizer,
                ),
            )

    def target(self, target: dict[str, Any], where: tuple[str | int, ...]) -> None:
        kind = target.get("targetType")
        if kind in TARGET_TYPES and kind != "lambdaFunctionArn":
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
        for issue in TOOL_SCHEMA.parse(tools).issues:
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
