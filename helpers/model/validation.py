"""Check an ``agentcore.json`` the way ``agentcore validate`` does, and a little more.

Local mode has no CLI, so this is the learner's ``agentcore validate``. It follows
the CLI 0.30.0 rules that matter for this module (and quotes the CLI's messages),
then adds what the CLI misses: an unreplaced ``<... value>`` placeholder, and a
Lambda target's tool schema file that is missing or malformed. Every issue
names its JSON path and says, in one sentence, what to change.

Keys this module does not know are not errors: the CLI's schema has many more.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from helpers.model.config import CONFIG_PATH, ConfigJSONError, read_config
from helpers.model.edits import GATEWAY_AUTHORIZER_TYPES
from helpers.model.i18n import _
from helpers.model.names import (
    GATEWAY_NAME,
    LAMBDA_ARN,
    PLACEHOLDER,
    RUNTIME_NAME,
    WELL_KNOWN_SUFFIX,
)

HEADER_PREFIX = "X-Amzn-Bedrock-AgentCore-Runtime-Custom-"
MAX_HEADERS = 20

AUTH_CONFIG_REQUIRED = (
    "authorizerConfiguration with customJwtAuthorizer is required when authorizerType is CUSTOM_JWT"
)
AUTH_CONFIG_NOT_ALLOWED = (
    "authorizerConfiguration is only allowed when authorizerType is CUSTOM_JWT"
)
AT_LEAST_ONE = (
    "At least one of allowedAudience, allowedClients, allowedScopes, or customClaims "
    "must be provided"
)

_PYTHON_VERSIONS = tuple(f"PYTHON_3_{minor}" for minor in range(10, 15))
_TARGET_TYPES = (
    "lambda",
    "mcpServer",
    "openApiSchema",
    "smithyModel",
    "apiGateway",
    "lambdaFunctionArn",
    "httpRuntime",
    "connector",
    "passthrough",
)
# Arrays checked for their type only; runtimes, gateways and unassigned targets
# get a full walk in _Checker.project.
_OTHER_ARRAYS = (
    "memories",
    "knowledgeBases",
    "credentials",
    "evaluators",
    "onlineEvalConfigs",
    "policyEngines",
    "configBundles",
    "abTests",
    "harnesses",
    "datasets",
    "capacityProviders",
    "payments",
)
_KINDS: dict[str, Any] = {
    "string": str,
    "integer": int,
    "boolean": bool,
    "array": list,
    "object": dict,
}
_EXAMPLES = {
    "string": '"text"',
    "integer": "1",
    "boolean": "true",
    "array": '["..."]',
    "object": "{ ... }",
}


@dataclass(frozen=True)
class ValidationIssue:
    """One problem: where it is (a JSON path), what is wrong, and what to change."""

    path: str
    message: str
    fix: str


@dataclass(frozen=True)
class ValidationResult:
    """The verdict on a project's ``agentcore.json``."""

    issues: list[ValidationIssue]

    @property
    def ok(self) -> bool:
        return not self.issues

    def format(self) -> str:
        """CLI-like text: ``Valid``, or the file name and one entry (with its fix) per issue."""
        if self.ok:
            return "Valid"
        lines = [f"{CONFIG_PATH.as_posix()}:"]
        for issue in self.issues:
            where = f"{issue.path}: " if issue.path else ""
            lines += [f"  - {where}{issue.message}", "    " + _("fix: {fix}", fix=issue.fix)]
        return "\n".join(lines)


def validate_project(
    project_dir: Path, value_sources: Mapping[str, str] | None = None
) -> ValidationResult:
    """Validate ``agentcore/agentcore.json`` in a project folder, tool schema files included.

    ``value_sources`` maps the names of values a learner pastes in (``client_id``) to
    where they are found (``SSM parameter /app/…/client_id``), for the fix hints.
    """
    try:
        config = read_config(project_dir)
    except ConfigJSONError as err:
        return ValidationResult([ValidationIssue("", err.detail, err.hint)])
    except FileNotFoundError:
        return ValidationResult(
            [
                ValidationIssue(
                    "",
                    _(
                        "{config} not found in {project}",
                        config=CONFIG_PATH.as_posix(),
                        project=project_dir,
                    ),
                    _("Point at the project folder that holds agentcore/ and app/."),
                )
            ]
        )
    return ValidationResult(validate_config(config, project_dir, value_sources))


def validate_config(
    config: dict[str, Any],
    project_dir: Path | None = None,
    value_sources: Mapping[str, str] | None = None,
) -> list[ValidationIssue]:
    """Every issue in a parsed config; tool schema files are checked only with a project_dir."""
    checker = _Checker(project_dir, value_sources or {})
    checker.project(config)
    checker.placeholders(config, "")
    return checker.issues


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _is_kind(value: Any, kind: str) -> bool:
    # bool is an int in Python but not a number in JSON.
    return isinstance(value, _KINDS[kind]) and not (kind == "integer" and isinstance(value, bool))


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


class _Checker:
    """Walks a config and collects issues; one method per kind of object."""

    def __init__(self, project_dir: Path | None, value_sources: Mapping[str, str]):
        self.project_dir = project_dir
        self.value_sources = value_sources
        self.issues: list[ValidationIssue] = []

    def _source_of(self, suffix: str, advice: str) -> str:
        """``advice``, naming where the value is found when a value source ends in ``suffix``."""
        found = [where for name, where in self.value_sources.items() if name.endswith(suffix)]
        if len(found) == 1:
            return _("{advice} from {source}.", advice=advice, source=found[0])
        return _("{advice}.", advice=advice)

    def add(self, path: str, message: str, fix: str) -> None:
        self.issues.append(ValidationIssue(path, message, fix))

    def field(
        self, obj: dict[str, Any], key: str, path: str, kind: str, *, required: bool = False
    ) -> Any:
        """The value of ``obj[key]`` if present and of the right JSON type, else None.

        A string holding a placeholder also gives None: the placeholder is reported
        on its own, and format checks on it would only add noise.
        """
        where = _at(path, key)
        if key not in obj:
            if required:
                self.add(
                    where,
                    f"expected {kind}, received undefined",
                    _(
                        'Add the missing "{key}" ({kind}, for example {example}).',
                        key=key,
                        kind=kind,
                        example=_EXAMPLES[kind],
                    ),
                )
            return None
        value = obj[key]
        if not _is_kind(value, kind):
            self.add(
                where,
                f"expected {kind}, received {_json_type(value)}",
                _(
                    "Change {key} to a {kind}, for example {example}.",
                    key=key,
                    kind=kind,
                    example=_EXAMPLES[kind],
                ),
            )
            return None
        if isinstance(value, str) and PLACEHOLDER.search(value):
            return None
        return value

    def enum(
        self,
        obj: dict[str, Any],
        key: str,
        path: str,
        choices: tuple[str, ...],
        *,
        required: bool = False,
        default: str | None = None,
    ) -> str | None:
        """The value if it is one of ``choices`` (``default`` when absent), else None."""
        if key not in obj and not required:
            return default
        value = self.field(obj, key, path, "string", required=required)
        if value is None or value in choices:
            return value
        expected = " | ".join(f'"{choice}"' for choice in choices)
        self.add(
            _at(path, key),
            f"expected {expected}, received {json.dumps(value)}",
            _(
                "Set {key} to one of {choices} (values are case-sensitive).",
                key=key,
                choices=", ".join(choices),
            ),
        )
        return None

    def objects(
        self, obj: dict[str, Any], key: str, path: str, *, required: bool = False
    ) -> list[tuple[str, dict[str, Any]]]:
        """The entries of an array of objects, with their paths; other entries are reported."""
        items = self.field(obj, key, path, "array", required=required) or []
        entries = []
        for index, item in enumerate(items):
            where = _at(_at(path, key), index)
            if isinstance(item, dict):
                entries.append((where, item))
            else:
                self.add(
                    where,
                    f"expected object, received {_json_type(item)}",
                    _("Make each entry of {key} a JSON object ({{ ... }}).", key=key),
                )
        return entries

    def strings(self, values: list[Any], path: str, key: str) -> None:
        for index, value in enumerate(values):
            if not isinstance(value, str) or not value:
                self.add(
                    _at(path, index),
                    f"expected non-empty string, received {json.dumps(value)}",
                    _('Make every entry of {key} a non-empty string, like ["value"].', key=key),
                )

    def unique(self, entries: list[tuple[str, dict[str, Any]]], message: str, what: str) -> None:
        seen: set[str] = set()
        for path, entry in entries:
            name = entry.get("name")
            if not isinstance(name, str):
                continue
            if name in seen:
                self.add(
                    _at(path, "name"),
                    f"{message}: {name}",
                    _(
                        'Rename or delete one of the {what}s named "{name}": names must be unique.',
                        what=what,
                        name=name,
                    ),
                )
            seen.add(name)

    def project(self, config: dict[str, Any]) -> None:
        self.field(config, "name", "", "string", required=True)
        self.field(config, "version", "", "integer", required=True)
        for key in _OTHER_ARRAYS:
            self.field(config, key, "", "array")
        runtimes = self.objects(config, "runtimes", "")
        for path, runtime in runtimes:
            self.runtime(runtime, path)
        self.unique(runtimes, "Duplicate agent name", "runtime")
        gateways = self.objects(config, "agentCoreGateways", "")
        for path, gateway in gateways:
            self.gateway(gateway, path)
        self.unique(gateways, "Duplicate gateway name", "gateway")
        unassigned = self.objects(config, "unassignedTargets", "")
        for path, target in unassigned:
            self.target(target, path)
        self.unique(unassigned, "Duplicate unassigned target name", "unassigned target")

    def runtime(self, runtime: dict[str, Any], path: str) -> None:
        name = self.field(runtime, "name", path, "string", required=True)
        if name is not None and not RUNTIME_NAME.fullmatch(name):
            self.add(
                _at(path, "name"),
                "Must begin with a letter and contain only alphanumeric characters and "
                "underscores (max 48 chars)",
                _(
                    "Rename the runtime with letters, digits and underscores only, starting "
                    "with a letter (no hyphens)."
                ),
            )
        self.enum(runtime, "build", path, ("CodeZip", "Container"), required=True)
        for key, example in (("entrypoint", "main.py"), ("codeLocation", "app/CustomerSupport/")):
            if self.field(runtime, key, path, "string", required=True) == "":
                self.add(
                    _at(path, key),
                    f"{key} must not be empty",
                    _('Set {key} as the CLI wrote it, like "{example}".', key=key, example=example),
                )
        self.enum(runtime, "runtimeVersion", path, _PYTHON_VERSIONS)
        self.enum(runtime, "networkMode", path, ("PUBLIC", "VPC"))
        self.enum(runtime, "protocol", path, ("HTTP", "MCP", "A2A", "AGUI"))
        # An absent authorizerType means AWS_IAM, the runtime's default.
        authorizer = self.enum(
            runtime, "authorizerType", path, ("AWS_IAM", "CUSTOM_JWT"), default="AWS_IAM"
        )
        self.header_allowlist(runtime, path, authorizer)
        self.authorizer(runtime, path, authorizer)

    def header_allowlist(self, runtime: dict[str, Any], path: str, authorizer: str | None) -> None:
        headers = self.field(runtime, "requestHeaderAllowlist", path, "array")
        if headers is None:
            return
        where = _at(path, "requestHeaderAllowlist")
        if len(headers) > MAX_HEADERS:
            self.add(
                where,
                f"Maximum {MAX_HEADERS} headers allowed",
                _(
                    "Keep at most {maximum} headers in requestHeaderAllowlist.",
                    maximum=MAX_HEADERS,
                ),
            )
        for index, header in enumerate(headers):
            if not isinstance(header, str):
                self.add(
                    _at(where, index),
                    f"expected string, received {_json_type(header)}",
                    _('List header names as strings, like "Authorization".'),
                )
            elif header == "Authorization":
                if authorizer not in (None, "CUSTOM_JWT"):
                    self.add(
                        _at(where, index),
                        "Authorization may be listed only when authorizerType is CUSTOM_JWT",
                        _(
                            "Set authorizerType to CUSTOM_JWT (with its authorizerConfiguration) "
                            "or drop Authorization, because AgentCore forwards that header only "
                            "once its JWT authorizer has checked the token; under AWS_IAM it "
                            "carries the caller's SigV4 signature."
                        ),
                    )
            elif not header.startswith(HEADER_PREFIX):
                self.add(
                    _at(where, index),
                    f'Must be "Authorization" or start with "{HEADER_PREFIX}"',
                    _("Rename the header to {prefix}<name> or remove it.", prefix=HEADER_PREFIX),
                )

    def authorizer(self, obj: dict[str, Any], path: str, authorizer: str | None) -> None:
        """The rules tying authorizerType to authorizerConfiguration, for runtimes and gateways."""
        if authorizer is None:
            return
        where = _at(path, "authorizerConfiguration")
        config = obj.get("authorizerConfiguration")
        if authorizer != "CUSTOM_JWT":
            if "authorizerConfiguration" in obj:
                self.add(
                    where,
                    AUTH_CONFIG_NOT_ALLOWED,
                    _(
                        'Set "authorizerType": "CUSTOM_JWT" so the JWT check is actually on, '
                        "or delete authorizerConfiguration."
                    ),
                )
            return
        if not isinstance(config, dict) or "customJwtAuthorizer" not in config:
            if config is None or isinstance(config, dict):
                self.add(
                    where,
                    AUTH_CONFIG_REQUIRED,
                    _(
                        'Add "authorizerConfiguration": {"customJwtAuthorizer": {"discoveryUrl": '
                        '..., "allowedClients": [...]}} with the Cognito discovery URL and app '
                        "client id."
                    ),
                )
            else:
                self.field(obj, "authorizerConfiguration", path, "object")
            return
        jwt = self.field(config, "customJwtAuthorizer", where, "object")
        if jwt is not None:
            self.custom_jwt(jwt, _at(where, "customJwtAuthorizer"))

    def custom_jwt(self, jwt: dict[str, Any], path: str) -> None:
        url = self.field(jwt, "discoveryUrl", path, "string", required=True)
        if url is not None:
            self.discovery_url(url, _at(path, "discoveryUrl"))
        provided = False
        for key in ("allowedAudience", "allowedClients", "allowedScopes"):
            values = self.field(jwt, key, path, "array")
            if values:
                self.strings(values, _at(path, key), key)
                provided = True
        claims = self.objects(jwt, "customClaims", path)
        for claim_path, claim in claims:
            self.custom_claim(claim, claim_path)
        # Like the CLI, an empty list counts as not provided.
        if not provided and not jwt.get("customClaims"):
            self.add(
                path,
                AT_LEAST_ONE,
                _(
                    "Add the Cognito app client id to allowedClients, like "
                    '"allowedClients": ["<client id>"].'
                ),
            )

    def discovery_url(self, url: str, path: str) -> None:
        parts = urlsplit(url)
        if not (parts.scheme and parts.netloc) or any(char.isspace() for char in url):
            self.add(
                path,
                "Must be a valid URL",
                _(
                    "Paste the full URL, like https://cognito-idp.<region>.amazonaws.com/"
                    "<pool id>{suffix}.",
                    suffix=WELL_KNOWN_SUFFIX,
                ),
            )
            return
        if not url.startswith("https://"):
            self.add(
                path,
                "OIDC discovery URL must use HTTPS",
                _(
                    "Start the URL with https://: the discovery document names the token "
                    "signing keys, so it must not travel over plain HTTP."
                ),
            )
        if not url.endswith(WELL_KNOWN_SUFFIX):
            self.add(
                path,
                f"OIDC discovery URL must end with '{WELL_KNOWN_SUFFIX}'",
                _(
                    "Append {suffix} to the issuer URL (the discovery URL, not the "
                    "issuer or the JWKS URL, goes here).",
                    suffix=WELL_KNOWN_SUFFIX,
                ),
            )

    def custom_claim(self, claim: dict[str, Any], path: str) -> None:
        name = self.field(claim, "inboundTokenClaimName", path, "string", required=True)
        if name == "client_id":
            self.add(
                _at(path, "inboundTokenClaimName"),
                "Claim name cannot be a reserved name (client_id)",
                _("Match the client id with allowedClients instead of a custom claim."),
            )
        self.enum(
            claim, "inboundTokenClaimValueType", path, ("STRING", "STRING_ARRAY"), required=True
        )
        match = self.field(claim, "authorizingClaimMatchValue", path, "object", required=True)
        if match is None:
            return
        match_path = _at(path, "authorizingClaimMatchValue")
        self.enum(
            match,
            "claimMatchOperator",
            match_path,
            ("EQUALS", "CONTAINS", "CONTAINS_ANY"),
            required=True,
        )
        value = self.field(match, "claimMatchValue", match_path, "object", required=True)
        if value is None:
            return
        value_path = _at(match_path, "claimMatchValue")
        has_string = "matchValueString" in value
        has_list = "matchValueStringList" in value
        if has_string == has_list:
            self.add(
                value_path,
                "Only one of matchValueString or matchValueStringList may be provided"
                if has_string
                else "Either matchValueString or matchValueStringList must be provided",
                _(
                    'Give exactly one of "matchValueString": "..." (EQUALS, CONTAINS) or '
                    '"matchValueStringList": ["..."] (CONTAINS_ANY).'
                ),
            )
        self.field(value, "matchValueString", value_path, "string")
        values = self.field(value, "matchValueStringList", value_path, "array")
        if values is not None:
            self.strings(values, _at(value_path, "matchValueStringList"), "matchValueStringList")

    def gateway(self, gateway: dict[str, Any], path: str) -> None:
        name = self.field(gateway, "name", path, "string", required=True)
        if name is not None and not GATEWAY_NAME.fullmatch(name):
            self.add(
                _at(path, "name"),
                "Gateway name must be alphanumeric with optional hyphens (max 100 chars)",
                _(
                    "Rename the gateway with letters, digits and inner hyphens only, like "
                    "my-gateway-secure."
                ),
            )
        self.enum(gateway, "protocolType", path, ("MCP", "None"))
        self.field(gateway, "description", path, "string")
        # An absent authorizerType means NONE, the gateway's default.
        authorizer = self.enum(
            gateway, "authorizerType", path, GATEWAY_AUTHORIZER_TYPES, default="NONE"
        )
        self.authorizer(gateway, path, authorizer)
        self.field(gateway, "enableSemanticSearch", path, "boolean")
        self.enum(gateway, "exceptionLevel", path, ("NONE", "DEBUG"))
        targets = self.objects(gateway, "targets", path, required=True)
        for target_path, target in targets:
            self.target(target, target_path)
        self.unique(targets, "Duplicate target name", "target")

    def target(self, target: dict[str, Any], path: str) -> None:
        if self.field(target, "name", path, "string", required=True) == "":
            self.add(_at(path, "name"), "name must not be empty", _("Give the target a name."))
        target_type = self.enum(target, "targetType", path, _TARGET_TYPES, required=True)
        if target_type != "lambdaFunctionArn":
            return
        where = _at(path, "lambdaFunctionArn")
        if "lambdaFunctionArn" not in target:
            self.add(
                where,
                "lambdaFunctionArn config is required for lambdaFunctionArn target type",
                _('Add "lambdaFunctionArn": {"lambdaArn": ..., "toolSchemaFile": ...}.'),
            )
            return
        config = self.field(target, "lambdaFunctionArn", path, "object")
        if config is None:
            return
        arn = self.field(config, "lambdaArn", where, "string", required=True)
        if arn is not None and not LAMBDA_ARN.fullmatch(arn):
            self.add(
                _at(where, "lambdaArn"),
                "Must be a Lambda function ARN "
                "(arn:aws:lambda:<region>:<account id>:function:<name>)",
                self._source_of("lambda_arn", _("Paste the function's ARN")),
            )
        schema_file = self.field(config, "toolSchemaFile", where, "string", required=True)
        if schema_file and self.project_dir is not None:
            self.tool_schema(self.project_dir, schema_file, _at(where, "toolSchemaFile"))

    def tool_schema(self, project_dir: Path, schema_file: str, path: str) -> None:
        """The file must exist under the project and hold a list of MCP tool definitions."""
        file = Path(project_dir) / schema_file
        if not file.is_file():
            self.add(
                path,
                _("Tool schema file not found: {file}", file=schema_file),
                _(
                    "Create {file} under the project folder, or correct the path "
                    "(it is relative to the folder that holds agentcore/).",
                    file=schema_file,
                ),
            )
            return
        try:
            tools = json.loads(file.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as err:
            where = (
                _(" at line {line}, column {column}", line=err.lineno, column=err.colno)
                if isinstance(err, json.JSONDecodeError)
                else ""
            )
            self.add(
                path,
                _("{file} is not valid JSON{where}", file=schema_file, where=where),
                _("Fix the JSON syntax of {file}{where}.", file=schema_file, where=where),
            )
            return
        if not isinstance(tools, list) or not tools:
            self.add(
                path,
                _("{file} must be a non-empty JSON array of tool definitions", file=schema_file),
                _("Write the tools as [{...}, ...], one object per tool the Lambda serves."),
            )
            return
        for index, tool in enumerate(tools):
            problem = _tool_problem(tool)
            if problem:
                self.add(
                    path,
                    _(
                        "{file}: tool [{index}] {problem}",
                        file=schema_file,
                        index=index,
                        problem=problem,
                    ),
                    _(
                        'Give each tool a string "name", a string "description" and an '
                        '"inputSchema" object with "type": "object".'
                    ),
                )

    def placeholders(self, value: Any, path: str) -> None:
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
                self.placeholders(item, _at(path, key))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.placeholders(item, _at(path, index))


def _tool_problem(tool: Any) -> str | None:
    if not isinstance(tool, dict):
        return _("is not an object")
    if not isinstance(tool.get("name"), str) or not tool["name"]:
        return _('needs a string "name"')
    if not isinstance(tool.get("description"), str):
        return _('needs a string "description"')
    schema = tool.get("inputSchema")
    if not isinstance(schema, dict):
        return _('needs an "inputSchema" object')
    if schema.get("type") != "object":
        return _('needs "type": "object" in its inputSchema')
    return None
